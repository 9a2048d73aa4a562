#!/usr/bin/env bash
# Runs inside Xvfb + dbus-run-session (see desktop.sh): starts the desktop services, then "$@".
set -euo pipefail
eval "$(printf agentdesk-e2e | gnome-keyring-daemon --unlock --replace --daemonize --components=secrets)"
# The keyring's default collection is made by the first item stored. Test threads storing their first
# items at the same moment left gnome-keyring dead mid-call once (CI, 2026-12-01: "NoReply: Message
# recipient disconnected"), so one item is stored and cleared before anything else runs.
printf warm-up | timeout 30 secret-tool store --label "AgentDesk desktop session" agentdesk-session warm-up
timeout 30 secret-tool clear agentdesk-session warm-up
dunst >/dev/null 2>&1 &
dunst_pid=$!
for _ in $(seq 1 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null | grep -q 'boolean true'; then
    break
  fi
  sleep 0.1
done
dbus-monitor --session "interface='org.freedesktop.Notifications',member='Notify'" > "$AGENTDESK_E2E_DBUS_LOG" 2>&1 &
monitor_pid=$!
tauri-driver --port 4444 --native-port 4445 > target/e2e/tauri-driver.log 2>&1 &
driver_pid=$!
for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/4444) 2>/dev/null; then break; fi
  sleep 0.1
done
status=0
"$@" || status=$?
kill "$driver_pid" "$monitor_pid" "$dunst_pid"
exit $status
