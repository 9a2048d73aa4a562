#!/usr/bin/env python3
"""Writes the in-app updater's feed (latest.json, the format Tauri's updater reads) for one release.

    python3 scripts/update-feed.py --version 0.2.0 --base-url https://…/download/v0.2.0 \
        [--notes TEXT] [--date RFC3339] ARTIFACT…

Each artifact's signature is read from ARTIFACT.sig (Tauri's signer writes it beside the file). The
platform each artifact serves follows from its name: the Windows setup (windows-x86_64, NSIS), the
.deb and .rpm (linux-x86_64-deb / -rpm; the .deb also as plain linux-x86_64), the macOS universal
.app.tar.gz (darwin-aarch64 and darwin-x86_64). A missing signature is an error: the updater refuses
unsigned updates, so a feed without one would only fail later, on every agent's PC."""

import argparse
import datetime
import json
import pathlib
import sys


def platforms_of(name: str) -> list[str]:
    if name.endswith("_x64-setup.exe"):
        return ["windows-x86_64-nsis", "windows-x86_64"]
    if name.endswith("_amd64.deb"):
        return ["linux-x86_64-deb", "linux-x86_64"]
    if name.endswith(".x86_64.rpm"):
        return ["linux-x86_64-rpm"]
    if name.endswith(".app.tar.gz"):
        return ["darwin-aarch64-app", "darwin-aarch64", "darwin-x86_64-app", "darwin-x86_64"]
    return []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", required=True)
    parser.add_argument("--base-url", required=True, help="where the artifacts are published (no trailing /)")
    parser.add_argument("--notes", default="")
    parser.add_argument("--date", default=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    parser.add_argument("artifacts", nargs="+", type=pathlib.Path)
    args = parser.parse_args()

    platforms = {}
    for artifact in args.artifacts:
        served = platforms_of(artifact.name)
        if not served:
            continue
        signature = artifact.with_name(artifact.name + ".sig")
        if not signature.is_file():
            print(f"update-feed: {artifact} has no signature ({signature}): sign it with `tauri signer sign`", file=sys.stderr)
            return 1
        entry = {"signature": signature.read_text().strip(), "url": f"{args.base_url.rstrip('/')}/{artifact.name}"}
        for platform in served:
            platforms.setdefault(platform, entry)
    if not platforms:
        print("update-feed: none of the files is a release artifact", file=sys.stderr)
        return 1
    json.dump({"version": args.version, "notes": args.notes, "pub_date": args.date, "platforms": platforms}, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
