#!/usr/bin/env bash
# Installs what building and testing AgentDesk needs on a fresh Debian/Ubuntu machine (or checks it
# on macOS), skipping whatever is already there. Safe to run again.
set -euo pipefail

need_rust() {
  if command -v cargo >/dev/null 2>&1; then return; fi
  echo "AgentDesk needs a Rust toolchain (cargo). Install it from https://rustup.rs and run this again." >&2
  exit 1
}

need_rust
if ! rustup component list --installed 2>/dev/null | grep -q '^rustfmt'; then rustup component add rustfmt; fi
if ! rustup component list --installed 2>/dev/null | grep -q '^clippy'; then rustup component add clippy; fi

# The core crates need only a C compiler (SQLite is bundled). The desktop window (src-tauri) adds
# its WebKit packages here when it lands.
if [ "$(uname -s)" = "Linux" ] && ! command -v cc >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends build-essential pkg-config
  else
    echo "AgentDesk needs a C compiler: sudo apt-get install build-essential pkg-config" >&2
    exit 1
  fi
fi
echo "setup: ok ($(cargo --version))"
