#!/usr/bin/env python3
"""qemu-profile.py: where a kernel's guest instructions go, per function.

Runs a QEMU command line with `-d in_asm,exec,nochain` (every translated
block's instructions, and every execution of a block), then charges each
executed block's instruction count to the kernel symbol it starts in
(user code and firmware are lumped together).  Counting happens between
the FROM-th and TO-th entries of a marker function, and is divided by
TO - FROM: with the marker entered once per iteration of a benchmark loop,
the table is the cost of one iteration.  Add `-icount shift=0` to the
command if the guest itself measures too (the trace does not need it).

    tools/qemu-profile.py --elf build/riscv64-qemu/kernel/kernel-bench.elf \\
        --marker shim_ipc_call --from 100 --to 1900 -- \\
        qemu-system-riscv64 -machine virt ... -kernel .../kernel-bench.elf

The trace is large (hundreds of MB for a few million instructions): it is
written to --trace (default: a temporary file, removed afterwards).  See
docs/performance.md for a worked example.
"""
import argparse
import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile

INSN = re.compile(r"^0x([0-9a-f]+):")
# QEMU prints an x86 instruction of more than 8 bytes on two lines, the second one bytes only.
INSN_MORE = re.compile(r"^0x[0-9a-f]+:(\s+[0-9a-f]{2})+\s*$")
# "Trace N: HOST [CS_BASE/PC/FLAGS/CFLAGS]": one translation of PC is one HOST block.  A pc has
# several (other flags, e.g. riscv64's FP and vector state; a one-instruction block after an
# icount exit), so a translation's size goes with its host block, the one run right after it.
EXEC = re.compile(r"^Trace \d+: 0x([0-9a-f]+) \[[0-9a-f]+/([0-9a-f]+)/")


def kernel_symbols(elf):
    """(address, end, name) of the ELF's functions; an assembly label without a size reaches the next one."""
    out = subprocess.run(["llvm-nm", "-n", "-S", "--defined-only", elf], capture_output=True, text=True,
                         check=True).stdout
    syms = []
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[2] in "tTW" and not f[3].startswith(".L"):
            syms.append([int(f[0], 16), int(f[0], 16) + int(f[1], 16), f[3]])
        elif len(f) == 3 and f[1] in "tT" and not f[2].startswith(".L"):
            syms.append([int(f[0], 16), None, f[2]])
    syms.sort()
    for i, s in enumerate(syms):
        if s[1] is None or s[1] == s[0]:  # at most a page: boot labels sit far below the kernel proper
            s[1] = min(syms[i + 1][0] if i + 1 < len(syms) else s[0] + 4096, s[0] + 4096)
    return [tuple(s) for s in syms]


def profile(trace, syms, marker, first, last):
    addrs = [a for a, _, _ in syms]
    starts = set(addrs)
    try:
        mpc = next(a for a, _, n in syms if n == marker)
    except StopIteration:
        sys.exit(f"qemu-profile: no symbol {marker!r} in the ELF")

    def name(pc):
        i = bisect.bisect_right(addrs, pc) - 1
        return syms[i][2] if i >= 0 and pc < syms[i][1] else "(user, firmware)"

    tb_size, insns, calls = {}, collections.Counter(), collections.Counter()
    block, count, seen, fresh = None, 0, 0, None
    with open(trace, errors="replace") as f:
        for line in f:
            m = INSN.match(line)
            if m and INSN_MORE.match(line):
                continue  # the rest of the instruction above
            if m:
                if block is None:
                    block, count = int(m.group(1), 16), 0
                count += 1
                continue
            if block is not None:
                fresh, block = (block, count), None
            m = EXEC.match(line)
            if not m:
                continue
            host, pc = int(m.group(1), 16), int(m.group(2), 16)
            if fresh and fresh[0] == pc:
                tb_size[host] = fresh[1]
            fresh = None
            if pc == mpc:
                seen += 1
                if seen == last:
                    break
            if seen < first:
                continue
            n = name(pc)
            insns[n] += tb_size.get(host, 0)
            if pc in starts:
                calls[n] += 1
    if seen < last:
        sys.exit(f"qemu-profile: {marker} was entered {seen} times, fewer than --to {last}")
    return insns, calls


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--elf", required=True, help="the kernel ELF (symbols)")
    ap.add_argument("--marker", required=True, help="function entered once per iteration")
    ap.add_argument("--from", dest="first", type=int, default=100)
    ap.add_argument("--to", dest="last", type=int, default=1100)
    ap.add_argument("--trace", help="keep the raw trace here")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("qemu", nargs=argparse.REMAINDER, help="-- qemu command line")
    a = ap.parse_args()
    cmd = a.qemu[1:] if a.qemu[:1] == ["--"] else a.qemu
    if not cmd or a.last <= a.first:
        ap.error("need a QEMU command after -- and --to > --from")
    fd, trace = tempfile.mkstemp(suffix=".trace") if not a.trace else (None, a.trace)
    if fd is not None:
        os.close(fd)
    try:
        subprocess.run(cmd + ["-d", "in_asm,exec,nochain", "-D", trace], stdin=subprocess.DEVNULL, check=False)
        insns, calls = profile(trace, kernel_symbols(a.elf), a.marker, a.first, a.last)
    finally:
        if not a.trace:
            os.unlink(trace)
    n = a.last - a.first
    print(f"per iteration: {sum(insns.values()) / n:.1f} instructions ({n} iterations)")
    print(f"{'instr':>8} {'calls':>6}  function")
    for s, c in insns.most_common(a.top):
        print(f"{c / n:8.1f} {calls[s] / n:6.2f}  {s}")


if __name__ == "__main__":
    main()
