#!/usr/bin/env bash
# Build VeridianOS and boot it in QEMU on this terminal.
#
#   tools/run.sh [preset]      preset: riscv64-qemu (default), aarch64-qemu, x86_64-qemu
#
# Installs what is missing (tools/setup.sh), configures and builds the preset,
# then runs its `run` target, which starts QEMU with the console on stdio.
set -euo pipefail
cd "$(dirname "$0")/.."

preset=${1:-riscv64-qemu}
case $preset in
  host) echo "run: the host preset has no kernel to boot; use tools/test.sh" >&2; exit 2 ;;
esac

tools/setup.sh
cmake --preset "$preset"
cmake --build --preset "$preset"
# exec: QEMU's exit status (the guest's power-off status) is ours.
exec cmake --build --preset "$preset" --target run
