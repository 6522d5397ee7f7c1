#!/usr/bin/env python3
"""vosgen: generate VeridianOS's ABI artefacts from spec/ for one architecture.

    vosgen.py --spec spec/ --arch riscv64 --out build/riscv64-qemu/gen

writes (into --out, never into the source tree):
    include/vos/abi.h            numbers, errors, flags, types, structs (all arches)
    include/vos/syscalls.h       the user stubs for --arch
    kernel/syscall_handlers.h    handler prototypes the kernel must implement
    kernel/syscall_frame.h       trap-frame accessors for --arch
    kernel/syscall_table.c       the dispatch table
    kernel/syscall_asm.h         what trap-entry assembly needs (the message syscalls' numbers)
    kernel/syscall_shims.c       argument decoding and validation, per syscall
    docs/syscalls.md             the syscall reference
    tests/conformance_cases.h    the spec as data for tests/conformance

A spec error prints `file:line: error: message` and exits 1.  Files whose
content did not change are left untouched, so a rebuild recompiles only
what really changed.
"""
import argparse
import os
import sys

import jinja2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spec import SpecError, load_spec  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUTS = [
    ("abi.h.j2", "include/vos/abi.h"),
    ("syscalls.h.j2", "include/vos/syscalls.h"),
    ("syscall_handlers.h.j2", "kernel/syscall_handlers.h"),
    ("syscall_frame.h.j2", "kernel/syscall_frame.h"),
    ("syscall_table.c.j2", "kernel/syscall_table.c"),
    ("syscall_asm.h.j2", "kernel/syscall_asm.h"),
    ("syscall_shims.c.j2", "kernel/syscall_shims.c"),
    ("syscalls.md.j2", "docs/syscalls.md"),
    ("conformance_cases.h.j2", "tests/conformance_cases.h"),
]


def hexval(v):
    return f"0x{v:x}" if v > 9 else str(v)


def split_args(sc, arch):
    """Apply the overflow rule: (register args, spilled args, spill register or None)."""
    # A message travels in the message registers; the arguments of such a
    # call may start elsewhere (x86_64: rsi, so that rdi carries a word).
    regs = arch["message_args"] if sc["message"] else arch["args"]
    args = sc["reg_args"]
    if len(args) <= len(regs):
        return list(zip(args, regs)), [], None
    n = len(regs) - 1
    return list(zip(args[:n], regs[:n])), args[n:], regs[n]


def user_value(a):
    """The C expression that turns a stub parameter into a register word."""
    if a["kind"] == "pointer":
        return f"(uint64_t)(uintptr_t){a['name']}"
    if a.get("signed"):
        return f"(uint64_t)(int64_t){a['name']}"
    return f"(uint64_t){a['name']}"


def user_plan(sc, arch):
    """Register variables and asm operands for one user stub."""
    in_regs, spilled, spill_reg = split_args(sc, arch)
    regs = {}

    def reg(name):
        return regs.setdefault(name, dict(reg=name, var="r_" + name, init=None, input=False, output=False))

    n = reg(arch["number"])
    n["init"], n["input"] = sc["c"], True
    for a, r in in_regs:
        x = reg(r)
        x["init"], x["input"] = user_value(a), True
    if spill_reg:
        x = reg(spill_reg)
        x["init"], x["input"] = "(uint64_t)(uintptr_t)spill", True
    for r in arch["returns"][:max(sc["ret_words"], 1 if not sc["noreturn"] else 0)]:
        reg(r)["output"] = True
    msg = sc["message"]
    message = []
    for f, r in zip(msg["record"]["fields"], arch["message"]) if msg else []:
        x = reg(r)
        x["init"], x["input"], x["output"] = f"{msg['name']}->{f['name']}", True, True
        message.append((x["init"], x["var"]))
    extra = []
    for r in arch["clobbers"] + (arch["message_clobbers"] if msg else []):
        if r in regs:
            regs[r]["output"] = True  # an input the call destroys: "+r"
        else:
            extra.append(r)
    ordered = list(regs.values())
    outputs = [f'"{"+" if x["input"] else "="}r"({x["var"]})' for x in ordered if x["output"]]

    inputs = [f'"r"({x["var"]})' for x in ordered if x["input"] and not x["output"]]
    clobbers = [f'"{c}"' for c in extra] + ['"memory"']
    return dict(regs=ordered, spill=[user_value(a) for a in spilled], outputs=outputs, inputs=inputs,
                clobbers=clobbers, message=message, ret=[f"r_{r}" for r in arch["returns"][:sc["ret_words"]]])


def shim_plan(sc, arch):
    """Where the shim finds each argument: a trap-frame field or the spill array."""
    in_regs, spilled, spill_reg = split_args(sc, arch)
    src = [f"f->{r}" for _, r in in_regs] + [f"spill[{i}]" for i in range(len(spilled))]
    return dict(sources=src, spill_count=len(spilled), spill_reg=spill_reg)


def entry_ops(arch_name, arch, op, regs, base="base", last=None, riders=()):
    """Assembler lines that store, load or clear regs (frame order) at the frame in macro argument `base`.

    riscv64: one sd/ld/li each.  aarch64: neighbours in the frame go in pairs
    (stp/ldp); a register left alone takes the next slot's register along
    when that one is in `riders` (one the frame may hold anything of, so
    the store is free), and the group holding `last` (the base register of
    a load) comes last.  x86_64:
    one mov each, stores from the top of the frame down; "copy" moves regs'
    slots from the frame at `base` to the one at macro argument `to` through
    the register `scratch`."""
    off = dict(arch["entry"]["offsets"])
    sym = {r: f"FRAME_{r.upper()}" for r in regs}
    if arch_name == "riscv64":
        ins = {"store": "sd", "load": "ld"}
        if op == "clear":
            return "\n".join(f"    li {r}, 0" for r in regs)
        return "\n".join(f"    {ins[op]} {r}, {sym[r]}(\\{base})" for r in regs)
    if arch_name == "aarch64":
        if op == "clear":
            return "\n".join(f"    mov {r}, xzr" for r in regs)
        groups, i = [], 0
        after = {o - 8: r for r, o in off.items() if r in riders and r not in regs}
        while i < len(regs):
            if i + 1 < len(regs) and off[regs[i + 1]] == off[regs[i]] + 8:
                groups.append(regs[i:i + 2])
                i += 2
            else:
                groups.append(regs[i:i + 1] + ([after[off[regs[i]]]] if off[regs[i]] in after else []))
                i += 1
        groups.sort(key=lambda g: last in g)
        lines = []
        for g in groups:
            mnem = ("stp" if op == "store" else "ldp") if len(g) == 2 else ("str" if op == "store" else "ldr")
            lines.append(f"    {mnem} {', '.join(g)}, [\\{base}, #{sym[g[0]]}]")
        return "\n".join(lines)
    if arch_name == "x86_64":
        # Stores from the top of the frame down, loads from the bottom up
        # (the hand-written entry's order); a clear is the short 32-bit xor.
        if op == "clear":
            low = {r: (r + "d" if r[1].isdigit() else "e" + r[1:]) for r in regs}
            return "\n".join(f"    xor %{low[r]}, %{low[r]}" for r in regs)
        if op == "store":
            return "\n".join(f"    mov %{r}, {sym[r]}(\\{base})" for r in reversed(regs))
        if op == "copy":
            return "\n".join(f"    mov {sym[r]}(\\{base}), \\scratch\n    mov \\scratch, {sym[r]}(\\to)"
                             for r in reversed(regs))
        return "\n".join(f"    mov {sym[r]}(\\{base}), %{r}" for r in regs)
    raise ValueError(f"no entry macros for {arch_name}")


def make_env():
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(HERE, "templates")),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)
    env.filters["hex"] = hexval
    env.globals.update(user_plan=user_plan, shim_plan=shim_plan, entry_ops=entry_ops)
    return env


def render_all(spec_dir, arch, out_dir):
    model = load_spec(spec_dir)
    if arch not in model.arches:
        raise SpecError(os.path.join(os.path.relpath(spec_dir), "arch.yaml"),
                        f"no register rule for architecture '{arch}' (have: {', '.join(model.arches)})")
    env = make_env()
    written = []
    for template, rel in OUTPUTS:
        text = env.get_template(template).render(
            m=model, arch=model.arches[arch], arch_name=arch,
            template=f"codegen/templates/{template}", spec="spec/abi.yaml, spec/arch.yaml, spec/syscalls.yaml")
        path = os.path.join(out_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        if old != text:  # unchanged files keep their time: nothing recompiles (CMake sets restat)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        written.append(path)
    return written


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spec", required=True, help="the spec/ directory")
    ap.add_argument("--arch", required=True, help="riscv64, aarch64, x86_64 or host")
    ap.add_argument("--out", required=True, help="output directory (in the build tree)")
    a = ap.parse_args(argv)
    try:
        render_all(a.spec, a.arch, a.out)
    except SpecError as e:
        print(f"{e.where}: error: {e.message}", file=sys.stderr)
        return 1
    except jinja2.TemplateError as e:
        where = f"{getattr(e, 'filename', None) or 'codegen/templates'}:{getattr(e, 'lineno', 0) or 0}"
        print(f"{where}: error: template: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
