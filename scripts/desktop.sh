#!/usr/bin/env bash
# Runs a command inside a private desktop: Xvfb, a D-Bus session with an unlocked gnome-keyring
# (the real Secret Service), dunst for notifications, dbus-monitor recording Notify calls, and
# tauri-driver in front of WebKitWebDriver. XDG directories are a scratch tree, so the keyring and
# app data never touch the user's own. Usage: scripts/desktop.sh COMMAND [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(uname -s)" != "Linux" ]; then
  echo "desktop.sh: the private desktop session needs Linux (Xvfb, D-Bus, gnome-keyring)." >&2
  exit 1
fi
if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "desktop.sh: installing tauri-driver"
  cargo install tauri-driver --version '^2' --locked --quiet
fi
mkdir -p target/e2e
scratch=$(mktemp -d)
mkdir -p "$scratch"/{data,config,cache,run}
chmod 700 "$scratch/run"
export XDG_DATA_HOME=$scratch/data XDG_CONFIG_HOME=$scratch/config XDG_CACHE_HOME=$scratch/cache XDG_RUNTIME_DIR=$scratch/run
export AGENTDESK_E2E_DBUS_LOG=$scratch/notifications.log
# A desktop restarts a crashed gnome-keyring (systemd, or D-Bus activation) with the login keyring
# unlocked at sign-in. Here D-Bus activation does it: the session's own service file (the
# XDG_DATA_HOME directory comes first) starts gnome-keyring unlocked with the session's password.
# gnome-keyring can die mid-call (an upstream bug); the keychain client waits for it to come back.
mkdir -p "$scratch/data/dbus-1/services"
cat > "$scratch/keyring.sh" <<'KEYRING'
#!/bin/sh
printf agentdesk-e2e | exec gnome-keyring-daemon --unlock --foreground --components=secrets
KEYRING
chmod +x "$scratch/keyring.sh"
printf '[D-BUS Service]\nName=org.freedesktop.secrets\nExec=%s\n' "$scratch/keyring.sh" \
  > "$scratch/data/dbus-1/services/org.freedesktop.secrets.service"
status=0
xvfb-run -a -s "-screen 0 1440x900x24" dbus-run-session -- bash scripts/desktop-session.sh "$@" || status=$?
if [ -f "$AGENTDESK_E2E_DBUS_LOG" ]; then cp "$AGENTDESK_E2E_DBUS_LOG" target/e2e/notifications.log; fi
rm -rf "$scratch"
exit $status
