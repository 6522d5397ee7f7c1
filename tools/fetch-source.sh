#!/bin/sh
# fetch-source.sh PACKAGE DEST MARKER — put the upstream source of Debian's
# source package PACKAGE (its .orig tarball, unpacked, top directory
# stripped) into DEST, a directory in the build tree (never committed).
# Used for cmocka (tools/fetch-cmocka.sh) and Lua (userland/lua).
#
# apt is pointed at a private deb-src list (a copy of the system's deb822
# sources with Types: deb-src) and private lists, so the system's apt state
# is not touched.  Idempotent: does nothing when DEST/MARKER exists.
# Needs apt, xz-utils and tar (dpkg-dev is not needed: --download-only).
set -eu
pkg=${1:?usage: fetch-source.sh PACKAGE DEST MARKER}
dest=${2:?usage: fetch-source.sh PACKAGE DEST MARKER}
marker=${3:?usage: fetch-source.sh PACKAGE DEST MARKER}
[ -f "$dest/$marker" ] && exit 0
work=$(dirname "$dest")/$pkg-apt
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
(cd "$work/download" && apt-get $opts -qq source --download-only "$pkg")
tarball=$(ls "$work"/download/"${pkg}"_*.orig.tar.* | head -n 1)
[ -f "$tarball" ] || { echo "fetch-source.sh: no $pkg orig tarball downloaded" >&2; exit 1; }
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
tar -xf "$tarball" -C "$dest.tmp" --strip-components=1
rm -rf "$dest"
mv "$dest.tmp" "$dest"
rm -rf "$work"
echo "fetch-source.sh: $(basename "$tarball") -> $dest"
