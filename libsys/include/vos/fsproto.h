/* vos/fsproto.h — the file protocol (docs/storage.md, "The file protocol").
 *
 * The file-system server (userland/fs/fsserver.c) answers calls on its
 * endpoints; each endpoint is one view of the volume (a directory it is
 * limited to, read-only or read-write), so the capability a client holds
 * (a channel to one endpoint) is its authority.  The server tells clients
 * apart by view and sender pid.  A client ATTACHes first: the reply transfers
 * a MEMORY region (READ|WRITE, region_bytes long) it maps shared; READ and
 * WRITE move data through it (offset 0), never through the messages.  The
 * ATTACH request carries a WRITE capability to an endpoint only the client
 * receives on (its id in `offset`): when the client ends, that endpoint has
 * no reader left and the server releases the client's session (its open
 * files are closed, its region taken back; docs/storage.md, "Sessions").
 * Handles are the server's, valid only for the client (pid and view) that
 * opened them.  Results are >= 0 or -VOS_E* (<vos/file.h>).
 * libsys/src/vos_file.c is the client side.
 */
#ifndef VOS_FSPROTO_H
#define VOS_FSPROTO_H

#include <stdint.h>
#include <vos/file.h>

enum vos_fs_op {
    VOS_FS_ATTACH = 1,   /* life endpoint capability, its id in offset -> 0; region transferred; resp.size = its bytes */
    VOS_FS_OPEN = 2,     /* path, flags -> handle */
    VOS_FS_CLOSE = 3,    /* handle (flushes) */
    VOS_FS_READ = 4,     /* handle, offset, len -> bytes in the region */
    VOS_FS_WRITE = 5,    /* handle, offset, len (VOS_O_APPEND: at the end) -> bytes written; resp.size = new size */
    VOS_FS_FSYNC = 6,    /* handle */
    VOS_FS_FTRUNCATE = 7,/* handle, offset = the new size */
    VOS_FS_FSTAT = 8,    /* handle -> resp.st */
    VOS_FS_STAT = 9,     /* path -> resp.st */
    VOS_FS_READDIR = 10, /* path, offset = cookie -> 1 with resp.ent and resp.size = next cookie, or 0 */
    VOS_FS_MKDIR = 11,   /* path */
    VOS_FS_UNLINK = 12,  /* path */
    VOS_FS_RENAME = 13,  /* path -> path2 */
    VOS_FS_STATFS = 14,  /* -> resp.sf */
    VOS_FS_SELF = 15,    /* from init: the server's own PROCESS capability (DERIVE), to make its probe channels */
};

struct vos_fs_req {
    uint32_t op;
    int32_t handle;
    int32_t flags;
    uint32_t len;
    uint64_t offset;
    char path[VOS_PATH_MAX];  /* sent only by the path operations */
    char path2[VOS_PATH_MAX]; /* rename's target */
};
#define VOS_FS_REQ_HEADER 24u /* bytes before path: what READ and WRITE send */

struct vos_fs_resp {
    int64_t result;
    uint64_t size;
    union {
        struct vos_stat st;
        struct vos_dirent ent;
        struct vos_statfs sf;
    } u;
};
#define VOS_FS_RESP_HEADER 16u /* bytes before u */

#endif
