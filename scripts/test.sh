#!/usr/bin/env bash
# Sets up and runs every check and test: UI type check, unit tests and build; Rust formatting and
# clippy with warnings as errors; all Rust unit, integration and soak tests (inside a private desktop
# session, so keychain tests use the real gnome-keyring); and the end-to-end tests of the real window
# under Xvfb (scripts/e2e.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== ui: typecheck, unit tests, build"
(cd ui && npm run --silent typecheck && npx vitest run && npm run --silent build)
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test (in a private desktop session: the real Secret Service, D-Bus, Xvfb)"
cargo test --workspace --locked --no-run --quiet
bash scripts/desktop.sh cargo test --workspace --locked
echo "== end-to-end (real window)"
bash scripts/e2e.sh
