#!/usr/bin/env bash
# Compile-checks for macOS (aarch64-apple-darwin) what can be checked on Linux without Apple's SDK:
# the domain, the keychain code (keyring's apple-native backend: Keychain Services) and the sentence
# encoder (its tests run on aarch64 Linux under qemu: scripts/check-arm.sh). Everything
# else reaches C or Objective-C that only Apple's compiler and SDK build (ring's assembly for TLS,
# SQLCipher, zstd for the search index, objc2's exception helper for the window): the release
# workflow (.github/workflows/release.yml) builds and tests those on a Mac runner.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! rustup target list --installed | grep -q '^aarch64-apple-darwin$'; then
  rustup target add aarch64-apple-darwin
fi
cargo check --locked --quiet --target aarch64-apple-darwin -p agentdesk-domain -p agentdesk-secrets \
  -p agentdesk-encoder
echo "check-macos: agentdesk-domain, agentdesk-secrets and agentdesk-encoder compile for aarch64-apple-darwin"
