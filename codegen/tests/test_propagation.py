"""A change to one syscall in the spec reaches every generated artefact.

SYS_YIELD is moved from 42 to 7 in a copy of spec/ (7 is free, and moving
it below others changes the table's order as well as its size).  For every
architecture, the new outputs must carry 7 everywhere SYS_YIELD appears,
nothing may still show 42 for it, and nothing unrelated may change.
"""
import difflib
import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402

OLD, NEW = 42, 7

# "SYS_YIELD" followed by its number in any of the forms the outputs use:
# `SYS_YIELD` (42)  /  SYS_YIELD (42):  /  #define VOS_SYS_YIELD   42
YIELD_WITH = r"SYS_YIELD`?\s*\(?\s*{}\b"


def table_entries(table_c, abi_defines):
    """{number: shim} from syscall_table.c's designated initialisers, with the
    index macros resolved through vos/abi.h as the compiler would."""
    out = {}
    table_c = table_c[table_c.index("syscall_table["):]
    table_c = table_c[:table_c.index("};")]  # the dispatch table only (the error lists follow it)
    for index, shim in re.findall(r"^\s*\[(\w+)\]\s*=\s*(\w+)\s*,", table_c, re.M):
        n = int(index) if index.isdigit() else abi_defines[index]
        if n in out:
            raise AssertionError(f"table index {n} initialised twice ({out[n]}, {shim})")
        out[n] = shim
    return out


def function_body(text, name):
    """The text of the static inline function `name` in a generated header."""
    m = re.search(r"\b" + re.escape(name) + r"\(.*?\n\{(.*?)\n\}", text, re.S)
    if not m:
        raise AssertionError(f"{name} not found")
    return m.group(1)


class OneSyscallChangePropagates(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="vosgen-propagate-")
        tmp = cls._tmp.name
        spec = helpers.copy_spec(tmp)
        cls.before, cls.after = {}, {}
        for arch in helpers.ALL_ARCHES:
            cls.before[arch] = os.path.join(tmp, "before", arch)
            r = helpers.run_vosgen(spec, arch, cls.before[arch])
            if r.returncode:
                raise AssertionError(r.stderr)
        helpers.edit(os.path.join(spec, "syscalls.yaml"), f"number: {OLD}", f"number: {NEW}",
                     after="- name: yield")
        cls.model = helpers.load_model(spec)
        for arch in helpers.ALL_ARCHES:
            cls.after[arch] = os.path.join(tmp, "after", arch)
            r = helpers.run_vosgen(spec, arch, cls.after[arch])
            if r.returncode:
                raise AssertionError(r.stderr)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def files(self, arch, rel):
        return (helpers.read(os.path.join(self.before[arch], rel)),
                helpers.read(os.path.join(self.after[arch], rel)))

    def changed_lines(self, old, new):
        return [l for l in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
                if l[:1] in "+-" and not l.startswith(("+++", "---"))]

    def test_model(self):
        self.assertEqual({s["name"]: s["number"] for s in self.model.syscalls}["yield"], NEW)

    def test_abi_header(self):
        for arch in helpers.ALL_ARCHES:
            with self.subTest(arch=arch):
                old, new = self.files(arch, "include/vos/abi.h")
                d_old, d_new = helpers.c_int_defines(old), helpers.c_int_defines(new)
                self.assertEqual(d_old["VOS_SYS_YIELD"], OLD)
                self.assertEqual(d_new["VOS_SYS_YIELD"], NEW)
                # The table ends after the largest number: it shrinks only if 42 was that
                # (the extensions may number higher: spec/syscalls.yaml, "Drivers").
                size = d_old["VOS_SYSCALL_TABLE_SIZE"]
                self.assertEqual(d_new["VOS_SYSCALL_TABLE_SIZE"], OLD if size == OLD + 1 else size)
                # Every other value is untouched.
                for k in set(d_old) | set(d_new):
                    if k not in ("VOS_SYS_YIELD", "VOS_SYSCALL_TABLE_SIZE"):
                        self.assertEqual(d_old.get(k), d_new.get(k), k)
                for line in self.changed_lines(old, new):
                    self.assertRegex(line, r"SYS_YIELD|VOS_SYSCALL_TABLE_SIZE", "unrelated change in abi.h")

    def test_dispatch_table(self):
        for arch in helpers.ALL_ARCHES:
            with self.subTest(arch=arch):
                old, new = self.files(arch, "kernel/syscall_table.c")
                abi_old, abi_new = (helpers.c_int_defines(t) for t in self.files(arch, "include/vos/abi.h"))
                t_old, t_new = table_entries(old, abi_old), table_entries(new, abi_new)
                self.assertEqual(t_old[OLD], "shim_yield")
                self.assertEqual(t_new[NEW], "shim_yield")
                self.assertNotIn(OLD, t_new)
                # All other entries keep their numbers.
                self.assertEqual({n: s for n, s in t_old.items() if n != OLD},
                                 {n: s for n, s in t_new.items() if n != NEW})
                self.assertLess(max(t_new), abi_new["VOS_SYSCALL_TABLE_SIZE"])
                # The table is written in number order, so the text moved too.
                self.assertNotEqual(old, new)
                numbers = [abi_new[i] for i in re.findall(r"^\s*\[(\w+)\] = shim_", new, re.M)]
                self.assertEqual(numbers, sorted(numbers))

    def test_user_stubs(self):
        for arch in helpers.ALL_ARCHES:
            with self.subTest(arch=arch):
                old, new = self.files(arch, "include/vos/syscalls.h")
                self.assertNotEqual(old, new)
                self.assertRegex(new, YIELD_WITH.format(NEW))
                body = function_body(new, "vos_sys_yield")
                # The stub loads the yield number (by name, resolved by abi.h)
                # into the arch's number register (or the host's nr slot).
                reg = self.model.arches[arch]["number"]
                self.assertRegex(body, rf"\b{reg}\b[^;\n]*=\s*VOS_SYS_YIELD\b")
                # The stubs are emitted in number order: yield now follows mprotect.
                order = re.findall(r"\bvos_sys_(\w+)\(", new)
                seen = list(dict.fromkeys(order))
                self.assertEqual(seen.index("yield"), seen.index("mprotect") + 1)

    def test_docs(self):
        for arch in helpers.ALL_ARCHES:
            with self.subTest(arch=arch):
                old, new = self.files(arch, "docs/syscalls.md")
                self.assertIn(f"#### `SYS_YIELD` ({OLD})", old)
                self.assertIn(f"#### `SYS_YIELD` ({NEW})", new)

    def test_kernel_files_follow(self):
        # Shims and handler prototypes name the number in their comments.
        for arch in helpers.ALL_ARCHES:
            for rel in ("kernel/syscall_shims.c", "kernel/syscall_handlers.h"):
                with self.subTest(arch=arch, file=rel):
                    old, new = self.files(arch, rel)
                    self.assertRegex(old, YIELD_WITH.format(OLD))
                    self.assertRegex(new, YIELD_WITH.format(NEW))

    def test_old_number_gone_everywhere(self):
        stale = re.compile(YIELD_WITH.format(OLD))
        for arch in helpers.ALL_ARCHES:
            for rel in helpers.OUTPUT_TEMPLATES:
                with self.subTest(arch=arch, file=rel):
                    new = helpers.read(os.path.join(self.after[arch], rel))
                    self.assertIsNone(stale.search(new), f"{rel} still shows SYS_YIELD as {OLD}")
                    self.assertNotRegex(new, rf"\[\s*{OLD}\s*\]\s*=\s*shim_yield")


if __name__ == "__main__":
    unittest.main()
