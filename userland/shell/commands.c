/*
 * commands.c — the shell's commands.  Each gets argc/argv (argv[0] is its
 * own name), prints a one-line error on bad arguments, and returns 0 (or
 * SHELL_EXIT to leave the shell).
 */
#include "shell.h"

#define say(...) vos_cprintf(sh.con, __VA_ARGS__)

/* s, then spaces up to `width` columns (vos_format has no '-' flag). */
static void col(const char *s, size_t width)
{
    size_t n = strlen(s);
    say("%s", s);
    for (; n < width; n++)
        say(" ");
}

static void col_u(uint64_t v, size_t width, int hex)
{
    char b[24];
    vos_snprintf(b, sizeof(b), hex ? "%#lx" : "%lu", (unsigned long)v);
    col(b, width);
}

int parse_u64(const char *s, uint64_t *v)
{
    uint64_t n = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || n > (UINT64_MAX - 9) / 10)
            return -1;
        n = n * 10 + (uint64_t)(*s - '0');
    }
    *v = n;
    return 0;
}

static int cmd_help(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (const struct command *c = commands; c->name; c++)
    {
        say("  ");
        col(c->name, 9);
        col(c->args, 19);
        say("%s\n", c->help);
    }
    say("Demos (run NAME): pingpong (IPC round trips), capdemo (derive and revoke),\n"
        "  mmapdemo (mprotect; dies on purpose), crash [null|illegal|kernel] (a fault).\n"
        "`ps` lists only what this shell knows: itself, the console server (init\n"
        "  names it) and what it started; the kernel has no process-list call.\n"
        "Ctrl-D on an empty line ends input (like poweroff).\n");
    return 0;
}

static int cmd_echo(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        say(i > 1 ? " %s" : "%s", argv[i]);
    say("\n");
    return 0;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian, era arithmetic). */
static void civil(uint64_t days, unsigned *y, unsigned *m, unsigned *d)
{
    uint64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
    uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = (unsigned)(yoe + era * 400 + (*m <= 2));
}

static int cmd_time(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        say("time: takes no arguments\n");
        return 0;
    }
    struct vos_timespec t;
    vos_status_t st = vos_clock(VOS_CLOCK_MONOTONIC, &t);
    if (st)
        say("monotonic: %s\n", vos_status_name(st));
    else
        say("monotonic: %lu.%09lu s since boot\n", (unsigned long)t.tv_sec, (unsigned long)t.tv_nsec);
    st = vos_clock(VOS_CLOCK_REALTIME, &t);
    if (st) {
        say("realtime:  %s\n", vos_status_name(st));
        return 0;
    }
    unsigned y, mo, d, s = (unsigned)(t.tv_sec % 86400);
    civil(t.tv_sec / 86400, &y, &mo, &d);
    say("realtime:  %u-%02u-%02u %02u:%02u:%02u UTC (%lu s since 1970)\n", y, mo, d, s / 3600, s / 60 % 60, s % 60,
        (unsigned long)t.tv_sec);
    return 0;
}

/* What the shell holds each initial capability for (init's order, docs/userland.md). */
static const char *cap_use(uint64_t i, const struct vos_cap_info *c)
{
    if (i == 0)
        return c->object_type == VOS_OBJ_CHANNEL ? "console (server channel)" : "console";
    if (sh.have_fs && c->token == sh.fs.cap)
        return "boot files";
    if (c->token == sh.pool.cap)
        return "memory pool (for capdemo)";
    if (c->token == sh.demo_ep.cap)
        return "pingpong endpoint";
    if (c->token == sh.demo_ch.cap)
        return "pingpong channel";
    if (c->token == sh.files.cap)
        return "file system (read-write)";
    return "";
}

static int cmd_caps(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        say("caps: takes no arguments\n");
        return 0;
    }
    say("TOKEN       TYPE      RIGHTS  OBJECT  USE\n");
    const struct vos_cap_info *c;
    for (uint64_t i = 0; (c = vos_start_cap(sh.si, i)); i++) {
        char r[7];
        col_u(c->token, 12, 1);
        col(vos_object_type_name(c->object_type), 10);
        col(vos_rights_string(c->rights, r), 8);
        col_u(c->object_id, 8, 0);
        say("%s\n", cap_use(i, c));
    }
    say("rights: R read, W write, X execute, G grant, D derive, V revoke\n");
    return 0;
}

/* Poll a started process that has not ended yet: SYS_PROCESS_WAIT, timeout 0. */
static void poll(struct proc *p)
{
    if (!p->ended && vos_process_wait(p->p, 0, &p->info) == VOS_OK)
        p->ended = 1;
}

static int cmd_ps(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        say("ps: takes no arguments\n");
        return 0;
    }
    say("PID  NAME      STATE\n");
    col_u(sh.si->pid, 5, 0);
    say("shell     running (this shell)\n");
    if (sh.console_pid) {
        col_u(sh.console_pid, 5, 0);
        say("console   running (started by init)\n");
    }
    unsigned first = sh.nprocs > MAX_PROCS ? sh.nprocs - MAX_PROCS : 0;
    for (unsigned i = first; i < sh.nprocs; i++) {
        struct proc *p = &sh.procs[i % MAX_PROCS];
        char how[64];
        poll(p);
        col_u(p->p.pid, 5, 0);
        col(p->name, 10);
        say("%s\n", p->ended ? vos_exit_describe(&p->info, how, sizeof(how)) : "running");
    }
    return 0;
}

/* What each program may have besides the console: least privilege per program. */
static uint64_t grants_for(const char *prog, vos_any_t *caps)
{
    uint64_t n = 0;
    caps[n++] = vos_console_cap(sh.con);
    if (!strcmp(prog, "pingpong") && sh.demo_ep.cap && sh.demo_ch.cap) {
        caps[n++] = (vos_any_t){ sh.fs.cap };
        caps[n++] = VOS_ANY(sh.demo_ep);
        caps[n++] = VOS_ANY(sh.demo_ch);
    } else if (!strcmp(prog, "capdemo") && sh.pool.cap) {
        caps[n++] = (vos_any_t){ sh.fs.cap };
        caps[n++] = VOS_ANY(sh.pool);
    } else if (!strcmp(prog, "lua") && sh.have_fs) {
        caps[n++] = (vos_any_t){ sh.fs.cap }; /* its scripts are boot files (libsys/src/files.c) */
        if (sh.files.cap)
            caps[n++] = VOS_ANY(sh.files);
    } else if (sh.files.cap) {
        caps[n++] = VOS_ANY(sh.files); /* the file system, where libsys looks for it */
    }
    return n;
}

static int cmd_run(int argc, char **argv)
{
    if (argc < 2) {
        say("run: usage: run PROGRAM [ARGS...]\n");
        return 0;
    }
    const void *elf;
    void *loaded = NULL;
    uint64_t size;
    if (!sh.have_fs || vos_bootfs_find(&sh.fs, argv[1], &elf, &size)) {
        /* Not a boot file: a program on the disk? */
        int r = sh.files.cap ? files_load(argv[1], &loaded, &size) : -VOS_ENOENT;
        if (r == -VOS_ENOENT) {
            say("run: no such program: %s (try `ls /boot` or `ls`)\n", argv[1]);
            return 0;
        }
        if (r < 0) {
            say("run: %s: %s\n", argv[1], vos_strerror(r));
            return 0;
        }
        elf = loaded;
    }
    vos_any_t caps[4];
    struct vos_spawn sp = { (const char *const *)argv + 1, (uint64_t)argc - 1, caps, grants_for(argv[1], caps) };
    struct proc *p = &sh.procs[sh.nprocs % MAX_PROCS];
    vos_status_t st = vos_process_create(elf, size, &sp, &p->p);
    if (loaded) /* the kernel has copied what it needs */
        vos_munmap(loaded, (size + VOS_PAGE_SIZE - 1) & ~(uint64_t)(VOS_PAGE_SIZE - 1));
    if (!st && (st = vos_process_start(p->p)))
        vos_process_wait(p->p, VOS_TIMEOUT_INFINITE, &p->info); /* never started: reap it */
    if (st) {
        say("run: cannot start %s: %s\n", argv[1], vos_status_name(st));
        return 0;
    }
    sh.nprocs++;
    size_t n = strlen(argv[1]);
    n = n < sizeof(p->name) - 1 ? n : sizeof(p->name) - 1;
    memcpy(p->name, argv[1], n);
    p->name[n] = 0;
    p->ended = 0;
    say("[started %s as pid %lu]\n", p->name, (unsigned long)p->p.pid);
    if ((st = vos_process_wait(p->p, VOS_TIMEOUT_INFINITE, &p->info))) {
        say("run: wait: %s\n", vos_status_name(st));
        return 0;
    }
    p->ended = 1;
    char how[64];
    say("[pid %lu %s %s]\n", (unsigned long)p->p.pid, p->name, vos_exit_describe(&p->info, how, sizeof(how)));
    return 0;
}

int boot_ls(void)
{
    if (!sh.have_fs) {
        say("ls: no boot files\n");
        return 0;
    }
    const char *name;
    for (uint64_t i = 0; (name = vos_bootfs_name(&sh.fs, i)); i++) {
        const void *d;
        uint64_t size = 0;
        vos_bootfs_find(&sh.fs, name, &d, &size);
        say("  ");
        col(name, 17);
        say("%8lu bytes\n", (unsigned long)size);
    }
    return 0;
}

static int cmd_poweroff(int argc, char **argv)
{
    (void)argc, (void)argv;
    say("shell: powering off\n");
    return SHELL_EXIT;
}

const struct command commands[] = {
    { "help", "", "this list", cmd_help },
    { "echo", "[WORDS...]", "print the words", cmd_echo },
    { "time", "", "the monotonic and real-time clocks", cmd_time },
    { "caps", "", "this shell's capabilities: token, type, rights", cmd_caps },
    { "ps", "", "processes this shell knows and their states", cmd_ps },
    { "ls", "[DIR]", "a disk directory (default /); /boot: the boot files", cmd_ls },
    { "cat", "FILE", "print a file", cmd_cat },
    { "write", "FILE [WORDS...]", "write the words (and a newline) to a file", cmd_write },
    { "rm", "PATH...", "remove files or empty directories", cmd_rm },
    { "mkdir", "DIR...", "make directories", cmd_mkdir },
    { "cp", "FROM TO", "copy a file", cmd_cp },
    { "mv", "FROM TO", "rename or move a file or directory", cmd_mv },
    { "df", "", "the disk's size and free space", cmd_df },
    { "run", "PROGRAM [ARGS...]", "start a boot-file program, wait, show how it ended", cmd_run },
    { "poweroff", "", "leave the shell; init then powers off", cmd_poweroff },
    { NULL, NULL, NULL, NULL },
};
