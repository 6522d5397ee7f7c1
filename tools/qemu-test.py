#!/usr/bin/env python3
"""Boot a QEMU command, check its console output and exit status.

    qemu-test.py [--expect REGEX]... [--reject REGEX]... [--exit N]
                 [--input FILE] [--timeout S] [--log FILE] -- qemu-system-... args

Every --expect must match the console output (in order of appearance),
no --reject may match, and QEMU must exit with status N.  The guest powers
QEMU off itself; --timeout is only a safety net for a hung guest and is
reported as a failure, never used to synchronise.  --input feeds a file to
the guest's serial console (the shell tests use it).  Prints one closing
line: "qemu-test: PASS ..." or "qemu-test: FAIL ...".
"""
import argparse, os, re, subprocess, sys, threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--reject", action="append", default=[])
    ap.add_argument("--exit", type=int, default=0, dest="exit_status")
    ap.add_argument("--input")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--log")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no QEMU command after --")

    stdin = open(a.input, "rb") if a.input else subprocess.DEVNULL
    p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    chunks = []
    reader = threading.Thread(target=lambda: chunks.append(p.stdout.read()))
    reader.start()
    timed_out = False
    try:
        status = p.wait(timeout=a.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        p.kill()
        status = p.wait()
    reader.join()
    out = b"".join(chunks).decode("utf-8", "replace")
    sys.stdout.write(out)
    if a.log:
        with open(a.log, "w") as f:
            f.write(out)

    problems = []
    if timed_out:
        problems.append(f"guest did not power off within {a.timeout:.0f}s")
    pos = 0
    for rx in a.expect:
        m = re.compile(rx, re.M).search(out, pos)
        if not m:
            problems.append(f"expected output not found (after offset {pos}): {rx!r}")
        else:
            pos = m.end()
    for rx in a.reject:
        if re.search(rx, out, re.M):
            problems.append(f"rejected output present: {rx!r}")
    if not timed_out and status != a.exit_status:
        problems.append(f"QEMU exit status {status}, expected {a.exit_status}")
    if problems:
        print("\nqemu-test: FAIL: " + "; ".join(problems))
        return 1
    print(f"\nqemu-test: PASS ({len(a.expect)} expectations, exit {status})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
