#!/usr/bin/env bash
# End-to-end tests of the real app window, in the private desktop of scripts/desktop.sh. Screenshots
# go to target/e2e/. Expects ui/dist built (scripts/test.sh). E2E_SUITE picks the test file
# (default workbench), E2E_FILTER a test name.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet -p agentdesk
cargo test --quiet -p agentdesk-e2e --no-run
bash scripts/desktop.sh cargo test --quiet -p agentdesk-e2e --test "${E2E_SUITE:-workbench}" -- --ignored --test-threads=1 --nocapture ${E2E_FILTER:-}
