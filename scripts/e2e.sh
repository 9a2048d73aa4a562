#!/usr/bin/env bash
# End-to-end tests of the real app window, in the private desktop of scripts/desktop.sh. Screenshots
# go to target/e2e/. Expects ui/dist built (scripts/test.sh). E2E_SUITE picks the test file
# (default workbench), E2E_FILTER a test name.
set -euo pipefail
cd "$(dirname "$0")/.."
# The app and the end-to-end tests, built exactly as the test suite's build builds them (the whole
# workspace's features: a `-p` build would compile some thirty crates a second time with fewer).
cargo test --workspace --locked --quiet --no-run
# WebKitWebDriver's screenshot hangs in WebKit's non-composited mode under Xvfb once a conversation is
# open (reproducible; the window itself keeps drawing), so the functional tests run with GL
# compositing. The benchmarks (E2E_SUITE=bench) measure the app's own choice (auto: off without a GPU).
if [ "${E2E_SUITE:-workbench}" = workbench ]; then
  export AGENTDESK_COMPOSITING="${AGENTDESK_COMPOSITING:-on}"
fi
bash scripts/desktop.sh cargo test --workspace --locked --quiet --test "${E2E_SUITE:-workbench}" -- --ignored --test-threads=1 --nocapture ${E2E_FILTER:-}
