"""Generation is reproducible, and every output says where it came from.

Reproducible: the same spec gives byte-identical outputs whether generated
again in place, into a fresh directory, or under a different hash seed (a
set or dict iterated in hash order would show up there).  Provenance: the
first lines of each file name the spec files and the template that made it,
so someone reading a generated file knows what to edit instead.
"""
import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402



def opening_comment(text):
    """The comment a generated file starts with (C block or HTML/Markdown),
    where provenance belongs; "" if the file does not start with one."""
    m = re.match(r"\s*(/\*.*?\*/|<!--.*?-->)", text, re.S)
    return m.group(1) if m else ""


def snapshot(out_dir):
    """{relative path: bytes} of everything under out_dir."""
    snap = {}
    for d, _, files in os.walk(out_dir):
        for f in files:
            p = os.path.join(d, f)
            snap[os.path.relpath(p, out_dir)] = helpers.read_bytes(p)
    return snap


class Regeneration(unittest.TestCase):

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="vosgen-regen-")
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def gen(self, arch, name, env=None):
        out = os.path.join(self.tmp, name)
        r = helpers.run_vosgen(helpers.SPEC, arch, out, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def test_outputs_are_exactly_the_expected_files(self):
        # What vosgen writes == what it lists in OUTPUTS, which covers the core set.
        listed = {os.path.normpath(p) for p in helpers.OUTPUT_TEMPLATES}
        self.assertTrue({os.path.normpath(p) for p in helpers.CORE_OUTPUTS} <= listed)
        for arch in helpers.ALL_ARCHES:
            with self.subTest(arch=arch):
                out = self.gen(arch, arch)
                self.assertEqual(set(snapshot(out)), listed)

    def test_cmake_declares_every_output(self):
        # Each output must be an OUTPUT of the CMake rule, or the build neither
        # knows it is generated nor regenerates it when the spec changes.
        self.assertEqual(helpers.cmake_declared_outputs(), set(helpers.OUTPUT_TEMPLATES))

    def test_regenerating_in_place_is_byte_identical(self):
        for arch in helpers.ALL_ARCHES:
            with self.subTest(arch=arch):
                out = self.gen(arch, arch)
                first = snapshot(out)
                self.gen(arch, arch)
                self.assertEqual(snapshot(out), first)

    def test_fresh_directory_and_other_hash_seed_are_byte_identical(self):
        for arch in helpers.ALL_ARCHES:
            with self.subTest(arch=arch):
                a = snapshot(self.gen(arch, arch + "-a", env=dict(os.environ, PYTHONHASHSEED="1")))
                b = snapshot(self.gen(arch, arch + "-b", env=dict(os.environ, PYTHONHASHSEED="4242")))
                self.assertEqual(a.keys(), b.keys())
                for rel in a:
                    self.assertEqual(a[rel], b[rel], f"{arch}: {rel} differs between two runs")

    def test_a_hand_edited_output_is_restored(self):
        # "Unchanged files are left alone" must compare with what the spec
        # says now, not trust what is on disk.
        out = self.gen("riscv64", "riscv64")
        abi = os.path.join(out, "include", "vos", "abi.h")
        good = helpers.read_bytes(abi)
        with open(abi, "ab") as f:
            f.write(b"#define VOS_SYS_YIELD 99\n")
        self.gen("riscv64", "riscv64")
        self.assertEqual(helpers.read_bytes(abi), good)

    # Unchanged outputs keep their timestamps, so nothing recompiles needlessly.
    def test_unchanged_outputs_keep_their_mtime(self):
        out = self.gen("riscv64", "riscv64")
        old = 1_000_000_000  # 2001: unmistakably older than any regeneration
        paths = [os.path.join(out, rel) for rel in helpers.OUTPUT_TEMPLATES]
        for p in paths:
            os.utime(p, (old, old))
        self.gen("riscv64", "riscv64")
        touched = [os.path.relpath(p, out) for p in paths if os.stat(p).st_mtime != old]
        self.assertEqual(touched, [], "unchanged outputs were touched")

    def test_arches_share_one_abi_header(self):
        # vos/abi.h is documented as the same for all arches; only the stubs,
        # frame accessors and shims are per-arch.
        abis = {a: helpers.read_bytes(os.path.join(self.gen(a, a), "include/vos/abi.h")) for a in helpers.ALL_ARCHES}
        self.assertEqual(len(set(abis.values())), 1, "vos/abi.h differs between architectures")

    def test_headers_name_spec_and_template(self):
        for arch in helpers.ALL_ARCHES:
            out = self.gen(arch, arch)
            for rel, template in helpers.OUTPUT_TEMPLATES.items():
                with self.subTest(arch=arch, file=rel):
                    head = opening_comment(helpers.read(os.path.join(out, rel)))
                    # Within the first lines, so it is seen without scrolling.
                    self.assertLessEqual(head.count("\n"), 20)
                    self.assertIn("GENERATED", head)
                    self.assertIn("codegen/vosgen.py", head)
                    for spec_file in helpers.SPEC_FILES:
                        self.assertIn(f"spec/{spec_file}", head)
                    self.assertIn(f"codegen/templates/{template}", head)
                    # ...and only its own template, so the pointer is unambiguous.
                    others = [t for t in helpers.OUTPUT_TEMPLATES.values() if t != template]
                    for t in others:
                        self.assertNotIn(f"codegen/templates/{t}", head)
                    # The template named really exists.
                    self.assertTrue(os.path.exists(os.path.join(helpers.CODEGEN, "templates", template)))


if __name__ == "__main__":
    unittest.main()
