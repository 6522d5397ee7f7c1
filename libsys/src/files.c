/*
 * files.c — the one adapter between newlib's file hooks (oshooks.c) and
 * where files live.  Today that is the boot file system, read-only: a
 * program given the boot files' capability (the shell grants it to `lua`,
 * for one) opens "NAME" or "/boot/NAME" and reads, seeks and stats it.
 * Everything else fails with a clear errno: ENOENT for a name that is not
 * there, EROFS for writing, EBADF for a descriptor that is not open.
 *
 * When the file server's client calls (vos_open, vos_read, vos_write,
 * vos_seek, vos_close, vos_stat) exist, the FILE_SERVER cases below call
 * them, and the boot files stay a fallback for programs without a disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <vos/files.h>
#include <vos/libsys.h>

#undef errno
extern int errno;

#define FIRST_FD 3
#define MAX_FILES 16

struct open_file {
    const unsigned char *data; /* NULL: the slot is free */
    size_t size, pos;
};
static struct open_file files[MAX_FILES];

static int fail(int err)
{
    errno = err;
    return -1;
}

static struct open_file *file_of(int fd)
{
    if (fd < FIRST_FD || fd >= FIRST_FD + MAX_FILES || !files[fd - FIRST_FD].data)
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

static void fill_stat(struct stat *st, size_t size)
{
    memset(st, 0, sizeof(*st));
    st->st_mode = S_IFREG | 0444;
    st->st_size = (off_t)size;
    st->st_blksize = 4096;
}

int vos_file_adapter_open(const char *path, int flags, int mode)
{
    (void)mode;
    const void *data;
    uint64_t size;
    if (boot_lookup(path, &data, &size))
        return fail(flags & O_CREAT ? EROFS : ENOENT);
    if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC | O_APPEND)))
        return fail(EROFS);
    for (int i = 0; i < MAX_FILES; i++)
        if (!files[i].data) {
            files[i] = (struct open_file){ data, size, 0 };
            return FIRST_FD + i;
        }
    return fail(EMFILE);
}

int vos_file_adapter_read(int fd, void *buf, size_t n)
{
    struct open_file *f = file_of(fd);
    if (!f)
        return fail(EBADF);
    size_t left = f->size - f->pos;
    n = n < left ? n : left;
    memcpy(buf, f->data + f->pos, n);
    f->pos += n;
    return (int)n;
}

int vos_file_adapter_write(int fd, const void *buf, size_t n)
{
    (void)buf, (void)n;
    (void)fd;
    return fail(EBADF); /* boot files open read-only */
}

int vos_file_adapter_lseek(int fd, int off, int whence)
{
    struct open_file *f = file_of(fd);
    if (!f)
        return fail(EBADF);
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
    f->data = NULL;
    return 0;
}

int vos_file_adapter_fstat(int fd, struct stat *st)
{
    struct open_file *f = file_of(fd);
    if (!f)
        return fail(EBADF);
    fill_stat(st, f->size);
    return 0;
}

int vos_file_adapter_stat(const char *path, struct stat *st)
{
    const void *data;
    uint64_t size;
    if (boot_lookup(path, &data, &size))
        return fail(ENOENT);
    fill_stat(st, size);
    return 0;
}

int vos_file_adapter_unlink(const char *path)
{
    const void *data;
    uint64_t size;
    return fail(boot_lookup(path, &data, &size) ? ENOENT : EROFS);
}

int vos_file_adapter_is_open(int fd) { return file_of(fd) != NULL; }
