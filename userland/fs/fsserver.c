/*
 * fsserver: the file-system server (docs/storage.md).  It mounts the FAT
 * volume on a block driver (fat.c over the block protocol, <vos/block.h>)
 * and serves the file protocol (<vos/fsproto.h>) on one endpoint per view.
 *
 * Initial capabilities (init grants them in this order):
 *   0  the console (a channel to the console server), for messages
 *   1  a channel to the block driver
 *   2  a memory pool, for the regions shared with clients
 *   3… one ENDPOINT (READ) per view, in the order of the view arguments
 * Arguments: `fsserver [--format] VIEW...`, each VIEW `DIR:rw` or `DIR:ro`:
 * the directory that endpoint's clients are limited to ("/" for all).
 * --format: a disk without a FAT volume is formatted (the RAM disk).
 * init's first message (VOS_FS_SELF) brings our own process capability, with
 * which we make the channels that tell us a client's death.
 * The test build `fsserver-faulty` dies when asked to open "/.crash".
 *
 * Invariants: a client (sender pid and view) reaches only files below its
 * view's directory (fat.c resolves ".." lexically and never above it) and
 * only its own handles; a read-only view changes nothing.  One thread per
 * view; `lock` serialises the volume.  Every request gets an answer: with no
 * volume (no disk, or not FAT) every request is VOS_ENXIO or VOS_EIO.  A
 * region is mapped by at most one live client: a session taken from a live
 * client gets a fresh one.  What a dead client held (its handles, its
 * session) is released at the latest when it is in the way: at every ATTACH,
 * and when a file is busy or the handles or files run out (sessions_reap).
 * We keep no capability a client sends but its life endpoint's.
 */
#include <vos/block.h>
#include <vos/fsproto.h>
#include <vos/vos.h>

#include "fat.h"

#define MAX_VIEWS 4
#define MAX_SESSIONS 32
#define MAX_HANDLES 64
#define REGION_BYTES (64 * 1024)

static vos_console_t con;
static vos_mem_t pool;
static struct fat_vol vol;
static int mounted; /* 0, or the mount's error */
static int lock;

static struct view {
    vos_ep_t ep;
    uint32_t root; /* FAT directory cluster */
    int ro;
    int status;    /* 0, or why the view cannot be served */
    const char *dir;
} views[MAX_VIEWS];
static int nviews;

static struct session {
    int used;
    vos_pid_t pid;
    int view;
    vos_mem_t region;
    uint8_t *map;
    uint32_t age;
    uint32_t lent;  /* its number at the block driver (ADD_REGION), 0: not lent (yet) */
    vos_ep_t life;  /* the client's life endpoint: its id, our WRITE capability */
    vos_ep_t probe_src; /* ours, the probe channel's source: its end frees the channel */
    vos_chan_t probe;   /* to life, made with self_proc; 0 until made */
} sessions[MAX_SESSIONS];
static vos_any_t self_proc; /* our own process capability (VOS_FS_SELF, from init) */
static uint32_t clock;

static struct handle {
    int used;
    int session;
    int flags;
    struct fat_file f;
} handles[MAX_HANDLES];

static void lock_take(void)
{
    while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
        vos_yield();
}

static void lock_drop(void) { __atomic_store_n(&lock, 0, __ATOMIC_RELEASE); }

/* ---- the block driver ---- */

static struct {
    vos_chan_t chan;
    uint8_t *region;
    uint32_t region_bytes, max_sectors;
    uint64_t capacity;
    int read_only;
} blk;

static int blk_attach(void)
{
    struct vos_blk_req rq = { VOS_BLK_ATTACH, 0, 0, 0, 0, 0 };
    struct vos_blk_resp rs;
    uint64_t got = 0;
    vos_any_t cap = { 0 };
    vos_status_t st = vos_call(blk.chan, &rq, sizeof(rq), &rs, sizeof(rs), VOS_TIMEOUT_INFINITE, (vos_any_t){ 0 },
                               &got, &cap);
    if (st || got != sizeof(rs) || rs.status || !cap.cap || rs.region_bytes < VOS_BLK_SECTOR)
        return st || got != sizeof(rs) ? -VOS_ENXIO : rs.status < 0 ? (int)rs.status : -VOS_ENXIO;
    void *p;
    if (blk.region)
        vos_munmap(blk.region, blk.region_bytes);
    blk.region = NULL;
    if (vos_mmap(NULL, rs.region_bytes, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, (vos_mem_t){ cap.cap }, 0,
                 &p))
        return -VOS_ENOMEM;
    blk.region = p;
    blk.region_bytes = rs.region_bytes;
    blk.max_sectors = rs.max_sectors < rs.region_bytes / VOS_BLK_SECTOR ? rs.max_sectors
                                                                         : rs.region_bytes / VOS_BLK_SECTOR;
    blk.capacity = rs.capacity;
    blk.read_only = (int)rs.read_only;
    for (int i = 0; i < MAX_SESSIONS; i++) /* a new driver knows none of them */
        sessions[i].lent = 0;
    return 0;
}

/* Lends a client's region to the driver, so reads and writes of that
 * client's data go between the device and its page with no copy here. */
static void blk_lend(struct session *se)
{
    struct vos_blk_req rq = { VOS_BLK_ADD_REGION, 0, 0, 0, 0, 0 };
    struct vos_blk_resp rs;
    uint64_t got = 0;
    vos_status_t st = vos_call(blk.chan, &rq, sizeof(rq), &rs, sizeof(rs), VOS_TIMEOUT_INFINITE,
                               VOS_ANY(se->region), &got, NULL);
    se->lent = !st && got == sizeof(rs) && rs.status > 0 ? (uint32_t)rs.status : 0;
}

/* One request.  A driver that went away, or a new one that does not know
 * us (init restarted it), is attached to again: then VOS_ENXIO, and the
 * caller makes the request again (its lent regions are forgotten). */
static int blk_request(uint32_t op, uint64_t sector, uint32_t count, uint32_t region, uint64_t offset)
{
    struct vos_blk_req rq = { op, count, sector, offset, region, 0 };
    struct vos_blk_resp rs;
    uint64_t got = 0;
    vos_status_t st = vos_call(blk.chan, &rq, sizeof(rq), &rs, sizeof(rs), VOS_TIMEOUT_INFINITE, (vos_any_t){ 0 },
                               &got, NULL);
    if (!st && got == sizeof(rs) && rs.status != -VOS_ENXIO)
        return rs.status < 0 ? -VOS_EIO : 0;
    return blk_attach() == 0 ? -VOS_ENXIO : -VOS_EIO;
}

static struct session *session_of(const void *buf, uint64_t bytes);

/* Straight between the device and a client's region when buf lies in one
 * (lent to the driver, sector-aligned); else through our own region. */
static int dev_rw(uint32_t op, uint64_t sector, uint32_t count, void *buf)
{
    uint64_t bytes = (uint64_t)count * VOS_BLK_SECTOR;
    int r = -VOS_EIO;
    for (int attempt = 0; attempt < 2; attempt++) {
        struct session *se = session_of(buf, bytes);
        if (se && !se->lent)
            blk_lend(se);
        if (se && se->lent && ((uint8_t *)buf - se->map) % VOS_BLK_SECTOR == 0) {
            r = blk_request(op, sector, count, se->lent, (uint64_t)((uint8_t *)buf - se->map));
        } else {
            if (op == VOS_BLK_WRITE)
                memcpy(blk.region, buf, bytes);
            r = blk_request(op, sector, count, 0, 0);
            if (r == 0 && op == VOS_BLK_READ)
                memcpy(buf, blk.region, bytes);
        }
        if (r != -VOS_ENXIO)
            return r;
    }
    return -VOS_EIO;
}

static int dev_read(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
    (void)ctx;
    return dev_rw(VOS_BLK_READ, sector, count, buf);
}

static int dev_write(void *ctx, uint64_t sector, uint32_t count, const void *buf)
{
    (void)ctx;
    return dev_rw(VOS_BLK_WRITE, sector, count, (void *)buf);
}

static int dev_flush(void *ctx)
{
    (void)ctx;
    int r = blk_request(VOS_BLK_FLUSH, 0, 0, 0, 0);
    return r == -VOS_ENXIO ? blk_request(VOS_BLK_FLUSH, 0, 0, 0, 0) : r;
}

/* ---- sessions and handles ---- */

static int session_find(vos_pid_t pid, int view)
{
    for (int i = 0; i < MAX_SESSIONS; i++)
        if (sessions[i].used && sessions[i].pid == pid && sessions[i].view == view) {
            sessions[i].age = ++clock;
            return i;
        }
    return -1;
}

static struct session *session_of(const void *buf, uint64_t bytes)
{
    const uint8_t *p = buf;
    for (int i = 0; i < MAX_SESSIONS; i++)
        if (sessions[i].map && p >= sessions[i].map && p < sessions[i].map + REGION_BYTES &&
            bytes <= (uint64_t)(sessions[i].map + REGION_BYTES - p))
            return &sessions[i];
    return NULL;
}

static int session_has_handles(int s)
{
    for (int h = 0; h < MAX_HANDLES; h++)
        if (handles[h].used && handles[h].session == s)
            return 1;
    return 0;
}

/* ---- a client's death (docs/storage.md, "Sessions") ----
 * At ATTACH a client gives us a WRITE capability to an endpoint only it
 * holds READ to.  When it ends, its capabilities go, that endpoint has no
 * reader, and a send to it is NotFound: our probe.  A send never blocks
 * (a call could, were the client to receive on it); a live client's
 * endpoint keeps the empty message (at most 64, then ResourceExhausted, still
 * "alive") until it ends.  The probe channel needs our own process
 * capability to be made: init sends it (VOS_FS_SELF); until then no client
 * can be told dead, as before. */

static int probe_make(struct session *se)
{
    if (se->probe.cap)
        return 1;
    if (!self_proc.cap || !se->life.cap || vos_endpoint_create(&se->probe_src))
        return 0;
    if (vos_channel_create(se->probe_src, se->life, self_proc, VOS_RIGHT_WRITE, &se->probe)) {
        vos_cap_revoke(VOS_ANY(se->probe_src));
        se->probe_src = (vos_ep_t){ 0, 0 };
        se->probe = (vos_chan_t){ 0, 0 };
        return 0;
    }
    return 1;
}

static int session_dead(struct session *se)
{
    return probe_make(se) && vos_send(se->probe, "", 0, (vos_any_t){ 0 }) == -VOS_ERR_NOT_FOUND;
}

/* The session ends: its files are closed (what it wrote reaches the disk, as
 * at a close), its capabilities deleted.  A live client keeps its mapping of
 * the region, so the next session must not see it: the region goes too. */
static void session_end(int s, int client_alive)
{
    struct session *se = &sessions[s];
    for (int h = 0; h < MAX_HANDLES; h++)
        if (handles[h].used && handles[h].session == s) {
            fat_close(&vol, &handles[h].f);
            handles[h].used = 0;
        }
    if (se->probe.cap)
        vos_cap_revoke(VOS_ANY(se->probe));
    if (se->probe_src.cap)
        vos_cap_revoke(VOS_ANY(se->probe_src)); /* the endpoint ends, and the channel with it */
    if (se->life.cap)
        vos_cap_revoke(VOS_ANY(se->life));
    se->probe = (vos_chan_t){ 0, 0 };
    se->probe_src = se->life = (vos_ep_t){ 0, 0 };
    if (client_alive && se->map) {
        vos_munmap(se->map, REGION_BYTES);
        vos_cap_revoke(VOS_ANY(se->region)); /* the client's copy and the driver's */
        se->map = NULL;
        se->lent = 0;
    }
    se->used = 0;
}

/* Every session whose client is gone is released; how many were. */
static int sessions_reap(void)
{
    int n = 0;
    for (int s = 0; s < MAX_SESSIONS; s++)
        if (sessions[s].used && session_dead(&sessions[s])) {
            session_end(s, 0);
            n++;
        }
    return n;
}

/* A session for (pid, view) with its own region, told the client's life
 * endpoint (kept: *life is cleared); the oldest session without open files
 * makes room when the table is full even after reaping the dead. */
static int session_new(vos_pid_t pid, int view, vos_ep_t *life)
{
    int s = session_find(pid, view);
    if (s >= 0)
        return s;
    if (!life->cap)
        return -VOS_EINVAL; /* no life endpoint: we could never tell this client's end */
    sessions_reap();
    for (int i = 0; i < MAX_SESSIONS && s < 0; i++)
        if (!sessions[i].used)
            s = i;
    for (int i = 0; i < MAX_SESSIONS && s < 0; i++)
        if (!session_has_handles(i) && (s < 0 || sessions[i].age < sessions[s].age))
            s = i;
    if (s < 0)
        return -VOS_ENOMEM;
    struct session *se = &sessions[s];
    if (se->used)
        session_end(s, 1);
    if (!se->map) {
        void *p;
        if (vos_mem_carve(pool, REGION_BYTES, VOS_RIGHT_READ | VOS_RIGHT_WRITE | VOS_RIGHT_GRANT, &se->region))
            return -VOS_ENOMEM;
        if (vos_mmap(NULL, REGION_BYTES, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, se->region, 0, &p))
            return -VOS_ENOMEM;
        se->map = p;
    }
    se->used = 1;
    se->pid = pid;
    se->view = view;
    se->age = ++clock;
    se->life = *life;
    life->cap = 0;
    if (!probe_make(se) && self_proc.cap) { /* not an endpoint of its own (or not its id): no session */
        session_end(s, 0);
        return -VOS_EINVAL;
    }
    return s;
}

static struct handle *handle_get(int32_t h, int session)
{
    if (h < 0 || h >= MAX_HANDLES || !handles[h].used || handles[h].session != session)
        return NULL;
    return &handles[h];
}

/* ---- requests ---- */

static int is_write_op(uint32_t op)
{
    return op == VOS_FS_WRITE || op == VOS_FS_FTRUNCATE || op == VOS_FS_MKDIR || op == VOS_FS_UNLINK ||
           op == VOS_FS_RENAME;
}

static int64_t serve_handle(struct vos_fs_req *rq, int s, struct vos_fs_resp *rs)
{
    struct handle *h = handle_get(rq->handle, s);
    if (!h)
        return -VOS_EBADF;
    int acc = h->flags & VOS_O_ACCMODE;
    switch (rq->op) {
    case VOS_FS_CLOSE: {
        int r = fat_close(&vol, &h->f);
        h->used = 0;
        return r;
    }
    case VOS_FS_READ:
        if (acc == VOS_O_WRONLY)
            return -VOS_EBADF;
        if (rq->len > REGION_BYTES)
            return -VOS_EINVAL;
        return fat_read(&vol, &h->f, rq->offset, sessions[s].map, rq->len);
    case VOS_FS_WRITE: {
        if (acc == VOS_O_RDONLY)
            return -VOS_EBADF;
        if (rq->len > REGION_BYTES)
            return -VOS_EINVAL;
        uint64_t off = h->flags & VOS_O_APPEND ? fat_size(&h->f) : rq->offset;
        int64_t n = fat_write(&vol, &h->f, off, sessions[s].map, rq->len);
        rs->size = n > 0 ? off + (uint64_t)n : off;
        return n;
    }
    case VOS_FS_FSYNC:
        return fat_flush(&vol);
    case VOS_FS_FTRUNCATE:
        if (acc == VOS_O_RDONLY)
            return -VOS_EBADF;
        return fat_truncate(&vol, &h->f, rq->offset);
    case VOS_FS_FSTAT:
        rs->u.st.size = fat_size(&h->f);
        rs->u.st.type = VOS_S_FILE;
        rs->u.st.readonly = 0;
        return 0;
    }
    return -VOS_ENOSYS;
}

static int64_t serve_path(struct vos_fs_req *rq, int s, struct vos_fs_resp *rs, uint32_t root)
{
    switch (rq->op) {
    case VOS_FS_OPEN: {
        int h = 0;
        while (h < MAX_HANDLES && handles[h].used)
            h++;
        if (h == MAX_HANDLES && sessions_reap()) /* the dead's handles are free now */
            return serve_path(rq, s, rs, root);
        if (h == MAX_HANDLES)
            return -VOS_ENOMEM;
        int r = fat_open(&vol, root, rq->path, rq->flags, &handles[h].f);
        if ((r == -VOS_ENOMEM || r == -VOS_EBUSY) && sessions_reap())
            return serve_path(rq, s, rs, root); /* a dead client held the files, or this one */
        if (r < 0)
            return r;
        handles[h].used = 1;
        handles[h].session = s;
        handles[h].flags = rq->flags;
        return h;
    }
    case VOS_FS_STAT:
        return fat_stat(&vol, root, rq->path, &rs->u.st);
    case VOS_FS_READDIR: {
        uint64_t cookie = rq->offset;
        int r = fat_readdir(&vol, root, rq->path, &cookie, &rs->u.ent);
        rs->size = cookie;
        return r;
    }
    case VOS_FS_MKDIR:
        return fat_mkdir(&vol, root, rq->path);
    case VOS_FS_UNLINK: {
        int r = fat_unlink(&vol, root, rq->path);
        return r == -VOS_EBUSY && sessions_reap() ? fat_unlink(&vol, root, rq->path) : r;
    }
    case VOS_FS_RENAME: {
        int r = fat_rename(&vol, root, rq->path, rq->path2);
        return r == -VOS_EBUSY && sessions_reap() ? fat_rename(&vol, root, rq->path, rq->path2) : r;
    }
    case VOS_FS_STATFS:
        fat_statfs(&vol, &rs->u.sf);
        rs->u.sf.readonly |= (uint32_t)views[s < 0 ? 0 : sessions[s].view].ro;
        return 0;
    }
    return -VOS_ENOSYS;
}

static int view_lookup(int i);

static int64_t serve(int view, vos_pid_t pid, struct vos_fs_req *rq, uint64_t len, struct vos_fs_resp *rs,
                     vos_any_t *xfer, vos_any_t *in)
{
    if (len < VOS_FS_REQ_HEADER)
        return -VOS_EINVAL;
    /* Paths arrive NUL-terminated within the message, or not at all. */
    uint64_t plen = len > VOS_FS_REQ_HEADER ? len - VOS_FS_REQ_HEADER : 0;
    if (plen > VOS_PATH_MAX * 2)
        plen = VOS_PATH_MAX * 2;
    if (plen < VOS_PATH_MAX)
        rq->path[plen] = 0;
    rq->path[VOS_PATH_MAX - 1] = 0;
    if (plen < VOS_PATH_MAX * 2)
        rq->path2[plen > VOS_PATH_MAX ? plen - VOS_PATH_MAX : 0] = 0;
    rq->path2[VOS_PATH_MAX - 1] = 0;
    if (mounted < 0)
        return mounted;
    /* A view's directory may be made after the server starts: look again. */
    if (views[view].status < 0 && (views[view].status = view_lookup(view)) < 0)
        return views[view].status;
    if (rq->op == VOS_FS_ATTACH) {
        vos_ep_t life = { rq->offset, in->cap };
        int s = session_new(pid, view, &life);
        in->cap = life.cap; /* 0 if kept */
        if (s < 0)
            return s;
        *xfer = VOS_ANY(sessions[s].region);
        rs->size = REGION_BYTES;
        return 0;
    }
    int s = session_find(pid, view);
    if (s < 0)
        return -VOS_ENXIO; /* not attached (or this server restarted): attach first */
    if (views[view].ro && (is_write_op(rq->op) ||
                           (rq->op == VOS_FS_OPEN && ((rq->flags & VOS_O_ACCMODE) != VOS_O_RDONLY ||
                                                      (rq->flags & (VOS_O_CREAT | VOS_O_TRUNC))))))
        return -VOS_EROFS;
#ifdef VOS_FSSERVER_FAULTY
    if (rq->op == VOS_FS_OPEN && !strcmp(rq->path, "/.crash"))
        *(volatile int *)16 = 1; /* the faulty test build: a server crash, on request */
#endif
    if (rq->op >= VOS_FS_CLOSE && rq->op <= VOS_FS_FSTAT)
        return serve_handle(rq, s, rs);
    return serve_path(rq, s, rs, views[view].root);
}

static int view_lookup(int i)
{
    char dir[VOS_PATH_MAX];
    size_t n = strlen(views[i].dir);
    if (n > 3 && views[i].dir[n - 3] == ':')
        n -= 3;
    if (n >= sizeof(dir))
        n = sizeof(dir) - 1;
    memcpy(dir, views[i].dir, n);
    dir[n] = 0;
    views[i].root = FAT_ROOT;
    return fat_lookup_dir(&vol, FAT_ROOT, dir, &views[i].root);
}

/* The dates files get: the kernel's real-time clock (the platform RTC read
 * at boot plus the monotonic clock since: docs/abi.md, "Clocks"); a machine
 * without one: 0, fat.c's fixed date. */
static uint64_t time_now(void)
{
    struct vos_timespec ts;
    return vos_clock(VOS_CLOCK_REALTIME, &ts) ? 0 : ts.tv_sec;
}

/* Requests that may write a date (only they ask the clock): fat.c dates an
 * entry when it makes it and when it writes a file's metadata (close, a
 * flush), not at every WRITE, which asks nothing (the file's write date is
 * that of its close or fsync). */
static int changes_times(uint32_t op)
{
    return op == VOS_FS_OPEN || op == VOS_FS_CLOSE || op == VOS_FS_FSYNC || op == VOS_FS_MKDIR ||
           op == VOS_FS_UNLINK || op == VOS_FS_RENAME || op == VOS_FS_ATTACH;
}

/* VOS_FS_SELF: our own process capability, taken if it is one (it can make
 * a capability to us; a capability to anything else is refused). */
static int64_t take_self(vos_any_t *in)
{
    vos_any_t probe;
    if (self_proc.cap || !in->cap ||
        vos_cap_create(VOS_OBJ_PROCESS, vos_start_info()->pid, VOS_RIGHT_DERIVE, *in, &probe))
        return -VOS_EINVAL;
    vos_cap_revoke(probe);
    self_proc = *in;
    in->cap = 0;
    for (int s = 0; s < MAX_SESSIONS; s++) /* sessions made before it */
        if (sessions[s].used)
            probe_make(&sessions[s]);
    return 0;
}

static int serve_view(void *arg)
{
    int view = (int)(uintptr_t)arg;
    static struct vos_fs_req reqs[MAX_VIEWS];
    static struct vos_fs_resp resps[MAX_VIEWS];
    struct vos_fs_req *rq = &reqs[view];
    struct vos_fs_resp *rs = &resps[view];
    for (;;) {
        struct vos_message m;
        vos_status_t st = vos_receive(views[view].ep, rq, sizeof(*rq), VOS_TIMEOUT_INFINITE, &m);
        if (st == -VOS_ERR_BUFFER_TOO_SMALL) {
            static char big[MAX_VIEWS][VOS_IPC_MAX_MESSAGE];
            st = vos_receive(views[view].ep, big[view], sizeof(big[view]), 0, &m);
            m.len = 0;
        }
        if (st)
            continue;
        vos_any_t xfer = { 0 };
        memset(rs, 0, sizeof(*rs));
        lock_take();
        if (m.len >= VOS_FS_REQ_HEADER && changes_times(rq->op))
            vol.now = time_now();
        if (m.len >= VOS_FS_REQ_HEADER && rq->op == VOS_FS_SELF)
            rs->result = take_self(&m.cap);
        else
            rs->result = serve(view, m.sender, rq, m.len, rs, &xfer, &m.cap);
        lock_drop();
        if (m.cap.cap) /* what we do not keep is deleted, so no client can fill our space */
            vos_cap_revoke(m.cap);
        uint64_t rlen = rq->op == VOS_FS_READ || rq->op == VOS_FS_WRITE ? VOS_FS_RESP_HEADER : sizeof(*rs);
        if (m.reply.cap)
            vos_reply(m.reply, rs, rlen, xfer);
    }
    return 0;
}

static void say(const char *fmt, const char *a, int err)
{
    vos_cprintf(con, fmt, a, vos_strerror(err));
}

int main(int argc, char **argv)
{
    const struct vos_start_info *si = vos_start_info();
    con = vos_console_open(si);
    const struct vos_cap_info *b = vos_start_cap(si, 1), *p = vos_start_cap(si, 2);
    if (!b || b->object_type != VOS_OBJ_CHANNEL || !p || p->object_type != VOS_OBJ_MEMORY)
        return 2; /* started without its capabilities */
    blk.chan = vos_chan_from(b);
    pool.cap = p->token;
    int format = 0;
    for (uint64_t i = 1; i < (uint64_t)argc && nviews < MAX_VIEWS; i++) {
        if (!strcmp(argv[i], "--format")) {
            format = 1;
            continue;
        }
        const struct vos_cap_info *e = vos_start_cap(si, 3 + (uint64_t)nviews);
        if (!e || e->object_type != VOS_OBJ_ENDPOINT)
            break;
        struct view *v = &views[nviews++];
        v->ep = vos_ep_from(e);
        v->dir = argv[i];
        size_t n = strlen(argv[i]);
        v->ro = n >= 3 && !strcmp(argv[i] + n - 3, ":ro");
    }
    if (!nviews)
        return 3;

    struct fat_dev dev = { NULL, 0, 0, dev_read, dev_write, dev_flush };
    mounted = blk_attach();
    if (mounted < 0) {
        say("fsserver: %s%s: no block device\n", "", mounted);
    } else {
        dev.sectors = blk.capacity;
        dev.max_sectors = blk.max_sectors;
        mounted = fat_mount(&vol, &dev, blk.read_only);
        if (mounted == -VOS_EINVAL && format) {
            mounted = fat_format(&dev, "VERIDIAN");
            if (mounted == 0)
                mounted = fat_mount(&vol, &dev, blk.read_only);
        }
        if (mounted < 0)
            say("fsserver: %s%s: the disk holds no FAT16/FAT32 volume I can use\n", "", mounted);
        else if (vol.truncated) /* a sound volume starts quietly (`df` tells its size): the shell owns the console */
            vos_cprintf(con, "fsserver: FAT%u volume: the FAT or the disk is shorter than the volume: using what is there\n",
                        vol.bits);
    }
    /* Each view's directory: clients are limited to it (looked up again
     * on requests while it does not exist). */
    for (int i = 0; i < nviews; i++)
        if (mounted == 0)
            views[i].status = view_lookup(i);
    for (int i = 1; i < nviews; i++) {
        vos_thread_t t;
        if (vos_thread_spawn(serve_view, (void *)(uintptr_t)i, 16 * VOS_PAGE_SIZE, &t))
            return 4;
    }
    return serve_view((void *)0);
}
