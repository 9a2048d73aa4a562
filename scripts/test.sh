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
  stage_times+=("$(printf '%5d s  %6s MB in %s  %s' "$(($(date +%s) - started))" \
    "$(($(du -sk "$target_dir" | cut -f1) / 1024))" "$target_dir" "$name")")
}
print_stage_times() {
  echo "== stage times"
  printf '%s\n' "${stage_times[@]}"
}
# Jobs run beside the tests (below) end with the script, whichever way it ends.
background_jobs=()
end() {
  local pid
  for pid in "${background_jobs[@]}"; do
    kill -- "-$pid" 2>/dev/null && echo "test: stopped background job $pid"
  done
  print_stage_times
}
trap end EXIT
# Starts "$@" in the background (a process group of its own, so that stopping it stops everything it
# started), its output in $log_dir/$1.log; `finish NAME` waits for it.
log_dir="$target_dir/test-logs"
mkdir -p "$log_dir"
declare -A job_pids
beside() {
  local name="$1"
  shift
  setsid "$@" >"$log_dir/$name.log" 2>&1 &
  job_pids[$name]=$!
  background_jobs+=("$!")
}
finish() {
  local name="$1" status=0
  wait "${job_pids[$name]}" || status=$?
  background_jobs=("${background_jobs[@]/${job_pids[$name]}/}")
  tail -n 5 "$log_dir/$name.log"
  if [ "$status" -ne 0 ]; then
    echo "test: $name failed (exit $status); its whole output:" >&2
    cat "$log_dir/$name.log" >&2
    return "$status"
  fi
}

ui_checks() { (cd ui && npm run --silent typecheck && npx vitest run && npm run --silent build); }
api_without_demo() {
  local members=(--workspace --exclude agentdesk --exclude agentdesk-cli --exclude agentdesk-e2e)
  if cargo tree "${members[@]}" --locked -e normal --prefix none -i agentdesk-sandbox | grep -q '^agentdesk-api '; then
    echo "test: another member turns on agentdesk-api's demo feature; leave it out of this check too" >&2
    return 1
  fi
  cargo clippy "${members[@]}" --lib --locked -- -D warnings
}

stage "ui: typecheck, unit tests, build" ui_checks
# The packages below use this build of the UI.
export AGENTDESK_UI_BUILT=1
stage "cargo fmt --check" cargo fmt --all -- --check
stage "cargo clippy -D warnings" cargo clippy --workspace --all-targets --locked -- -D warnings
# The API library without the demo sandbox: the members that turn `demo` on (the app, the CLI, the
# end-to-end tests) left out, so agentdesk-api builds without it (and without axum) while every
# dependency keeps the features the clippy run above checked it with (3 minutes less than `-p`).
stage "the API library builds without the demo sandbox (no axum)" api_without_demo
stage "macOS compile check (what builds without Apple's SDK)" bash scripts/check-macos.sh
stage "Rust test programs: build" cargo test --workspace --locked --no-run --quiet
stage "the sentence encoder on 64-bit ARM: build" bash scripts/check-arm.sh build
# The packages are built from the debug build here: the same installer steps as a release
# (bash scripts/package.sh linux|windows), in a fraction of the time.
export AGENTDESK_PACKAGE_PROFILE=debug
# Beside the Rust tests, which mostly wait (on loopback servers, timers, the desktop session): the
# encoder's tests under qemu (one core, three to four minutes), niced so that the tests keep the
# processor. (The Windows cross-build beside the tests and the real window was tried on 6 December:
# it slowed the end-to-end tests and the Linux package build by more than it saved; BENCHMARKS.md.)
beside arm nice -n 10 bash scripts/check-arm.sh run
# Every test in a process of its own, six at a time (.config/nextest.toml); the keychain tests, which
# lock the keyring and kill its daemon, after the rest and alone. (No crate has doc tests: `cargo test
# --doc` would find none.)
rust_tests() {
  cargo nextest run --workspace --locked --no-tests=fail -E 'not binary_id(agentdesk-secrets::os_keychain)' &&
    cargo nextest run --workspace --locked --no-tests=fail -E 'binary_id(agentdesk-secrets::os_keychain)'
}
stage "Rust tests (in a private desktop session: the real Secret Service, D-Bus, Xvfb)" \
  bash scripts/desktop.sh bash -c "$(declare -f rust_tests); rust_tests"
stage "the sentence encoder on 64-bit ARM (aarch64 under qemu: Apple silicon's code path)" finish arm
stage "end-to-end (real window)" bash scripts/e2e.sh
stage "Linux packages: build" bash scripts/package.sh linux
stage "Linux packages: install with dpkg, run the installed app in the real window, remove" bash tests/packaging/linux.sh
stage "Windows build and installer (cross-built)" bash scripts/package.sh windows
stage "Windows: run under Wine" bash tests/packaging/windows.sh
