/*
 * storage_suite.c — the storage suite (cmocka, in the guest): the first
 * process of kernel-storage on every architecture.  It plays init's storage
 * part itself: starts a block driver (the RAM disk) and the file-system
 * server with three views — "/" read-write, "/pub" read-only, "/pub"
 * read-write — and checks, through libsys's file API (<vos/file.h>):
 * byte-exact reads and writes of many sizes, POSIX-like semantics and their
 * errors, the capability limits (a view reaches nothing outside its
 * directory, ".." included; a read-only view changes nothing; a handle is
 * only its opener's), and that malformed requests to the server and the
 * driver get errors, never a hang.  Then it measures instructions per KiB
 * through the whole stack (docs/performance.md, under -icount shift=0).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vos/block.h>
#include <vos/file.h>
#include <vos/fsproto.h>
#include <vos/vos.h>

#include "bench.h"

#define RW (VOS_RIGHT_READ | VOS_RIGHT_WRITE)

static vos_cap_t self_cap;
static struct vos_bootfs bootfs;
static vos_chan_t blk_ch, full_ch, pub_ro_ch, pub_rw_ch;

static vos_any_t derive(vos_cap_t c, uint64_t rights)
{
    vos_any_t out;
    if (vos_cap_derive((vos_any_t){ c }, rights, &out))
        out.cap = 0;
    return out;
}

static void use(vos_chan_t ch) { vos_fs_use(ch.id, ch.cap); }

static vos_proc_t spawn(const char **argv, uint64_t argc, vos_any_t *caps, uint64_t ncaps)
{
    struct vos_spawn sp = { argv, argc, caps, ncaps };
    vos_proc_t p = { 0 };
    assert_int_equal(vos_process_spawn(&bootfs, &sp, &p), 0);
    return p;
}

/* What init does for the file server it starts: its own process capability,
 * for the channels it tells its clients' deaths by (VOS_FS_SELF). */
static int give_self(vos_proc_t p, vos_chan_t ch)
{
    struct vos_fs_req rq = { .op = VOS_FS_SELF };
    vos_any_t pc;
    if (vos_cap_create(VOS_OBJ_PROCESS, p.pid, VOS_RIGHT_DERIVE | VOS_RIGHT_WRITE | VOS_RIGHT_GRANT, (vos_any_t){ self_cap }, &pc))
        return -1;
    return vos_send(ch, &rq, VOS_FS_REQ_HEADER, pc) ? -1 : 0;
}

static uint8_t pattern(uint32_t seed, uint64_t i)
{
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ seed * 0xD1B54A32D192ED03ull;
    x ^= x >> 29;
    return (uint8_t)(x * 0xBF58476D1CE4E5B9ull >> 56);
}

static uint8_t big[256 * 1024];

static void write_pattern(const char *path, uint32_t seed, uint64_t size, uint64_t chunk)
{
    int fd = vos_open(path, VOS_O_WRONLY | VOS_O_CREAT | VOS_O_TRUNC);
    assert_true(fd >= 0);
    for (uint64_t off = 0; off < size; off += chunk) {
        uint64_t n = size - off < chunk ? size - off : chunk;
        for (uint64_t i = 0; i < n; i++)
            big[i] = pattern(seed, off + i);
        assert_int_equal(vos_write(fd, big, n), n);
    }
    assert_int_equal(vos_close(fd), 0);
}

static void check_pattern(const char *path, uint32_t seed, uint64_t size, uint64_t chunk)
{
    int fd = vos_open(path, VOS_O_RDONLY);
    assert_true(fd >= 0);
    uint64_t off = 0;
    for (;;) {
        int64_t n = vos_read(fd, big, chunk);
        assert_true(n >= 0);
        if (n == 0)
            break;
        for (int64_t i = 0; i < n; i++)
            if (big[i] != pattern(seed, off + (uint64_t)i))
                fail_msg("%s: byte %lu differs", path, (unsigned long)(off + (uint64_t)i));
        off += (uint64_t)n;
    }
    assert_int_equal(off, size);
    assert_int_equal(vos_close(fd), 0);
}

static int setup_each(void **state)
{
    (void)state;
    use(full_ch);
    return 0;
}

static void sizes_byte_exact(void **state)
{
    (void)state;
    static const uint64_t sizes[] = { 0, 1, 511, 512, 513, 4095, 4096, 4097, 65535, 65536, 65537, 200000 };
    char path[64];
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        snprintf(path, sizeof(path), "/size test %lu.bin", (unsigned long)sizes[i]);
        write_pattern(path, (uint32_t)i, sizes[i], i % 2 ? 4096 : 65536 + 512);
    }
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        snprintf(path, sizeof(path), "/size test %lu.bin", (unsigned long)sizes[i]);
        check_pattern(path, (uint32_t)i, sizes[i], 777);
        check_pattern(path, (uint32_t)i, sizes[i], 100000);
        struct vos_stat st;
        assert_int_equal(vos_stat(path, &st), 0);
        assert_int_equal(st.size, sizes[i]);
        assert_int_equal(st.type, VOS_S_FILE);
        assert_int_equal(vos_unlink(path), 0);
    }
}

static void posix_semantics(void **state)
{
    (void)state;
    int fd = vos_open("semantics", VOS_O_RDWR | VOS_O_CREAT | VOS_O_EXCL);
    assert_true(fd >= 0);
    assert_int_equal(vos_open("semantics", VOS_O_RDWR | VOS_O_CREAT | VOS_O_EXCL), -VOS_EEXIST);
    assert_int_equal(vos_write(fd, "hello world", 11), 11);
    assert_int_equal(vos_seek(fd, 0, VOS_SEEK_CUR), 11);
    assert_int_equal(vos_seek(fd, 6, VOS_SEEK_SET), 6);
    char buf[32] = { 0 };
    assert_int_equal(vos_read(fd, buf, sizeof(buf)), 5);
    assert_memory_equal(buf, "world", 5);
    assert_int_equal(vos_read(fd, buf, sizeof(buf)), 0); /* end of file */
    assert_int_equal(vos_seek(fd, -5, VOS_SEEK_END), 6);
    assert_int_equal(vos_seek(fd, -100, VOS_SEEK_CUR), -VOS_EINVAL);
    assert_int_equal(vos_seek(fd, 0, 7), -VOS_EINVAL);
    /* A write past the end leaves a hole that reads as zeros. */
    assert_int_equal(vos_seek(fd, 20, VOS_SEEK_SET), 20);
    assert_int_equal(vos_write(fd, "!", 1), 1);
    assert_int_equal(vos_seek(fd, 0, VOS_SEEK_SET), 0);
    assert_int_equal(vos_read(fd, buf, sizeof(buf)), 21);
    for (int i = 11; i < 20; i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal(vos_ftruncate(fd, 5), 0);
    struct vos_stat st;
    assert_int_equal(vos_fstat(fd, &st), 0);
    assert_int_equal(st.size, 5);
    assert_int_equal(vos_fsync(fd), 0);
    assert_int_equal(vos_close(fd), 0);
    assert_int_equal(vos_close(fd), -VOS_EBADF);
    assert_int_equal(vos_read(fd, buf, 1), -VOS_EBADF);
    assert_int_equal(vos_read(-1, buf, 1), -VOS_EBADF);
    /* O_APPEND writes at the end whatever the offset. */
    fd = vos_open("semantics", VOS_O_WRONLY | VOS_O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(vos_write(fd, "++", 2), 2);
    assert_int_equal(vos_seek(fd, 0, VOS_SEEK_CUR), 7);
    assert_int_equal(vos_read(fd, buf, 1), -VOS_EBADF); /* write-only */
    assert_int_equal(vos_close(fd), 0);
    fd = vos_open("semantics", VOS_O_RDONLY);
    assert_int_equal(vos_write(fd, "x", 1), -VOS_EBADF); /* read-only */
    assert_int_equal(vos_read(fd, buf, sizeof(buf)), 7);
    assert_memory_equal(buf, "hello++", 7);
    assert_int_equal(vos_unlink("semantics"), -VOS_EBUSY); /* open */
    assert_int_equal(vos_close(fd), 0);
    /* Two descriptors on one file see one size. */
    int a = vos_open("semantics", VOS_O_RDONLY), b = vos_open("semantics", VOS_O_WRONLY | VOS_O_TRUNC);
    assert_true(a >= 0 && b >= 0 && a != b);
    assert_int_equal(vos_fstat(a, &st), 0);
    assert_int_equal(st.size, 0);
    assert_int_equal(vos_write(b, "abc", 3), 3);
    assert_int_equal(vos_read(a, buf, sizeof(buf)), 3);
    assert_int_equal(vos_close(a), 0);
    assert_int_equal(vos_close(b), 0);
    assert_int_equal(vos_unlink("semantics"), 0);
    assert_int_equal(vos_unlink("semantics"), -VOS_ENOENT);
    assert_int_equal(vos_open("no such file", VOS_O_RDONLY), -VOS_ENOENT);
    assert_int_equal(vos_open("bad:name", VOS_O_CREAT | VOS_O_WRONLY), -VOS_EINVAL);
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    assert_int_equal(vos_open(longname, VOS_O_CREAT | VOS_O_WRONLY), -VOS_ENAMETOOLONG);
}

static void directories(void **state)
{
    (void)state;
    assert_int_equal(vos_mkdir("/A directory with a long name"), 0);
    assert_int_equal(vos_mkdir("/A directory with a long name"), -VOS_EEXIST);
    assert_int_equal(vos_mkdir("/A directory with a long name/nested/deeper"), -VOS_ENOENT);
    assert_int_equal(vos_mkdir("/A directory with a long name/nested"), 0);
    char path[96];
    for (int i = 0; i < 40; i++) {
        snprintf(path, sizeof(path), "/A directory with a long name/nested/file number %02d", i);
        write_pattern(path, 100 + (uint32_t)i, (uint64_t)i * 13, 4096);
    }
    uint64_t cookie = 0;
    struct vos_dirent e;
    int n = 0, r;
    while ((r = vos_readdir("/A directory with a long name/nested", &cookie, &e)) == 1) {
        assert_int_equal(e.type, VOS_S_FILE);
        int k = atoi(e.name + strlen("file number "));
        assert_int_equal(e.size, (uint64_t)k * 13);
        n++;
    }
    assert_int_equal(r, 0);
    assert_int_equal(n, 40);
    assert_int_equal(vos_readdir("/no such dir", &cookie, &e), -VOS_ENOENT);
    assert_int_equal(vos_unlink("/A directory with a long name"), -VOS_ENOTEMPTY);
    assert_int_equal(vos_rename("/A directory with a long name/nested", "/moved here"), 0);
    check_pattern("/moved here/file number 07", 107, 7 * 13, 4096);
    assert_int_equal(vos_rename("/moved here", "/moved here/into itself"), -VOS_EINVAL);
    struct vos_stat st;
    assert_int_equal(vos_stat("/moved here", &st), 0);
    assert_int_equal(st.type, VOS_S_DIR);
    assert_int_equal(vos_open("/moved here", VOS_O_RDONLY), -VOS_EISDIR);
    assert_int_equal(vos_open("/moved here/file number 01/x", VOS_O_RDONLY), -VOS_ENOTDIR);
    for (int i = 0; i < 40; i++) {
        snprintf(path, sizeof(path), "/moved here/file number %02d", i);
        assert_int_equal(vos_unlink(path), 0);
    }
    assert_int_equal(vos_unlink("/moved here"), 0);
    assert_int_equal(vos_unlink("/A directory with a long name"), 0);
    struct vos_statfs sf;
    assert_int_equal(vos_statfs(&sf), 0);
    assert_int_equal(sf.fat_bits, 16);
    assert_true(sf.blocks_free > 0 && sf.blocks_free <= sf.blocks);
}

/* The capability is the limit: views, read-only, ".." and foreign handles. */
static void capability_limits(void **state)
{
    (void)state;
    vos_mkdir("/pub");
    write_pattern("/pub/shared.txt", 7, 1000, 4096);
    write_pattern("/secret.txt", 8, 100, 4096);
    int full_fd = vos_open("/secret.txt", VOS_O_RDONLY);
    assert_true(full_fd >= 0);

    use(pub_ro_ch); /* "/" is now /pub, read-only */
    check_pattern("/shared.txt", 7, 1000, 4096);
    check_pattern("shared.txt", 7, 1000, 100);
    assert_int_equal(vos_open("/secret.txt", VOS_O_RDONLY), -VOS_ENOENT);
    assert_int_equal(vos_open("../secret.txt", VOS_O_RDONLY), -VOS_EACCES);
    assert_int_equal(vos_open("a/../../secret.txt", VOS_O_RDONLY), -VOS_EACCES);
    assert_int_equal(vos_open("/..", VOS_O_RDONLY), -VOS_EACCES);
    assert_int_equal(vos_open("new", VOS_O_CREAT | VOS_O_WRONLY), -VOS_EROFS);
    assert_int_equal(vos_open("shared.txt", VOS_O_RDWR), -VOS_EROFS);
    assert_int_equal(vos_mkdir("d"), -VOS_EROFS);
    assert_int_equal(vos_unlink("shared.txt"), -VOS_EROFS);
    assert_int_equal(vos_rename("shared.txt", "x"), -VOS_EROFS);
    struct vos_statfs sf;
    assert_int_equal(vos_statfs(&sf), 0);
    assert_int_equal(sf.readonly, 1);
    /* Our descriptor from the full view names a handle this session does not own. */
    char c;
    assert_int_equal(vos_read(full_fd, &c, 1), -VOS_EBADF);

    use(pub_rw_ch); /* /pub, read-write: still nothing outside */
    write_pattern("written.txt", 9, 3000, 4096);
    assert_int_equal(vos_rename("written.txt", "../escaped.txt"), -VOS_EACCES);
    assert_int_equal(vos_unlink("../secret.txt"), -VOS_EACCES);
    use(full_ch);
    check_pattern("/pub/written.txt", 9, 3000, 4096);
    check_pattern("/secret.txt", 8, 100, 4096); /* untouched */
    assert_int_equal(vos_close(full_fd), 0);

    /* No capability at all. */
    use((vos_chan_t){ 0, 0 });
    assert_int_equal(vos_open("/secret.txt", VOS_O_RDONLY), -VOS_ENXIO);
    assert_int_equal(vos_stat("/secret.txt", &(struct vos_stat){ 0 }), -VOS_ENXIO);
}

/* Requests that are not the protocol: an error each, and the server goes on. */
static void malformed_requests(void **state)
{
    (void)state;
    struct vos_fs_resp rs;
    uint64_t got;
    static uint8_t junk[VOS_IPC_MAX_MESSAGE];
    memset(junk, 0xA5, sizeof(junk));
    /* Too short, unknown operation, unterminated path, a whole page of junk. */
    uint64_t lens[] = { 0, 3, 23, 24, 200, sizeof(junk) };
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        assert_int_equal(vos_call(full_ch, junk, lens[i], &rs, sizeof(rs), VOS_TIMEOUT_INFINITE, (vos_any_t){ 0 },
                                  &got, NULL),
                         0);
        assert_true(rs.result < 0);
    }
    struct vos_fs_req rq = { .op = VOS_FS_READ, .handle = 12345, .len = 100 };
    assert_int_equal(vos_call(full_ch, &rq, VOS_FS_REQ_HEADER, &rs, sizeof(rs), VOS_TIMEOUT_INFINITE,
                              (vos_any_t){ 0 }, &got, NULL),
                     0);
    assert_true(rs.result == -VOS_EBADF || rs.result == -VOS_ENXIO);
    /* The block driver: unattached, out of range, misaligned, junk. */
    struct vos_blk_resp br;
    struct vos_blk_req bq = { VOS_BLK_READ, 1, 0, 0, 0, 0 };
    assert_int_equal(vos_call(blk_ch, &bq, sizeof(bq), &br, sizeof(br), VOS_TIMEOUT_INFINITE, (vos_any_t){ 0 }, &got,
                              NULL),
                     0);
    assert_int_equal(br.status, -VOS_ENXIO);
    bq.op = VOS_BLK_ATTACH;
    vos_any_t region = { 0 };
    assert_int_equal(vos_call(blk_ch, &bq, sizeof(bq), &br, sizeof(br), VOS_TIMEOUT_INFINITE, (vos_any_t){ 0 }, &got,
                              &region),
                     0);
    assert_int_equal(br.status, 0);
    assert_true(region.cap != 0);
    uint64_t cap = br.capacity;
    struct vos_blk_req bad[] = {
        { VOS_BLK_READ, 1, cap, 0, 0, 0 },        /* past the end */
        { VOS_BLK_READ, 2, cap - 1, 0, 0, 0 },    /* straddles the end */
        { VOS_BLK_READ, 0xFFFFFFFF, 0, 0, 0, 0 }, /* more than the region */
        { VOS_BLK_WRITE, 1, 0, 100, 0, 0 },       /* misaligned */
        { VOS_BLK_READ, 1, 0, 1ull << 40, 0, 0 }, /* outside the region */
        { VOS_BLK_READ, 1, ~0ull, 0, 0, 0 },      /* wraps */
        { VOS_BLK_READ, 1, 0, 0, 7, 0 },          /* a region never lent */
        { VOS_BLK_ADD_REGION, 0, 0, 0, 0, 0 },    /* lending nothing */
        { 99, 0, 0, 0, 0, 0 },                    /* no such operation */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(vos_call(blk_ch, &bad[i], sizeof(bad[i]), &br, sizeof(br), VOS_TIMEOUT_INFINITE,
                                  (vos_any_t){ 0 }, &got, NULL),
                         0);
        assert_true(br.status < 0);
    }
    assert_int_equal(vos_call(blk_ch, junk, 5, &br, sizeof(br), VOS_TIMEOUT_INFINITE, (vos_any_t){ 0 }, &got, NULL),
                     0);
    assert_int_equal(br.status, -VOS_EINVAL);
    /* Still serving. */
    write_pattern("/after junk", 3, 5000, 4096);
    check_pattern("/after junk", 3, 5000, 4096);
    assert_int_equal(vos_unlink("/after junk"), 0);
}

static vos_cap_t pool_cap;
static vos_any_t console_cap;

static uint64_t pool_free(void)
{
    struct vos_pool_info info = { 0, 0 };
    vos_sys_read(pool_cap, &info, sizeof(info), 0);
    return info.free_bytes;
}

/* Capabilities sent with requests that do not keep them (every request but
 * a block ADD_REGION of a region) are deleted by the receiver at once: a
 * client sending them in a loop costs the driver and the server nothing.
 * (Kept, 8192 of them would take 128 pages of their capability tables.) */
static void capability_flood(void **state)
{
    (void)state;
    vos_ep_t e;
    assert_int_equal(vos_endpoint_create(&e), 0);
    vos_any_t gift = derive(e.cap, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT);
    assert_true(gift.cap != 0);
    struct vos_blk_req bq[] = {
        { VOS_BLK_READ, 1, ~0ull, 0, 0, 0 }, /* refused: out of range */
        { VOS_BLK_FLUSH, 0, 0, 0, 0, 0 },
        { VOS_BLK_ADD_REGION, 0, 0, 0, 0, 0 }, /* not a region: refused */
        { 99, 0, 0, 0, 0, 0 },
    };
    struct vos_fs_req fq = { .op = VOS_FS_STAT, .path = "/nope" };
    struct vos_blk_resp br;
    struct vos_fs_resp rs;
    uint64_t got, before = 0;
    for (int i = 0; i < 64 + 4096; i++) {
        if (i == 64) /* the first calls may grow tables that then stay (reply tokens, our own) */
            before = pool_free();
        assert_int_equal(vos_call(blk_ch, &bq[i % 4], i % 8 == 7 ? 5 : sizeof(bq[0]), &br, sizeof(br),
                                  VOS_TIMEOUT_INFINITE, gift, &got, NULL),
                         0);
        assert_int_equal(vos_call(full_ch, &fq, sizeof(fq), &rs, sizeof(rs), VOS_TIMEOUT_INFINITE, gift, &got, NULL),
                         0);
        assert_int_equal(rs.result, -VOS_ENOENT);
    }
    uint64_t after = pool_free();
    assert_true(after + 8 * VOS_PAGE_SIZE >= before);
    /* Still serving. */
    write_pattern("/after flood", 4, 5000, 4096);
    check_pattern("/after flood", 4, 5000, 4096);
    assert_int_equal(vos_unlink("/after flood"), 0);
    vos_cap_revoke(VOS_ANY(e));
}

/* A client that ends holding open files (fscheck hold: it writes 3000
 * bytes, then exits or faults without closing): the server releases them, so
 * the file can be removed (an open file is VOS_EBUSY) and what the client
 * wrote was closed onto the disk.  Its handle is nobody's: pids are never
 * reused (docs/abi.md), and a new client (another pid) does not get it. */
static void hold_and_end(const char *how, const char *path, uint32_t seed)
{
    const char *argv[] = { "fscheck", how, path };
    vos_any_t caps[] = { console_cap, VOS_ANY(full_ch) };
    vos_proc_t p = spawn(argv, 3, caps, 2);
    struct vos_process_exit_info info;
    assert_int_equal(vos_process_wait(p, VOS_TIMEOUT_INFINITE, &info), 0);
    if (info.reason == VOS_EXIT_CODE && info.code)
        printf("fscheck %s %s: exit %d\n", how, path, (int)info.code);
    if (!strcmp(how, "hold"))
        assert_int_equal(info.reason, VOS_EXIT_CODE);
    else
        assert_int_not_equal(info.reason, VOS_EXIT_CODE);
    (void)seed;
}

static void dead_client_released(void **state)
{
    (void)state;
    /* More than the server's 32 open files and 64 handles all told: without
     * the release the later opens fail. */
    char path[32];
    for (int i = 0; i < 40; i++) {
        vos_snprintf(path, sizeof(path), "/held %d", i);
        hold_and_end(i % 2 ? "hold-fault" : "hold", path, 0);
    }
    for (int i = 0; i < 40; i++) {
        vos_snprintf(path, sizeof(path), "/held %d", i);
        check_pattern(path, 31, 3000, 4096); /* closed by the server: size and data on the disk */
        assert_int_equal(vos_unlink(path), 0);  /* not busy: nobody holds it */
    }
    /* Its handles are nobody's now: a guess at any handle is VOS_EBADF. */
    struct vos_fs_resp rs;
    uint64_t got;
    for (int32_t h = 0; h < 64; h++) {
        struct vos_fs_req rq = { .op = VOS_FS_FSTAT, .handle = h };
        assert_int_equal(vos_call(full_ch, &rq, VOS_FS_REQ_HEADER, &rs, sizeof(rs), VOS_TIMEOUT_INFINITE,
                                  (vos_any_t){ 0 }, &got, NULL),
                         0);
        assert_true(rs.result == -VOS_EBADF);
    }
}

/* More block clients than the driver has slots (8): each new one takes the
 * oldest slot, with a fresh region (the one it replaces may still be mapped
 * by a live client), and is served; an evicted client (the file server too)
 * attaches again.  Before, the reused slot handed out a deleted capability:
 * the reply failed and the client waited for ever. */
static void many_block_clients(void **state)
{
    (void)state;
    for (int i = 0; i < 12; i++) {
        const char *argv[] = { "fscheck", "blk" };
        vos_any_t caps[] = { console_cap, VOS_ANY(blk_ch) };
        vos_proc_t p = spawn(argv, 2, caps, 2);
        struct vos_process_exit_info info;
        assert_int_equal(vos_process_wait(p, VOS_TIMEOUT_INFINITE, &info), 0);
        assert_int_equal(info.reason, VOS_EXIT_CODE);
        assert_int_equal(info.code, 0);
    }
    write_pattern("/after many", 8, 70000, 65536);
    check_pattern("/after many", 8, 70000, 4096);
    assert_int_equal(vos_unlink("/after many"), 0);
}

/* Files get the real date: the server's clock is the kernel's REALTIME one
 * (the platform RTC: goldfish, PL031, CMOS), so a file written now has the
 * time the program reads (FAT: even seconds), not a fixed date. */
static void file_dates(void **state)
{
    (void)state;
    struct vos_timespec t0, t1;
    struct vos_stat st;
    assert_int_equal(vos_clock(VOS_CLOCK_REALTIME, &t0), 0);
    assert_true(t0.tv_sec > 1767225600); /* after 2026-01-01: the fixed date would not pass */
    write_pattern("/dated", 6, 100, 4096);
    assert_int_equal(vos_mkdir("/dated dir"), 0);
    assert_int_equal(vos_clock(VOS_CLOCK_REALTIME, &t1), 0);
    assert_int_equal(vos_stat("/dated", &st), 0);
    assert_true(st.mtime >= (t0.tv_sec & ~1ull) && st.mtime <= t1.tv_sec);
    assert_int_equal(vos_stat("/dated dir", &st), 0);
    assert_true(st.mtime >= (t0.tv_sec & ~1ull) && st.mtime <= t1.tv_sec);
    assert_int_equal(vos_unlink("/dated"), 0);
    assert_int_equal(vos_unlink("/dated dir"), 0);
}

/* Instructions per KiB through program -> fsserver -> driver (exact under -icount shift=0). */
/* Instructions per KiB through program -> fsserver -> driver (exact under
 * -icount shift=0; bench.c), on the RAM disk. */
static void say_line(const char *line) { printf("%s\n", line); }

static void bench(void **state)
{
    (void)state;
    assert_int_equal(storage_bench("/bench.bin", "", big, say_line), 0);
}

/* ---- restarts: the server and the driver die and are started again ---- */

static struct {
    vos_ep_t blk_ep, fs_ep;
    vos_chan_t blk_ch, fs_ch;
    vos_any_t disk;
    vos_proc_t blk, fs;
} r2;

static vos_proc_t start_driver(void)
{
    const char *argv[] = { "ramdisk-faulty", "4096" };
    vos_any_t caps[] = { console_cap, derive(r2.blk_ep.cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT),
                         derive(pool_cap, RW | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE),
                         derive(r2.disk.cap, RW | VOS_RIGHT_GRANT) };
    return spawn(argv, 2, caps, 4);
}

static vos_proc_t start_server(void)
{
    const char *argv[] = { "fsserver-faulty", "--format", "/:rw" };
    vos_any_t caps[] = { console_cap, VOS_ANY(r2.blk_ch), derive(pool_cap, RW | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE),
                         derive(r2.fs_ep.cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT) };
    vos_proc_t p = spawn(argv, 3, caps, 4);
    assert_int_equal(give_self(p, r2.fs_ch), 0);
    return p;
}

static void expect_killed(vos_proc_t p)
{
    struct vos_process_exit_info info;
    assert_int_equal(vos_process_wait(p, VOS_TIMEOUT_INFINITE, &info), 0);
    assert_int_not_equal(info.reason, VOS_EXIT_CODE); /* killed by its fault */
}

static void restarts(void **state)
{
    (void)state;
    vos_ep_t mine;
    vos_mem_t disk;
    assert_int_equal(vos_endpoint_create(&mine), 0);
    assert_int_equal(vos_endpoint_create(&r2.blk_ep), 0);
    assert_int_equal(vos_endpoint_create(&r2.fs_ep), 0);
    assert_int_equal(vos_channel_create(mine, r2.blk_ep, (vos_any_t){ self_cap }, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT,
                                        &r2.blk_ch),
                     0);
    assert_int_equal(vos_channel_create(mine, r2.fs_ep, (vos_any_t){ self_cap }, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT,
                                        &r2.fs_ch),
                     0);
    /* The disk outlives its driver, as a real one would. */
    assert_int_equal(vos_mem_carve((vos_mem_t){ pool_cap }, 4096 * 1024, RW | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE, &disk), 0);
    r2.disk = VOS_ANY(disk);
    r2.blk = start_driver();
    r2.fs = start_server();
    use(r2.fs_ch);

    write_pattern("/kept.txt", 21, 10000, 4096); /* closed: flushed */
    int fd = vos_open("/unflushed.txt", VOS_O_WRONLY | VOS_O_CREAT);
    assert_true(fd >= 0);
    for (int i = 0; i < 5000; i++)
        big[i] = pattern(22, (uint64_t)i);
    assert_int_equal(vos_write(fd, big, 5000), 5000);

    /* The server dies in our request (a raw call: libsys would call again and
     * wait for the restart, which is init's job, here ours, on this thread);
     * started again, it mounts what was flushed. */
    struct vos_fs_req crash = { .op = VOS_FS_OPEN, .path = "/.crash" };
    struct vos_fs_resp rs;
    uint64_t got;
    assert_int_not_equal(vos_call(r2.fs_ch, &crash, sizeof(crash), &rs, sizeof(rs), VOS_TIMEOUT_INFINITE,
                                  (vos_any_t){ 0 }, &got, NULL),
                         0);
    expect_killed(r2.fs);
    r2.fs = start_server();
    check_pattern("/kept.txt", 21, 10000, 4096);
    char c;
    assert_int_equal(vos_write(fd, &c, 1), -VOS_EBADF); /* the old server's file */
    assert_int_equal(vos_close(fd), -VOS_EBADF);
    struct vos_stat st;
    assert_int_equal(vos_stat("/unflushed.txt", &st), 0); /* its entry was written at creation... */
    assert_int_equal(st.size, 0);                          /* ...its size never was */
    write_pattern("/after server restart.txt", 23, 70000, 65536);

    /* The driver dies; the server re-attaches to the new one and goes on. */
    struct vos_blk_req die = { 0x7F7F, 0, 0, 0, 0, 0 }, attach = { VOS_BLK_ATTACH, 0, 0, 0, 0, 0 };
    struct vos_blk_resp br;
    vos_any_t region = { 0 };
    assert_int_equal(vos_call(r2.blk_ch, &attach, sizeof(attach), &br, sizeof(br), VOS_TIMEOUT_INFINITE,
                              (vos_any_t){ 0 }, &got, &region),
                     0);
    assert_int_not_equal(vos_call(r2.blk_ch, &die, sizeof(die), &br, sizeof(br), VOS_TIMEOUT_INFINITE,
                                  (vos_any_t){ 0 }, &got, NULL),
                         0); /* the caller of a request the driver dies in gets an error, not a hang */
    expect_killed(r2.blk);
    r2.blk = start_driver();
    check_pattern("/kept.txt", 21, 10000, 65536);
    check_pattern("/after server restart.txt", 23, 70000, 4096);
    write_pattern("/after driver restart.txt", 24, 5000, 4096);
    check_pattern("/after driver restart.txt", 24, 5000, 4096);
    struct vos_statfs sf;
    assert_int_equal(vos_statfs(&sf), 0);
    assert_true(sf.blocks_free < sf.blocks);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup(sizes_byte_exact, setup_each),
    cmocka_unit_test_setup(posix_semantics, setup_each),
    cmocka_unit_test_setup(directories, setup_each),
    cmocka_unit_test_setup(capability_limits, setup_each),
    cmocka_unit_test_setup(malformed_requests, setup_each),
    cmocka_unit_test_setup(capability_flood, setup_each),
    cmocka_unit_test_setup(dead_client_released, setup_each),
    cmocka_unit_test_setup(file_dates, setup_each),
    cmocka_unit_test_setup(many_block_clients, setup_each),
    cmocka_unit_test_setup(restarts, setup_each),
    cmocka_unit_test_setup(bench, setup_each),
};

static vos_chan_t channel_to(vos_ep_t mine, vos_ep_t ep)
{
    vos_chan_t ch = { 0, 0 };
    if (vos_channel_create(mine, ep, (vos_any_t){ self_cap }, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT, &ch))
        ch.cap = 0;
    return ch;
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct vos_start_info *si = vos_start_info();
    struct vos_cap_info c, dev;
    if (vos_start_lookup(si, VOS_OBJ_PROCESS, VOS_RIGHT_DERIVE, &c) || vos_start_lookup(si, VOS_OBJ_DEVICE, RW, &dev))
        return 10;
    self_cap = c.token;
    vos_cap_t pool = vos_start_find_pool(si);
    pool_cap = pool;
    if (vos_bootfs_open(&bootfs, vos_start_find_bootfs(si)))
        return 11;
    vos_ep_t mine, blk_ep, views[3];
    if (vos_endpoint_create(&mine) || vos_endpoint_create(&blk_ep))
        return 12;
    for (int i = 0; i < 3; i++)
        if (vos_endpoint_create(&views[i]))
            return 12;
    blk_ch = channel_to(mine, blk_ep);
    full_ch = channel_to(mine, views[0]);
    pub_ro_ch = channel_to(mine, views[1]);
    pub_rw_ch = channel_to(mine, views[2]);
    vos_any_t console = derive(dev.token, RW | VOS_RIGHT_GRANT);
    console_cap = console;
    vos_proc_t p;
    const char *blk_argv[] = { "ramdisk", "20480" }; /* 20 MiB: FAT16 with 4 KiB clusters (a child may hold 32 MiB) */
    vos_any_t blk_caps[] = { console, derive(blk_ep.cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT),
                             derive(pool, RW | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE) };
    struct vos_spawn blk_sp = { blk_argv, 2, blk_caps, 3 };
    if (vos_process_spawn(&bootfs, &blk_sp, &p))
        return 13;
    const char *fs_argv[] = { "fsserver", "--format", "/:rw", "/pub:ro", "/pub:rw" };
    vos_any_t fs_caps[] = { console, VOS_ANY(blk_ch), derive(pool, RW | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE),
                            derive(views[0].cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT),
                            derive(views[1].cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT),
                            derive(views[2].cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT) };
    struct vos_spawn fs_sp = { fs_argv, 5, fs_caps, 6 };
    if (vos_process_spawn(&bootfs, &fs_sp, &p) || give_self(p, full_ch))
        return 14;
    int failed = cmocka_run_group_tests_name("storage", tests, NULL, NULL);
    printf("storage: done, %d failed\n", failed);
    return failed ? 1 : 0;
}
