#!/usr/bin/env python3
"""Compare Lua's whole output in a boot log with the recorded one.

    compare.py --log LOG --expected suite.expected [--program lua]

The output is everything between the shell's "[started lua as pid N]" line
and its "[pid N lua exited ...]" line, for the first run of the program.
The console log is decoded as UTF-8 with replacement (tools/qemu-test.py),
so the recorded bytes are too; line ends are compared as "\\n".  Prints a
unified diff and fails on any difference.
"""
import argparse, difflib, re, sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--program", default="lua")
    a = ap.parse_args()
    log = open(a.log, encoding="utf-8", errors="replace").read().replace("\r\n", "\n")
    want = open(a.expected, "rb").read().decode("utf-8", "replace")
    prog = re.escape(a.program)
    m = re.search(r"\[started %s as pid (\d+)\]\n(.*?)\[pid \1 %s (exited with code \d+|killed[^\]]*)\]" % (prog, prog),
                  log, re.S)
    if not m:
        print(f"compare: no complete run of {a.program} in {a.log}")
        return 1
    got = m.group(2)
    if got == want:
        print(f"compare: {a.program}'s output matches {a.expected} ({len(want.splitlines())} lines); it {m.group(3)}")
        return 0
    sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), got.splitlines(True), a.expected, "guest"))
    print(f"\ncompare: {a.program}'s output differs from {a.expected}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
