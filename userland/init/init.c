/*
 * init: the root task.  The kernel gives it every authority there is (the
 * memory pool, its own process, the boot files, interrupt control, the
 * device-memory pool, on x86_64 the I/O ports) and, as its argument
 * uart=DRIVER,mmio|port,BASE,LINE, the UART its early console uses.  init
 * hands each server only what it needs, narrowed where the kernel allows:
 *
 *   console  exactly the UART: its page of registers (DEVICE_MEMORY) or its
 *            eight I/O ports (IO_PORT), its receive interrupt (IRQ, bound by
 *            init to the server's endpoint), the READ side of that endpoint,
 *            and a region for its ring of typed bytes (init keeps it, so what
 *            was typed survives a server that dies)
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

#include "storage.h"

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
    char uart_arg[32]; /* uart=DRIVER */
    vos_any_t caps[4];
    vos_proc_t proc;
} con;

static vos_proc_t console_start(const char *program)
{
    const char *argv[] = { program, con.uart_arg };
    return start(con.fs, argv, 2, con.caps, sizeof(con.caps) / sizeof(con.caps[0]));
}

/* A number in C notation (decimal, or hex after 0x) at *s, which moves past it. */
static uint64_t number(const char **s)
{
    uint64_t v = 0, base = 10;
    if ((*s)[0] == '0' && (*s)[1] == 'x')
        base = 16, *s += 2;
    for (;; (*s)++) {
        char c = **s;
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 99;
        if (d >= base)
            return v;
        v = v * base + d;
    }
}

/*
 * The console server's capabilities for the UART the kernel named: its
 * registers (one page of device memory, or the 8 ports) and its receive
 * interrupt, bound to the server's endpoint.  init keeps the originals, so
 * a restarted server gets the same line and registers.
 */
static void console_uart(const struct vos_start_info *si, vos_ep_t ep)
{
    const char *const *argv = (const char *const *)(uintptr_t)si->argv, *a = NULL;
    for (uint64_t i = 1; i < si->argc; i++)
        if (argv[i][0] == 'u' && !memcmp(argv[i], "uart=", 5)) /* memcmp stops at the first difference */
            a = argv[i] + 5;
    if (!a)
        die("no uart= argument", -VOS_ERR_NOT_FOUND);
    /* DRIVER,KIND,BASE,LINE */
    char field[4][24];
    unsigned n = 0, len = 0;
    for (; *a && n < 4; a++) {
        if (*a == ',') {
            field[n++][len] = 0;
            len = 0;
        } else if (len + 1 < sizeof(field[0])) {
            field[n][len++] = *a;
        }
    }
    if (n < 4)
        field[n++][len] = 0;
    if (n != 4)
        die("uart= argument", -VOS_ERR_INVALID_PARAMETER);
    vos_snprintf(con.uart_arg, sizeof(con.uart_arg), "uart=%s", field[0]);
    int ports = !strcmp(field[1], "port");
    const char *p = field[2];
    uint64_t base = number(&p);
    p = field[3];
    uint64_t line = number(&p);

    vos_ioport_t io;
    vos_devmem_t mmio;
    vos_irq_t irq;
    vos_status_t st;
    if (ports)
        st = vos_ioport_create((vos_ioport_t){ vos_start_find_cap(si, VOS_OBJ_IO_PORT) }, (unsigned)base, 8,
                               RW | VOS_RIGHT_GRANT, &io);
    else
        st = vos_devmem_create((vos_devmem_t){ vos_start_find_cap(si, VOS_OBJ_DEVICE_MEMORY) }, base, VOS_PAGE_SIZE,
                               RW | VOS_RIGHT_GRANT, &mmio);
    if (st)
        die("the UART's registers", st);
    if ((st = vos_irq_create((vos_any_t){ vos_start_find_cap(si, VOS_OBJ_IRQ_CONTROL) }, line,
                             VOS_RIGHT_READ | VOS_RIGHT_WRITE | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE, &irq)) ||
        (st = vos_irq_bind(irq, ep, 1)))
        die("the UART's interrupt", st);
    con.caps[0] = ports ? VOS_ANY(io) : VOS_ANY(mmio);
    con.caps[1] = narrow(irq.cap, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT);
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

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct vos_start_info *si = vos_start_info();
    struct vos_cap_info self;
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
    console_uart(si, con_ep);
    con.caps[2] = narrow(con_ep.cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT);
    vos_mem_t ring; /* the server's ring of typed bytes, which outlives any one server */
    if ((st = vos_mem_carve(pool, 2 * VOS_PAGE_SIZE, RW | VOS_RIGHT_GRANT, &ring)))
        die("console ring", st);
    con.caps[3] = VOS_ANY(ring);
    con.proc = console_start(CONSOLE_FIRST);
    console.chan = init_ch;
    vos_thread_t supervisor;
    if ((st = vos_thread_spawn(console_supervise, NULL, 4 * VOS_PAGE_SIZE, &supervisor)))
        die("console supervisor", st);

    /* Files: the shell's capability to the file-system server is its 6th (fs=5). */
    vos_chan_t fs_ch = storage_start(si, &fs, mine, (vos_any_t){ self.token }, pool, (vos_any_t){ con_ch.cap }, console);

    /* The shell learns the console server's pid from its arguments (for `ps`). */
    char con_arg[32];
    vos_snprintf(con_arg, sizeof(con_arg), "console=%lu", (unsigned long)con.proc.pid);
    const char *sh_argv[] = { "shell", con_arg, fs_ch.cap ? "fs=5" : "fs=none" };
    vos_any_t sh_caps[] = {
        { con_ch.cap },
        narrow(boot.cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT),
        narrow(pool.cap, RW | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE | VOS_RIGHT_REVOKE),
        narrow(demo_ep.cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT),
        { demo_ch.cap },
        { fs_ch.cap },
    };
    vos_proc_t sh = start(&fs, sh_argv, 3, sh_caps, sizeof(sh_caps) / sizeof(sh_caps[0]) - !fs_ch.cap);

    struct vos_process_exit_info info;
    char how[64];
    if ((st = vos_process_wait(sh, VOS_TIMEOUT_INFINITE, &info)))
        die("wait", st);
    vos_cprintf(console, "init: shell %s; powering off\n", vos_exit_describe(&info, how, sizeof(how)));
    return info.reason == VOS_EXIT_CODE ? (int)info.code : 1;
}
