/* vos/file.h — the file API of libsys (docs/storage.md, "The file API").
 *
 * POSIX-shaped calls on the file-system server: a descriptor is a small
 * non-negative int, every call returns >= 0 on success and a negative
 * VOS_E* code on failure (never sets errno: newlib's hooks do that with
 * errno = -result).  The VOS_E* numbers and VOS_O_* flags are newlib's own
 * values, so the hooks pass them through unchanged.  Paths are '/'-separated
 * UTF-8, relative to the directory the caller's file-system capability is
 * limited to (a leading '/' names that directory); "." and ".." are resolved
 * lexically and ".." never leaves it (VOS_EACCES).
 *
 * This header is also used by the FAT module on the host (tests/storage), so it
 * needs nothing but <stdint.h>.
 */
#ifndef VOS_FILE_H
#define VOS_FILE_H

#include <stdint.h>

/* Errors (negated): newlib's errno numbers. */
#define VOS_EPERM 1         /* the file has the FAT read-only attribute */
#define VOS_ENOENT 2        /* no such file or directory */
#define VOS_EIO 5           /* device error, or a corrupt structure on the disk */
#define VOS_ENXIO 6         /* no file-system server (no capability, or no disk) */
#define VOS_EBADF 9         /* not an open descriptor, or not open for this access */
#define VOS_ENOMEM 12       /* the server is out of memory or open-file slots */
#define VOS_EACCES 13       /* the path leaves the capability's directory */
#define VOS_EBUSY 16        /* the file is open (unlink, rename) */
#define VOS_EEXIST 17       /* the name exists (O_EXCL, mkdir, rename onto a directory) */
#define VOS_ENOTDIR 20      /* a path component is not a directory */
#define VOS_EISDIR 21       /* a directory opened for writing, or unlinked as a file */
#define VOS_EINVAL 22       /* bad argument: flags, whence, name characters, not a FAT volume */
#define VOS_EMFILE 24       /* the caller has too many open files */
#define VOS_EFBIG 27        /* beyond the FAT limit of 4 GiB - 1 bytes */
#define VOS_ENOSPC 28       /* the volume (or a FAT16 root directory) is full */
#define VOS_EROFS 30        /* the capability (or the volume) is read-only */
#define VOS_ENOSYS 88       /* the server does not know the operation */
#define VOS_ENOTEMPTY 90    /* rmdir of a non-empty directory */
#define VOS_ENAMETOOLONG 91 /* a component over 255 characters, a path over VOS_PATH_MAX */

/* Open flags: newlib's O_* values. */
#define VOS_O_RDONLY 0x0000
#define VOS_O_WRONLY 0x0001
#define VOS_O_RDWR 0x0002
#define VOS_O_ACCMODE 0x0003
#define VOS_O_APPEND 0x0008
#define VOS_O_CREAT 0x0200
#define VOS_O_TRUNC 0x0400
#define VOS_O_EXCL 0x0800

#define VOS_SEEK_SET 0
#define VOS_SEEK_CUR 1
#define VOS_SEEK_END 2

#define VOS_PATH_MAX 512 /* bytes, with the terminating NUL */
#define VOS_NAME_MAX 255 /* bytes of one UTF-8 component (FAT: 255 UCS-2 units) */

#define VOS_S_FILE 1
#define VOS_S_DIR 2

struct vos_stat {
    uint64_t size;     /* bytes (0 for a directory) */
    uint32_t type;     /* VOS_S_FILE or VOS_S_DIR */
    uint32_t readonly; /* the FAT read-only attribute */
    uint64_t mtime;    /* last written: seconds since 1970 UTC (FAT: 2-second steps); 0: unknown (FSTAT, the root) */
};

struct vos_dirent {
    char name[VOS_NAME_MAX + 1];
    uint32_t type; /* VOS_S_FILE or VOS_S_DIR */
    uint64_t size;
};

struct vos_statfs {
    uint64_t block_size;   /* bytes per cluster */
    uint64_t blocks;       /* clusters in the volume */
    uint64_t blocks_free;  /* free clusters */
    uint32_t fat_bits;     /* 16 or 32 */
    uint32_t readonly;     /* this capability (or the volume) is read-only */
};

/* Use this channel (id, capability) as the file-system capability; by default
 * it is the program's first channel capability after the console (capability 0). */
void vos_fs_use(uint64_t channel_id, uint64_t channel_cap);
int vos_open(const char *path, int flags);
int64_t vos_read(int fd, void *buf, uint64_t len);
int64_t vos_write(int fd, const void *buf, uint64_t len);
int64_t vos_seek(int fd, int64_t off, int whence);
int vos_close(int fd);
int vos_fsync(int fd);
int vos_ftruncate(int fd, uint64_t size);
int vos_stat(const char *path, struct vos_stat *st);
int vos_fstat(int fd, struct vos_stat *st);
int vos_statfs(struct vos_statfs *st);
/* Directory listing: *cookie starts at 0; returns 1 with *ent filled, 0 at
 * the end, or a negative error.  "." and ".." are not listed. */
int vos_readdir(const char *path, uint64_t *cookie, struct vos_dirent *ent);
int vos_mkdir(const char *path);
int vos_unlink(const char *path); /* a file, or an empty directory */
int vos_rename(const char *from, const char *to);
const char *vos_strerror(int err); /* err < 0: its text */

#endif
