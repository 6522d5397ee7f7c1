#!/usr/bin/env python3
"""CMake-level check: editing the spec, a template or the generator reruns it.

Run by ctest (test `codegen-rebuild`, host preset), not by unittest discovery
(the file name does not match test*.py), because it drives CMake itself.

It works on a throw-away CMake project that uses the real cmake/VosPython.cmake
and cmake/VosCodegen.cmake on a private copy of spec/ and codegen/, so it can
touch and edit inputs freely without disturbing the shared source tree or a
build other people are running.  On that project it checks:
  * the first build generates everything;
  * a second build does nothing (no spurious regeneration);
  * touching any spec file, a template or a generator module reruns it;
  * editing a spec value changes the output on the next build.
With --build-dir (a Ninja build of the real tree) it also checks, read-only,
that the real generator rule depends on every spec file, template and
generator module in the source tree.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# What the generator prints through add_custom_command(COMMENT ...).
GEN_MARK = "Generating ABI"


class CheckFailed(Exception):
    pass


def run(cmd, cwd=None):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise CheckFailed(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return r.stdout + r.stderr


def touch(path):
    # A clearly newer mtime than anything built so far, without using a future
    # time (that would make every later build look out of date).
    time.sleep(1.1)
    os.utime(path, None)


def isolated_project_checks(a, tmp):
    src, build = os.path.join(tmp, "src"), os.path.join(tmp, "build")
    os.makedirs(src)
    shutil.copytree(os.path.join(REPO, "spec"), os.path.join(src, "spec"))
    shutil.copytree(os.path.join(REPO, "codegen"), os.path.join(src, "codegen"),
                    ignore=shutil.ignore_patterns("tests", "__pycache__", "*.pyc"))
    with open(os.path.join(src, "CMakeLists.txt"), "w", encoding="utf-8") as f:
        f.write("cmake_minimum_required(VERSION 3.25)\n"
                "project(vos_codegen_rebuild_check NONE)\n"
                f'include("{REPO}/cmake/VosPython.cmake")\n'
                f'include("{REPO}/cmake/VosCodegen.cmake")\n'
                "vos_codegen(ARCH host)\n")
    configure = [a.cmake, "-S", src, "-B", build, "-G", a.generator, f"-DVOS_PYTHON={a.python}"]
    if a.make_program:
        configure.append(f"-DCMAKE_MAKE_PROGRAM={a.make_program}")
    run(configure)
    build_cmd = [a.cmake, "--build", build]
    abi = os.path.join(build, "gen", "include", "vos", "abi.h")

    def build_reruns_generator(why):
        out = run(build_cmd)
        if GEN_MARK not in out:
            raise CheckFailed(f"after {why}, `cmake --build` did not rerun the generator:\n{out}")
        print(f"ok: {why} -> generator reran")

    build_reruns_generator("the first build")
    if not os.path.exists(abi):
        raise CheckFailed("the first build did not produce gen/include/vos/abi.h")

    out = run(build_cmd)
    if GEN_MARK in out:
        raise CheckFailed(f"a build with nothing changed reran the generator:\n{out}")
    print("ok: nothing changed -> generator not rerun")

    for rel in ("spec/abi.yaml", "spec/arch.yaml", "spec/syscalls.yaml",
                "codegen/templates/syscalls.h.j2", "codegen/spec.py", "codegen/vosgen.py"):
        touch(os.path.join(src, rel))
        build_reruns_generator(f"touching {rel}")

    # A real edit reaches the output.
    calls = os.path.join(src, "spec", "syscalls.yaml")
    with open(calls, encoding="utf-8") as f:
        text = f.read()
    new, n = re.subn(r"(- name: yield\n(?:    .*\n)*?    number: )42\b", r"\g<1>7", text)
    if n != 1:
        raise CheckFailed("could not find SYS_YIELD's number in the copied spec/syscalls.yaml")
    time.sleep(1.1)
    with open(calls, "w", encoding="utf-8") as f:
        f.write(new)
    build_reruns_generator("changing SYS_YIELD's number")
    with open(abi, encoding="utf-8") as f:
        if not re.search(r"#define VOS_SYS_YIELD\s+7\b", f.read()):
            raise CheckFailed("gen/include/vos/abi.h does not show the edited SYS_YIELD number 7")
    print("ok: the edited number reached gen/include/vos/abi.h")


def real_tree_checks(a):
    """Read-only: the real build's generator rule lists every input as a dependency."""
    if not a.build_dir:
        return
    if "Ninja" not in a.generator or not a.make_program:
        print(f"skip: real-tree dependency check needs Ninja (generator is {a.generator})")
        return
    out = run([a.make_program, "-C", a.build_dir, "-t", "query", "gen/include/vos/abi.h"])
    # `ninja -t query` prints the inputs under "input:" with paths relative
    # to the build directory; compare them as absolute paths.
    inputs = set()
    section = None
    for line in out.splitlines():
        if line.strip().startswith("input:"):
            section = "in"
        elif line.strip().startswith("outputs:"):
            section = None
        elif section == "in":
            p = line.strip().lstrip("|").strip()
            if p:
                inputs.add(os.path.normpath(os.path.join(a.build_dir, p)))
    wanted = (glob.glob(os.path.join(REPO, "spec", "*.yaml")) + glob.glob(os.path.join(REPO, "codegen", "*.py"))
              + glob.glob(os.path.join(REPO, "codegen", "templates", "*.j2")))
    # A file added after the last (re)configure is picked up by the next build
    # (the globs are CONFIGURE_DEPENDS), so only older files must be listed.
    configured = os.stat(os.path.join(a.build_dir, "build.ninja")).st_mtime
    for w in wanted:
        if os.stat(w).st_mtime > configured:
            print(f"note: {os.path.relpath(w, REPO)} is newer than build.ninja; the next build re-globs it")
    wanted = [w for w in wanted if os.stat(w).st_mtime <= configured]
    missing = sorted(os.path.relpath(w, REPO) for w in wanted if os.path.normpath(w) not in inputs)
    if missing:
        raise CheckFailed(f"the generator rule in {a.build_dir} does not depend on: {', '.join(missing)}")
    print(f"ok: the real build's generator rule depends on all {len(wanted)} spec/template/generator files")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cmake", default="cmake")
    ap.add_argument("--generator", default="Ninja")
    ap.add_argument("--make-program", default=shutil.which("ninja"))
    ap.add_argument("--python", default=sys.executable, help="Python with jinja2 and yaml")
    ap.add_argument("--build-dir", help="a configured build of the real tree (read only)")
    a = ap.parse_args()
    try:
        real_tree_checks(a)
        with tempfile.TemporaryDirectory(prefix="vos-cmake-rebuild-") as tmp:
            isolated_project_checks(a, tmp)
    except CheckFailed as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
