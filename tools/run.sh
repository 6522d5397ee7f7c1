#!/usr/bin/env bash
# Build VeridianOS and boot it in QEMU on this terminal.
#
#   tools/run.sh [--disk IMAGE | --no-disk] [preset]
#       preset: riscv64-qemu (default), aarch64-qemu, x86_64-qemu
#
# Installs what is missing (tools/setup.sh), configures and builds the preset,
# then runs its `run` target, which starts QEMU with the console on stdio.
#
# The disk (docs/storage.md): by default a persistent FAT32 image,
# build/disk.img (64 MiB, made with mkfs.fat on first run), on a virtio block
# device, so what you write in the guest survives a reboot; `--disk IMAGE`
# uses your own raw FAT16/FAT32 image instead (put files on it with mcopy);
# `--no-disk` runs on the RAM disk.  The device is virtio-blk on virtio-mmio
# (riscv64, aarch64) or on virtio-pci (x86_64 q35).
set -euo pipefail
cd "$(dirname "$0")/.."

disk=build/disk.img
preset=riscv64-qemu
while [ $# -gt 0 ]; do
  case $1 in
    --disk) disk=$2; shift 2 ;;
    --no-disk) disk=; shift ;;
    *) preset=$1; shift ;;
  esac
done
case $preset in
  host) echo "run: the host preset has no kernel to boot; use tools/test.sh" >&2; exit 2 ;;
esac

tools/setup.sh
if [ -n "$disk" ]; then
  if [ ! -e "$disk" ]; then
    mkdir -p "$(dirname "$disk")"
    mkfs.fat -F 32 -n VERIDIAN -C "$disk" 65536 >/dev/null
    echo "run: made $disk (FAT32, 64 MiB): mcopy -i $disk FILE ::/ puts files on it"
  fi
  disk=$(cd "$(dirname "$disk")" && pwd)/$(basename "$disk")
fi
cmake --preset "$preset" -DVOS_RUN_DISK="$disk"
cmake --build --preset "$preset"
# exec: QEMU's exit status (the guest's power-off status) is ours.
exec cmake --build --preset "$preset" --target run
