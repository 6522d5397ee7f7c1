/*
 * fscheck: the guest side of the disk round trip (tests/storage/disk_test.py,
 * docs/storage.md).  Run from the shell with the file-system capability:
 *   fscheck host      the files the host put on the image (mkfs.fat, mcopy)
 *                     read back byte-exact, through nested long-named directories
 *   fscheck write     files of many sizes written by the guest (the host then
 *                     reads them with mtype and checks the image with fsck.fat -n)
 *   fscheck written   what `write` wrote, after a reboot
 *   fscheck bench     the storage figures on this disk (bench.c; the
 *                     bench-storage target runs it under -icount shift=0)
 *   fscheck hold FILE        writes 3000 bytes (seed 31) to FILE and exits
 *   fscheck hold-fault FILE  the same, then faults: both without closing it
 *                     (the storage suite: the server releases a dead client's files)
 *   fscheck blk       a block-driver client (its second capability: a channel to
 *                     the driver): ATTACH, read sector 0 into the region, find
 *                     the boot signature; exits 0 (the storage suite runs more
 *                     than the driver has client slots)
 * Prints "fscheck: <mode> ok" or one line per difference, and exits 0 or 1.
 * The contents: byte i of a file with seed s is pattern(s, i), the same
 * function as disk_test.py and test_fat.c.
 */
#include <vos/block.h>
#include <vos/file.h>
#include <vos/vos.h>

#include "bench.h"

static vos_console_t con;
static uint8_t buf[65536];

static uint8_t pattern(uint32_t seed, uint64_t i)
{
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ seed * 0xD1B54A32D192ED03ull;
    x ^= x >> 29;
    return (uint8_t)(x * 0xBF58476D1CE4E5B9ull >> 56);
}

static void say_line(const char *line) { vos_cprintf(con, "%s\n", line); }

static const uint64_t sizes[] = { 0, 1, 511, 512, 513, 4095, 4096, 4097, 65536, 65537, 300000, 1048576 + 3 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static int check(const char *path, uint32_t seed, uint64_t size)
{
    int fd = vos_open(path, VOS_O_RDONLY);
    if (fd < 0) {
        vos_cprintf(con, "fscheck: %s: %s\n", path, vos_strerror(fd));
        return 1;
    }
    uint64_t off = 0;
    int64_t n;
    while ((n = vos_read(fd, buf, sizeof(buf))) > 0) {
        for (int64_t i = 0; i < n; i++)
            if (buf[i] != pattern(seed, off + (uint64_t)i)) {
                vos_cprintf(con, "fscheck: %s: byte %lu differs\n", path, (unsigned long)(off + (uint64_t)i));
                vos_close(fd);
                return 1;
            }
        off += (uint64_t)n;
    }
    vos_close(fd);
    if (n < 0 || off != size) {
        vos_cprintf(con, "fscheck: %s: %lu bytes, wanted %lu (%s)\n", path, (unsigned long)off, (unsigned long)size,
                    n < 0 ? vos_strerror((int)n) : "short");
        return 1;
    }
    return 0;
}

static int put(const char *path, uint32_t seed, uint64_t size)
{
    int fd = vos_open(path, VOS_O_WRONLY | VOS_O_CREAT | VOS_O_TRUNC);
    if (fd < 0) {
        vos_cprintf(con, "fscheck: %s: %s\n", path, vos_strerror(fd));
        return 1;
    }
    for (uint64_t off = 0; off < size; off += sizeof(buf)) {
        uint64_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);
        for (uint64_t i = 0; i < n; i++)
            buf[i] = pattern(seed, off + i);
        if (vos_write(fd, buf, n) != (int64_t)n) {
            vos_cprintf(con, "fscheck: %s: write failed\n", path);
            vos_close(fd);
            return 1;
        }
    }
    return vos_close(fd) < 0;
}

int main(int argc, char **argv)
{
    const struct vos_start_info *si = vos_start_info();
    con = vos_console_open(si);
    const char *mode = (uint64_t)argc > 1 ? argv[1] : "";
    char path[160];
    int bad = 0;
    if (!strcmp(mode, "host")) {
        for (unsigned i = 0; i < NSIZES; i++) {
            vos_snprintf(path, sizeof(path), "/Host Files/A Long Directory Name/file of %lu bytes.bin",
                         (unsigned long)sizes[i]);
            bad += check(path, i, sizes[i]);
        }
        bad += check("/Host Files/A Long Directory Name/deeper level/Nested Long Name.data", 77, 70000);
        bad += check("/SHORT.TXT", 78, 1000);
    } else if (!strcmp(mode, "write") || !strcmp(mode, "written")) {
        int w = mode[5] == 0;
        if (w)
            vos_mkdir("/Guest Files");
        for (unsigned i = 0; i < NSIZES; i++) {
            vos_snprintf(path, sizeof(path), "/Guest Files/written by the guest %lu.bin", (unsigned long)sizes[i]);
            bad += w ? put(path, 100 + i, sizes[i]) : check(path, 100 + i, sizes[i]);
        }
    } else if (!strcmp(mode, "bench")) {
        bad = storage_bench("/fscheck-bench.bin", "virtio-blk", buf, say_line);
    } else if (!strcmp(mode, "blk")) {
        const struct vos_cap_info *c = vos_start_cap(si, 1);
        if (!c || c->object_type != VOS_OBJ_CHANNEL)
            return 2;
        struct vos_blk_req rq = { VOS_BLK_ATTACH, 0, 0, 0, 0, 0 };
        struct vos_blk_resp rs;
        uint64_t got;
        vos_any_t region = { 0 };
        void *p;
        if (vos_call(vos_chan_from(c), &rq, sizeof(rq), &rs, sizeof(rs), VOS_TIMEOUT_INFINITE, (vos_any_t){ 0 }, &got,
                     &region) || rs.status || !region.cap ||
            vos_mmap(NULL, rs.region_bytes, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, (vos_mem_t){ region.cap },
                     0, &p))
            return 3;
        rq = (struct vos_blk_req){ VOS_BLK_READ, 1, 0, 0, 0, 0 };
        if (vos_call(vos_chan_from(c), &rq, sizeof(rq), &rs, sizeof(rs), VOS_TIMEOUT_INFINITE, (vos_any_t){ 0 }, &got,
                     NULL) || rs.status)
            return 4;
        return ((uint8_t *)p)[510] == 0x55 && ((uint8_t *)p)[511] == 0xAA ? 0 : 5;
    } else if (!strncmp(mode, "hold", 4) && argc > 2) {
        int fd = vos_open(argv[2], VOS_O_WRONLY | VOS_O_CREAT | VOS_O_TRUNC);
        for (uint64_t i = 0; i < 3000; i++)
            buf[i] = pattern(31, i);
        if (fd < 0 || vos_write(fd, buf, 3000) != 3000) {
            vos_cprintf(con, "fscheck: %s: %s\n", argv[2], vos_strerror(fd < 0 ? fd : -VOS_EIO));
            return 1;
        }
        if (mode[4] == '-')
            *(volatile int *)16 = 1; /* a fault, the files still open */
        return 0;                    /* an exit, the files still open */
    } else {
        vos_cprintf(con, "fscheck: usage: fscheck host|write|written|bench|blk|hold FILE|hold-fault FILE\n");
        return 2;
    }
    vos_cprintf(con, bad ? "fscheck: %s FAILED (%d)\n" : "fscheck: %s ok\n", mode, bad);
    return bad != 0;
}
