#!/usr/bin/env bash
# End-to-end tests of the real app window: Xvfb, a private D-Bus session with an unlocked
# gnome-keyring, dunst for notifications, dbus-monitor recording Notify calls, and tauri-driver in
# front of WebKitWebDriver. Screenshots go to target/e2e/. Expects ui/dist built (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(uname -s)" != "Linux" ]; then
  echo "e2e: the WebDriver tests run on Linux only (WebKitWebDriver)." >&2
  exit 1
fi
if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "e2e: installing tauri-driver"
  cargo install tauri-driver --version '^2' --locked --quiet
fi
cargo build --quiet -p agentdesk
cargo test --quiet -p agentdesk-e2e --no-run
mkdir -p target/e2e
scratch=$(mktemp -d)
mkdir -p "$scratch"/{data,config,cache,run}
chmod 700 "$scratch/run"
export XDG_DATA_HOME=$scratch/data XDG_CONFIG_HOME=$scratch/config XDG_CACHE_HOME=$scratch/cache XDG_RUNTIME_DIR=$scratch/run
export AGENTDESK_E2E_DBUS_LOG=$scratch/notifications.log
status=0
xvfb-run -a -s "-screen 0 1440x900x24" dbus-run-session -- bash scripts/e2e-session.sh || status=$?
if [ -f "$AGENTDESK_E2E_DBUS_LOG" ]; then cp "$AGENTDESK_E2E_DBUS_LOG" target/e2e/notifications.log; fi
rm -rf "$scratch"
exit $status
