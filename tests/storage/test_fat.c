/* test_fat.c — the FAT module (userland/fs/fat.c) on the host, under ASan/UBSan.
 *
 * Images are made by the real tools: mkfs.fat formats them, mcopy fills them;
 * what the module writes is read back with mtype/mdir and checked with
 * `fsck.fat -n`.  The corrupted images are sound ones with one structure
 * broken; each must give an error and leave the rest readable.
 * Each test works in its own directory under the current one (the build tree).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <cmocka.h>

#include "fat.h"

static char work[256];
static int img_fd = -1;
static struct fat_vol *vol;
static uint64_t io_count;

static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int r = system(cmd);
    return r == -1 ? -1 : WEXITSTATUS(r);
}

static int img_read(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
    (void)ctx;
    io_count++;
    ssize_t n = pread(img_fd, buf, (size_t)count * 512, (off_t)(sector * 512));
    return n == (ssize_t)count * 512 ? 0 : -VOS_EIO;
}

static int img_write(void *ctx, uint64_t sector, uint32_t count, const void *buf)
{
    (void)ctx;
    io_count++;
    ssize_t n = pwrite(img_fd, buf, (size_t)count * 512, (off_t)(sector * 512));
    return n == (ssize_t)count * 512 ? 0 : -VOS_EIO;
}

static int img_flush(void *ctx)
{
    (void)ctx;
    return fsync(img_fd) == 0 ? 0 : -VOS_EIO;
}

static int img_mount(const char *name, bool ro)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", work, name);
    if (img_fd >= 0)
        close(img_fd);
    img_fd = open(path, ro ? O_RDONLY : O_RDWR);
    assert_true(img_fd >= 0);
    struct stat st;
    fstat(img_fd, &st);
    struct fat_dev dev = {0, (uint64_t)st.st_size / 512, 128, img_read, img_write, img_flush};
    return fat_mount(vol, &dev, ro);
}

/* Deterministic contents: byte i of a file with seed s. */
static uint8_t pattern(uint32_t seed, uint64_t i)
{
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ seed * 0xD1B54A32D192ED03ull;
    x ^= x >> 29;
    return (uint8_t)(x * 0xBF58476D1CE4E5B9ull >> 56);
}

static void host_file(const char *rel, uint32_t seed, uint64_t size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", work, rel);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (uint64_t i = 0; i < size; i++)
        fputc(pattern(seed, i), f);
    fclose(f);
}

/* Reads a whole file through the module in `chunk`-byte requests and
 * compares it with the pattern. */
static void check_file(uint32_t root, const char *path, uint32_t seed, uint64_t size, uint32_t chunk)
{
    struct fat_file f;
    int r = fat_open(vol, root, path, VOS_O_RDONLY, &f);
    if (r != 0)
        fail_msg("open %s: %d", path, r);
    assert_int_equal(fat_size(&f), size);
    uint8_t *buf = malloc(chunk);
    uint64_t off = 0;
    for (;;) {
        int64_t n = fat_read(vol, &f, off, buf, chunk);
        assert_true(n >= 0);
        if (n == 0)
            break;
        for (int64_t i = 0; i < n; i++)
            if (buf[i] != pattern(seed, off + (uint64_t)i))
                fail_msg("%s: byte %llu differs", path, (unsigned long long)(off + (uint64_t)i));
        off += (uint64_t)n;
    }
    assert_int_equal(off, size);
    free(buf);
    assert_int_equal(fat_close(vol, &f), 0);
}

static void write_file(uint32_t root, const char *path, uint32_t seed, uint64_t size, uint32_t chunk)
{
    struct fat_file f;
    int r = fat_open(vol, root, path, VOS_O_RDWR | VOS_O_CREAT | VOS_O_TRUNC, &f);
    if (r != 0)
        fail_msg("create %s: %d", path, r);
    uint8_t *buf = malloc(chunk);
    for (uint64_t off = 0; off < size; off += chunk) {
        uint32_t n = size - off < chunk ? (uint32_t)(size - off) : chunk;
        for (uint32_t i = 0; i < n; i++)
            buf[i] = pattern(seed, off + i);
        assert_int_equal(fat_write(vol, &f, off, buf, n), n);
    }
    free(buf);
    assert_int_equal(fat_close(vol, &f), 0);
}

/* The host tools' view of a file is the pattern. */
static void check_with_mtype(const char *img, const char *path, uint32_t seed, uint64_t size)
{
    char out[512];
    snprintf(out, sizeof out, "%s/mtype.out", work);
    assert_int_equal(sh("mtype -i '%s/%s' '::%s' > '%s'", work, img, path, out), 0);
    FILE *f = fopen(out, "rb");
    assert_non_null(f);
    uint64_t i = 0;
    int ch;
    while ((ch = fgetc(f)) != EOF) {
        if ((uint8_t)ch != pattern(seed, i))
            fail_msg("mtype %s: byte %llu differs", path, (unsigned long long)i);
        i++;
    }
    fclose(f);
    assert_int_equal(i, size);
}

static void fsck_clean(const char *img)
{
    int rc = sh("fsck.fat -n '%s/%s' > '%s/fsck.out' 2>&1", work, img, work);
    /* fsck.fat -n exits 0 even when it would have fixed something: look at what it said. */
    if (rc != 0 || sh("grep -Eiq 'differ|wrong|invalid|lost|bad|free cluster|unused|mismatch|fix|error' '%s/fsck.out'", work) == 0) {
        sh("cat '%s/fsck.out'", work);
        fail_msg("fsck.fat -n complains about %s", img);
    }
}

static const uint64_t sizes[] = {0, 1, 511, 512, 513, 2047, 4095, 4096, 4097, 65535, 65536 + 7, 300000, 1048576 + 3};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static int setup(void **state)
{
    const char *name = *state ? (const char *)*state : "t";
    snprintf(work, sizeof work, "fatwork-%s-%d", name, (int)getpid());
    sh("rm -rf '%s'", work);
    mkdir(work, 0755);
    vol = calloc(1, sizeof *vol);
    io_count = 0;
    return vol ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    if (img_fd >= 0)
        close(img_fd);
    img_fd = -1;
    free(vol);
    vol = 0;
    sh("rm -rf '%s'", work);
    return 0;
}

/* mkfs.fat arguments for each kind: FAT16 in 32 MiB, FAT32 in 40 MiB with 512-byte clusters. */
static void make_image(const char *img, int bits)
{
    sh("rm -f '%s/%s'", work, img);
    if (bits == 16)
        assert_int_equal(sh("mkfs.fat -F 16 -C '%s/%s' 32768 > /dev/null", work, img), 0);
    else
        assert_int_equal(sh("mkfs.fat -F 32 -s 1 -C '%s/%s' 40960 > /dev/null", work, img), 0);
}

/* A tree of files of every size, and nested directories with long names. */
static void make_tree(const char *img, int bits)
{
    make_image(img, bits);
    sh("mkdir -p '%s/tree/A long directory name/second level, also long/deep'", work);
    char rel[512];
    for (size_t i = 0; i < NSIZES; i++) {
        snprintf(rel, sizeof rel, "tree/file of size %llu.bin", (unsigned long long)sizes[i]);
        host_file(rel, (uint32_t)i, sizes[i]);
    }
    host_file("tree/SHORT.TXT", 100, 1000);
    host_file("tree/lower.txt", 101, 1001);
    host_file("tree/A long directory name/second level, also long/deep/Nested File Name.data", 102, 70000);
    host_file("tree/A long directory name/x", 103, 3);
    for (int i = 0; i < 40; i++) {
        snprintf(rel, sizeof rel, "tree/A long directory name/many files %02d with a long name", i);
        host_file(rel, 200 + (uint32_t)i, (uint64_t)i * 97);
    }
    assert_int_equal(sh("cd '%s/tree' && MTOOLS_NO_VFAT=0 mcopy -s -i '../%s' * ::/", work, img), 0);
}

static void check_tree(uint32_t chunk)
{
    char path[512];
    for (size_t i = 0; i < NSIZES; i++) {
        snprintf(path, sizeof path, "/file of size %llu.bin", (unsigned long long)sizes[i]);
        check_file(FAT_ROOT, path, (uint32_t)i, sizes[i], chunk);
    }
    check_file(FAT_ROOT, "SHORT.TXT", 100, 1000, chunk);
    check_file(FAT_ROOT, "short.txt", 100, 1000, chunk); /* FAT names ignore case */
    check_file(FAT_ROOT, "lower.txt", 101, 1001, chunk);
    check_file(FAT_ROOT, "A long directory name/second level, also long/deep/Nested File Name.data", 102, 70000, chunk);
    check_file(FAT_ROOT, "a long directory name/./x", 103, 3, chunk);
    for (int i = 0; i < 40; i++) {
        snprintf(path, sizeof path, "A long directory name/many files %02d with a long name", i);
        check_file(FAT_ROOT, path, 200 + (uint32_t)i, (uint64_t)i * 97, chunk);
    }
}

static void read_tree(int bits)
{
    make_tree("img", bits);
    assert_int_equal(img_mount("img", true), 0);
    assert_int_equal(vol->bits, bits);
    check_tree(4096);
    check_tree(65536);
    check_tree(777);
    /* The listing holds every name once, with its size. */
    uint64_t cookie = 0;
    struct vos_dirent e;
    int files = 0, dirs = 0;
    while (fat_readdir(vol, FAT_ROOT, "/A long directory name", &cookie, &e) == 1) {
        if (e.type == VOS_S_DIR) {
            assert_string_equal(e.name, "second level, also long");
            dirs++;
        } else {
            files++;
        }
    }
    assert_int_equal(files, 41);
    assert_int_equal(dirs, 1);
    struct vos_stat st;
    assert_int_equal(fat_stat(vol, FAT_ROOT, "file of size 300000.bin", &st), 0);
    assert_int_equal(st.size, 300000);
    assert_int_equal(st.type, VOS_S_FILE);
    assert_int_equal(fat_stat(vol, FAT_ROOT, "nope", &st), -VOS_ENOENT);
    assert_int_equal(fat_stat(vol, FAT_ROOT, "SHORT.TXT/x", &st), -VOS_ENOTDIR);
    /* Read-only volume: nothing changes. */
    struct fat_file f;
    assert_int_equal(fat_open(vol, FAT_ROOT, "new", VOS_O_CREAT | VOS_O_WRONLY, &f), -VOS_EROFS);
    assert_int_equal(fat_mkdir(vol, FAT_ROOT, "d"), -VOS_EROFS);
}

static void test_read_fat16(void **state) { (void)state; read_tree(16); }
static void test_read_fat32(void **state) { (void)state; read_tree(32); }

/* Writes through the module, then the host tools read it and fsck.fat finds it clean. */
static void write_tree(int bits)
{
    make_image("img", bits);
    assert_int_equal(img_mount("img", false), 0);
    char path[512];
    for (size_t i = 0; i < NSIZES; i++) {
        snprintf(path, sizeof path, "written file %llu.bin", (unsigned long long)sizes[i]);
        write_file(FAT_ROOT, path, 500 + (uint32_t)i, sizes[i], i % 2 ? 4096 : 65536);
    }
    assert_int_equal(fat_mkdir(vol, FAT_ROOT, "Some Directory"), 0);
    assert_int_equal(fat_mkdir(vol, FAT_ROOT, "Some Directory/nested with a long name"), 0);
    assert_int_equal(fat_mkdir(vol, FAT_ROOT, "Some Directory"), -VOS_EEXIST);
    assert_int_equal(fat_mkdir(vol, FAT_ROOT, "SUB"), 0);
    write_file(FAT_ROOT, "Some Directory/nested with a long name/deep.txt", 600, 12345, 1000);
    write_file(FAT_ROOT, "SUB/UPPER.TXT", 601, 10, 10);
    write_file(FAT_ROOT, "SUB/lower.c", 602, 11, 11);
    write_file(FAT_ROOT, "SUB/MiXed.Txt", 603, 12, 12);
    write_file(FAT_ROOT, "SUB/.hidden", 604, 13, 13);
    write_file(FAT_ROOT, "SUB/a.b.c.d", 605, 14, 14);
    /* Enough long names to grow a directory past one cluster several times. */
    for (int i = 0; i < 150; i++) {
        snprintf(path, sizeof path, "SUB/a rather long file name number %03d.text", i);
        write_file(FAT_ROOT, path, 700 + (uint32_t)i, (uint64_t)i, 64);
    }
    /* Delete some, rename some, move a directory. */
    for (int i = 0; i < 150; i += 3) {
        snprintf(path, sizeof path, "SUB/a rather long file name number %03d.text", i);
        assert_int_equal(fat_unlink(vol, FAT_ROOT, path), 0);
    }
    assert_int_equal(fat_rename(vol, FAT_ROOT, "SUB/lower.c", "SUB/renamed to a long name.c"), 0);
    assert_int_equal(fat_rename(vol, FAT_ROOT, "SUB/MiXed.Txt", "Some Directory/moved.txt"), 0);
    assert_int_equal(fat_rename(vol, FAT_ROOT, "Some Directory/nested with a long name", "SUB/nested moved"), 0);
    assert_int_equal(fat_rename(vol, FAT_ROOT, "SUB", "SUB/nested moved/into itself"), -VOS_EINVAL);
    assert_int_equal(fat_unlink(vol, FAT_ROOT, "SUB"), -VOS_ENOTEMPTY);
    assert_int_equal(fat_mkdir(vol, FAT_ROOT, "empty"), 0);
    assert_int_equal(fat_unlink(vol, FAT_ROOT, "empty"), 0);
    /* A sparse write fills the gap with zeros; truncate both ways. */
    struct fat_file f;
    assert_int_equal(fat_open(vol, FAT_ROOT, "gap", VOS_O_RDWR | VOS_O_CREAT | VOS_O_EXCL, &f), 0);
    assert_int_equal(fat_open(vol, FAT_ROOT, "gap", VOS_O_RDWR | VOS_O_CREAT | VOS_O_EXCL, &(struct fat_file){0}), -VOS_EEXIST);
    assert_int_equal(fat_write(vol, &f, 10000, "end", 3), 3);
    assert_int_equal(fat_size(&f), 10003);
    uint8_t buf[10003];
    assert_int_equal(fat_read(vol, &f, 0, buf, sizeof buf), 10003);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(buf[i], 0);
    assert_memory_equal(buf + 10000, "end", 3);
    assert_int_equal(fat_write(vol, &f, 0xFFFFFFFFull, "x", 1), -VOS_EFBIG);
    assert_int_equal(fat_close(vol, &f), 0);
    write_file(FAT_ROOT, "trunc", 800, 100000, 8192);
    assert_int_equal(fat_open(vol, FAT_ROOT, "trunc", VOS_O_RDWR, &f), 0);
    assert_int_equal(fat_truncate(vol, &f, 5000), 0);
    assert_int_equal(fat_close(vol, &f), 0);
    /* Two handles on one file share its size. */
    struct fat_file g;
    assert_int_equal(fat_open(vol, FAT_ROOT, "shared", VOS_O_RDWR | VOS_O_CREAT, &f), 0);
    assert_int_equal(fat_open(vol, FAT_ROOT, "shared", VOS_O_RDONLY, &g), 0);
    assert_int_equal(fat_write(vol, &f, 0, "hello", 5), 5);
    assert_int_equal(fat_read(vol, &g, 0, buf, 100), 5);
    assert_int_equal(fat_unlink(vol, FAT_ROOT, "shared"), -VOS_EBUSY);
    assert_int_equal(fat_close(vol, &f), 0);
    assert_int_equal(fat_close(vol, &g), 0);
    assert_int_equal(fat_unlink(vol, FAT_ROOT, "shared"), 0);
    /* Bad names. */
    assert_int_equal(fat_open(vol, FAT_ROOT, "a:b", VOS_O_CREAT | VOS_O_WRONLY, &f), -VOS_EINVAL);
    assert_int_equal(fat_open(vol, FAT_ROOT, "trailing.", VOS_O_CREAT | VOS_O_WRONLY, &f), -VOS_EINVAL);
    assert_int_equal(fat_open(vol, FAT_ROOT, "../x", VOS_O_RDONLY, &f), -VOS_EACCES);
    assert_int_equal(fat_flush(vol), 0);
    close(img_fd);
    img_fd = -1;

    /* The host's view. */
    fsck_clean("img");
    for (size_t i = 0; i < NSIZES; i++) {
        snprintf(path, sizeof path, "/written file %llu.bin", (unsigned long long)sizes[i]);
        check_with_mtype("img", path, 500 + (uint32_t)i, sizes[i]);
    }
    check_with_mtype("img", "/SUB/nested moved/deep.txt", 600, 12345);
    check_with_mtype("img", "/SUB/UPPER.TXT", 601, 10);
    check_with_mtype("img", "/SUB/renamed to a long name.c", 602, 11);
    check_with_mtype("img", "/Some Directory/moved.txt", 603, 12);
    check_with_mtype("img", "/SUB/.hidden", 604, 13);
    check_with_mtype("img", "/SUB/a.b.c.d", 605, 14);
    for (int i = 0; i < 150; i++) {
        snprintf(path, sizeof path, "/SUB/a rather long file name number %03d.text", i);
        if (i % 3)
            check_with_mtype("img", path, 700 + (uint32_t)i, (uint64_t)i);
        else
            assert_int_not_equal(sh("mtype -i '%s/img' '::%s' > /dev/null 2>&1", work, path), 0);
    }
    check_with_mtype("img", "/trunc", 800, 5000);
    assert_int_equal(sh("mdir -i '%s/img' ::/SUB | grep -q 'lower.c'", work), 1);
    assert_int_equal(sh("mdir -i '%s/img' '::/SUB/nested moved' > /dev/null", work), 0);

    /* And the module reads its own writes after a remount. */
    assert_int_equal(img_mount("img", false), 0);
    check_file(FAT_ROOT, "SUB/nested moved/deep.txt", 600, 12345, 4096);
    check_file(FAT_ROOT, "/trunc", 800, 5000, 4096);
}

static void test_write_fat16(void **state) { (void)state; write_tree(16); }
static void test_write_fat32(void **state) { (void)state; write_tree(32); }

/* Filling the volume gives ENOSPC, freeing gives the space back, and the
 * free count (FSInfo on FAT32) stays what fsck.fat computes. */
static void test_full_volume(void **state)
{
    (void)state;
    make_image("img", 32);
    assert_int_equal(img_mount("img", false), 0);
    struct vos_statfs sf;
    fat_statfs(vol, &sf);
    uint64_t free0 = sf.blocks_free;
    struct fat_file f;
    assert_int_equal(fat_open(vol, FAT_ROOT, "big", VOS_O_RDWR | VOS_O_CREAT, &f), 0);
    static uint8_t chunk[65536];
    memset(chunk, 0x5A, sizeof chunk);
    uint64_t off = 0;
    int64_t n;
    while ((n = fat_write(vol, &f, off, chunk, sizeof chunk)) > 0)
        off += (uint64_t)n;
    assert_int_equal(n, -VOS_ENOSPC);
    fat_statfs(vol, &sf);
    assert_int_equal(sf.blocks_free, 0);
    assert_int_equal(off, free0 * sf.block_size);
    assert_int_equal(fat_close(vol, &f), 0);
    fsck_clean("img");
    assert_int_equal(fat_unlink(vol, FAT_ROOT, "big"), 0);
    fat_statfs(vol, &sf);
    assert_int_equal(sf.blocks_free, free0);
    assert_int_equal(fat_flush(vol), 0);
    fsck_clean("img");
}

/* Dates: what vol->now says (UTC) when an entry is made or written, as
 * fat_stat and mdir read them back; no clock (0): 2026-01-01 00:00. */
static void test_dates(void **state)
{
    (void)state;
    make_image("img", 16);
    assert_int_equal(img_mount("img", false), 0);
    struct fat_file f;
    vol->now = 1835481598; /* 2028-02-29 23:59:58: a leap day, the last even second */
    assert_int_equal(fat_open(vol, FAT_ROOT, "leap.txt", VOS_O_RDWR | VOS_O_CREAT, &f), 0);
    vol->now = 1835481599; /* written a second later: FAT keeps even seconds */
    assert_int_equal(fat_write(vol, &f, 0, "dated", 5), 5);
    assert_int_equal(fat_close(vol, &f), 0);
    vol->now = 1936787696; /* 2031-05-17 12:34:56 */
    assert_int_equal(fat_mkdir(vol, FAT_ROOT, "A Directory"), 0);
    vol->now = 0;
    assert_int_equal(fat_open(vol, FAT_ROOT, "undated", VOS_O_RDWR | VOS_O_CREAT, &f), 0);
    assert_int_equal(fat_close(vol, &f), 0);
    struct vos_stat st;
    assert_int_equal(fat_stat(vol, FAT_ROOT, "leap.txt", &st), 0);
    assert_int_equal(st.mtime, 1835481598);
    assert_int_equal(fat_stat(vol, FAT_ROOT, "A Directory", &st), 0);
    assert_int_equal(st.mtime, 1936787696);
    assert_int_equal(fat_stat(vol, FAT_ROOT, "undated", &st), 0);
    assert_int_equal(st.mtime, 1767225600);
    assert_int_equal(fat_flush(vol), 0);
    assert_int_equal(sh("mdir -i '%s/img' ::/ | grep -q 'leap.*2028-02-29 *23:59'", work), 0);
    assert_int_equal(sh("mdir -i '%s/img' ::/ | grep -q '2031-05-17 *12:34.*A Directory'", work), 0);
    assert_int_equal(sh("mdir -i '%s/img' ::/ | grep -q 'undated.*2026-01-01'", work), 0);
    fsck_clean("img");
}

/* FAT16's root directory is fixed: filling it is ENOSPC, not corruption. */
static void test_fat16_root_full(void **state)
{
    (void)state;
    assert_int_equal(sh("mkfs.fat -F 16 -r 32 -C '%s/img' 32768 > /dev/null", work), 0);
    assert_int_equal(img_mount("img", false), 0);
    char name[32];
    int made = 0, r = 0;
    for (int i = 0; i < 2000 && r == 0; i++) {
        snprintf(name, sizeof name, "F%d", i);
        struct fat_file f;
        r = fat_open(vol, FAT_ROOT, name, VOS_O_CREAT | VOS_O_WRONLY, &f);
        if (r == 0) {
            made++;
            fat_close(vol, &f);
        }
    }
    assert_int_equal(r, -VOS_ENOSPC);
    assert_int_equal(made, vol->root_entries);
    fsck_clean("img");
}

/* A directory limit: paths from a subdirectory cannot climb out. */
static void test_limited_root(void **state)
{
    (void)state;
    make_tree("img", 16);
    assert_int_equal(img_mount("img", false), 0);
    uint32_t sub;
    assert_int_equal(fat_lookup_dir(vol, FAT_ROOT, "A long directory name", &sub), 0);
    check_file(sub, "x", 103, 3, 10);
    check_file(sub, "/second level, also long/../x", 103, 3, 10);
    struct fat_file f;
    assert_int_equal(fat_open(vol, sub, "../SHORT.TXT", VOS_O_RDONLY, &f), -VOS_EACCES);
    assert_int_equal(fat_open(vol, sub, "deep/../../SHORT.TXT", VOS_O_RDONLY, &f), -VOS_EACCES);
    assert_int_equal(fat_open(vol, sub, "/SHORT.TXT", VOS_O_RDONLY, &f), -VOS_ENOENT);
    assert_int_equal(fat_rename(vol, sub, "x", "../x"), -VOS_EACCES);
    assert_int_equal(fat_unlink(vol, sub, ".."), -VOS_EACCES);
    uint32_t d;
    assert_int_equal(fat_lookup_dir(vol, sub, "..", &d), -VOS_EACCES);
}

/* ---- hostile images ----------------------------------------------------- */

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void patch(const char *img, uint64_t off, const void *bytes, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", work, img);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, bytes, n, (off_t)off), (ssize_t)n);
    close(fd);
}

static void peek(const char *img, uint64_t off, void *bytes, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", work, img);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, bytes, n, (off_t)off), (ssize_t)n);
    close(fd);
}

/* A FAT32 image with three files: "good" (2 KiB), "victim" (8 KiB) and
 * "other"; returns the byte offsets the cases patch. */
struct layout {
    uint64_t fat;        /* first FAT copy */
    uint64_t fat2;       /* second copy */
    uint32_t victim;     /* victim's first cluster */
    uint64_t victim_ent; /* its short entry */
};

static void hostile_base(struct layout *L)
{
    make_image("img", 32);
    host_file("good", 1, 2048);
    host_file("victim", 2, 8192);
    host_file("other", 3, 100);
    assert_int_equal(sh("mcopy -i '%s/img' '%s/good' '%s/victim' '%s/other' ::/", work, work, work, work), 0);
    uint8_t b[512];
    peek("img", 0, b, 512);
    uint32_t bps = rd16(b + 11), rsv = rd16(b + 14), fatsz = rd32(b + 36), root = rd32(b + 44);
    L->fat = (uint64_t)rsv * bps;
    L->fat2 = L->fat + (uint64_t)fatsz * bps;
    uint64_t data = L->fat + 2ull * fatsz * bps;
    uint64_t rootdir = data + (uint64_t)(root - 2) * b[13] * bps;
    uint8_t ents[512];
    peek("img", rootdir, ents, 512);
    L->victim_ent = 0;
    for (int i = 0; i < 16; i++)
        if (!memcmp(ents + i * 32, "VICTIM     ", 11)) {
            L->victim_ent = rootdir + (uint64_t)i * 32;
            L->victim = rd16(ents + i * 32 + 26) | (uint32_t)rd16(ents + i * 32 + 20) << 16;
        }
    assert_true(L->victim_ent != 0);
}

static void fat_entry_set(const char *img, const struct layout *L, uint32_t c, uint32_t val)
{
    uint8_t v[4] = {(uint8_t)val, (uint8_t)(val >> 8), (uint8_t)(val >> 16), (uint8_t)(val >> 24)};
    patch(img, L->fat + c * 4ull, v, 4);
    patch(img, L->fat2 + c * 4ull, v, 4);
}

/* After the break, victim gives `want` and good/other still read right. */
static void hostile_expect(int want)
{
    assert_int_equal(img_mount("img", false), 0);
    struct fat_file f;
    int r = fat_open(vol, FAT_ROOT, "victim", VOS_O_RDONLY, &f);
    if (r == 0) {
        uint8_t buf[8192];
        int64_t n = fat_read(vol, &f, 0, buf, sizeof buf);
        fat_close(vol, &f);
        r = n < 0 ? (int)n : 0;
    }
    assert_int_equal(r, want);
    check_file(FAT_ROOT, "good", 1, 2048, 4096);
    check_file(FAT_ROOT, "other", 3, 100, 4096);
    /* Writing elsewhere still works. */
    write_file(FAT_ROOT, "after", 9, 5000, 4096);
    check_file(FAT_ROOT, "after", 9, 5000, 4096);
}

static void test_hostile_loop(void **state)
{
    (void)state;
    struct layout L;
    hostile_base(&L);
    fat_entry_set("img", &L, L.victim + 3, L.victim); /* the chain's end points back to its start */
    hostile_expect(-VOS_EIO);
}

static void test_hostile_self_loop(void **state)
{
    (void)state;
    struct layout L;
    hostile_base(&L);
    fat_entry_set("img", &L, L.victim + 1, L.victim + 1);
    hostile_expect(-VOS_EIO);
}

static void test_hostile_outside(void **state)
{
    (void)state;
    struct layout L;
    hostile_base(&L);
    fat_entry_set("img", &L, L.victim + 1, 0x0FFFFFF0); /* beyond the volume */
    hostile_expect(-VOS_EIO);
}

static void test_hostile_free_in_chain(void **state)
{
    (void)state;
    struct layout L;
    hostile_base(&L);
    fat_entry_set("img", &L, L.victim + 1, 0); /* a free cluster inside the chain */
    hostile_expect(-VOS_EIO);
}

static void test_hostile_size(void **state)
{
    (void)state;
    struct layout L;
    hostile_base(&L);
    uint8_t size[4] = {0, 0, 0, 0x10}; /* 256 MiB in a 16-cluster chain */
    patch("img", L.victim_ent + 28, size, 4);
    hostile_expect(-VOS_EIO);
}

static void test_hostile_first_cluster(void **state)
{
    (void)state;
    struct layout L;
    hostile_base(&L);
    uint8_t c[2] = {1, 0}; /* cluster 1 does not exist */
    patch("img", L.victim_ent + 26, c, 2);
    hostile_expect(-VOS_EIO);
}

static void test_hostile_name(void **state)
{
    (void)state;
    struct layout L;
    hostile_base(&L);
    patch("img", L.victim_ent, "VIC\x01TIM?   ", 11); /* control and forbidden characters */
    hostile_expect(-VOS_ENOENT);
    /* ...and the listing shows the sound entries only. */
    uint64_t cookie = 0;
    struct vos_dirent e;
    int n = 0;
    while (fat_readdir(vol, FAT_ROOT, "", &cookie, &e) == 1)
        n++, assert_true(strcmp(e.name, "victim") != 0);
    assert_int_equal(n, 3); /* good, other, after */
}

static void test_hostile_lfn_checksum(void **state)
{
    (void)state;
    make_image("img", 16);
    host_file("A file with a long name", 4, 300);
    assert_int_equal(sh("mcopy -i '%s/img' '%s/A file with a long name' ::/", work, work), 0);
    uint8_t b[512];
    peek("img", 0, b, 512);
    uint64_t root = ((uint64_t)rd16(b + 14) + (uint64_t)b[16] * rd16(b + 22)) * rd16(b + 11);
    uint8_t e[32];
    peek("img", root, e, 32);
    assert_int_equal(e[11], 0x0F);
    e[13] ^= 0xFF; /* the long name no longer belongs to its short entry */
    patch("img", root, e, 32);
    assert_int_equal(img_mount("img", true), 0);
    struct fat_file f;
    assert_int_equal(fat_open(vol, FAT_ROOT, "A file with a long name", VOS_O_RDONLY, &f), -VOS_ENOENT);
    /* The short name still reaches it. */
    uint64_t cookie = 0;
    struct vos_dirent d;
    assert_int_equal(fat_readdir(vol, FAT_ROOT, "/", &cookie, &d), 1);
    char path[300];
    snprintf(path, sizeof path, "/%s", d.name);
    check_file(FAT_ROOT, path, 4, 300, 100);
}

static void test_hostile_dir_loop(void **state)
{
    (void)state;
    make_image("img", 32);
    sh("mkdir -p '%s/t/d'", work);
    char rel[64];
    for (int i = 0; i < 20; i++) { /* 20 entries + LFNs: more than one 512-byte cluster */
        snprintf(rel, sizeof rel, "t/d/long file name %d", i);
        host_file(rel, 5, 10);
    }
    assert_int_equal(sh("cd '%s/t' && mcopy -s -i ../img d ::/", work), 0);
    assert_int_equal(img_mount("img", true), 0);
    uint32_t d;
    assert_int_equal(fat_lookup_dir(vol, FAT_ROOT, "d", &d), 0);
    uint8_t b[512];
    peek("img", 0, b, 512);
    struct layout L;
    L.fat = (uint64_t)rd16(b + 14) * rd16(b + 11);
    L.fat2 = L.fat + (uint64_t)rd32(b + 36) * rd16(b + 11);
    /* Point the directory's last cluster back at its first. */
    uint32_t c = d, n = 0;
    for (;;) {
        uint8_t v[4];
        peek("img", L.fat + c * 4ull, v, 4);
        uint32_t next = rd32(v) & 0x0FFFFFFF;
        if (next >= 0x0FFFFFF8)
            break;
        c = next, n++;
    }
    assert_true(n >= 1);
    fat_entry_set("img", &L, c, d);
    /* ...and fill that last cluster with entries, so no end marker stops the walk. */
    uint64_t data = L.fat + 2 * (L.fat2 - L.fat);
    uint8_t first[512];
    peek("img", data + (uint64_t)(d - 2) * 512, first, 512);
    patch("img", data + (uint64_t)(c - 2) * 512, first, 512);
    assert_int_equal(img_mount("img", false), 0);
    uint64_t cookie = 0;
    struct vos_dirent e;
    int r, seen = 0;
    char first_name[VOS_NAME_MAX + 1] = "";
    while ((r = fat_readdir(vol, FAT_ROOT, "d", &cookie, &e)) == 1)
        if (!seen++)
            strcpy(first_name, e.name);
    /* The walk ends at the directory size limit with an error, instead of looping for ever. */
    assert_int_equal(r, -VOS_EIO);
    assert_true(seen >= 20);
    struct fat_file f;
    assert_int_equal(fat_open(vol, FAT_ROOT, "d/absent", VOS_O_RDONLY, &f), -VOS_EIO);
    assert_int_equal(fat_open(vol, FAT_ROOT, "d/new", VOS_O_CREAT | VOS_O_WRONLY, &f), -VOS_EIO);
    /* What lies before the loop is still served. */
    char path[300];
    snprintf(path, sizeof path, "d/%s", first_name);
    check_file(FAT_ROOT, path, 5, 10, 100);
}

static void test_hostile_boot_sector(void **state)
{
    (void)state;
    static const struct {
        uint32_t off;
        uint8_t bytes[2];
        int n;
    } cases[] = {
        {510, {0, 0}, 2},      /* no signature */
        {11, {0, 0}, 2},       /* 0 bytes per sector */
        {11, {0x00, 0x03}, 2}, /* 768 bytes per sector */
        {13, {0}, 1},          /* 0 sectors per cluster */
        {13, {3}, 1},          /* 3 sectors per cluster */
        {14, {0, 0}, 2},       /* no reserved sectors */
        {16, {0}, 1},          /* no FAT */
        {36, {0, 0}, 2},       /* FAT32 size 0 (low half; the high half is 0 too) */
        {44, {0xFF, 0xFF}, 2}, /* root cluster outside the volume */
        {32, {0x10, 0}, 2},    /* total sectors too few for the metadata */
    };
    make_image("pristine", 32);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(sh("cp '%s/pristine' '%s/img'", work, work), 0);
        if (cases[i].off == 36) {
            uint8_t z[4] = {0, 0, 0, 0};
            patch("img", 36, z, 4);
        } else if (cases[i].off == 44) {
            uint8_t z[4] = {0xFF, 0xFF, 0xFF, 0x0F};
            patch("img", 44, z, 4);
        } else if (cases[i].off == 32) {
            uint8_t z[4] = {0x10, 0, 0, 0};
            patch("img", 32, z, 4);
        } else {
            patch("img", cases[i].off, cases[i].bytes, (size_t)cases[i].n);
        }
        int r = img_mount("img", false);
        if (r >= 0)
            fail_msg("boot-sector case %zu mounted", i);
        assert_int_equal(r, -VOS_EINVAL);
    }
    /* An empty device and a garbage one. */
    assert_int_equal(sh("head -c 1048576 /dev/zero > '%s/img'", work), 0);
    assert_int_equal(img_mount("img", false), -VOS_EINVAL);
    assert_int_equal(sh("head -c 100 /dev/zero > '%s/img'", work), 0);
    assert_int_equal(img_mount("img", false), -VOS_EIO);
}

/* The FAT is shorter than the volume, or the device shorter than the BPB:
 * the volume mounts, serves the files it can reach, and uses no cluster the
 * FAT or the device lacks. */
static void test_hostile_short_fat(void **state)
{
    (void)state;
    struct layout L;
    hostile_base(&L);
    uint8_t b[512];
    peek("img", 0, b, 512);
    uint32_t fatsz = rd32(b + 36);
    /* The FAT covers only the first sector's entries: 128 clusters. */
    uint8_t one[4] = {1, 0, 0, 0};
    patch("img", 36, one, 4);
    assert_int_equal(img_mount("img", false), 0);
    assert_true(vol->truncated);
    assert_int_equal(vol->nclusters, 126);
    struct fat_file f;
    /* Data now starts elsewhere, so contents differ, but nothing crashes. */
    for (int i = 0; i < 3; i++) {
        const char *names[] = {"good", "victim", "other"};
        if (fat_open(vol, FAT_ROOT, names[i], VOS_O_RDONLY, &f) == 0) {
            uint8_t buf[8192];
            assert_true(fat_read(vol, &f, 0, buf, sizeof buf) >= -VOS_EIO);
            fat_close(vol, &f);
        }
    }
    (void)fatsz;
    /* A device shorter than the BPB's volume. */
    hostile_base(&L);
    assert_int_equal(sh("truncate -s 2M '%s/img'", work), 0);
    assert_int_equal(img_mount("img", false), 0);
    assert_true(vol->truncated);
    check_file(FAT_ROOT, "good", 1, 2048, 4096);
    write_file(FAT_ROOT, "fits", 3, 100000, 4096);
    check_file(FAT_ROOT, "fits", 3, 100000, 4096);
}

/* A device that fails: errors, no crash, and the next request works. */
static int fail_after = -1;
static int flaky_read(void *ctx, uint64_t s, uint32_t c, void *b)
{
    if (fail_after >= 0 && fail_after-- == 0)
        return -VOS_EIO;
    return img_read(ctx, s, c, b);
}

static void test_device_errors(void **state)
{
    (void)state;
    make_tree("img", 32);
    for (int k = 0; k < 60; k++) {
        assert_int_equal(img_mount("img", true), 0);
        vol->dev.read = flaky_read;
        fail_after = k;
        struct fat_file f;
        int r = fat_open(vol, FAT_ROOT, "A long directory name/second level, also long/deep/Nested File Name.data",
                         VOS_O_RDONLY, &f);
        if (r == 0) {
            uint8_t buf[70000];
            int64_t n = fat_read(vol, &f, 0, buf, sizeof buf);
            assert_true(n == -VOS_EIO || n == 70000 || (n > 0 && n < 70000));
            fat_close(vol, &f);
        } else {
            assert_int_equal(r, -VOS_EIO);
        }
        fail_after = -1;
        check_file(FAT_ROOT, "lower.txt", 101, 1001, 4096);
    }
}

/* fat_format (the RAM disk's mkfs): what it writes, fsck.fat and mtools accept. */
static void test_format(void **state)
{
    (void)state;
    static const uint32_t kib[] = {2200, 4096, 65536, 300000};
    for (size_t i = 0; i < sizeof kib / sizeof kib[0]; i++) {
        assert_int_equal(sh("rm -f '%s/img' && truncate -s %uK '%s/img'", work, kib[i], work), 0);
        char path[512];
        snprintf(path, sizeof path, "%s/img", work);
        if (img_fd >= 0)
            close(img_fd);
        img_fd = open(path, O_RDWR);
        struct fat_dev dev = {0, (uint64_t)kib[i] * 2, 128, img_read, img_write, img_flush};
        assert_int_equal(fat_format(&dev, "test"), 0);
        fsck_clean("img");
        assert_int_equal(fat_mount(vol, &dev, false), 0);
        assert_int_equal(vol->bits, 16);
        write_file(FAT_ROOT, "hello from the guest.txt", 42, 5000, 512);
        assert_int_equal(fat_flush(vol), 0);
        fsck_clean("img");
        check_with_mtype("img", "/hello from the guest.txt", 42, 5000);
    }
    struct fat_dev small = {0, 2048, 128, img_read, img_write, img_flush}; /* 1 MiB: FAT12 territory */
    assert_int_equal(fat_format(&small, "x"), -VOS_EINVAL);
}

#define T(fn) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, #fn)

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        T(test_read_fat16),
        T(test_read_fat32),
        T(test_write_fat16),
        T(test_write_fat32),
        T(test_full_volume),
        T(test_dates),
        T(test_fat16_root_full),
        T(test_limited_root),
        T(test_hostile_loop),
        T(test_hostile_self_loop),
        T(test_hostile_outside),
        T(test_hostile_free_in_chain),
        T(test_hostile_size),
        T(test_hostile_first_cluster),
        T(test_hostile_name),
        T(test_hostile_lfn_checksum),
        T(test_hostile_dir_loop),
        T(test_hostile_boot_sector),
        T(test_hostile_short_fat),
        T(test_device_errors),
        T(test_format),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
