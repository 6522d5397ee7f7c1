"""The generated error-list check (VOS_CHECK_ERRORS) says exactly what the spec says.

syscall_table.c carries, under `#if VOS_CHECK_ERRORS`, one bit mask per
call of the errors its spec `errors` list names, and syscall_check_error(),
which panics naming the call and the error when a call returns (at once or
to a blocked thread) an error its list does not name.  These tests read the
masks back out of the generated C and compare them with spec/syscalls.yaml
read directly (not through the generator's model), and check that editing
one list moves exactly that call's mask.  That the check bites at run time
is shown by tests/host (test_dispatch.c: an error delivered to a blocked
thread; test_memory.c: SYS_MUNMAP's OutOfMemory, which it found) and by
tests/abi-breaks.py ("error-list").
"""
import os
import re
import sys
import tempfile
import unittest

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402


def error_masks(table_c):
    """{VOS_SYS_*: set of VOS_ERR_* names} from the generated errors_listed initialisers."""
    m = re.search(r"#if VOS_CHECK_ERRORS\n(.*?)#endif", table_c, re.S)
    assert m, "no VOS_CHECK_ERRORS block in syscall_table.c"
    block = m.group(1)
    init = re.search(r"errors_listed\[VOS_SYSCALL_TABLE_SIZE\] = \{(.*?)\n\};", block, re.S)
    assert init, "no errors_listed table"
    out = {}
    for nr, expr in re.findall(r"^\s*\[(VOS_SYS_\w+)\] = (.*?),\s*$", init.group(1), re.M):
        if nr in out:
            raise AssertionError(f"{nr} listed twice")
        out[nr] = set(re.findall(r"1u << (VOS_ERR_\w+)", expr)) if expr.strip() != "0" else set()
    return out, block


def spec_errors(spec_dir):
    with open(os.path.join(spec_dir, "syscalls.yaml"), encoding="utf-8") as f:
        calls = yaml.safe_load(f)["syscalls"]
    return {"VOS_SYS_" + c["name"].upper(): {helpers.c_error_name(e) for e in c["errors"]} for c in calls}


class GeneratedErrorCheck(unittest.TestCase):

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="vosgen-errcheck-")
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def masks(self, spec_dir, arch, name):
        out = helpers.generate(self, spec_dir, arch, os.path.join(self.tmp, name))
        return error_masks(helpers.read(os.path.join(out, "kernel", "syscall_table.c")))

    def test_every_call_has_exactly_its_spec_list(self):
        want = spec_errors(helpers.SPEC)
        for arch in helpers.ALL_ARCHES:
            with self.subTest(arch=arch):
                got, block = self.masks(helpers.SPEC, arch, arch)
                self.assertEqual(got, want)
                # The check covers every number: unknown ones may only fail with InvalidSyscall.
                self.assertIn("err == VOS_ERR_INVALID_SYSCALL", block)
                # A violation panics naming the call and the error.
                self.assertRegex(block, r"panic\(\"error check: %s \(%lu\) returned %s \(%ld\)")
                self.assertIn("vos_syscall_name(nr)", block)
                self.assertIn("vos_error_name(err)", block)

    def test_editing_one_list_moves_one_mask(self):
        spec_dir = helpers.copy_spec(self.tmp)
        before, _ = self.masks(spec_dir, "riscv64", "before")
        path = os.path.join(spec_dir, "syscalls.yaml")
        helpers.edit(path, "errors: [NotFound, InvalidParameter, Busy, Timeout, Interrupted]",
                     "errors: [NotFound, InvalidParameter, Timeout, Interrupted]", after="name: thread_join")
        after, _ = self.masks(spec_dir, "riscv64", "after")
        self.assertEqual(before["VOS_SYS_THREAD_JOIN"] - after["VOS_SYS_THREAD_JOIN"], {"VOS_ERR_BUSY"})
        self.assertEqual(after["VOS_SYS_THREAD_JOIN"] - before["VOS_SYS_THREAD_JOIN"], set())
        self.assertEqual({k: v for k, v in before.items() if k != "VOS_SYS_THREAD_JOIN"},
                         {k: v for k, v in after.items() if k != "VOS_SYS_THREAD_JOIN"})


if __name__ == "__main__":
    unittest.main()
