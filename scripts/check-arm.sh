#!/usr/bin/env bash
# Runs the sentence encoder's tests on 64-bit ARM (aarch64 Linux under qemu-user): the path Apple
# silicon and ARM machines take (no x86 SIMD: the portable kernel the compiler vectorises for NEON),
# held to the reference engine's vectors like the x86 one. About two minutes, most of it emulation.
set -euo pipefail
cd "$(dirname "$0")/.."
target=aarch64-unknown-linux-gnu
for tool in qemu-aarch64 aarch64-linux-gnu-gcc; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-arm: $tool is missing; scripts/setup.sh installs it (qemu-user, gcc-aarch64-linux-gnu)." >&2
    exit 1
  fi
done
if ! rustup target list --installed | grep -q "^$target\$"; then
  rustup target add "$target"
fi
CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
  CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu" \
  cargo test --locked --quiet --target "$target" -p agentdesk-encoder
echo "check-arm: the encoder's tests pass on aarch64"
