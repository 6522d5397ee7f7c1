#!/usr/bin/env python3
"""conformance-table.py: the per-syscall conformance table from a console log.

    conformance-table.py --spec spec/ --arch riscv64 --log build/<preset>/logs/conformance-<path>.log \\
                         --out build/<preset>/conformance.md

Reads cmocka's lines in the log of a tests/conformance run ("[ RUN      ]
name", "[       OK ] name", "[  FAILED  ] name", "[  SKIPPED ] name"); every
test is named "<syscall>.<what>" or "abi.<what>".  Writes a Markdown table
with one row per syscall of the spec (number, tests, passed, failed, the
failing tests), then the whole-ABI row and cmocka's summary.  Exits 1 if the
log has no cmocka summary, or a syscall of the spec has no test at all.
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "codegen"))
from spec import SpecError, load_spec  # noqa: E402

LINE = re.compile(r"^\[ *(RUN|OK|FAILED|SKIPPED|ERROR|LINE) *\] (.*?)\s*$")


def parse(text):
    results, current, why = {}, None, {}
    lines = text.splitlines()
    for i, raw in enumerate(lines):
        raw = raw.rstrip("\r")
        if raw.startswith("ERROR: ") and current:  # fail_msg()'s message
            msg = raw[7:].strip()
            if msg.endswith(":") and i + 1 < len(lines):  # the host harness: the user-side failure follows
                msg = lines[i + 1].strip()
            why[current] = msg
            continue
        m = LINE.match(raw)
        if not m:
            continue
        kind, rest = m.groups()
        if kind == "RUN":
            current = rest
            results.setdefault(rest, "RUN")
        elif kind in ("OK", "FAILED", "SKIPPED") and rest in results:
            results[rest] = kind
        elif kind == "ERROR" and current and not rest.lstrip("- ").startswith("["):
            why.setdefault(current, rest.lstrip("- "))
    return results, why


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spec", required=True)
    ap.add_argument("--arch", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    try:
        model = load_spec(a.spec)
    except SpecError as e:
        print(f"{e.where}: error: {e.message}", file=sys.stderr)
        return 1
    text = open(a.log, encoding="utf-8", errors="replace").read() if os.path.exists(a.log) else ""
    results, why = parse(text)
    summary = re.search(r"\[==========\] (\d+) test\(s\) run", text)
    passed_line = re.search(r"\[  PASSED  \] (\d+) test", text)
    rows, ok = [], True
    groups = {}
    for name, res in results.items():
        groups.setdefault(name.split(".")[0].split(":")[0], []).append((name, res))
    lines = [f"# ABI conformance: {a.arch}", "",
             f"From `{os.path.relpath(a.log, os.path.dirname(os.path.abspath(a.out)))}` (tests/conformance, cmocka). "
             "A test that crashed or never finished counts as failed; a skipped test is one that cannot run "
             "on this target (see its log line).", "",
             "| syscall | number | tests | passed | skipped | failed | failing tests |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    total_p = total_f = 0
    total_s = [0]

    def row(label, number, items):
        nonlocal total_p, total_f
        p = sum(1 for _, r in items if r == "OK")
        sk = sum(1 for _, r in items if r == "SKIPPED")
        f = len(items) - p - sk
        total_p += p
        total_s[0] += sk
        total_f += f
        failing = "; ".join(f"`{n}`" + (f" ({why[n]})" if n in why else "") for n, r in items if r not in ("OK", "SKIPPED"))
        lines.append(f"| {label} | {number} | {len(items)} | {p} | {sk} | {f} | {failing} |")

    for s in model.syscalls:
        items = groups.pop(s["name"], [])
        if not items:
            ok = False
        row(f"`{s['name']}`", s["number"], items)
    row("(whole ABI)", "", groups.pop("abi", []))
    for rest, items in sorted(groups.items()):
        row(f"`{rest}` (not in the spec)", "", items)
    lines += ["", f"Total: {total_p} passed, {total_s[0]} skipped, {total_f} failed"
              + (f"; cmocka: {summary.group(1)} run, {passed_line.group(1) if passed_line else 0} passed" if summary else
                 "; no cmocka summary in the log (the run did not finish)"), ""]
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print(f"conformance-table: {a.out}: {total_p} passed, {total_s[0]} skipped, {total_f} failed")
    if not summary:
        print("conformance-table: no cmocka summary in the log", file=sys.stderr)
        return 1
    if not ok:
        print("conformance-table: a syscall of the spec has no test", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
