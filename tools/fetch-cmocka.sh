#!/bin/sh
# fetch-cmocka.sh DEST — put the source of cmocka, from Debian's `cmocka`
# source package, into DEST (a directory in the build tree; never committed).
#
# apt is pointed at a private deb-src list (a copy of the system's deb822
# sources with Types: deb-src) and private lists, so the system's apt state
# is not touched.  Idempotent: does nothing when DEST/src/cmocka.c exists.
# Needs apt, xz-utils and tar (dpkg-dev is not needed: --download-only).
set -eu
dest=${1:?usage: fetch-cmocka.sh DEST}
[ -f "$dest/src/cmocka.c" ] && exit 0
work=$(dirname "$dest")/cmocka-apt
rm -rf "$work"
mkdir -p "$work/sources.d" "$work/lists/partial" "$work/download"
n=0
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    sed 's/^Types:.*/Types: deb-src/' "$f" > "$work/sources.d/src$n.sources"
done
if [ -f /etc/apt/sources.list ]; then
    grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > "$work/sources.d/src.list" || true
fi
opts="-o Dir::Etc::SourceParts=$work/sources.d -o Dir::Etc::SourceList=/dev/null -o Dir::State::Lists=$work/lists"
# shellcheck disable=SC2086
apt-get $opts -qq update
# shellcheck disable=SC2086
(cd "$work/download" && apt-get $opts -qq source --download-only cmocka)
tarball=$(ls "$work"/download/cmocka_*.orig.tar.* | head -n 1)
[ -f "$tarball" ] || { echo "fetch-cmocka.sh: no cmocka orig tarball downloaded" >&2; exit 1; }
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
tar -xf "$tarball" -C "$dest.tmp" --strip-components=1
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "fetch-cmocka.sh: $(basename "$tarball") -> $dest"
