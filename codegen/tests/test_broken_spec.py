"""Broken specs stop the generator with `file:line: error: message`.

Each test copies spec/ into a temporary directory, makes one mistake there
and runs codegen/vosgen.py on it from that directory (so paths in messages
read spec/<file>.yaml).  It must exit 1, write nothing, and point at the
exact file and line of the mistake with a message that says what is wrong.
"""
import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402


class BrokenSpec(unittest.TestCase):

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="vosgen-broken-")
        self.tmp = self._tmp.name
        helpers.copy_spec(self.tmp)
        self.out = os.path.join(self.tmp, "out")

    def tearDown(self):
        self._tmp.cleanup()

    def spec(self, name):
        return os.path.join(self.tmp, "spec", name)

    def assert_error(self, file, lines, message, arch="riscv64"):
        """vosgen fails with one `spec/<file>:<line>: error: ...message...`.

        lines: the line, or the set of lines that all name the broken
        construct (used only where the construct spans several lines).
        """
        r = helpers.run_vosgen("spec", arch, "out", cwd=self.tmp)
        self.assertEqual(r.returncode, 1, f"expected exit 1; stderr:\n{r.stderr}")
        self.assertNotIn("Traceback", r.stderr, "a spec error must not crash the generator")
        m = re.match(r"^(\S+?):(\d+): error: (.*)$", r.stderr.strip())
        self.assertIsNotNone(m, f"not 'file:line: error: message': {r.stderr!r}")
        self.assertEqual(os.path.normpath(m.group(1)), os.path.join("spec", file), r.stderr)
        lines = {lines} if isinstance(lines, int) else set(lines)
        self.assertIn(int(m.group(2)), lines, f"wrong line: {r.stderr}")
        self.assertRegex(m.group(3), message)
        # Nothing half-generated may be left for the build to pick up.
        written = [os.path.join(d, f) for d, _, fs in os.walk(self.out) for f in fs]
        self.assertEqual(written, [], "a failed run wrote outputs")
        return m.group(3)

    # ---- the unbroken copy, so every failure below is caused by its edit ----

    def test_unbroken_copy_generates(self):
        for arch in helpers.ALL_ARCHES:
            r = helpers.run_vosgen("spec", arch, "out-" + arch, cwd=self.tmp)
            self.assertEqual(r.returncode, 0, f"{arch}: {r.stderr}")
            self.assertEqual(r.stderr, "")

    # ---- syscalls.yaml ----

    def test_duplicate_syscall_number(self):
        f = self.spec("syscalls.yaml")
        first = helpers.line_of(f, "- name: nanosleep")
        line = helpers.edit(f, "number: 42", "number: 41", after="- name: yield")
        msg = self.assert_error("syscalls.yaml", line, r"syscall number 41 of 'yield' is already used by 'nanosleep'")
        # The message also says where the first user is.
        self.assertIn(f"spec/syscalls.yaml:{first}", msg)

    def test_unknown_argument_type(self):
        line = helpers.edit(self.spec("syscalls.yaml"), "type: i32", "type: i33", after="- name: thread_exit")
        self.assert_error("syscalls.yaml", line, r"thread_exit\.exit_code: unknown type 'i33'")

    def test_unknown_pointer_target(self):
        line = helpers.edit(self.spec("syscalls.yaml"), '"*const Timespec"', '"*const Timespek"',
                            after="- name: nanosleep")
        self.assert_error("syscalls.yaml", line, r"nanosleep\.duration: unknown type 'Timespek'")

    def test_missing_returns(self):
        f = self.spec("syscalls.yaml")
        start = helpers.line_of(f, "- name: yield")
        helpers.edit(f, "    returns: none\n", "", after="- name: yield")
        self.assert_error("syscalls.yaml", start, r"yield: missing field 'returns'")

    def test_missing_number(self):
        f = self.spec("syscalls.yaml")
        start = helpers.line_of(f, "- name: clock_get")
        helpers.edit(f, "    number: 40\n", "", after="- name: clock_get")
        self.assert_error("syscalls.yaml", start, r"missing field 'number'")

    def test_capability_without_rights(self):
        line = helpers.edit(self.spec("syscalls.yaml"), "rights: [DERIVE], ", "",
                            after="- name: capability_derive")
        self.assert_error("syscalls.yaml", line, r"capability_derive\.parent: .*needs 'rights'")

    def test_capability_without_object(self):
        line = helpers.edit(self.spec("syscalls.yaml"), "object: [DEVICE, MEMORY, IO_PORT], ", "",
                            after="- name: write")
        self.assert_error("syscalls.yaml", line, r"write\.capability: .*needs 'object'")

    def test_capability_with_unknown_right(self):
        line = helpers.edit(self.spec("syscalls.yaml"), "rights: [DERIVE]", "rights: [DRIVE]",
                            after="- name: capability_derive")
        self.assert_error("syscalls.yaml", line, r"unknown right 'DRIVE'")

    def test_unknown_error_in_syscall(self):
        line = helpers.edit(self.spec("syscalls.yaml"), "errors: []", "errors: [NoSuchError]",
                            after="- name: yield")
        self.assert_error("syscalls.yaml", line, r"yield: unknown error 'NoSuchError'")

    def test_errors_missing_what_capability_implies(self):
        line = helpers.edit(self.spec("syscalls.yaml"), "errors: [InvalidCapability, PermissionDenied]",
                            "errors: [InvalidCapability]", after="- name: capability_revoke")
        self.assert_error("syscalls.yaml", line, r"capability_revoke: .*PermissionDenied.*'errors' does not list")

    def test_errors_missing_what_pointer_implies(self):
        line = helpers.edit(self.spec("syscalls.yaml"), "errors: [InvalidParameter, InvalidAddress, Interrupted]",
                            "errors: [InvalidParameter, Interrupted]", after="- name: nanosleep")
        self.assert_error("syscalls.yaml", line, r"nanosleep: .*InvalidAddress.*'errors' does not list")

    def test_errors_missing_what_narrow_integer_implies(self):
        # exit's i32 argument can carry stray upper bits: InvalidParameter.
        line = helpers.edit(self.spec("syscalls.yaml"), "errors: [InvalidParameter]", "errors: []",
                            after="- name: exit")
        self.assert_error("syscalls.yaml", line, r"exit: .*InvalidParameter.*'errors' does not list")

    def test_yaml_syntax_error_in_syscalls(self):
        # ": " inside a plain scalar: "mapping values are not allowed here".
        line = helpers.edit(self.spec("syscalls.yaml"), "doc: Voluntarily yield CPU to other threads.",
                            "doc: Voluntarily: yield CPU: to other threads.", after="- name: yield")
        self.assert_error("syscalls.yaml", line, r"YAML syntax")

    # A list entry written as a bare word instead of a mapping.  KNOWN GENERATOR
    # A bare word where a mapping belongs is reported at its own line.
    def test_syscall_entry_not_a_mapping(self):
        f = self.spec("syscalls.yaml")
        text = helpers.read(f)
        start = text.index("  - name: yield\n")
        end = text.index("authority: the calling thread\n", start) + len("authority: the calling thread\n")
        with open(f, "w", encoding="utf-8") as fh:
            fh.write(text[:start] + "  - yield\n" + text[end:])
        self.assert_error("syscalls.yaml", helpers.line_of(f, "  - yield\n"), r"mapping")

    def test_argument_not_a_mapping(self):
        line = helpers.edit(self.spec("syscalls.yaml"), "{name: exit_code, type: i32, doc: Process exit code}",
                            "exit_code", after="- name: exit")
        self.assert_error("syscalls.yaml", line, r"mapping")

    # ---- abi.yaml ----

    def test_duplicate_error_value(self):
        line = helpers.edit(self.spec("abi.yaml"), "{name: Busy,              value: 6,",
                            "{name: Busy,              value: 5,")
        self.assert_error("abi.yaml", line, r"error value 5 already used by 'OutOfMemory'")

    def test_duplicate_error_name(self):
        line = helpers.edit(self.spec("abi.yaml"), "{name: Busy, ", "{name: NotFound, ")
        self.assert_error("abi.yaml", line, r"error 'NotFound' defined twice")

    def test_flag_bit_used_twice(self):
        line = helpers.edit(self.spec("abi.yaml"), "{name: POPULATE,  bit: 4}", "{name: POPULATE,  bit: 3}")
        self.assert_error("abi.yaml", line, r"MapFlags: bit 3 used by both 'FIXED' and 'POPULATE'")

    def test_yaml_syntax_error_in_abi(self):
        # An unclosed flow mapping: the error is reported where the parser gives up,
        # which must still be in abi.yaml and no earlier than the edit.
        f = self.spec("abi.yaml")
        line = helpers.edit(f, "{name: Timeout,           value: 7,  doc: Operation timed out}",
                            "{name: Timeout,           value: 7,  doc: Operation timed out")
        self.assert_error("abi.yaml", range(line, line + 2), r"YAML syntax")

    # ---- arch.yaml ----

    def test_arch_without_register_rule(self):
        f = self.spec("arch.yaml")
        text = helpers.read(f)
        block = re.search(r"^  x86_64:\n(?:    .*\n)+", text, re.M)
        self.assertIsNotNone(block, "arch.yaml has no x86_64 block to remove")
        with open(f, "w", encoding="utf-8") as fh:
            fh.write(text[:block.start()] + text[block.end():])
        # The architectures mapping is what lacks the entry: its key or its first line.
        where = {helpers.line_of(f, "architectures:"), helpers.line_of(f, "  riscv64:")}
        self.assert_error("arch.yaml", where, r"architecture 'x86_64' has no register rule")

    def test_message_registers_too_few(self):
        line = helpers.edit(self.spec("arch.yaml"), "message: [x19, x20,", "message: [x20,", after="  aarch64:")
        self.assert_error("syscalls.yaml", helpers.line_of(self.spec("syscalls.yaml"), "- name: ipc_call_short"),
                          r"ipc_call_short: aarch64 has 7 message registers, IpcShortMessage needs 8")
        del line

    def test_message_register_clashes_with_argument(self):
        helpers.edit(self.spec("arch.yaml"), "message: [s2,", "message: [a0,", after="  riscv64:")
        self.assert_error("syscalls.yaml", helpers.line_of(self.spec("syscalls.yaml"), "- name: ipc_call_short"),
                          r"on riscv64 the message registers a0 also carry arguments")

    def test_message_register_also_destroyed(self):
        f = self.spec("arch.yaml")
        line = helpers.edit(f, "message_clobbers: [ra,", "message_clobbers: [s2, ra,", after="  riscv64:")
        self.assert_error("arch.yaml", line, r"riscv64: a message register cannot also be destroyed")

    def test_callee_saved_register_clobbered(self):
        f = self.spec("arch.yaml")
        line = helpers.edit(f, "callee_saved: [gp,", "callee_saved: [t0, gp,", after="  riscv64:")
        self.assert_error("arch.yaml", line, r"riscv64: callee_saved must hold no clobbered register")

    def test_message_register_not_kept(self):
        f = self.spec("arch.yaml")
        line = helpers.edit(f, "callee_saved: [gp, tp, s0, s1, s2,", "callee_saved: [gp, tp, s0, s1,", after="  riscv64:")
        self.assert_error("arch.yaml", line, r"riscv64: callee_saved must hold the message registers")

    def test_frame_missing_a_register(self):
        f = self.spec("arch.yaml")
        line = helpers.edit(f, "frame: [ra, sp,", "frame: [sp,", after="  riscv64:")
        self.assert_error("arch.yaml", line, r"riscv64: frame must name each register once")

    def test_register_without_a_role(self):
        f = self.spec("arch.yaml")
        helpers.edit(f, "clobbers: [t0, t1, t2, t3, t4, t5, t6]", "clobbers: [t0, t1, t2, t3, t4, t5]", after="  riscv64:")
        line = helpers.line_of(f, "callee_saved: [gp,")
        self.assert_error("arch.yaml", line, r"riscv64: t6: neither kept by the kernel's C")

    def test_fp_clobber_not_an_fp_register(self):
        f = self.spec("arch.yaml")
        line = helpers.edit(f, "fp_clobbers: []", "fp_clobbers: [t0]", after="  riscv64:")
        self.assert_error("arch.yaml", line, r"riscv64: fp_clobbers may name only registers of fp and fp_control")

    def test_vector_clobber_not_a_vector_register(self):
        f = self.spec("arch.yaml")
        line = helpers.edit(f, "vector_clobbers: []", "vector_clobbers: [f0]", after="  riscv64:")
        self.assert_error("arch.yaml", line, r"riscv64: vector_clobbers may name only registers of vector and vector_control")

    def test_vector_register_also_fp(self):
        f = self.spec("arch.yaml")
        line = helpers.edit(f, "vector_control: [vl,", "vector_control: [fcsr, vl,", after="  riscv64:")
        self.assert_error("arch.yaml", helpers.line_of(f, "vector: [v0,"),
                          r"riscv64: the vector registers must be distinct and neither FP nor general registers")

    def test_message_syscalls_not_consecutive(self):
        f = self.spec("syscalls.yaml")
        helpers.edit(f, "number: 17", "number: 18", after="- name: ipc_reply_receive_short")
        self.assert_error("syscalls.yaml", helpers.line_of(f, "syscalls:"), r"consecutive numbers")

    def test_arch_register_used_twice(self):
        line = helpers.edit(self.spec("arch.yaml"), "args: [x0, x1,", "args: [x8, x1,", after="  aarch64:")
        self.assert_error("arch.yaml", line, r"aarch64: a register is used twice")


if __name__ == "__main__":
    unittest.main()
