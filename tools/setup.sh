#!/usr/bin/env bash
# Install every Debian package VeridianOS needs to build, test and boot.
#
# Idempotent and quick when nothing is missing: one dpkg-query decides what
# to do, and the network (apt-get update) is touched only when a package is
# actually absent.  Runs unattended; as root directly, otherwise via sudo.
set -euo pipefail

# One line per need, so it is obvious why each package is here.
PACKAGES=(
  cmake ninja-build pkg-config      # build system (CMakePresets.json, Ninja)
  clang lld                         # cross compiler and linker for all three arches
  llvm                              # unversioned llvm-objcopy / llvm-ar (Debian 12: llvm -> llvm-14)
  python3 python3-jinja2 python3-yaml  # codegen/vosgen.py
  qemu-system-misc                  # qemu-system-riscv64
  qemu-system-arm                   # qemu-system-aarch64
  qemu-system-x86                   # qemu-system-x86_64
  opensbi u-boot-qemu u-boot-tools  # firmware and mkimage for the boot paths
  device-tree-compiler              # dtc
  mtools dosfstools                 # FAT boot images; storage tests (mkfs.fat, mcopy, mtype, fsck.fat)
  libcmocka-dev                     # host unit tests
  libclang-rt-14-dev                # libFuzzer + sanitizer runtimes for tests/fuzz (host fuzzer)
  llvm-14                           # llvm-profdata-14, llvm-cov-14 for the coverage target
  xz-utils                          # unpacking cmocka's Debian source package (conformance suite)
  newlib-source                     # the C library's source (/usr/src/newlib): tools/build-newlib.sh
  make                              # newlib's build (configure + make)
  lua5.4                            # the host's Lua: regenerates tests/lua's expected output (docs/userland.md)
)

# dpkg-query prints one status line per package it knows; anything not
# "install ok installed" (or not printed at all) is missing.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null \
            | awk '$2 == "install" && $3 == "ok" && $4 == "installed" { print $1 }' || true)
missing=()
for p in "${PACKAGES[@]}"; do
  if ! grep -qxF -- "$p" <<<"$installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  # -n: fail rather than prompt, since this must work without a terminal.
  as_root=(sudo -n)
else
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: not root and no sudo; install them with: apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "setup: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
echo "setup: installed: ${missing[*]}"
