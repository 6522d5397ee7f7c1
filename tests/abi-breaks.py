#!/usr/bin/env python3
"""abi-breaks.py: show that the conformance suite catches a broken ABI.

Copies the source tree (without build/ and .git) to a scratch directory,
builds the riscv64-qemu preset's kernel-conformance there and runs the
suite once as it is (the baseline), then applies, one at a time, the
deliberate ABI breaks below, rebuilding and rerunning after each and undoing it
afterwards:

  stub-registers  riscv64 user stubs put arguments 4 and 5 in each other's
                  registers, a4 and a3 (codegen/templates/syscalls.h.j2)
  error-code      SYS_CAPABILITY_VALIDATE answers InvalidParameter instead of
                  PermissionDenied for missing rights (kernel/include/syscall_support.h)
  rights-check    the shim of SYS_WRITE no longer checks the capability's
                  rights (codegen/templates/syscall_shims.c.j2)
  sign-extended   a result narrower than a word (SYS_THREAD_JOIN's i32, and
                  ProcessExitInfo.code) is carried sign-extended again, so a
                  negative exit code sets bit 63 and reads as an error
                  (codegen/spec.py word_codec)
  error-list      SYS_THREAD_JOIN's spec forgets Timeout, which its kernel
                  returns: kernel, stubs and tests agree with each other, and
                  only the generated error-list check (VOS_CHECK_ERRORS, on
                  in every kernel but the benchmark one) sees the disagreement
  struct-order    Timespec's fields swapped in spec/abi.yaml, so kernel and
                  stubs agree with each other but not with the documented
                  word order of SYS_CLOCK_GET's results
  switch-save     riscv64 forgets s5 when it stores a thread's kept
                  registers into its frame: on the syscall path when another
                  thread runs next, and on a full trap (the store_kept macro
                  generated from spec/arch.yaml, codegen/templates/syscall_asm.h.j2)
  fast-leak       riscv64's IPC fast path stops zeroing t0..t6 when it
                  switches, so one thread sees the kernel's and the other
                  thread's values in them (arch/riscv64/entry.S)
  spec-callee-saved  spec/arch.yaml no longer says riscv64's kernel C keeps
                  s0, so on the message syscalls' path s0 would be neither
                  kept nor destroyed: the generator refuses the spec
                  (codegen/spec.py), which counts as caught for this break
                  only (its expected build error is given).  Before that
                  check the generated fast path left the previous thread's
                  s0 to the next one, and three conformance tests failed
  eighth-argument  riscv64's syscall entry no longer stores t0, its eighth
                  argument register, into the frame (the saved registers
                  generated from spec/arch.yaml, codegen/spec.py), so
                  SYS_IPC_CALL's channel_cap is whatever the frame held
  fp-save         riscv64 hands the FP unit to another thread without
                  saving the owner's f0..f31 and fcsr (arch/riscv64/fp.c)
  fp-lazy-off     riscv64 enters every thread with sstatus.FS on, so a
                  thread that does not own the FP registers uses (and
                  overwrites) the owner's without a trap (arch/riscv64/entry.S)
  fp-short-path   riscv64's short syscall path (a syscall that returns at
                  once) clears fcsr on its way out when the thread has FP on
                  ("no kernel FP flags leak"), so the rounding mode and flags
                  a thread set are gone (arch/riscv64/entry.S): the break
                  abi.fp_registers_kept_returning_at_once exists for
  v-save          riscv64 hands the vector unit to another thread (or to
                  the kernel's copies) without saving the owner's v0..v31,
                  vl, vtype, vcsr, vstart (arch/riscv64/vector.c); caught by
                  the vector suite (tests/vector), as are the two below
  v-borrow        riscv64's page clearing and bulk copies use v0..v7 and
                  vl/vtype without saving the owner first (borrow_unit,
                  arch/riscv64/page.S)
  v-reset-state   riscv64 skips loading a thread's vector state when it is
                  the reset state (vill), so a thread's first vector
                  instruction finds what the last owner (a thread that died
                  owning the unit) or the kernel's copies left (arch/riscv64/vector.c)

The breaks are run against the conformance suite (kernel-conformance,
conformance-opensbi) unless they name another: the vector suite
(kernel-vector, vector-opensbi).

Each break must make at least one conformance test fail that passes in the
baseline, or, where a break names the build error it expects (a spec the
generator must refuse), stop the build with that error (tests failing in the baseline, e.g. those waiting for a kernel
feature, are reported and otherwise ignored).  Exit status 0 when every
break is caught.  The real tree is never written.

    tests/abi-breaks.py [--scratch DIR] [--keep] [--only NAME ...]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRESET = "riscv64-qemu"
# Each suite: the kernel target to build, its boot test, and its program's name (its closing line is "<name>: done").
SUITES = {
    "conformance": ("kernel-conformance", "conformance-opensbi", "conformance"),
    "vector": ("kernel-vector", "vector-opensbi", "vector"),
}


def replace_once(path, old, new):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text.count(old) != 1:
        raise SystemExit(f"abi-breaks: {os.path.relpath(path)}: expected exactly one {old!r}")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new))


BREAKS = [
    ("switch-save", "codegen/templates/syscall_asm.h.j2",
     lambda p: replace_once(p, '.macro store_kept base\n{{ entry_ops(arch_name, arch, "store", e.kept) }}',
                            '.macro store_kept base\n{{ entry_ops(arch_name, arch, "store", e.kept|reject("equalto", "s5")|list) }}')),
    ("fast-leak", "arch/riscv64/entry.S",
     lambda p: replace_once(p, "    clear_message_clobbers\n    clear_clobbers\n", "    clear_message_clobbers\n")),
    ("spec-callee-saved", "spec/arch.yaml",
     lambda p: replace_once(p, "callee_saved: [gp, tp, s0, s1,", "callee_saved: [gp, tp, s1,"),
     r"riscv64: s0: neither kept by the kernel's C"),
    ("eighth-argument", "codegen/spec.py",
     lambda p: replace_once(p, 'saved=[r for r in d["frame"] if r in d["args"] or r not in',
                            'saved=[r for r in d["frame"] if r not in')),
    ("fp-save", "arch/riscv64/fp.c",
     lambda p: replace_once(p, "        riscv_fp_save(fp_owner);\n", "")),
    ("fp-lazy-off", "arch/riscv64/entry.S",
     lambda p: replace_once(p, "    csrw sstatus, t0\n", "    csrw sstatus, t0\n    li t0, 3 << 13\n    csrs sstatus, t0\n")),
    ("fp-short-path", "arch/riscv64/entry.S",
     lambda p: replace_once(p, "    load_saved_rest a0\n    ld a0, FRAME_A0(a0)\n    clear_clobbers\n    sret\n",
                            "    load_saved_rest a0\n    ld a0, FRAME_A0(a0)\n    clear_clobbers\n"
                            "    csrr t0, sstatus\n    srli t0, t0, 13\n    andi t0, t0, 3\n    beqz t0, 9f\n"
                            "    csrw 0x003, zero\n9:\n    sret\n")),
    ("v-save", "arch/riscv64/vector.c",
     lambda p: replace_once(p, "    riscv_v_save(riscv_v_owner->vstate);\n", ""), None, "vector"),
    ("v-borrow", "arch/riscv64/page.S",
     lambda p: replace_once(p, "    call riscv_v_borrow_slow\n", ""), None, "vector"),
    ("v-reset-state", "arch/riscv64/vector.c",
     lambda p: replace_once(p, "    riscv_v_load(f->vstate);\n",
                            "    if (f->vstate->vtype != VTYPE_VILL)\n        riscv_v_load(f->vstate);\n"), None, "vector"),
    ("stub-registers", "codegen/templates/syscalls.h.j2",
     lambda p: replace_once(p, 'register uint64_t {{ x.var }} __asm__("{{ x.reg }}")',
                            'register uint64_t {{ x.var }} __asm__("{{ {"a3": "a4", "a4": "a3"}.get(x.reg, x.reg) '
                            'if arch_name == "riscv64" else x.reg }}")')),
    ("error-code", "kernel/include/syscall_support.h",
     lambda p: replace_once(p, "== required_rights ? VOS_OK : VOS_ERR_PERMISSION_DENIED;",
                            "== required_rights ? VOS_OK : VOS_ERR_INVALID_PARAMETER;")),
    ("rights-check", "codegen/templates/syscall_shims.c.j2",
     lambda p: replace_once(p, '{% set need = "rights_" ~ a.name if a.rights_from else (a.rights|map(attribute="c")|join(" | ") or "0") %}',
                            '{% set need = "rights_" ~ a.name if a.rights_from else (a.rights|map(attribute="c")|join(" | ") or "0") %}'
                            '{% if s.name == "write" %}{% set need = "0" %}{% endif %}')),
    ("sign-extended", "codegen/spec.py",
     lambda p: replace_once(p, 'return f"(uint64_t)(uint{bits}_t)({{}})", ', 'return f"(uint64_t)(int{bits}_t)({{}})", ')),
    ("error-list", "spec/syscalls.yaml",
     lambda p: replace_once(p, "    errors: [NotFound, InvalidParameter, Busy, Timeout, Interrupted]\n",
                            "    errors: [NotFound, InvalidParameter, Busy, Interrupted]\n")),
    ("struct-order", "spec/abi.yaml",
     lambda p: replace_once(p, "      - {name: tv_sec,  type: u64, doc: Seconds}\n"
                               "      - {name: tv_nsec, type: u64, doc: Nanoseconds, less than 1000000000}\n",
                            "      - {name: tv_nsec, type: u64, doc: Nanoseconds, less than 1000000000}\n"
                            "      - {name: tv_sec,  type: u64, doc: Seconds}\n")),
]


def run(cmd, cwd, log):
    with open(log, "a", encoding="utf-8") as f:
        f.write(f"$ {' '.join(cmd)}\n")
        f.flush()
        return subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT).returncode


def suite(tree, log, name, which="conformance"):
    """Build and run a suite's boot test; (failing test names, build ok, test ok).
    The run's console log is kept as <scratch>/<name>.console.log."""
    target, test, program = SUITES[which]
    build = os.path.join(tree, "build", PRESET)
    if run(["cmake", "--build", build, "--target", target], tree, log):
        return None, False, False
    ok = run(["ctest", "--test-dir", build, "-R", f"^{test}$", "--output-on-failure"], tree, log) == 0
    console = os.path.join(build, "logs", f"{test}.log")
    text = open(console, encoding="utf-8", errors="replace").read() if os.path.exists(console) else ""
    with open(os.path.join(os.path.dirname(log), f"{name}.console.log"), "w", encoding="utf-8") as f:
        f.write(text)
    failed = set(re.findall(r"^\[  FAILED  \] (.+?)\s*$", text, re.M)) - {n for n in re.findall(
        r"^\[  FAILED  \] (\d+ test\(s\).*)$", text, re.M)}
    if f"{program}: done" not in text:
        # Died before its closing line: the test that was running fails, or the start-up if none.
        running = re.findall(r"^\[ RUN      \] (.+?)\s*$", text, re.M)
        finished = set(re.findall(r"^\[       OK \] (.+?)\s*$", text, re.M))
        last = [ln for ln in text.splitlines() if ln.strip()][-2:]
        where = running[-1] + " " if running and running[-1] not in finished else ""
        failed.add(where + "(the suite did not finish; console ends: " + " / ".join(last) + ")")
    return failed, True, ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scratch", help="scratch directory (default: a new one under /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch copy")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="apply only these breaks")
    a = ap.parse_args()
    breaks = [b + (None,) * (4 - len(b)) + ("conformance",) * (5 - max(len(b), 4)) for b in BREAKS
              if not a.only or b[0] in a.only]
    scratch = a.scratch or tempfile.mkdtemp(prefix="vos-abi-breaks-")
    tree = os.path.join(scratch, "tree")
    log = os.path.join(scratch, "abi-breaks.log")
    if os.path.exists(tree):
        shutil.rmtree(tree)
    shutil.copytree(SRC, tree, ignore=shutil.ignore_patterns("build", ".git", "__pycache__"), symlinks=True)
    print(f"abi-breaks: scratch copy {tree}, log {log}", flush=True)
    # Third-party code already fetched and built for this preset (newlib, cmocka, Lua) is reused
    # (tools/build-newlib.sh keeps a stamp and rebuilds only if the flags differ).
    cached = os.path.join(SRC, "build", PRESET, "third_party")
    if os.path.isdir(cached):
        shutil.copytree(cached, os.path.join(tree, "build", PRESET, "third_party"), symlinks=True)
    if run(["cmake", "--preset", PRESET], tree, log):
        print("abi-breaks: configure failed (see the log)")
        return 1
    if not os.path.isdir(cached):  # and the other way: the preset's own build tree need not build them again
        shutil.copytree(os.path.join(tree, "build", PRESET, "third_party"), cached, symlinks=True)
    bases = {}
    for which in dict.fromkeys(b[4] for b in breaks):
        base, built, _ = suite(tree, log, "baseline" if which == "conformance" else f"baseline-{which}", which)
        if not built:
            print("abi-breaks: the unbroken tree does not build (see the log)")
            return 1
        print(f"abi-breaks: baseline ({which}): {len(base)} failing test(s)"
              + (f" (ignored: {', '.join(sorted(base))})" if base else ""), flush=True)
        bases[which] = base
    caught = 0
    for name, rel, apply, build_error, which in breaks:
        base = bases[which]
        path = os.path.join(tree, rel)
        saved = open(path, encoding="utf-8").read()
        apply(path)
        log_start = os.path.getsize(log)
        failed, built, _ = suite(tree, log, name, which)
        with open(path, "w", encoding="utf-8") as f:
            f.write(saved)
        if build_error:
            with open(log, encoding="utf-8", errors="replace") as f:
                f.seek(log_start)
                refused = not built and re.search(build_error, f.read())
            caught += bool(refused)
            print(f"abi-breaks: {name} ({rel}): " + ("CAUGHT: the build stops with the expected error" if refused
                  else "NOT CAUGHT: the build did not stop with the expected error"), flush=True)
            continue
        if not built:
            print(f"abi-breaks: {name} ({rel}): NOT CAUGHT by the suite: the tree no longer builds (see the log)")
            continue
        new = sorted(failed - base)
        if new:
            caught += 1
            print(f"abi-breaks: {name} ({rel}): CAUGHT by {len(new)} test(s): {', '.join(new[:6])}"
                  + (" ..." if len(new) > 6 else ""), flush=True)
        else:
            print(f"abi-breaks: {name} ({rel}): NOT CAUGHT", flush=True)
    if not a.keep and not a.scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"abi-breaks: {caught} of {len(breaks)} breaks caught")
    return 0 if caught == len(breaks) else 1


if __name__ == "__main__":
    sys.exit(main())
