#!/usr/bin/env bash
# Builds AgentDesk's packages into dist/ (README: "Packages"). Sets up what it needs first.
#   bash scripts/package.sh linux     dist/linux/agentdesk_<v>_amd64.deb, dist/linux/agentdesk-<v>-1.x86_64.rpm
#   bash scripts/package.sh windows   dist/windows/{agentdesk,agentdesk-cli,agentdesk-sandbox}.exe and
#                                     dist/windows/AgentDesk_<v>_x64-setup.exe (cross-built with MinGW-w64 + NSIS)
# One engine per install: `agentdesk` also runs the CLI and the sandbox (src-tauri/src/multicall.rs).
# Linux installs agentdesk-cli and agentdesk-sandbox as links to it; Windows as copies of a small
# console launcher (crates/agentdesk-launcher) that runs `agentdesk.exe --as NAME`.
# A second argument runs one step only: `prepare` (the tools), `build` (the UI and the programs),
# `bundle` (the packages from what was built); the test suite builds Windows beside its tests.
# AGENTDESK_UI_BUILT=1 says ui/dist is fresh (the test suite built it first).
# AGENTDESK_PACKAGE_PROFILE picks the Cargo profile: dist (default: release, stripped) for what ships;
# the test suite packages its debug build, which proves the same installer steps in a fraction of the time.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/apt.sh
platform="${1:-}"
step="${2:-all}"
profile="${AGENTDESK_PACKAGE_PROFILE:-dist}"
case "$platform/$step" in
  linux/all | linux/prepare | linux/build | linux/bundle | windows/all | windows/prepare | windows/build | windows/bundle) ;;
  *)
    echo "usage: bash scripts/package.sh linux|windows [prepare|build|bundle]" >&2
    exit 2
    ;;
esac
runs() { [ "$step" = all ] || [ "$step" = "$1" ]; }
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
started=$(date +%s)
# Absolute: rpmbuild and makensis run elsewhere (CI keeps the target directory outside the clone).
target_dir="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target_dir"
target_dir="$(cd "$target_dir" && pwd)"
profile_dir="$profile"
[ "$profile" = dev ] && profile_dir=debug
[ "$profile" = debug ] && { profile=dev; profile_dir=debug; }

if runs prepare; then
  bash scripts/setup.sh >/dev/null
  # What packaging needs beyond building and testing, from Debian's packages.
  packaging_packages=(rpm)
  [ "$platform" = windows ] && packaging_packages=(gcc-mingw-w64-x86-64 nsis)
  apt_install "packaging for $platform" "${packaging_packages[@]}"
  if [ "$platform" = windows ] && ! rustup target list --installed | grep -q '^x86_64-pc-windows-gnu$'; then
    rustup target add x86_64-pc-windows-gnu
  fi
fi

# Tells the app which package it came in, as Tauri's own bundler does (the updater installs a .deb
# with dpkg, an .rpm with rpm, a Windows update with the NSIS installer): the marker string Tauri
# compiles into every app is overwritten in place with one of the same length.
mark_bundle() {
  python3 - "$1" "$2" <<'PY'
import sys
kind = {"deb": b"DEB", "rpm": b"RPM", "nsis": b"NSS"}[sys.argv[1]]
path = sys.argv[2]
data = bytearray(open(path, "rb").read())
markers = [b"__TAURI_BUNDLE_TYPE_VAR_" + k for k in (b"UNK", b"DEB", b"RPM", b"NSS")]
at = next((data.find(m) for m in markers if data.find(m) >= 0), -1)
if at < 0:
    sys.exit(f"package: no Tauri bundle marker in {path}")
data[at:at + len(markers[0])] = b"__TAURI_BUNDLE_TYPE_VAR_" + kind
open(path, "wb").write(data)
PY
}

model=models/e5-small-zh-en-q4.bin
[ -f "$model" ] || bash scripts/fetch-model.sh

if runs build; then
  if [ "${AGENTDESK_UI_BUILT:-}" != 1 ]; then
    echo "== package $platform $version (profile $profile): building the UI"
    (cd ui && npm run --silent build)
  fi
  # Windows is cross-built: SQLCipher with a vendored OpenSSL, the keychain in Credential Manager and
  # toasts through WinRT all build from source with MinGW-w64 (.cargo/config.toml names its linker).
  target=()
  [ "$platform" = windows ] && target=(--target x86_64-pc-windows-gnu)
  if [ "$platform/$profile" = linux/dev ]; then
    # The debug packages the test suite installs hold the programs of its own test build (the
    # workspace's features): a `-p` build would compile some thirty crates a second time.
    cargo test --workspace --locked --quiet --no-run
  else
    programs=(-p agentdesk)
    [ "$platform" = windows ] && programs+=(-p agentdesk-launcher)
    cargo build --locked --profile "$profile" "${target[@]}" "${programs[@]}"
  fi
fi
runs bundle || exit 0

if [ "$platform" = linux ]; then
  bin="$target_dir/$profile_dir"
  stage="$target_dir/package/linux/root"
  rm -rf "$target_dir/package/linux" && mkdir -p "$stage" dist/linux
  install -Dm755 "$bin/agentdesk" "$stage/usr/bin/agentdesk"
  strip --strip-debug "$stage/usr/bin/agentdesk"
  for tool in agentdesk-cli agentdesk-sandbox; do
    ln -s agentdesk "$stage/usr/bin/$tool"
  done
  install -Dm644 packaging/linux/dev.agentdesk.workbench.desktop "$stage/usr/share/applications/dev.agentdesk.workbench.desktop"
  install -Dm644 icons/32x32.png "$stage/usr/share/icons/hicolor/32x32/apps/agentdesk.png"
  install -Dm644 icons/128x128.png "$stage/usr/share/icons/hicolor/128x128/apps/agentdesk.png"
  install -Dm644 icons/128x128@2x.png "$stage/usr/share/icons/hicolor/256x256/apps/agentdesk.png"
  install -Dm644 icons/icon.png "$stage/usr/share/icons/hicolor/512x512/apps/agentdesk.png"
  install -Dm644 README.md "$stage/usr/share/doc/agentdesk/README.md"
  # The sentence encoder's model, where the app looks beside /usr/bin (../share/agentdesk/models).
  install -Dm644 "$model" "$stage/usr/share/agentdesk/models/$(basename "$model")"

  # .deb: the shared libraries the binaries link, as Debian names them (dpkg-shlibdeps), plus what is
  # loaded at run time (WebKitGTK's processes, the tray library) and a Secret Service provider.
  work="$target_dir/package/linux"
  mkdir -p "$work/debian"
  printf 'Source: agentdesk\n\nPackage: agentdesk\nArchitecture: amd64\n' >"$work/debian/control"
  shlibs=$(cd "$work" && dpkg-shlibdeps -O --ignore-missing-info \
    -e"root/usr/bin/agentdesk" 2>/dev/null |
    sed -n 's/^shlibs:Depends=//p')
  [ -n "$shlibs" ] || { echo "package: dpkg-shlibdeps found no libraries for the binaries" >&2; exit 1; }
  installed_kb=$(du -sk "$stage/usr" | cut -f1)
  mkdir -p "$stage/DEBIAN"
  sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_KB@/$installed_kb/" -e "s/@SHLIBS@/$shlibs/" \
    packaging/linux/control.in >"$stage/DEBIAN/control"
  deb="dist/linux/agentdesk_${version}_amd64.deb"
  mark_bundle deb "$stage/usr/bin/agentdesk"
  # What ships is compressed hard; the test suite's debug packages (twice the bytes, installed once
  # and removed) quickly: xz -6 of them took two minutes of a CI run.
  xz_level=6
  rpm_payload=w6.xzdio
  [ "$profile" = dev ] && { xz_level=1; rpm_payload=w1.xzdio; }
  dpkg-deb --root-owner-group -Zxz -z"$xz_level" --build "$stage" "$deb" >/dev/null
  rm -rf "$stage/DEBIAN"

  # .rpm from the same tree (rpmbuild adds the libraries' sonames to Requires by itself).
  rpmtop="$work/rpm"
  mkdir -p "$rpmtop"/{BUILD,RPMS,SOURCES,SPECS,SRPMS}
  sed -e "s/@VERSION@/$version/" -e "s|@STAGE@|$stage|" packaging/linux/agentdesk.spec.in >"$rpmtop/SPECS/agentdesk.spec"
  mark_bundle rpm "$stage/usr/bin/agentdesk"
  rpmbuild --quiet -bb --target x86_64 --define "_topdir $rpmtop" --define "_binary_payload $rpm_payload" \
    "$rpmtop/SPECS/agentdesk.spec"
  cp "$rpmtop"/RPMS/x86_64/agentdesk-"$version"-1.x86_64.rpm dist/linux/
  echo "package: $(ls dist/linux/*.deb dist/linux/*.rpm | tr '\n' ' ')in $(($(date +%s) - started)) s"
  exit 0
fi

bin="$target_dir/x86_64-pc-windows-gnu/$profile_dir"
mkdir -p dist/windows
cp "$bin/agentdesk.exe" dist/windows/agentdesk.exe
# agentdesk.exe does not start without WebView2's loader beside it (the MinGW build links it as a DLL;
# found when the tools moved into the app's program: before, nothing ran agentdesk.exe under Wine).
cp "$bin/WebView2Loader.dll" dist/windows/WebView2Loader.dll
for tool in agentdesk-cli agentdesk-sandbox; do
  cp "$bin/agentdesk-launcher.exe" "dist/windows/$tool.exe"
done
mkdir -p dist/windows/models
cp "$model" dist/windows/models/
mark_bundle nsis dist/windows/agentdesk.exe
setup="dist/windows/AgentDesk_${version}_x64-setup.exe"
bootstrapper=()
if [ -n "${WEBVIEW2_BOOTSTRAPPER:-}" ]; then
  bootstrapper=("-DWEBVIEW2_BOOTSTRAPPER=$WEBVIEW2_BOOTSTRAPPER")
fi
makensis -V2 -INPUTCHARSET UTF8 -DVERSION="$version" -DSOURCE_DIR="$(pwd)/dist/windows" \
  -DOUTPUT="$(pwd)/$setup" -DICON="$(pwd)/icons/icon.ico" -DTOAST_ICON="$(pwd)/icons/128x128.png" "${bootstrapper[@]}" packaging/windows/agentdesk.nsi
echo "package: $(ls dist/windows/* | tr '\n' ' ')in $(($(date +%s) - started)) s"
