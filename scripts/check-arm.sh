#!/usr/bin/env bash
# Runs the sentence encoder's tests on 64-bit ARM (aarch64 Linux under qemu-user): the path Apple
# silicon and ARM machines take (no x86 SIMD: the portable kernel the compiler vectorises for NEON),
# held to the reference engine's vectors like the x86 one. About four minutes, nearly all of it
# emulation on one core. A step of its own (`build`, then `run`) lets the test suite run the
# emulation beside its other tests: `run` needs no cargo (no lock on the build directory).
set -euo pipefail
cd "$(dirname "$0")/.."
step="${1:-all}"
target=aarch64-unknown-linux-gnu
target_root="${CARGO_TARGET_DIR:-target}"
case "$target_root" in /*) ;; *) target_root="$(pwd)/$target_root" ;; esac
tests_list="$target_root/$target/encoder-tests.txt"
for tool in qemu-aarch64 aarch64-linux-gnu-gcc; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-arm: $tool is missing; scripts/setup.sh installs it (qemu-user, gcc-aarch64-linux-gnu)." >&2
    exit 1
  fi
done
if [ "$step" = all ] || [ "$step" = build ]; then
  if ! rustup target list --installed | grep -q "^$target\$"; then
    rustup target add "$target"
  fi
  mkdir -p "$(dirname "$tests_list")"
  CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
    cargo test --locked --quiet --target "$target" -p agentdesk-encoder --no-run --message-format=json |
    python3 -c 'import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("executable") and message.get("profile", {}).get("test"):
        print(message["executable"])' >"$tests_list"
  [ -s "$tests_list" ] || { echo "check-arm: no test programs were built" >&2; exit 1; }
fi
if [ "$step" = all ] || [ "$step" = run ]; then
  [ -s "$tests_list" ] || { echo "check-arm: run 'bash scripts/check-arm.sh build' first" >&2; exit 1; }
  # As cargo would run them: from the crate's folder.
  cd crates/agentdesk-encoder
  while read -r program; do
    qemu-aarch64 -L /usr/aarch64-linux-gnu "$program" --quiet </dev/null
  done <"$tests_list"
  echo "check-arm: the encoder's tests pass on aarch64"
fi
