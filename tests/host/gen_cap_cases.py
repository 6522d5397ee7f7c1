#!/usr/bin/env python3
"""Render codegen/templates/cap_cases.h.j2 for the host tests.

It uses the generator's own spec loader and Jinja environment, so the
cases come from exactly the model the shims are generated from.  It is a
separate step (not in vosgen's OUTPUTS) because the file is a test input,
not part of the ABI every build ships.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "codegen"))
import vosgen  # noqa: E402
from spec import SpecError, load_spec  # noqa: E402

TEMPLATE = "cap_cases.h.j2"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spec", required=True)
    ap.add_argument("--arch", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    try:
        model = load_spec(a.spec)
    except SpecError as e:
        print(f"{e.where}: error: {e.message}", file=sys.stderr)
        return 1
    text = vosgen.make_env().get_template(TEMPLATE).render(
        m=model, arch=model.arches[a.arch], arch_name=a.arch, template=f"codegen/templates/{TEMPLATE}",
        spec="spec/abi.yaml, spec/arch.yaml, spec/syscalls.yaml")
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
