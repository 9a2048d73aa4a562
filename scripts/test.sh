#!/usr/bin/env bash
# Sets up and runs every check and test: UI type check, unit tests and build; Rust formatting and
# clippy with warnings as errors; all Rust unit, integration and soak tests (inside a private desktop
# session, so keychain tests use the real gnome-keyring); and the end-to-end tests of the real window
# under Xvfb (scripts/e2e.sh); then the Linux and Windows packages, installed and removed for real
# (tests/packaging/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# A clean build of every test binary takes about 3.7 GB, and the Windows cross-build of the package
# tests about 2.8 GB more (measured; BENCHMARKS.md has the CI figures).
# Running out half-way shows up as the linker dying with SIGBUS, so say it plainly up front.
target_dir="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target_dir"
built_kb=$(du -sk "$target_dir" | cut -f1)
free_kb=$(df -Pk "$target_dir" | awk 'NR == 2 { print $4 }')
needed_kb=$((8 * 1024 * 1024 - built_kb))
if [ "$free_kb" -lt "$needed_kb" ]; then
  echo "test: only $((free_kb / 1024)) MB free where the build goes ($target_dir); the tests need about" \
    "$((needed_kb / 1024)) MB more. Free some disk space (or set CARGO_TARGET_DIR elsewhere) and run again." >&2
  exit 1
fi
# Each stage is timed; the times are printed at the end (also when a stage fails), for BENCHMARKS.md.
stage_times=()
stage() {
  local name="$1" started
  shift
  echo "== $name"
  started=$(date +%s)
  "$@"
  stage_times+=("$(printf '%5d s  %s' "$(($(date +%s) - started))" "$name")")
}
print_stage_times() {
  echo "== stage times"
  printf '%s\n' "${stage_times[@]}"
}
trap print_stage_times EXIT

ui_checks() { (cd ui && npm run --silent typecheck && npx vitest run && npm run --silent build); }
rust_tests() {
  cargo test --workspace --locked --no-run --quiet
  bash scripts/desktop.sh cargo test --workspace --locked
}

stage "ui: typecheck, unit tests, build" ui_checks
stage "cargo fmt --check" cargo fmt --all -- --check
stage "cargo clippy -D warnings" cargo clippy --workspace --all-targets --locked -- -D warnings
stage "the API library builds without the demo sandbox (no axum)" cargo clippy -p agentdesk-api --lib --locked -- -D warnings
stage "macOS compile check (what builds without Apple's SDK)" bash scripts/check-macos.sh
stage "the sentence encoder on 64-bit ARM (aarch64 under qemu: Apple silicon's code path)" bash scripts/check-arm.sh
stage "cargo test (in a private desktop session: the real Secret Service, D-Bus, Xvfb)" rust_tests
stage "end-to-end (real window)" bash scripts/e2e.sh
# The packages are built from the debug build here: the same installer steps as a release
# (bash scripts/package.sh linux|windows), in a fraction of the time.
export AGENTDESK_PACKAGE_PROFILE=debug
stage "Linux packages: build" bash scripts/package.sh linux
stage "Linux packages: install with dpkg, run the installed app in the real window, remove" bash tests/packaging/linux.sh
stage "Windows build and installer (cross-built)" bash scripts/package.sh windows
stage "Windows: run under Wine" bash tests/packaging/windows.sh
