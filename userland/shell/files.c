/*
 * files.c — the shell's file commands, on the file API (<vos/file.h>,
 * docs/storage.md): ls, cat, write, rm, mkdir, cp, mv, df, and loading a
 * program from the disk for `run`.  Every error is one line naming the path
 * and vos_strerror()'s text; the shell carries on.
 */
#include <vos/file.h>

#include "shell.h"

#define say(...) vos_cprintf(sh.con, __VA_ARGS__)

static int fail(const char *cmd, const char *path, int err)
{
    say("%s: %s: %s\n", cmd, path, vos_strerror(err));
    return 0;
}

void files_init(const struct vos_start_info *si)
{
    const char *const *argv = (const char *const *)(uintptr_t)si->argv;
    for (uint64_t i = 1; i < si->argc; i++) {
        uint64_t idx;
        if (has_prefix(argv[i], "fs=") && !parse_u64(argv[i] + 3, &idx)) {
            const struct vos_cap_info *c = vos_start_cap(si, idx);
            if (c && c->object_type == VOS_OBJ_CHANNEL) {
                vos_fs_use(c->object_id, c->token);
                sh.files = vos_chan_from(c);
            }
        }
    }
}

int boot_ls(void); /* commands.c: the boot files */

int cmd_ls(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/";
    if (!strcmp(dir, "/boot") || !sh.files.cap)
        return boot_ls();
    uint64_t cookie = 0;
    struct vos_dirent e;
    int r, n = 0;
    while ((r = vos_readdir(dir, &cookie, &e)) == 1) {
        n++;
        size_t len = strlen(e.name);
        say("  %s%s", e.name, e.type == VOS_S_DIR ? "/" : "");
        if (e.type == VOS_S_FILE) {
            for (; len < 30; len++)
                say(" ");
            say(" %10lu bytes", (unsigned long)e.size);
        }
        say("\n");
    }
    if (r < 0)
        return fail("ls", dir, r);
    if (!n)
        say("  (empty)\n");
    return 0;
}

int cmd_cat(int argc, char **argv)
{
    if (argc != 2) {
        say("cat: usage: cat FILE\n");
        return 0;
    }
    int fd = vos_open(argv[1], VOS_O_RDONLY);
    if (fd < 0)
        return fail("cat", argv[1], fd);
    static char buf[4096];
    int64_t n;
    while ((n = vos_read(fd, buf, sizeof(buf))) > 0)
        vos_console_write(sh.con, buf, (uint64_t)n);
    vos_close(fd);
    if (n < 0)
        return fail("cat", argv[1], (int)n);
    return 0;
}

int cmd_write(int argc, char **argv)
{
    if (argc < 2) {
        say("write: usage: write FILE [WORDS...]\n");
        return 0;
    }
    int fd = vos_open(argv[1], VOS_O_WRONLY | VOS_O_CREAT | VOS_O_TRUNC);
    if (fd < 0)
        return fail("write", argv[1], fd);
    int64_t r = 0;
    for (int i = 2; i < argc && r >= 0; i++) {
        r = vos_write(fd, argv[i], strlen(argv[i]));
        if (r >= 0)
            r = vos_write(fd, i + 1 < argc ? " " : "\n", 1);
    }
    int c = vos_close(fd);
    if (r < 0 || c < 0)
        return fail("write", argv[1], r < 0 ? (int)r : c);
    return 0;
}

int cmd_rm(int argc, char **argv)
{
    if (argc < 2) {
        say("rm: usage: rm PATH... (files, or empty directories)\n");
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        int r = vos_unlink(argv[i]);
        if (r < 0)
            fail("rm", argv[i], r);
    }
    return 0;
}

int cmd_mkdir(int argc, char **argv)
{
    if (argc < 2) {
        say("mkdir: usage: mkdir DIR...\n");
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        int r = vos_mkdir(argv[i]);
        if (r < 0)
            fail("mkdir", argv[i], r);
    }
    return 0;
}

/* cp /boot/NAME TO: a boot file onto the disk (to `run` it from there, say). */
static int cp_boot(const char *name, const char *to)
{
    const void *data;
    uint64_t size;
    if (!sh.have_fs || vos_bootfs_find(&sh.fs, name, &data, &size))
        return fail("cp", name, -VOS_ENOENT);
    int out = vos_open(to, VOS_O_WRONLY | VOS_O_CREAT | VOS_O_TRUNC);
    if (out < 0)
        return fail("cp", to, out);
    int64_t w = vos_write(out, data, size);
    int c = vos_close(out);
    if (w != (int64_t)size || c < 0)
        return fail("cp", to, w < 0 ? (int)w : c < 0 ? c : -VOS_EIO);
    return 0;
}

int cmd_cp(int argc, char **argv)
{
    if (argc != 3) {
        say("cp: usage: cp FROM TO\n");
        return 0;
    }
    if (has_prefix(argv[1], "/boot/"))
        return cp_boot(argv[1] + 6, argv[2]);
    int in = vos_open(argv[1], VOS_O_RDONLY);
    if (in < 0)
        return fail("cp", argv[1], in);
    int out = vos_open(argv[2], VOS_O_WRONLY | VOS_O_CREAT | VOS_O_TRUNC);
    if (out < 0) {
        vos_close(in);
        return fail("cp", argv[2], out);
    }
    static char buf[16384];
    int64_t n, w = 0;
    while ((n = vos_read(in, buf, sizeof(buf))) > 0 && (w = vos_write(out, buf, (uint64_t)n)) == n)
        ;
    vos_close(in);
    int c = vos_close(out);
    if (n < 0)
        return fail("cp", argv[1], (int)n);
    if (w < 0 || c < 0)
        return fail("cp", argv[2], w < 0 ? (int)w : c);
    return 0;
}

int cmd_mv(int argc, char **argv)
{
    if (argc != 3) {
        say("mv: usage: mv FROM TO\n");
        return 0;
    }
    int r = vos_rename(argv[1], argv[2]);
    if (r < 0)
        return fail("mv", argv[1], r);
    return 0;
}

int cmd_df(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct vos_statfs s;
    int r = vos_statfs(&s);
    if (r < 0)
        return fail("df", "/", r);
    say("FAT%u: %lu KiB total, %lu KiB free, %lu-byte clusters%s\n", s.fat_bits,
        (unsigned long)(s.blocks * s.block_size / 1024), (unsigned long)(s.blocks_free * s.block_size / 1024),
        (unsigned long)s.block_size, s.readonly ? ", read-only" : "");
    return 0;
}

/* A program file from the disk, in fresh memory: 0 with *elf and *size. */
int files_load(const char *path, void **elf, uint64_t *size)
{
    struct vos_stat st;
    int r = vos_stat(path, &st);
    if (r < 0)
        return r;
    if (st.type != VOS_S_FILE || st.size == 0 || st.size > 64 * 1024 * 1024)
        return -VOS_EINVAL;
    uint64_t len = (st.size + VOS_PAGE_SIZE - 1) & ~(uint64_t)(VOS_PAGE_SIZE - 1);
    if (vos_mmap_anon(len, VOS_PROT_READ | VOS_PROT_WRITE, elf))
        return -VOS_ENOMEM;
    int fd = vos_open(path, VOS_O_RDONLY);
    int64_t n = fd < 0 ? fd : vos_read(fd, *elf, st.size);
    if (fd >= 0)
        vos_close(fd);
    if (n != (int64_t)st.size) {
        vos_munmap(*elf, len);
        return n < 0 ? (int)n : -VOS_EIO;
    }
    *size = st.size;
    return 0;
}
