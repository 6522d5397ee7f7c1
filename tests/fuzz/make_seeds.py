#!/usr/bin/env python3
"""Write the host fuzzer's seed inputs (tests/fuzz/corpus/seed-*).

Each seed is a short scenario in host_fuzz.c's input format: calls of the
spec's syscalls (by their index in spec/syscalls.yaml, read with the
generator's own loader, so a new syscall moves no seed) with arguments in
the "valid" modes, each tried with a few parameters k, so that libFuzzer
starts from sequences that reach deep code: IPC between the two
processes, memory calls, threads, child processes, capabilities.

    tools: python3 tests/fuzz/make_seeds.py [--out tests/fuzz/corpus]
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "codegen"))
from spec import load_spec  # noqa: E402

# (program, syscall name, k per argument: mode byte = k << 3, "valid" mode)
SCENARIOS = {
    "ipc": [(2, "ipc_receive"), (0, "ipc_send"), (1, "ipc_call"), (3, "ipc_reply"), (2, "ipc_receive"),
            (0, "ipc_send"), (3, "ipc_receive"), (1, "ipc_call_short"), (2, "ipc_reply_receive_short")],
    "memory": [(0, "mmap"), (0, "mprotect"), (0, "write"), (0, "read"), (0, "munmap"), (1, "mmap"),
               (1, "capability_create"), (1, "mmap"), (1, "munmap")],
    "threads": [(0, "thread_create"), (0, "thread_join"), (1, "yield"), (1, "nanosleep"), (4, "yield"),
                (4, "thread_exit"), (2, "clock_get"), (2, "thread_create"), (2, "thread_join")],
    "process": [(0, "process_create"), (0, "process_start"), (0, "process_wait"), (4, "ipc_endpoint_create"),
                (4, "exit"), (1, "process_create"), (1, "process_wait")],
    "caps": [(0, "capability_create"), (0, "capability_derive"), (0, "capability_validate"),
             (0, "capability_revoke"), (2, "capability_derive"), (2, "capability_revoke"),
             (3, "ipc_endpoint_create"), (3, "ipc_channel_create")],
}


def encode(model, calls, k):
    index = {s["name"]: i for i, s in enumerate(model.syscalls)}
    out = bytearray()
    for prog, name in calls:
        sc = model.syscalls[index[name]]
        out += bytes([prog, index[name]])
        for i, _ in enumerate(sc["args"]):
            out.append((((k + i) % 32) << 3) & 0xff)  # mode 0: what the spec says is valid
    return bytes(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"))
    a = ap.parse_args()
    model = load_spec(os.path.join(ROOT, "spec"))
    os.makedirs(a.out, exist_ok=True)
    for name, calls in SCENARIOS.items():
        for k in range(4):
            with open(os.path.join(a.out, f"seed-{name}-{k}"), "wb") as f:
                f.write(encode(model, calls, k))
    return 0


if __name__ == "__main__":
    sys.exit(main())
