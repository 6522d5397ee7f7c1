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
 * capability, which only init holds, so init sets up every channel.
 *
 * init supervises the console server: it keeps the server's endpoint, so
 * every client's channel (the shell's, init's own) delivers to the endpoint
 * whichever server process receives on it.  When the server dies, init
 * starts it again with the same capabilities and reports how the old one
 * ended; clients whose call was in flight get NotFound and call again
 * (vos_console_*), and what was sent meanwhile waits in the endpoint.
 *
 * init's own messages go through the console server like everyone else's.
 * When the shell ends, init ends with its code, which powers the machine off.
 */
#include <vos/vos.h>

#define RW (VOS_RIGHT_READ | VOS_RIGHT_WRITE)
#define MAX_RESTARTS 8 /* a server that keeps dying is broken, not unlucky */

/* The console server program; the restart test builds init with another first one. */
#ifndef CONSOLE_FIRST
#define CONSOLE_FIRST "console"
#endif

static vos_console_t console; /* {0} until the console server runs */

static void die(const char *what, vos_status_t st)
{
    if (vos_console_cap(console).cap)
        vos_cprintf(console, "init: %s: %s\n", what, vos_status_name(st));
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

/* The console server: what it is started with, and the process now serving. */
static struct {
    const struct vos_bootfs *fs;
    vos_any_t caps[2];
    vos_proc_t proc;
} con;

static vos_proc_t console_start(const char *program)
{
    const char *argv[] = { program };
    return start(con.fs, argv, 1, con.caps, sizeof(con.caps) / sizeof(con.caps[0]));
}

/* A thread of init's: wait for the console server to end, start it again, say so. */
static int console_supervise(void *unused)
{
    (void)unused;
    for (unsigned restarts = 0;; restarts++) {
        struct vos_process_exit_info info;
        vos_status_t st = vos_process_wait(con.proc, VOS_TIMEOUT_INFINITE, &info);
        if (st)
            die("wait for the console server", st);
        vos_pid_t old = con.proc.pid;
        if (restarts == MAX_RESTARTS)
            return 1; /* nobody is left to print to; the shell's calls wait in the endpoint */
        con.proc = console_start("console");
        char how[64];
        vos_cprintf(console, "init: console server (pid %lu) %s; restarted as pid %lu\n", (unsigned long)old,
                    vos_exit_describe(&info, how, sizeof(how)), (unsigned long)con.proc.pid);
    }
}

int main(const struct vos_start_info *si)
{
    struct vos_cap_info dev, self;
    if (vos_start_lookup(si, VOS_OBJ_DEVICE, RW, &dev))
        return 10;
    if (vos_start_lookup(si, VOS_OBJ_PROCESS, VOS_RIGHT_DERIVE, &self))
        return 11;
    vos_mem_t pool = { vos_start_find_pool(si) }, boot = { vos_start_find_bootfs(si) };
    struct vos_bootfs fs;
    if (vos_bootfs_open(&fs, boot.cap))
        return 12;

    /* The console server's endpoint, and channels to it from ours: one for the shell, one for init. */
    vos_ep_t mine = { 0, 0 }, con_ep = { 0, 0 }, demo_ep = { 0, 0 };
    vos_chan_t con_ch = { 0, 0 }, init_ch = { 0, 0 }, demo_ch = { 0, 0 };
    vos_status_t st;
    if ((st = vos_endpoint_create(&mine)) || (st = vos_endpoint_create(&con_ep)) ||
        (st = vos_endpoint_create(&demo_ep)))
        return 13;
    if ((st = vos_channel_create(mine, con_ep, (vos_any_t){ self.token }, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT, &con_ch)) ||
        (st = vos_channel_create(mine, con_ep, (vos_any_t){ self.token }, VOS_RIGHT_WRITE, &init_ch)) ||
        (st = vos_channel_create(mine, demo_ep, (vos_any_t){ self.token }, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT,
                                 &demo_ch)))
        return 14;

    con.fs = &fs;
    con.caps[0] = narrow(dev.token, RW | VOS_RIGHT_GRANT);
    con.caps[1] = narrow(con_ep.cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT);
    con.proc = console_start(CONSOLE_FIRST);
    console.chan = init_ch;
    vos_thread_t supervisor;
    if ((st = vos_thread_spawn(console_supervise, NULL, 4 * VOS_PAGE_SIZE, &supervisor)))
        die("console supervisor", st);

    /* The shell learns the console server's pid from its arguments (for `ps`). */
    char con_arg[32];
    vos_snprintf(con_arg, sizeof(con_arg), "console=%lu", (unsigned long)con.proc.pid);
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
    vos_cprintf(console, "init: shell %s; powering off\n", vos_exit_describe(&info, how, sizeof(how)));
    return info.reason == VOS_EXIT_CODE ? (int)info.code : 1;
}
