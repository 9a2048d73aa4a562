#!/usr/bin/env bash
# Sets up and runs every check and test: UI type check, unit tests and build; Rust formatting and
# clippy with warnings as errors; all Rust unit, integration and soak tests (inside a private desktop
# session, so keychain tests use the real gnome-keyring); and the end-to-end tests of the real window
# under Xvfb (scripts/e2e.sh); then the Linux and Windows packages, installed and removed for real
# (tests/packaging/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# Room for the builds, checked up front: running out half-way shows up as the linker dying with
# SIGBUS. Measured from nothing (BENCHMARKS.md, "The CI run itself"): every test program and the
# debug packages about 3.7 GB with debug info (CI builds without: less), the Windows cross-build
# about 2.8 GB more, wherever AGENTDESK_WINDOWS_TARGET_DIR puts it (CI: kept between runs).
target_dir="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target_dir"
kb_in() { if [ -d "$1" ]; then du -sk "$1" | cut -f1; else echo 0; fi; }
free_kb_at() { df -Pk "$1" | awk 'NR == 2 { print $4 }'; }
# `room_for DIR KB WHAT`: fails in words unless KB more fit where DIR is.
room_for() {
  local free_kb
  free_kb=$(free_kb_at "$1")
  [ "$2" -le 0 ] || [ "$free_kb" -ge "$2" ] && return 0
  echo "test: only $((free_kb / 1024)) MB free where $3 goes ($1); it needs about $(($2 / 1024)) MB more." \
    "Free some disk space (or set CARGO_TARGET_DIR elsewhere) and run again." >&2
  return 1
}
room_for "$target_dir" $((4 * 1024 * 1024 - $(kb_in "$target_dir/debug"))) "the build" || exit 1
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
stage "the sentence encoder on 64-bit ARM: build" bash scripts/check-arm.sh build
# Beside the test build and the Rust tests: the encoder's tests under qemu (one core, three to four
# minutes), niced so that the build and the tests keep the processor; it takes what they leave (the
# tests mostly wait: on loopback servers, timers, the desktop session). (The Windows cross-build beside
# the tests and the real window was tried on 6 December: it slowed the end-to-end tests and the Linux
# package build by more than it saved; BENCHMARKS.md.)
beside arm nice -n 10 bash scripts/check-arm.sh run
stage "Rust test programs: build" cargo test --workspace --locked --no-run --quiet
# The packages are built from the debug build here: the same installer steps as a release
# (bash scripts/package.sh linux|windows), in a fraction of the time.
export AGENTDESK_PACKAGE_PROFILE=debug
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
# AGENTDESK_WINDOWS_TARGET_DIR: where the Windows cross-build goes, if not with the rest; CI keeps it
# outside the clone between runs (.ci/run), so that a run compiles only what changed for Windows.
windows_build() {
  local windows_dir="${AGENTDESK_WINDOWS_TARGET_DIR:-$target_dir}" needed_kb
  mkdir -p "$windows_dir"
  needed_kb=$((3 * 1024 * 1024 - $(kb_in "$windows_dir/x86_64-pc-windows-gnu")))
  if ! room_for "$windows_dir" "$needed_kb" "the Windows build" 2>/dev/null; then
    # Nothing needs the host's test programs any more: a small disk gets their room.
    echo "test: making room for the Windows build: removing the host's test programs"
    find "$target_dir/debug/deps" -maxdepth 1 -type f -perm -u+x ! -name '*.so' -delete
    find "$target_dir/debug" -maxdepth 1 -type f -perm -u+x -delete
    room_for "$windows_dir" "$needed_kb" "the Windows build" || return 1
  fi
  if [ -n "${AGENTDESK_WINDOWS_TARGET_DIR:-}" ]; then
    CARGO_TARGET_DIR="$AGENTDESK_WINDOWS_TARGET_DIR" bash scripts/package.sh windows
  else
    bash scripts/package.sh windows
  fi
}
stage "Windows build and installer (cross-built)" windows_build
stage "Windows: run under Wine" bash tests/packaging/windows.sh
