#!/usr/bin/env bash
# Package benchmarks (BENCHMARKS.md, "Packages"): the release packages' sizes next to a bare Tauri 2
# app packaged the same way (bench/bare-tauri: same profile, same NSIS compressor, same dpkg-deb
# compression), the packaging run's time, and the installed .deb's cold start to the first session in
# the real window (the launch benchmark pointed at /usr/bin/agentdesk). Needs root or passwordless sudo
# for dpkg. Prints one "BENCH {json}" line per figure.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/apt.sh
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
size() { stat -c %s "$1"; }
timed() {
  local started
  started=$(date +%s)
  "$@" >"target/bench-packages.log" 2>&1 || { tail -30 target/bench-packages.log >&2; return 1; }
  echo $(($(date +%s) - started))
}
mkdir -p target
linux_s=$(timed bash scripts/package.sh linux)
windows_s=$(timed bash scripts/package.sh windows)
echo "BENCH {\"bench\":\"packaging_s\",\"linux\":$linux_s,\"windows\":$windows_s,\"note\":\"incremental when the dist builds are warm\"}"

# The bare app, packaged as AgentDesk is.
(cd ui && npm run --silent build)
cargo build --locked --quiet --profile dist -p bare-tauri
cargo build --locked --quiet --profile dist --target x86_64-pc-windows-gnu -p bare-tauri
bare="target/package/bare"
rm -rf "$bare" && mkdir -p "$bare/deb/usr/bin" "$bare/deb/DEBIAN"
install -m755 target/dist/bare-tauri "$bare/deb/usr/bin/bare-tauri"
printf 'Package: bare-tauri\nVersion: 0.1.0\nArchitecture: amd64\nMaintainer: bench\nDescription: baseline\n' >"$bare/deb/DEBIAN/control"
dpkg-deb --root-owner-group -Zxz --build "$bare/deb" "$bare/bare-tauri.deb" >/dev/null
makensis -V1 -DOUTPUT="$(pwd)/$bare/bare-tauri-setup.exe" \
  -DSOURCE="$(pwd)/target/x86_64-pc-windows-gnu/dist/bare-tauri.exe" bench/bare-tauri/installer.nsi

setup="dist/windows/AgentDesk_${version}_x64-setup.exe"
deb="dist/linux/agentdesk_${version}_amd64.deb"
rpm_file="dist/linux/agentdesk-${version}-1.x86_64.rpm"
model_file=$(ls dist/windows/models/*.bin)

# The same packages with the model file emptied (issue 28 compares packages without the model, which
# is incompressible weights): the installer and the .deb built again from the same trees.
no_model="target/package/without-model"
rm -rf "$no_model" && mkdir -p "$no_model"
cp -a dist/windows "$no_model/windows"
rm -f "$no_model"/windows/*-setup.exe
: >"$no_model/windows/models/$(basename "$model_file")"
makensis -V1 -INPUTCHARSET UTF8 -DVERSION="$version" -DSOURCE_DIR="$(pwd)/$no_model/windows" \
  -DOUTPUT="$(pwd)/$no_model/setup.exe" -DICON="$(pwd)/icons/icon.ico" -DTOAST_ICON="$(pwd)/icons/128x128.png" \
  packaging/windows/agentdesk.nsi
cp -a target/package/linux/root "$no_model/deb"
for file in "$no_model"/deb/usr/share/agentdesk/models/*; do : >"$file"; done
dpkg-deb -e "$deb" "$no_model/deb/DEBIAN"
dpkg-deb --root-owner-group -Zxz -z6 --build "$no_model/deb" "$no_model/agentdesk.deb" >/dev/null

# Installed on Windows: every file the installer puts down (the app, WebView2's loader, the two tool
# launchers, the model).
windows_installed=0
for file in dist/windows/*.exe dist/windows/*.dll "$model_file"; do
  [ "$file" = "$setup" ] || windows_installed=$((windows_installed + $(size "$file")))
done
linux_installed=$(($(dpkg-deb -f "$deb" Installed-Size) * 1024))
python3 - "$(size "$setup")" "$(size "$no_model/setup.exe")" "$windows_installed" "$(size dist/windows/agentdesk.exe)" \
  "$(size "$model_file")" "$(size "$bare/bare-tauri-setup.exe")" "$(size target/x86_64-pc-windows-gnu/dist/bare-tauri.exe)" \
  "$(size "$deb")" "$(size "$no_model/agentdesk.deb")" "$(size "$rpm_file")" "$linux_installed" \
  "$(size target/package/linux/root/usr/bin/agentdesk)" "$(size "$bare/bare-tauri.deb")" "$(size target/dist/bare-tauri)" <<'PY'
import json, sys
(setup, setup_no_model, win_installed, win_app, model, bare_setup, bare_exe, deb, deb_no_model, rpm, linux_installed,
 linux_app, bare_deb, bare_linux) = map(int, sys.argv[1:])
mb = lambda n: round(n / 1048576, 1)
print("BENCH " + json.dumps({"bench": "windows_package_mb", "installer": mb(setup), "installer_without_model": mb(setup_no_model),
    "installed": mb(win_installed), "agentdesk_exe": mb(win_app), "model": mb(model), "bare_installer": mb(bare_setup),
    "bare_exe": mb(bare_exe), "installer_without_model_vs_bare": round(setup_no_model / bare_setup, 2),
    "installed_vs_engine_and_model": round(win_installed / (win_app + model), 2)}))
print("BENCH " + json.dumps({"bench": "linux_package_mb", "deb": mb(deb), "deb_without_model": mb(deb_no_model), "rpm": mb(rpm),
    "installed": mb(linux_installed), "agentdesk_bin": mb(linux_app), "bare_deb": mb(bare_deb), "bare_bin": mb(bare_linux),
    "deb_without_model_vs_bare": round(deb_no_model / bare_deb, 2)}))
PY

# Cold start of the installed app: install the release .deb, launch it ten times (fresh data each
# time) to the first session on screen, then the bare app's window ten times to its page, remove it.
# BENCH_SKIP_LAUNCH=1 leaves it out (sizes only).
[ -z "${BENCH_SKIP_LAUNCH:-}" ] || exit 0
if as_root true; then
  if dpkg -s agentdesk >/dev/null 2>&1; then as_root dpkg -r agentdesk >/dev/null; fi
  as_root dpkg -i "$deb" >/dev/null
  sync
  status=0
  # The bare app's window, launched the same way, is the floor under the figure.
  AGENTDESK_E2E_APP=/usr/bin/agentdesk BENCH_BARE_APP="$(pwd)/target/dist/bare-tauri" \
    E2E_SUITE=bench E2E_FILTER=launch_to_first_session_rendered bash scripts/e2e.sh >target/bench-packages.log 2>&1 || status=$?
  as_root dpkg -r agentdesk >/dev/null
  grep -o 'BENCH .*' target/bench-packages.log | sed 's/"bench":"launch_to_first_session_ms"/"bench":"installed_deb_launch_to_first_session_ms"/'
  exit $status
else
  echo "bench-packages: the installed app's cold start needs root or passwordless sudo (dpkg -i); not measured" >&2
fi
