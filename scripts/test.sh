#!/usr/bin/env bash
# Sets up and runs every check and test: formatting, clippy with warnings as errors, and all unit,
# integration and end-to-end tests (they start the sandbox on 127.0.0.1:0 themselves).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
