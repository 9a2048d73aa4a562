#!/usr/bin/env bash
# Proves the Linux packages in dist/linux/ (bash scripts/package.sh linux): the .deb installs with
# dpkg, the installed /usr/bin/agentdesk runs in demo mode in the real window (the end-to-end
# harness pointed at it: the first customer arrives and the agent's reply is delivered once), and
# dpkg -r removes every file it installed. The .rpm is checked for its files and requirements
# (installing it needs an RPM-based system). Installing needs root: without it, says SKIPPED.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/apt.sh
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
deb="dist/linux/agentdesk_${version}_amd64.deb"
rpm_file="dist/linux/agentdesk-${version}-1.x86_64.rpm"
fail() { echo "linux: FAILED: $*" >&2; exit 1; }
step() { echo "== linux: $*"; }
[ -f "$deb" ] && [ -f "$rpm_file" ] || fail "$deb or $rpm_file is missing: run bash scripts/package.sh linux first"

step "the .rpm holds the programs, the desktop entry and its requirements"
files=$(rpm -qpl "$rpm_file" 2>/dev/null)
for path in /usr/bin/agentdesk /usr/bin/agentdesk-cli /usr/bin/agentdesk-sandbox \
  /usr/share/agentdesk/models/e5-small-zh-en-q4.bin \
  /usr/share/applications/dev.agentdesk.workbench.desktop /usr/share/icons/hicolor/128x128/apps/agentdesk.png; do
  grep -qx "$path" <<<"$files" || fail "the .rpm lacks $path"
done
requires=$(rpm -qpR "$rpm_file" 2>/dev/null)
for need in webkit2gtk4.1 'libwebkit2gtk-4.1.so.0()(64bit)' 'gnome-keyring or'; do
  grep -qF "$need" <<<"$requires" || fail "the .rpm does not require $need"
done

if ! as_root true; then
  echo "linux: SKIPPED installing the .deb: dpkg -i needs root (run this as root, or with passwordless sudo)." >&2
  exit 0
fi
if dpkg -s agentdesk >/dev/null 2>&1; then
  echo "linux: removing an agentdesk package installed before this test"
  as_root dpkg -r agentdesk >/dev/null
fi

step "dpkg -i $deb"
as_root dpkg -i "$deb" >/dev/null
trap 'dpkg -s agentdesk >/dev/null 2>&1 && as_root dpkg -r agentdesk >/dev/null' EXIT
installed=$(dpkg -L agentdesk)
[ "$(command -v agentdesk)" = /usr/bin/agentdesk ] || fail "agentdesk is not on PATH as /usr/bin/agentdesk"
[ "$(agentdesk-cli --version)" = "agentdesk-cli $version" ] || fail "agentdesk-cli --version printed $(agentdesk-cli --version)"
[ "$(agentdesk-sandbox --version)" = "agentdesk-sandbox $version" ] || fail "agentdesk-sandbox --version printed $(agentdesk-sandbox --version)"
# One engine per install: the tools are the app's own program under their names.
for tool in agentdesk-cli agentdesk-sandbox; do
  [ "$(readlink -f "/usr/bin/$tool")" = /usr/bin/agentdesk ] || fail "/usr/bin/$tool is not a link to /usr/bin/agentdesk"
done
grep -q '^Exec=agentdesk$' /usr/share/applications/dev.agentdesk.workbench.desktop || fail "the desktop entry does not start agentdesk"
if command -v desktop-file-validate >/dev/null 2>&1; then
  desktop-file-validate /usr/share/applications/dev.agentdesk.workbench.desktop || fail "the desktop entry is not valid"
fi

step "the installed /usr/bin/agentdesk in the real window: a customer arrives, the reply is delivered"
AGENTDESK_E2E_APP=/usr/bin/agentdesk E2E_FILTER=a_customer_arrives_the_agent_replies_and_the_platform_receives_it_once \
  bash scripts/e2e.sh

step "dpkg -r agentdesk removes what it installed"
as_root dpkg -r agentdesk >/dev/null
trap - EXIT
! dpkg -s agentdesk 2>/dev/null | grep -q '^Status: install ok installed' || fail "agentdesk is still installed"
left=()
while IFS= read -r path; do
  [ -f "$path" ] && left+=("$path")
done <<<"$installed"
[ ${#left[@]} -eq 0 ] || fail "dpkg -r left files behind: ${left[*]}"
echo "linux: all checks passed"
