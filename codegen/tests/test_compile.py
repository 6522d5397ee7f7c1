"""The generated C compiles cleanly for every target, warnings as errors.

User side: a program that includes <vos/syscalls.h> and calls every stub,
compiled (not just parsed, so the inline asm's register constraints are
checked by the back end) for riscv64, aarch64 and x86_64 with the user flags
the build uses.  Kernel side: the generated shims and dispatch table against
the real kernel headers of each architecture, with the kernel flags.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402

CLANG = shutil.which("clang")
COMMON = ["-std=gnu11", "-ffreestanding", "-fno-builtin", "-O2", "-Wall", "-Wextra", "-Werror"]
# Mirrors the flags arch/<arch>/arch.cmake gives vos_user_opts / vos_kernel_opts,
# so a construct only those flags reject (e.g. FP registers) is caught here too.
USER_FLAGS = {
    "riscv64": ["-march=rv64gc", "-mabi=lp64d"],
    "aarch64": [],
    "x86_64": [],
}
KERNEL_FLAGS = {
    "riscv64": ["-march=rv64imac", "-mabi=lp64", "-mcmodel=medany"],
    "aarch64": ["-mgeneral-regs-only"],
    "x86_64": ["-mcmodel=kernel", "-mno-red-zone", "-mno-mmx", "-mno-sse", "-mno-sse2", "-mno-80387"],
}


def call_every_stub(model):
    """C source with one function per syscall that calls its stub with zeros."""
    lines = ["#include <vos/syscalls.h>", ""]
    for s in model.syscalls:
        args = ["0"] * len(s["args"])
        if s["ret_kind"] == "struct" or s["ret_out"]:
            args.append("&result")
        call = f"vos_sys_{s['name']}({', '.join(args)})"
        fn = f"call_{s['name']}"
        lines.append(f"{'void' if s['noreturn'] else 'int64_t'} {fn}(void);")
        if s["noreturn"]:
            lines += [f"void {fn}(void)", "{", f"    {call};", "}", ""]
        elif s["ret_kind"] == "struct" or s["ret_out"]:
            lines += [f"int64_t {fn}(void)", "{", f"    {s['ret_c']} result;",
                      f"    int64_t r = {call};", "    return r < 0 ? r : (int64_t)sizeof result;", "}", ""]
        else:
            lines += [f"int64_t {fn}(void)", "{", f"    return {call};", "}", ""]
    return "\n".join(lines)


@unittest.skipUnless(CLANG, "clang not found (tools/setup.sh installs it)")
class GeneratedCodeCompiles(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="vosgen-compile-")
        cls.model = helpers.load_model()
        cls.gen = {}
        for arch in helpers.TARGET_ARCHES:
            out = os.path.join(cls._tmp.name, arch)
            r = helpers.run_vosgen(helpers.SPEC, arch, out)
            if r.returncode:
                raise AssertionError(r.stderr)
            cls.gen[arch] = out
        cls.user_c = os.path.join(cls._tmp.name, "call_every_stub.c")
        with open(cls.user_c, "w", encoding="utf-8") as f:
            f.write(call_every_stub(cls.model))

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def clang(self, arch, flags, includes, source):
        cmd = [CLANG, f"--target={arch}-unknown-elf"] + COMMON + flags + \
              [f"-I{d}" for d in includes] + ["-c", "-o", os.devnull, source]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, f"{' '.join(cmd)}\n{r.stderr}")
        self.assertEqual(r.stderr, "", "clang printed diagnostics")

    def test_call_program_covers_every_stub(self):
        # Guards the test itself: one call per syscall in the spec.
        text = helpers.read(self.user_c)
        for s in self.model.syscalls:
            self.assertIn(f"vos_sys_{s['name']}(", text)

    def test_user_stubs(self):
        for arch in helpers.TARGET_ARCHES:
            with self.subTest(arch=arch):
                self.clang(arch, USER_FLAGS[arch],
                           [os.path.join(self.gen[arch], "include"), os.path.join(helpers.REPO, "libsys/include")],
                           self.user_c)

    def test_kernel_shims_and_table(self):
        for arch in helpers.TARGET_ARCHES:
            arch_inc = os.path.join(helpers.REPO, "arch", arch, "include")
            # The table twice: with the generated error-list check compiled in, and without.
            for name in ("syscall_shims.c", "syscall_table.c", "syscall_table.c -DVOS_CHECK_ERRORS=1"):
                with self.subTest(arch=arch, file=name):
                    if not os.path.exists(os.path.join(arch_inc, "arch_defs.h")):
                        # Ports in progress: riscv64 always has one, so this never skips everything.
                        self.skipTest(f"arch/{arch}/include/arch_defs.h does not exist yet; "
                                      f"{arch} kernel shims not compiled")
                    includes = [os.path.join(helpers.REPO, "kernel/include"), arch_inc,
                                os.path.join(helpers.REPO, "libsys/include"),
                                os.path.join(self.gen[arch], "include"), os.path.join(self.gen[arch], "kernel")]
                    file, *defines = name.split()
                    self.clang(arch, KERNEL_FLAGS[arch] + defines, includes, os.path.join(self.gen[arch], "kernel", file))

    def test_riscv64_port_exists(self):
        # The default target must always be compiled above, never skipped.
        self.assertTrue(os.path.exists(os.path.join(helpers.REPO, "arch/riscv64/include/arch_defs.h")))


if __name__ == "__main__":
    unittest.main()
