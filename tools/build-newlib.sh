#!/bin/sh
# build-newlib.sh DEST TRIPLE CFLAGS — build newlib's libc and libm for one
# target from Debian's `newlib-source` package (/usr/src/newlib, installed by
# tools/setup.sh) with clang, and install them under DEST:
#   DEST/include   the C library's headers
#   DEST/lib       libc.a, libm.a
# DEST is in the build tree (never committed).  Called by libsys/CMakeLists.txt
# at configure time; does nothing when DEST/stamp already records the same
# source tarball, target and flags, so newlib is built once per build tree.
#
# TRIPLE is the clang target (riscv64-unknown-elf ...); CFLAGS are the user
# ABI flags (-march/-mabi ...), so the library matches the programs it goes in.
set -eu
dest=${1:?usage: build-newlib.sh DEST TRIPLE CFLAGS}
triple=${2:?usage: build-newlib.sh DEST TRIPLE CFLAGS}
cflags=${3-}
tarball=$(ls /usr/src/newlib/newlib-*.tar.* 2>/dev/null | head -n 1)
[ -f "$tarball" ] || { echo "build-newlib.sh: no /usr/src/newlib/newlib-*.tar.*: install newlib-source (tools/setup.sh)" >&2; exit 1; }

# newlib's configure names the CPU in the GNU way: riscv64-elf, aarch64-elf, x86_64-elf.
target=${triple%%-*}-elf
# -nostdlibinc: only newlib's and clang's own headers, never the host's.
# -fno-builtin-* : none; newlib is compiled as any C code.  Sections let a
# program's link drop what it does not use.
cc="clang --target=$triple -nostdlibinc $cflags"
# clang 14 does not define __ELF__ for x86_64-unknown-elf (cmake/toolchain-cross.cmake).
clang --target="$triple" -dM -E -x c /dev/null | grep -q '#define __ELF__ ' || cc="$cc -D__ELF__=1"
opt="-O2 -g0 -ffunction-sections -fdata-sections -Wno-everything"
# newlib's aarch64 memchr.S is written for GNU as (`mov x6, v6.2d[0]`), which
# clang's assembler rejects; PREFER_SIZE_OVER_SPEED selects newlib's C string
# routines instead of its aarch64 assembly ones.
case $triple in aarch64-*) opt="$opt -DPREFER_SIZE_OVER_SPEED" ;; esac
stamp="$(basename "$tarball") $cc $opt"
if [ -f "$dest/stamp" ] && [ "$(cat "$dest/stamp")" = "$stamp" ]; then
    exit 0
fi

work=$dest.work
rm -rf "$work" "$dest"
mkdir -p "$work/src" "$work/build"
tar -xf "$tarball" -C "$work/src" --strip-components=1
start=$(date +%s)
# --disable-newlib-supplied-syscalls: libsys supplies the OS hooks (_write, _sbrk ...).
# io-c99-formats: %a, %hhd, %zu ...; io-long-long: %lld.  No multithreading:
# one thread per program uses the C library.
(cd "$work/build" && "$work/src/configure" -q \
    --target="$target" --prefix="$work/install" --disable-multilib \
    --disable-newlib-supplied-syscalls --enable-newlib-io-long-long \
    --enable-newlib-io-c99-formats --disable-newlib-multithread \
    --enable-newlib-global-atexit --disable-nls \
    CC_FOR_TARGET="$cc" CFLAGS_FOR_TARGET="$opt" \
    AR_FOR_TARGET=llvm-ar RANLIB_FOR_TARGET=llvm-ranlib \
    AS_FOR_TARGET="$cc" LD_FOR_TARGET=ld.lld NM_FOR_TARGET=llvm-nm \
    OBJDUMP_FOR_TARGET=llvm-objdump READELF_FOR_TARGET=llvm-readelf STRIP_FOR_TARGET=llvm-strip \
    >"$work/configure.log" 2>&1) || { tail -n 30 "$work/configure.log" >&2; exit 1; }
(cd "$work/build" && make -j"${VOS_NEWLIB_JOBS:-2}" all-target-newlib >"$work/build.log" 2>&1 &&
    make install-target-newlib >>"$work/build.log" 2>&1) || { tail -n 40 "$work/build.log" >&2; exit 1; }
mkdir -p "$dest/lib"
cp -R "$work/install/$target/include" "$dest/include"
cp "$work/install/$target/lib/libc.a" "$work/install/$target/lib/libm.a" "$dest/lib/"
rm -rf "$work"
echo "$stamp" > "$dest/stamp"
echo "build-newlib.sh: $(basename "$tarball") for $triple in $(( $(date +%s) - start )) s -> $dest"
