/*
 * vos_file.c — the file API (<vos/file.h>): the client side of the file
 * protocol (<vos/fsproto.h>, docs/storage.md).
 *
 * The file-system capability is a CHANNEL to one of the server's endpoints:
 * the one given to vos_fs_use(), else the program's second initial capability
 * if it is a channel (the shell and init grant it there).  On first use the
 * client ATTACHes and maps the region the server sends; data moves through it.
 * Descriptors and their offsets live here (POSIX: the offset belongs to the
 * descriptor); the server holds the open files.  One thread's worth: callers
 * that share descriptors across threads serialise themselves.
 */
#include <vos/file.h>
#include <vos/fsproto.h>
#include <vos/vos.h>

#define FD_MAX 32

static struct {
    vos_chan_t chan;
    int looked;       /* the start capabilities were searched */
    uint8_t *region;  /* mapped shared, region_bytes long; NULL until attached */
    uint64_t region_bytes;
} fs;

static struct {
    int used;
    int stale; /* opened before the server restarted */
    int32_t handle;
    int flags;
    uint64_t offset;
} fds[FD_MAX];

void vos_fs_use(uint64_t channel_id, uint64_t channel_cap)
{
    vos_chan_t chan = { channel_id, channel_cap };
    if (fs.region)
        vos_munmap(fs.region, fs.region_bytes);
    fs.region = NULL;
    fs.chan = chan;
    fs.looked = 1;
}

static int fs_find(void)
{
    if (!fs.looked) {
        fs.looked = 1;
        /* The first channel after the console (capability 0): the shell grants
         * it second, after the boot files where a program gets those too. */
        const struct vos_start_info *si = vos_start_info();
        for (uint64_t i = 1; si && i < si->cap_count && !fs.chan.cap; i++) {
            const struct vos_cap_info *c = vos_start_cap(si, i);
            if (c && c->object_type == VOS_OBJ_CHANNEL)
                fs.chan = vos_chan_from(c);
        }
    }
    return fs.chan.cap ? 0 : -VOS_ENXIO;
}

/* One call; a transport failure is VOS_ENXIO (no server, or it went away). */
static int64_t fs_call_once(struct vos_fs_req *rq, uint64_t rqlen, struct vos_fs_resp *rs, vos_any_t xfer,
                            vos_any_t *cap)
{
    uint64_t got = 0;
    vos_status_t st = vos_call(fs.chan, rq, rqlen, rs, sizeof(*rs), VOS_TIMEOUT_INFINITE, xfer, &got, cap);
    if (st || got < VOS_FS_RESP_HEADER)
        return -VOS_ENXIO;
    return rs->result;
}

/* Our life endpoint (docs/storage.md, "Sessions"): made once, never
 * received on; its only READ capability is ours, so when we end the server's
 * probe of it fails and the server releases what we held.  The server gets a
 * WRITE-only child (derived once, kept: deleting it would take the server's
 * copy too). */
static struct {
    vos_ep_t ep;
    vos_any_t write;
} life;

static int fs_attach(void)
{
    struct vos_fs_req rq = { .op = VOS_FS_ATTACH };
    struct vos_fs_resp rs;
    vos_any_t cap = { 0 };
    if (!life.write.cap &&
        (vos_endpoint_create(&life.ep) || vos_cap_derive(VOS_ANY(life.ep), VOS_RIGHT_WRITE | VOS_RIGHT_GRANT,
                                                          &life.write)))
        return -VOS_ENOMEM;
    rq.offset = life.ep.id;
    int64_t r = fs_call_once(&rq, VOS_FS_REQ_HEADER, &rs, life.write, &cap);
    if (r < 0)
        return (int)r;
    if (!cap.cap || !rs.size)
        return -VOS_ENXIO;
    void *p;
    if (vos_mmap(NULL, rs.size, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, (vos_mem_t){ cap.cap }, 0, &p))
        return -VOS_ENOMEM;
    fs.region = p;
    fs.region_bytes = rs.size;
    return 0;
}

/* A call, attaching first; a server that restarted (it no longer knows us:
 * VOS_ENXIO) is attached to again and the call made once more. */
static int64_t fs_call(struct vos_fs_req *rq, uint64_t rqlen, struct vos_fs_resp *rs)
{
    int r = fs_find();
    if (r < 0)
        return r;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!fs.region && (r = fs_attach()) < 0)
            return r;
        int64_t res = fs_call_once(rq, rqlen, rs, (vos_any_t){ 0 }, NULL);
        if (res != -VOS_ENXIO)
            return res;
        vos_munmap(fs.region, fs.region_bytes);
        fs.region = NULL;
        /* A server that forgot us (it restarted) forgot our open files too:
         * their descriptors are stale, never silently another file's. */
        for (int fd = 0; fd < FD_MAX; fd++)
            fds[fd].stale = fds[fd].used;
        if (rq->handle >= 0)
            return -VOS_EBADF;
    }
    return -VOS_ENXIO;
}

static uint64_t put_path(struct vos_fs_req *rq, const char *path, char *dst)
{
    size_t n = path ? strlen(path) : 0;
    if (n >= VOS_PATH_MAX)
        return 0;
    memcpy(dst, path ? path : "", n + 1);
    (void)rq;
    return n + 1;
}

static int64_t path_call(int op, const char *path, int flags, uint64_t offset, struct vos_fs_resp *rs)
{
    struct vos_fs_req rq;
    rq.op = (uint32_t)op;
    rq.handle = -1;
    rq.flags = flags;
    rq.len = 0;
    rq.offset = offset;
    uint64_t n = put_path(&rq, path, rq.path);
    if (!n)
        return -VOS_ENAMETOOLONG;
    return fs_call(&rq, VOS_FS_REQ_HEADER + n, rs);
}

static int fd_get(int fd)
{
    return fd >= 0 && fd < FD_MAX && fds[fd].used && !fds[fd].stale ? 0 : -VOS_EBADF;
}

int vos_open(const char *path, int flags)
{
    int fd = 0;
    while (fd < FD_MAX && fds[fd].used)
        fd++;
    if (fd == FD_MAX)
        return -VOS_EMFILE;
    struct vos_fs_resp rs;
    int64_t r = path_call(VOS_FS_OPEN, path, flags, 0, &rs);
    if (r < 0)
        return (int)r;
    fds[fd].used = 1;
    fds[fd].stale = 0;
    fds[fd].handle = (int32_t)r;
    fds[fd].flags = flags;
    fds[fd].offset = 0;
    return fd;
}

static int64_t handle_call(int fd, int op, uint64_t offset, uint32_t len, struct vos_fs_resp *rs)
{
    struct vos_fs_req rq;
    rq.op = (uint32_t)op;
    rq.handle = fds[fd].handle;
    rq.flags = fds[fd].flags;
    rq.len = len;
    rq.offset = offset;
    return fs_call(&rq, VOS_FS_REQ_HEADER, rs);
}

int64_t vos_read(int fd, void *buf, uint64_t len)
{
    if (fd_get(fd) < 0)
        return -VOS_EBADF;
    uint64_t done = 0;
    struct vos_fs_resp rs;
    while (done < len) {
        if (fs_find() < 0 || (!fs.region && fs_attach() < 0))
            return done ? (int64_t)done : -VOS_ENXIO;
        uint64_t chunk = len - done < fs.region_bytes ? len - done : fs.region_bytes;
        int64_t n = handle_call(fd, VOS_FS_READ, fds[fd].offset, (uint32_t)chunk, &rs);
        if (n < 0)
            return done ? (int64_t)done : n;
        memcpy((uint8_t *)buf + done, fs.region, (size_t)n);
        fds[fd].offset += (uint64_t)n;
        done += (uint64_t)n;
        if ((uint64_t)n < chunk)
            break;
    }
    return (int64_t)done;
}

int64_t vos_write(int fd, const void *buf, uint64_t len)
{
    if (fd_get(fd) < 0)
        return -VOS_EBADF;
    uint64_t done = 0;
    struct vos_fs_resp rs;
    while (done < len) {
        if (fs_find() < 0 || (!fs.region && fs_attach() < 0))
            return done ? (int64_t)done : -VOS_ENXIO;
        uint64_t chunk = len - done < fs.region_bytes ? len - done : fs.region_bytes;
        memcpy(fs.region, (const uint8_t *)buf + done, (size_t)chunk);
        int64_t n = handle_call(fd, VOS_FS_WRITE, fds[fd].offset, (uint32_t)chunk, &rs);
        if (n < 0)
            return done ? (int64_t)done : n;
        /* With O_APPEND the server wrote at the end: the offset follows it. */
        fds[fd].offset = fds[fd].flags & VOS_O_APPEND ? rs.size : fds[fd].offset + (uint64_t)n;
        done += (uint64_t)n;
        if ((uint64_t)n < chunk)
            break;
    }
    return (int64_t)done;
}

int vos_fstat(int fd, struct vos_stat *st)
{
    if (fd_get(fd) < 0)
        return -VOS_EBADF;
    struct vos_fs_resp rs;
    int64_t r = handle_call(fd, VOS_FS_FSTAT, 0, 0, &rs);
    if (r < 0)
        return (int)r;
    *st = rs.u.st;
    return 0;
}

int64_t vos_seek(int fd, int64_t off, int whence)
{
    if (fd_get(fd) < 0)
        return -VOS_EBADF;
    int64_t base;
    if (whence == VOS_SEEK_SET) {
        base = 0;
    } else if (whence == VOS_SEEK_CUR) {
        base = (int64_t)fds[fd].offset;
    } else if (whence == VOS_SEEK_END) {
        struct vos_stat st;
        int r = vos_fstat(fd, &st);
        if (r < 0)
            return r;
        base = (int64_t)st.size;
    } else {
        return -VOS_EINVAL;
    }
    if ((off < 0 && base + off < 0) || (off > 0 && base > INT64_MAX - off))
        return -VOS_EINVAL;
    fds[fd].offset = (uint64_t)(base + off);
    return (int64_t)fds[fd].offset;
}

int vos_close(int fd)
{
    if (fd >= 0 && fd < FD_MAX && fds[fd].stale) { /* its server is gone: just forget it */
        fds[fd].used = fds[fd].stale = 0;
        return -VOS_EBADF;
    }
    if (fd_get(fd) < 0)
        return -VOS_EBADF;
    struct vos_fs_resp rs;
    int64_t r = handle_call(fd, VOS_FS_CLOSE, 0, 0, &rs);
    fds[fd].used = 0; /* closed either way, as POSIX says */
    return r < 0 ? (int)r : 0;
}

int vos_fsync(int fd)
{
    if (fd_get(fd) < 0)
        return -VOS_EBADF;
    struct vos_fs_resp rs;
    int64_t r = handle_call(fd, VOS_FS_FSYNC, 0, 0, &rs);
    return r < 0 ? (int)r : 0;
}

int vos_ftruncate(int fd, uint64_t size)
{
    if (fd_get(fd) < 0)
        return -VOS_EBADF;
    struct vos_fs_resp rs;
    int64_t r = handle_call(fd, VOS_FS_FTRUNCATE, size, 0, &rs);
    return r < 0 ? (int)r : 0;
}

int vos_stat(const char *path, struct vos_stat *st)
{
    struct vos_fs_resp rs;
    int64_t r = path_call(VOS_FS_STAT, path, 0, 0, &rs);
    if (r < 0)
        return (int)r;
    *st = rs.u.st;
    return 0;
}

int vos_statfs(struct vos_statfs *st)
{
    struct vos_fs_resp rs;
    int64_t r = path_call(VOS_FS_STATFS, "", 0, 0, &rs);
    if (r < 0)
        return (int)r;
    *st = rs.u.sf;
    return 0;
}

int vos_readdir(const char *path, uint64_t *cookie, struct vos_dirent *ent)
{
    struct vos_fs_resp rs;
    int64_t r = path_call(VOS_FS_READDIR, path, 0, *cookie, &rs);
    if (r <= 0)
        return (int)r;
    *cookie = rs.size;
    *ent = rs.u.ent;
    return 1;
}

int vos_mkdir(const char *path)
{
    struct vos_fs_resp rs;
    return (int)path_call(VOS_FS_MKDIR, path, 0, 0, &rs);
}

int vos_unlink(const char *path)
{
    struct vos_fs_resp rs;
    return (int)path_call(VOS_FS_UNLINK, path, 0, 0, &rs);
}

int vos_rename(const char *from, const char *to)
{
    struct vos_fs_req rq;
    struct vos_fs_resp rs;
    rq.op = VOS_FS_RENAME;
    rq.handle = -1;
    rq.flags = 0;
    rq.len = 0;
    rq.offset = 0;
    if (!put_path(&rq, from, rq.path) || !put_path(&rq, to, rq.path2))
        return -VOS_ENAMETOOLONG;
    return (int)fs_call(&rq, sizeof(rq), &rs);
}

const char *vos_strerror(int err)
{
    switch (-err) {
    case 0: return "success";
    case VOS_EPERM: return "not permitted";
    case VOS_ENOENT: return "no such file or directory";
    case VOS_EIO: return "I/O error (device, or a corrupt file system)";
    case VOS_ENXIO: return "no file system (no capability, server or disk)";
    case VOS_EBADF: return "bad file descriptor";
    case VOS_ENOMEM: return "out of memory";
    case VOS_EACCES: return "outside the permitted directory";
    case VOS_EBUSY: return "busy (open)";
    case VOS_EEXIST: return "exists";
    case VOS_ENOTDIR: return "not a directory";
    case VOS_EISDIR: return "is a directory";
    case VOS_EINVAL: return "invalid argument";
    case VOS_EMFILE: return "too many open files";
    case VOS_EFBIG: return "file too large";
    case VOS_ENOSPC: return "no space left";
    case VOS_EROFS: return "read-only";
    case VOS_ENOSYS: return "not supported";
    case VOS_ENOTEMPTY: return "directory not empty";
    case VOS_ENAMETOOLONG: return "name too long";
    default: return "unknown error";
    }
}
