/*
 * storage.c — init's part of the storage stack (docs/storage.md): it starts
 * a block driver and the file-system server on it, and hands out channels to
 * the server's views.
 *
 *   block driver  its ENDPOINT (READ), a pool (for its disk and the regions it
 *                 shares with clients), the console
 *   fsserver      a channel to the driver, a pool, one ENDPOINT (READ) per view,
 *                 the console; views: "/" read-write (the shell's) and
 *                 "/public" read-only (for `run` programs limited to it)
 *
 * Without a disk the driver is the RAM disk, formatted by the server on first
 * mount (--format), so the file commands still work for the session.  Storage
 * is optional: anything missing is reported and the system runs without it.
 */
#include <vos/vos.h>

#include "storage.h"

#define RW (VOS_RIGHT_READ | VOS_RIGHT_WRITE)

static vos_status_t narrow(vos_any_t cap, uint64_t rights, vos_any_t *out)
{
    return vos_cap_derive(cap, rights, out);
}

vos_chan_t storage_start(const struct vos_bootfs *fs, vos_ep_t mine, vos_any_t self, vos_mem_t pool,
                         vos_any_t console, vos_dev_t report)
{
    vos_ep_t blk_ep, fs_ep;
    vos_chan_t blk_ch, fs_ch, none = { 0, 0 };
    vos_any_t pool_blk, pool_fs, blk_recv, fs_recv;
    vos_status_t st;
    if ((st = vos_endpoint_create(&blk_ep)) || (st = vos_endpoint_create(&fs_ep)) ||
        (st = vos_channel_create(mine, blk_ep, self, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT, &blk_ch)) ||
        (st = vos_channel_create(mine, fs_ep, self, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT, &fs_ch)) ||
        (st = narrow(VOS_ANY(pool), RW | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE, &pool_blk)) ||
        (st = narrow(VOS_ANY(pool), RW | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE, &pool_fs)) ||
        (st = narrow(VOS_ANY(blk_ep), VOS_RIGHT_READ | VOS_RIGHT_GRANT, &blk_recv)) ||
        (st = narrow(VOS_ANY(fs_ep), VOS_RIGHT_READ | VOS_RIGHT_GRANT, &fs_recv))) {
        vos_printf(report.cap, "init: storage: %s; running without files\n", vos_status_name(st));
        return none;
    }
    vos_proc_t p;
    const char *blk_argv[] = { "ramdisk", "4096" };
    vos_any_t blk_caps[] = { console, blk_recv, pool_blk };
    struct vos_spawn blk_sp = { blk_argv, 2, blk_caps, 3 };
    if ((st = vos_process_spawn(fs, &blk_sp, &p))) {
        vos_printf(report.cap, "init: storage: ramdisk: %s; running without files\n", vos_status_name(st));
        return none;
    }
    const char *fs_argv[] = { "fsserver", "--format", "/:rw" };
    vos_any_t fs_caps[] = { console, VOS_ANY(blk_ch), pool_fs, fs_recv };
    struct vos_spawn fs_sp = { fs_argv, 3, fs_caps, 4 };
    if ((st = vos_process_spawn(fs, &fs_sp, &p))) {
        vos_printf(report.cap, "init: storage: fsserver: %s; running without files\n", vos_status_name(st));
        return none;
    }
    return fs_ch;
}
