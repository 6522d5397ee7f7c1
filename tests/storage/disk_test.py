#!/usr/bin/env python3
"""The disk round trip between the host's FAT tools and the guest (docs/storage.md).

    disk_test.py --work DIR --qemu-test tools/qemu-test.py [--exit N] --device "QEMU ARGS" -- qemu-system-... args

1. mkfs.fat makes a FAT32 image; mcopy puts files of many sizes in nested
   directories with long names on it; the guest (`run fscheck host`) reads
   them back byte-exact, and writes its own (`run fscheck write`).
2. The host reads the guest's files with mtype, byte-exact, and
   `fsck.fat -n` finds the image clean.
3. A second boot (a reboot: same image) finds the guest's files again
   (`run fscheck written`), and the storage bench runs on the disk
   (`run fscheck bench`; its figures are the bench-storage target's).
   The guest's clock is QEMU's RTC started at RTC_BASE (`-rtc base=`):
   mdir shows the guest's files written that day, at that hour (the
   kernel's REALTIME clock, fsserver's FAT dates).
4. A corrupted image (a file's cluster chain made to loop, another's size
   beyond its chain): the shell shows the errors and the server goes on
   serving the sound files.
The QEMU command gets the disk appended: the drive `vdisk` and --device, the
arch's virtio block device on it (cmake/VosBootTests.cmake). Prints PASS or FAIL lines and
exits non-zero on any failure.
"""
import argparse, os, shutil, struct, subprocess, sys

SIZES = [0, 1, 511, 512, 513, 4095, 4096, 4097, 65536, 65537, 300000, 1048576 + 3]
RTC_BASE = "2031-05-17T12:34:56"  # the guest's RTC at power-on: the date its files get
M = (1 << 64) - 1


def pattern_bytes(seed, size):
    out = bytearray(size)
    s = (seed * 0xD1B54A32D192ED03) & M
    for i in range(size):
        x = (((i + 1) * 0x9E3779B97F4A7C15) & M) ^ s
        x ^= x >> 29
        out[i] = ((x * 0xBF58476D1CE4E5B9) & M) >> 56
    return bytes(out)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def boot(args, image, lines, name, expect, reject=()):
    inp = os.path.join(args.work, name + ".txt")
    with open(inp, "w") as f:
        f.write("\n" + "\n".join(lines) + "\npoweroff\n")
    cmd = [sys.executable, args.qemu_test, "--exit", args.exit, "--timeout", "300", "--input", inp,
           "--log", os.path.join(args.work, name + ".log")]
    for e in expect:
        cmd += ["--expect", e]
    for r in list(reject) + ["PANIC", "FAILED"]:
        cmd += ["--reject", r]
    cmd += ["--"] + args.cmd + ["-drive", f"file={image},format=raw,if=none,id=vdisk"] + args.device.split() + ["-rtc", "base=" + RTC_BASE]
    r = subprocess.run(cmd)
    print(f"disk_test: {name}: {'PASS' if r.returncode == 0 else 'FAIL'}")
    return r.returncode == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--qemu-test", required=True)
    ap.add_argument("--exit", default="0", help="QEMU's exit status for a guest powering off with status 0")
    ap.add_argument("--device", required=True, help="QEMU arguments of the virtio block device on drive vdisk")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    args.cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    img = os.path.join(args.work, "disk.img")
    tree = os.path.join(args.work, "tree")
    deep = os.path.join(tree, "Host Files", "A Long Directory Name", "deeper level")
    os.makedirs(deep)
    for i, n in enumerate(SIZES):
        with open(os.path.join(tree, "Host Files", "A Long Directory Name", f"file of {n} bytes.bin"), "wb") as f:
            f.write(pattern_bytes(i, n))
    with open(os.path.join(deep, "Nested Long Name.data"), "wb") as f:
        f.write(pattern_bytes(77, 70000))
    with open(os.path.join(tree, "SHORT.TXT"), "wb") as f:
        f.write(pattern_bytes(78, 1000))
    run(["mkfs.fat", "-F", "32", "-C", img, str(64 * 1024)], stdout=subprocess.DEVNULL)
    run(["mcopy", "-s", "-i", img, os.path.join(tree, "Host Files"), os.path.join(tree, "SHORT.TXT"), "::/"], env=env)

    ok = boot(args, img, ["run fscheck host", "run fscheck write"], "first-boot",
              ["virtio-blk: 65536 KiB", "fscheck: host ok", "fscheck: write ok"])
    # The host's view of what the guest wrote.
    for i, n in enumerate(SIZES):
        path = f"::/Guest Files/written by the guest {n}.bin"
        got = subprocess.run(["mtype", "-i", img, path], capture_output=True, env=env).stdout
        if got != pattern_bytes(100 + i, n):
            print(f"disk_test: mtype {path}: {len(got)} bytes, differs: FAIL")
            ok = False
    # Their dates: the guest's clock (RTC_BASE, a few minutes on at most), not a fixed one.
    listing = subprocess.run(["mdir", "-i", img, "::/Guest Files"], capture_output=True, text=True, env=env).stdout
    day, hour = RTC_BASE[:10], RTC_BASE[11:13] + ":"
    dated = [l for l in listing.splitlines() if "written" in l and day in l and " " + hour in l]
    if len(dated) != len(SIZES):
        print(f"disk_test: mdir: {len(dated)} of {len(SIZES)} files dated {day} {hour}..:\n{listing}"
              "disk_test: dates: FAIL")
        ok = False
    else:
        print(f"disk_test: the guest's files are dated {day} {hour}.. (its RTC): PASS")
    fsck = subprocess.run(["fsck.fat", "-n", img], capture_output=True, text=True)
    words = ("differ", "wrong", "invalid", "lost", "bad", "free cluster", "unused", "mismatch", "fix")
    if fsck.returncode != 0 or any(w in fsck.stdout.lower() for w in words):
        print("disk_test: fsck.fat -n:\n" + fsck.stdout + fsck.stderr + "disk_test: fsck: FAIL")
        ok = False
    else:
        print("disk_test: host reads the guest's files, fsck.fat -n clean: PASS")
    ok &= boot(args, img, ["run fscheck written", "run fscheck bench"], "reboot",
               ["fscheck: written ok", "storage-bench .virtio-blk.: sequential 1 MiB read, 64 KiB requests",
                "fscheck: bench ok"])

    # A corrupted image: "victim" loops in its chain, "liar" claims more than its chain holds.
    bad = os.path.join(args.work, "bad.img")
    run(["mkfs.fat", "-F", "32", "-C", bad, str(64 * 1024)], stdout=subprocess.DEVNULL)
    for name, size in (("victim", 8192), ("liar", 1000), ("good", 100)):
        p = os.path.join(args.work, name)
        with open(p, "wb") as f:
            f.write(b"a sound file, still served\n"[:size] if name == "good" else pattern_bytes(5, size))
        run(["mcopy", "-i", bad, p, "::/" + name], env=env)
    with open(bad, "r+b") as f:
        bs = f.read(512)
        bps, spc, rsv, nfats = struct.unpack_from("<HBHB", bs, 11)
        fatsz, root = struct.unpack_from("<I", bs, 36)[0], struct.unpack_from("<I", bs, 44)[0]
        fat = rsv * bps
        data = fat + nfats * fatsz * bps
        f.seek(data + (root - 2) * spc * bps)
        ents = f.read(bps * spc)
        for k in range(0, len(ents), 32):
            e = ents[k:k + 32]
            if e[:11] in (b"VICTIM     ", b"LIAR       "):
                first = struct.unpack_from("<H", e, 26)[0] | struct.unpack_from("<H", e, 20)[0] << 16
                off = data + (root - 2) * spc * bps + k
                if e[:6] == b"VICTIM":
                    for c in range(nfats):  # its first cluster points to itself
                        f.seek(fat + c * fatsz * bps + first * 4)
                        f.write(struct.pack("<I", first))
                else:
                    f.seek(off + 28)
                    f.write(struct.pack("<I", 50 * 1024 * 1024))
    ok &= boot(args, bad, ["cat victim", "cat liar", "cat good", "ls"], "corrupted",
               ["cat: victim: I/O error", "cat: liar: I/O error", "a sound file, still served", "vos> ls",
                "good +27 bytes"])
    print("disk_test: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
