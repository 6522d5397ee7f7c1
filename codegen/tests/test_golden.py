"""Golden checks: the numbers the spec produces are the API reference's.

The reference (../shared/reference/syscall-api.md) fixes syscall numbers,
SyscallError values and the ProtectionFlags / MapFlags bits.  Each is checked
three ways: reference == the golden table below (so the table cannot rot),
model (codegen/spec.py) == reference, and the #defines in the generated
vos/abi.h == reference.  Without the reference file the golden table stands
in for it.
"""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402

# A hand-copied snapshot of the reference, used when the file is absent.
GOLDEN = dict(
    syscalls={
        "SYS_EXIT": 1, "SYS_READ": 2, "SYS_WRITE": 3,
        "SYS_MMAP": 4, "SYS_MUNMAP": 5, "SYS_MPROTECT": 6,
        "SYS_IPC_ENDPOINT_CREATE": 10, "SYS_IPC_CHANNEL_CREATE": 11, "SYS_IPC_SEND": 12,
        "SYS_IPC_RECEIVE": 13, "SYS_IPC_CALL": 14, "SYS_IPC_REPLY": 15,
        "SYS_PROCESS_CREATE": 20, "SYS_PROCESS_START": 21, "SYS_PROCESS_WAIT": 22,
        "SYS_THREAD_CREATE": 25, "SYS_THREAD_EXIT": 26, "SYS_THREAD_JOIN": 27,
        "SYS_CAPABILITY_CREATE": 30, "SYS_CAPABILITY_DERIVE": 31,
        "SYS_CAPABILITY_REVOKE": 32, "SYS_CAPABILITY_VALIDATE": 33,
        "SYS_CLOCK_GET": 40, "SYS_NANOSLEEP": 41, "SYS_YIELD": 42,
    },
    errors={
        "Success": 0, "InvalidParameter": 1, "PermissionDenied": 2, "NotFound": 3,
        "AlreadyExists": 4, "OutOfMemory": 5, "Busy": 6, "Timeout": 7,
        "ResourceExhausted": 8, "InvalidCapability": 9, "Interrupted": 10,
        "InvalidAddress": 11, "BufferTooSmall": 12, "NotSupported": 13, "InvalidSyscall": 14,
    },
    flags={
        "ProtectionFlags": {"READ": 0, "WRITE": 1, "EXEC": 2},
        "MapFlags": {"PRIVATE": 0, "SHARED": 1, "ANONYMOUS": 2, "FIXED": 3, "POPULATE": 4},
    },
    flag_constants={"ProtectionFlags": {"NONE": 0}, "MapFlags": {}},
    arches={
        "x86_64": dict(trap="syscall", number="rax", arg1="rdi", ret="rax", clobbers=["r11", "rcx"]),
        "aarch64": dict(trap="svc #0", number="x8", arg1="x0", ret="x0", clobbers=[]),
        "riscv64": dict(trap="ecall", number="a7", arg1="a0", ret="a0", clobbers=[]),
    },
)

# C macro prefix of each reference flags type in vos/abi.h.
FLAG_PREFIX = {"ProtectionFlags": "VOS_PROT_", "MapFlags": "VOS_MAP_"}


def expected():
    """The reference if it is there, else the golden table (and which one it is)."""
    if os.path.exists(helpers.REFERENCE):
        return helpers.parse_reference(helpers.read(helpers.REFERENCE)), helpers.REFERENCE
    return GOLDEN, "the golden table in " + os.path.basename(__file__)


class ReferenceAgreesWithGoldenTable(unittest.TestCase):
    """Catches a reference parser that silently finds nothing, and a stale table."""

    def setUp(self):
        if not os.path.exists(helpers.REFERENCE):
            self.skipTest(f"{helpers.REFERENCE} not found; the golden table stands alone")
        self.ref = helpers.parse_reference(helpers.read(helpers.REFERENCE))

    def test_syscalls(self):
        self.assertEqual(self.ref["syscalls"], GOLDEN["syscalls"])

    def test_errors(self):
        self.assertEqual(self.ref["errors"], GOLDEN["errors"])

    def test_flags(self):
        self.assertEqual(self.ref["flags"], GOLDEN["flags"])
        self.assertEqual(self.ref["flag_constants"], GOLDEN["flag_constants"])

    def test_arches(self):
        self.assertEqual(self.ref["arches"], GOLDEN["arches"])


class ModelMatchesReference(unittest.TestCase):
    """codegen/spec.py's model of spec/ against the reference."""

    @classmethod
    def setUpClass(cls):
        cls.ref, cls.source = expected()
        cls.model = helpers.load_model()

    def test_syscall_numbers(self):
        got = {s["upper"]: s["number"] for s in self.model.syscalls if not s["extension"]}
        self.assertEqual(got, self.ref["syscalls"], f"spec/syscalls.yaml vs {self.source}")

    def test_extensions_take_free_numbers(self):
        """A call the reference lacks is marked extension and reuses no reference name or number."""
        for s in self.model.syscalls:
            if s["extension"]:
                self.assertNotIn(s["upper"], self.ref["syscalls"])
                self.assertNotIn(s["number"], self.ref["syscalls"].values())

    def test_error_values(self):
        got = {e["name"]: e["value"] for e in self.model.errors}
        self.assertEqual(got, self.ref["errors"], f"spec/abi.yaml errors vs {self.source}")

    def test_flag_bits(self):
        by_name = {f["name"]: f for f in self.model.flags}
        for kind, bits in self.ref["flags"].items():
            with self.subTest(flags=kind):
                self.assertIn(kind, by_name)
                self.assertEqual({b["name"]: b["bit"] for b in by_name[kind]["bits"]}, bits)
                consts = {c["name"]: c["value"] for c in by_name[kind]["constants"]}
                self.assertEqual(consts, self.ref["flag_constants"][kind])

    def test_register_rules(self):
        for arch, r in self.ref["arches"].items():
            with self.subTest(arch=arch):
                a = self.model.arches[arch]
                self.assertEqual(a["trap"], r["trap"])
                self.assertEqual(a["number"], r["number"])
                self.assertEqual(a["args"][0], r["arg1"])
                self.assertEqual(a["returns"][0], r["ret"])
                # The reference's clobbers must be declared; more is allowed.
                self.assertTrue(set(r["clobbers"]) <= set(a["clobbers"]),
                                f"{arch}: reference clobbers {r['clobbers']}, spec {a['clobbers']}")


class GeneratedHeaderMatchesReference(unittest.TestCase):
    """The #defines user and kernel code actually compile against (vos/abi.h),
    for every architecture, since each build tree generates its own copy."""

    @classmethod
    def setUpClass(cls):
        cls.ref, cls.source = expected()
        cls.tmp = tempfile.TemporaryDirectory(prefix="vosgen-golden-")
        cls.defines = {}
        for arch in helpers.ALL_ARCHES:
            out = os.path.join(cls.tmp.name, arch)
            r = helpers.run_vosgen(helpers.SPEC, arch, out)
            if r.returncode != 0:
                raise AssertionError(f"vosgen --arch {arch} failed:\n{r.stderr}")
            cls.defines[arch] = helpers.c_int_defines(helpers.read(os.path.join(out, "include/vos/abi.h")))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_syscall_numbers(self):
        for arch, d in self.defines.items():
            with self.subTest(arch=arch):
                ext = {s["upper"]: s["number"] for s in helpers.load_model().syscalls if s["extension"]}
                got = {k[len("VOS_"):]: v for k, v in d.items()
                       if k.startswith("VOS_SYS_") and k not in ("VOS_SYS_",) and k[len("VOS_"):] not in ext}
                self.assertEqual(got, self.ref["syscalls"])
                # Table size must cover the largest number, or dispatch would index past it.
                self.assertEqual(d["VOS_SYSCALL_TABLE_SIZE"], max(list(self.ref["syscalls"].values()) + list(ext.values())) + 1)

    def test_error_values(self):
        for arch, d in self.defines.items():
            with self.subTest(arch=arch):
                for name, value in self.ref["errors"].items():
                    macro = helpers.c_error_name(name)
                    self.assertIn(macro, d, f"{arch}: {macro} missing from vos/abi.h")
                    self.assertEqual(d[macro], value, macro)
                # ...and no error code the reference does not have.
                extra = {k for k in d if k.startswith("VOS_ERR_")} - \
                        {helpers.c_error_name(n) for n in self.ref["errors"]}
                self.assertEqual(extra, set())

    def test_flag_bits(self):
        for arch, d in self.defines.items():
            for kind, bits in self.ref["flags"].items():
                with self.subTest(arch=arch, flags=kind):
                    p = FLAG_PREFIX[kind]
                    got = {k[len(p):]: v for k, v in d.items() if k.startswith(p) and k != p + "MASK"}
                    want = {n: 1 << b for n, b in bits.items()}
                    want.update(self.ref["flag_constants"][kind])
                    self.assertEqual(got, want)
                    self.assertEqual(d[p + "MASK"], sum(want.values()))


if __name__ == "__main__":
    unittest.main()
