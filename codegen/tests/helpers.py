"""Shared helpers for the generator's tests (not a test module itself).

The tests treat codegen/vosgen.py as a black box where they can: they run it
as a subprocess on a copy of spec/ and read what it wrote, because that is
exactly what the build does.  The model (codegen/spec.py) is imported only
to compare it with the reference and to know which syscalls to expect.
"""
import ast
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CODEGEN = os.path.dirname(HERE)
REPO = os.path.dirname(CODEGEN)
SPEC = os.path.join(REPO, "spec")
VOSGEN = os.path.join(CODEGEN, "vosgen.py")
# The API reference lives beside the repository, not in it.
REFERENCE = os.path.normpath(os.path.join(REPO, "..", "shared", "reference", "syscall-api.md"))

# The real targets; "host" is ours and has no reference register rule.
TARGET_ARCHES = ("riscv64", "aarch64", "x86_64")
ALL_ARCHES = TARGET_ARCHES + ("host",)

# The outputs the rest of the tree relies on (CMake, kernel, libsys); the
# generator may write more, but never fewer.
CORE_OUTPUTS = (
    "include/vos/abi.h",
    "include/vos/syscalls.h",
    "kernel/syscall_handlers.h",
    "kernel/syscall_frame.h",
    "kernel/syscall_table.c",
    "kernel/syscall_shims.c",
    "docs/syscalls.md",
)
SPEC_FILES = ("abi.yaml", "arch.yaml", "syscalls.yaml")

if CODEGEN not in sys.path:
    sys.path.insert(0, CODEGEN)

import vosgen  # noqa: E402  (codegen/vosgen.py, for its list of outputs)

# Every file vosgen writes -> the template it must name in its header.
OUTPUT_TEMPLATES = {rel: template for template, rel in vosgen.OUTPUTS}


def cmake_declared_outputs():
    """The generated files cmake/VosCodegen.cmake declares as OUTPUTs (relative
    to the gen/ directory).  A file vosgen writes but CMake does not know
    about is never regenerated or cleaned by the build."""
    text = read(os.path.join(REPO, "cmake", "VosCodegen.cmake"))
    m = re.search(r"set\(outputs\b(.*?)\)", text, re.S)
    if not m:
        raise AssertionError("cmake/VosCodegen.cmake: no set(outputs ...)")
    return set(re.findall(r"\$\{out\}/(\S+)", m.group(1)))


def load_model(spec_dir=SPEC):
    """The generator's model of a spec directory (codegen/spec.py)."""
    import spec  # noqa: E402  (codegen/ is on sys.path, see above)
    return spec.load_spec(spec_dir)


def run_vosgen(spec_dir, arch, out_dir, cwd=None, env=None):
    """Run the generator exactly as the build does; returns CompletedProcess."""
    return subprocess.run(
        [sys.executable, VOSGEN, "--spec", spec_dir, "--arch", arch, "--out", out_dir],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def generate(testcase, spec_dir, arch, out_dir, cwd=None):
    """Run the generator and fail the test unless it succeeds."""
    r = run_vosgen(spec_dir, arch, out_dir, cwd=cwd)
    testcase.assertEqual(r.returncode, 0, f"vosgen --arch {arch} failed:\n{r.stderr}")
    return out_dir


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def copy_spec(tmp):
    """A private copy of spec/ at <tmp>/spec, safe to break."""
    dst = os.path.join(tmp, "spec")
    shutil.copytree(SPEC, dst)
    return dst


def edit(path, old, new, after=None):
    """Replace the first `old` (after the first `after`, if given) in a file.

    Returns the 1-based line where `old` started, which is where a checker
    that reports the edited construct must point.  Fails loudly when the
    anchor text is gone, so a spec change cannot silently turn a test into
    a no-op.
    """
    text = read(path)
    start = 0
    if after is not None:
        start = text.find(after)
        if start < 0:
            raise AssertionError(f"{path}: anchor {after!r} not found")
    i = text.find(old, start)
    if i < 0:
        raise AssertionError(f"{path}: {old!r} not found after {after!r}")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text[:i] + new + text[i + len(old):])
    return text.count("\n", 0, i) + 1


def line_of(path, needle, after=None):
    """1-based line of the first `needle` (after `after`) in a file."""
    text = read(path)
    start = text.find(after) if after is not None else 0
    if start < 0:
        raise AssertionError(f"{path}: anchor {after!r} not found")
    i = text.find(needle, start)
    if i < 0:
        raise AssertionError(f"{path}: {needle!r} not found")
    return text.count("\n", 0, i) + 1


# ------------------------------------------------------------ C headers ---

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+(.+?)[ \t]*$", re.M)
_INT_SUFFIX = re.compile(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b")


def _eval_int(expr):
    """Value of an integer constant expression built from literals, << | + - ~ and
    parentheses; None for anything else (strings, function-like macros)."""
    try:
        tree = ast.parse(_INT_SUFFIX.sub(r"\1", expr).strip(), mode="eval")
    except SyntaxError:
        return None

    def ev(n):
        if isinstance(n, ast.Expression):
            return ev(n.body)
        if isinstance(n, ast.Constant) and isinstance(n.value, int) and not isinstance(n.value, bool):
            return n.value
        if isinstance(n, ast.BinOp):
            ops = {ast.LShift: lambda a, b: a << b, ast.BitOr: lambda a, b: a | b,
                   ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b}
            if type(n.op) in ops:
                return ops[type(n.op)](ev(n.left), ev(n.right))
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return -ev(n.operand)
        raise ValueError(ast.dump(n))

    try:
        return ev(tree)
    except (ValueError, TypeError):
        return None


def c_int_defines(text):
    """{NAME: int} for every object-like #define with an integer value."""
    out = {}
    for name, value in _DEFINE.findall(_COMMENT.sub(" ", text)):
        v = _eval_int(value)
        if v is not None:
            out[name] = v
    return out


# ------------------------------------------------------------ reference ---

def parse_reference(text):
    """What the API reference fixes, as plain dicts.

    syscalls: {"SYS_EXIT": 1, ...}        from the "#### `SYS_X` (N)" headings
    errors:   {"Success": 0, ...}         from enum SyscallError
    flags:    {"ProtectionFlags": {"READ": 0, ...}, "MapFlags": {...}}   bit numbers
    flag_constants: {"ProtectionFlags": {"NONE": 0}, ...}               plain values
    arches:   {"x86_64": {trap, number, arg1, ret, clobbers}, ...}      from the asm! examples
    """
    ref = dict(syscalls={}, errors={}, flags={}, flag_constants={}, arches={})
    for name, num in re.findall(r"^#+\s*`(SYS_[A-Z0-9_]+)`\s*\((\d+)\)", text, re.M):
        if name in ref["syscalls"]:
            raise ValueError(f"reference lists {name} twice")
        ref["syscalls"][name] = int(num)
    m = re.search(r"enum\s+SyscallError\s*\{(.*?)\n\}", text, re.S)
    if m:
        for name, val in re.findall(r"^\s*([A-Za-z]\w*)\s*=\s*(\d+)\s*,", m.group(1), re.M):
            ref["errors"][name] = int(val)
    for kind, body in re.findall(r"impl\s+(\w+)\s*\{(.*?)\n\}", text, re.S):
        bits = {n: int(b) for n, b in re.findall(r"pub const (\w+):\s*u\d+\s*=\s*1\s*<<\s*(\d+)\s*;", body)}
        consts = {n: int(v, 0) for n, v in re.findall(r"pub const (\w+):\s*u\d+\s*=\s*(\d+|0x[0-9a-fA-F]+)\s*;", body)}
        if bits:
            ref["flags"][kind] = bits
            ref["flag_constants"][kind] = consts
    sections = {"x86_64": r"###\s*x86_64 System Call", "aarch64": r"###\s*AArch64 System Call",
                "riscv64": r"###\s*RISC-V System Call"}
    for arch, head in sections.items():
        m = re.search(head + r".*?asm!\((.*?)\);", text, re.S)
        if not m:
            continue
        body = m.group(1)
        ref["arches"][arch] = dict(
            trap=re.search(r'^\s*"([^"]+)"', body, re.M).group(1),
            number=re.search(r'in\("(\w+)"\)\s*number', body).group(1),
            ret=re.search(r'out\("(\w+)"\)\s*ret', body).group(1),
            clobbers=sorted(re.findall(r'out\("(\w+)"\)\s*_', body)))
        m1 = re.search(head + r".*?syscall1.*?asm!\((.*?)\);", text, re.S)
        if m1:
            ref["arches"][arch]["arg1"] = re.search(r'in\("(\w+)"\)\s*arg1', m1.group(1)).group(1)
    return ref


def c_error_name(name):
    """SyscallError name -> the generator's C macro (InvalidParameter -> VOS_ERR_INVALID_PARAMETER)."""
    if name == "Success":
        return "VOS_OK"
    return "VOS_ERR_" + re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).upper()
