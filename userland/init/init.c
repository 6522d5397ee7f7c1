/*
 * init: the root task.  The kernel gives it every authority there is (the
 * console device, the memory pool, its own process, the boot files); init
 * hands each server only what it needs, narrowed where the kernel allows:
 *
 *   console  the console DEVICE (READ|WRITE) and the READ side of its endpoint
 *   shell    a channel to the console server (WRITE|GRANT: it passes it on to
 *            what it runs), the boot files (READ|GRANT), a derived pool
 *            (for the capability demo), and a demo endpoint and channel
 *            (for the IPC ping-pong demo)
 *
 * Channels can only be given capabilities by their creator's process
 * capability, which only init holds, so init sets up every channel.  init
 * keeps the device itself for its own messages (early boot, and if the
 * console server dies).  When the shell ends, init ends with its code,
 * which powers the machine off.
 */
#include <vos/vos.h>

#define RW (VOS_RIGHT_READ | VOS_RIGHT_WRITE)

static vos_dev_t console;

static void die(const char *what, vos_status_t st)
{
    vos_printf(console.cap, "init: %s: %s\n", what, vos_status_name(st));
    vos_sys_exit(1);
}

/* derive(), or stop: init cannot run a system with a missing piece. */
static vos_any_t narrow(vos_cap_t cap, uint64_t rights)
{
    vos_any_t out;
    vos_status_t st = vos_cap_derive((vos_any_t){ cap }, rights, &out);
    if (st)
        die("derive", st);
    return out;
}

static vos_proc_t start(const struct vos_bootfs *fs, const char *const *argv, uint64_t argc, const vos_any_t *caps,
                        uint64_t ncaps)
{
    struct vos_spawn sp = { argv, argc, caps, ncaps };
    vos_proc_t p;
    vos_status_t st = vos_process_spawn(fs, &sp, &p);
    if (st)
        die(argv[0], st);
    return p;
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct vos_start_info *si = vos_start_info();
    struct vos_cap_info dev, self;
    if (vos_start_lookup(si, VOS_OBJ_DEVICE, RW, &dev))
        return 10;
    console.cap = dev.token;
    if (vos_start_lookup(si, VOS_OBJ_PROCESS, VOS_RIGHT_DERIVE, &self))
        die("no process capability", -VOS_ERR_NOT_FOUND);
    vos_mem_t pool = { vos_start_find_pool(si) }, boot = { vos_start_find_bootfs(si) };
    struct vos_bootfs fs;
    vos_status_t st = vos_bootfs_open(&fs, boot.cap);
    if (st)
        die("boot files", st);

    /* The console server's endpoint, and a channel to it from ours. */
    vos_ep_t mine = { 0, 0 }, con_ep = { 0, 0 }, demo_ep = { 0, 0 };
    vos_chan_t con_ch = { 0, 0 }, demo_ch = { 0, 0 };
    if ((st = vos_endpoint_create(&mine)) || (st = vos_endpoint_create(&con_ep)) ||
        (st = vos_endpoint_create(&demo_ep)))
        die("endpoint", st);
    if ((st = vos_channel_create(mine, con_ep, (vos_any_t){ self.token }, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT, &con_ch)) ||
        (st = vos_channel_create(mine, demo_ep, (vos_any_t){ self.token }, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT,
                                 &demo_ch)))
        die("channel", st);

    const char *con_argv[] = { "console" };
    vos_any_t con_caps[] = { narrow(dev.token, RW | VOS_RIGHT_GRANT), narrow(con_ep.cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT) };
    vos_proc_t con = start(&fs, con_argv, 1, con_caps, 2);

    /* The shell learns the console server's pid from its arguments (for `ps`). */
    char con_arg[32];
    vos_snprintf(con_arg, sizeof(con_arg), "console=%lu", (unsigned long)con.pid);
    const char *sh_argv[] = { "shell", con_arg };
    vos_any_t sh_caps[] = {
        { con_ch.cap },
        narrow(boot.cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT),
        narrow(pool.cap, RW | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE | VOS_RIGHT_REVOKE),
        narrow(demo_ep.cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT),
        { demo_ch.cap },
    };
    vos_proc_t sh = start(&fs, sh_argv, 2, sh_caps, sizeof(sh_caps) / sizeof(sh_caps[0]));

    struct vos_process_exit_info info;
    char how[64];
    if ((st = vos_process_wait(sh, VOS_TIMEOUT_INFINITE, &info)))
        die("wait", st);
    vos_printf(console.cap, "init: shell %s; powering off\n", vos_exit_describe(&info, how, sizeof(how)));
    return info.reason == VOS_EXIT_CODE ? (int)info.code : 1;
}
