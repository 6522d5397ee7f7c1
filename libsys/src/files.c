/*
 * files.c — the one adapter between newlib's file hooks (oshooks.c) and
 * where files live:
 *   - the boot file system, read-only, for "/boot/NAME" and for a relative
 *     NAME that is a boot file (a program given the boot files' capability:
 *     the shell grants it to `lua`, so `lua suite.lua` finds its script);
 *   - the file-system server (<vos/file.h>, docs/storage.md), for a program
 *     given a capability to it: every other path (a relative one from the
 *     root of what the capability reaches).
 * A descriptor remembers which one it is on.  Errors are errno values:
 * the file server's are newlib's numbers already; the boot files give
 * ENOENT for a name that is not there, EROFS for writing, EBADF for a
 * descriptor that is not open.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <vos/file.h>
#include <vos/files.h>
#include <vos/libsys.h>

#undef errno
extern int errno;

#define FIRST_FD 3
#define MAX_FILES 16

struct open_file {
    const unsigned char *data; /* a boot file; NULL with server_fd1 0: the slot is free */
    size_t size, pos;
    int server_fd1;            /* > 0: the file server's descriptor + 1 */
};
static struct open_file files[MAX_FILES];

static int fail(int err)
{
    errno = err;
    return -1;
}

static struct open_file *file_of(int fd)
{
    if (fd < FIRST_FD || fd >= FIRST_FD + MAX_FILES || (!files[fd - FIRST_FD].data && !files[fd - FIRST_FD].server_fd1))
        return NULL;
    return &files[fd - FIRST_FD];
}

/* The boot files, mapped on first use; NULL when this program was not given them. */
static const struct vos_bootfs *boot_files(void)
{
    static struct vos_bootfs fs;
    static int state; /* 0 not looked, 1 mapped, -1 absent */
    if (!state) {
        vos_cap_t cap = vos_start_info() ? vos_start_find_bootfs(vos_start_info()) : VOS_CAP_NULL;
        state = cap && !vos_bootfs_open(&fs, cap) ? 1 : -1;
    }
    return state > 0 ? &fs : NULL;
}

static int boot_lookup(const char *path, const void **data, uint64_t *size)
{
    const struct vos_bootfs *fs = boot_files();
    if (!strncmp(path, "/boot/", 6))
        path += 6;
    return fs && !vos_bootfs_find(fs, path, data, size) ? 0 : -1;
}

/* A file-server result: >= 0 is the value, < 0 a negative errno. */
static int server_result(int64_t r)
{
    return r < 0 ? fail((int)-r) : (int)r;
}

/* "/boot/NAME", or a relative NAME the boot files have. */
static int is_boot_path(const char *path)
{
    const void *data;
    uint64_t size;
    return !strncmp(path, "/boot/", 6) || (path[0] != '/' && !boot_lookup(path, &data, &size));
}

static int slot_take(struct open_file f)
{
    for (int i = 0; i < MAX_FILES; i++)
        if (!files[i].data && !files[i].server_fd1) {
            files[i] = f;
            return FIRST_FD + i;
        }
    return -1;
}

static int boot_open(const char *path, int flags)
{
    const void *data;
    uint64_t size;
    if (boot_lookup(path, &data, &size))
        return fail(flags & O_CREAT ? EROFS : ENOENT);
    if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC | O_APPEND)))
        return fail(EROFS);
    int fd = slot_take((struct open_file){ data, size, 0, 0 });
    return fd < 0 ? fail(EMFILE) : fd;
}

int vos_file_adapter_open(const char *path, int flags, int mode)
{
    (void)mode;
    if (!is_boot_path(path)) {
        int r = vos_open(path, flags);
        if (r != -VOS_ENXIO) { /* there is a file server: its answer stands */
            if (r < 0)
                return fail(-r);
            int fd = slot_take((struct open_file){ NULL, 0, 0, r + 1 });
            if (fd < 0) {
                vos_close(r);
                return fail(EMFILE);
            }
            return fd;
        }
    }
    return boot_open(path, flags);
}

int vos_file_adapter_read(int fd, void *buf, size_t n)
{
    struct open_file *f = file_of(fd);
    if (!f)
        return fail(EBADF);
    if (f->server_fd1)
        return server_result(vos_read(f->server_fd1 - 1, buf, n));
    size_t left = f->size - f->pos;
    n = n < left ? n : left;
    memcpy(buf, f->data + f->pos, n);
    f->pos += n;
    return (int)n;
}

int vos_file_adapter_write(int fd, const void *buf, size_t n)
{
    struct open_file *f = file_of(fd);
    if (!f || !f->server_fd1)
        return fail(EBADF); /* boot files open read-only */
    return server_result(vos_write(f->server_fd1 - 1, buf, n));
}

int vos_file_adapter_lseek(int fd, int off, int whence)
{
    struct open_file *f = file_of(fd);
    if (!f)
        return fail(EBADF);
    if (f->server_fd1)
        return server_result(vos_seek(f->server_fd1 - 1, off, whence));
    long base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (long)f->pos : whence == SEEK_END ? (long)f->size : -1;
    if (base < 0 || base + off < 0)
        return fail(EINVAL);
    f->pos = (size_t)(base + off) < f->size ? (size_t)(base + off) : f->size;
    return (int)(base + off);
}

int vos_file_adapter_close(int fd)
{
    struct open_file *f = file_of(fd);
    if (!f)
        return fail(EBADF);
    int r = f->server_fd1 ? vos_close(f->server_fd1 - 1) : 0; /* the server writes the file back on close */
    *f = (struct open_file){ 0 };
    return r < 0 ? fail(-r) : 0;
}

static void fill_stat(struct stat *st, size_t size, int dir, int readonly)
{
    memset(st, 0, sizeof(*st));
    st->st_mode = (dir ? S_IFDIR | 0555 : S_IFREG | 0444) | (readonly ? 0 : 0200);
    st->st_size = (off_t)size;
    st->st_blksize = 4096;
}

static void fill_server_stat(struct stat *st, const struct vos_stat *vs)
{
    fill_stat(st, vs->size, vs->type == VOS_S_DIR, vs->readonly);
    st->st_mtime = st->st_ctime = st->st_atime = (time_t)vs->mtime;
}

int vos_file_adapter_fstat(int fd, struct stat *st)
{
    struct open_file *f = file_of(fd);
    if (!f)
        return fail(EBADF);
    if (f->server_fd1) {
        struct vos_stat vs;
        int r = vos_fstat(f->server_fd1 - 1, &vs);
        if (r < 0)
            return fail(-r);
        fill_server_stat(st, &vs);
        return 0;
    }
    fill_stat(st, f->size, 0, 1);
    return 0;
}

int vos_file_adapter_stat(const char *path, struct stat *st)
{
    if (!is_boot_path(path)) {
        struct vos_stat vs;
        int r = vos_stat(path, &vs);
        if (r != -VOS_ENXIO) {
            if (r < 0)
                return fail(-r);
            fill_server_stat(st, &vs);
            return 0;
        }
    }
    const void *data;
    uint64_t size;
    if (boot_lookup(path, &data, &size))
        return fail(ENOENT);
    fill_stat(st, size, 0, 1);
    return 0;
}

int vos_file_adapter_unlink(const char *path)
{
    if (!is_boot_path(path)) {
        int r = vos_unlink(path);
        if (r != -VOS_ENXIO)
            return r < 0 ? fail(-r) : 0;
    }
    const void *data;
    uint64_t size;
    return fail(boot_lookup(path, &data, &size) ? ENOENT : EROFS);
}

int vos_file_adapter_is_open(int fd) { return file_of(fd) != NULL; }
