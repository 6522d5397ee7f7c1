/*
 * shell: the interactive shell on the serial console, through the console
 * server.  Commands: see `help` (the table at the end).
 *
 * Input may be a person at a terminal or a file piped into QEMU: either way
 * the shell echoes what it reads (a serial line has no local echo), ends a
 * line at CR or LF (a CR LF pair counts once), and treats Ctrl-D on an empty
 * line as the end of input: it exits 0 like `poweroff`.  Backspace edits,
 * the up and down arrows walk the last few lines, Ctrl-C drops the line.
 *
 * `ps` is honest about its source: the kernel has no "list processes" call,
 * so the shell lists what it knows: itself, the console server (init passes
 * its pid as "console=N") and everything it started, whose states come from
 * SYS_PROCESS_WAIT (timeout 0 polls a running one).
 */
#include "shell.h"

struct shell sh;

/* ---- line editing ---- */

static void out(const char *s) { vos_console_write(sh.con, s, strlen(s)); }

/* One byte of input, or -1 at end of input (Ctrl-D) or a console error.
 * One byte per read: what is typed ahead stays with the console, so a
 * program `run` from here (another shell, say) reads it, not our buffer. */
static int getch(void)
{
    unsigned char c;
    uint64_t got = 0;
    if (vos_console_read(sh.con, &c, 1, &got) || got != 1)
        return -1;
    return c;
}

/* History: the last HISTORY lines, for the up and down arrows. */
#define HISTORY 8
static char history[HISTORY][256];
static unsigned hist_count; /* lines ever remembered */

static void remember(const char *line)
{
    size_t n = strlen(line);
    if (!n || (hist_count && !strcmp(history[(hist_count - 1) % HISTORY], line)))
        return;
    memcpy(history[hist_count++ % HISTORY], line, n + 1);
}

/* Replace the line being edited (len bytes shown) with s. */
static size_t replace(char *line, size_t len, size_t cap, const char *s)
{
    while (len--)
        out("\b \b");
    size_t n = strlen(s);
    n = n < cap - 1 ? n : cap - 1;
    memcpy(line, s, n);
    line[n] = 0;
    out(line);
    return n;
}

/* Read one line into line[]; 0, or -1 at the end of input. */
static int read_line(char *line, size_t cap)
{
    static int last;
    size_t len = 0;
    unsigned back = 0; /* how far up the history we are */
    int esc = 0;       /* inside an escape sequence: 1 after ESC, 2 after ESC [ */
    for (;;) {
        int c = getch();
        if (c < 0 || (c == 4 && len == 0))
            return -1;
        int prev = last;
        last = c;
        if (esc) {
            /* ESC [ A / B are the arrows; any other sequence is skipped whole. */
            if (esc == 1) /* ESC [ and ESC O (application mode) both start the arrows */
                esc = c == '[' || c == 'O' ? 2 : c == 0x1b ? 1 : 0;
            else if (c >= 0x40 && c <= 0x7e) {
                esc = 0;
                unsigned avail = hist_count < HISTORY ? hist_count : HISTORY;
                if (c == 'A' && back < avail)
                    back++;
                else if (c == 'B' && back > 0)
                    back--;
                else
                    continue;
                len = replace(line, len, cap, back ? history[(hist_count - back) % HISTORY] : "");
            }
            continue;
        }
        if (c == 0x1b) {
            esc = 1;
            continue;
        }
        if (c == '\n' && prev == '\r')
            continue; /* the LF of a CR LF pair */
        if (c == '\r' || c == '\n') {
            out("\n");
            line[len] = 0;
            remember(line);
            return 0;
        }
        if (c == 0x7f || c == '\b') {
            if (len) {
                len--;
                out("\b \b");
            }
        } else if (c == 3) { /* Ctrl-C: drop the line */
            out("^C\n");
            line[0] = 0;
            return 0;
        } else if (c >= ' ' && c < 0x7f && len + 1 < cap) {
            line[len++] = (char)c;
            char e[2] = { (char)c, 0 };
            out(e);
        }
        /* Anything else (other control keys, overlong lines) is dropped. */
    }
}

/* Split on spaces, in place; the word count (at most max). */
static int split(char *line, char **argv, int max)
{
    int n = 0;
    for (char *p = line; *p;) {
        while (*p == ' ' || *p == '\t')
            *p++ = 0;
        if (!*p)
            break;
        if (n == max)
            return -1;
        argv[n++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    return n;
}

static const struct command *find(const char *name)
{
    for (const struct command *c = commands; c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

static void find_caps(const struct vos_start_info *si)
{
    sh.si = si;
    sh.con = vos_console_open(si);
    vos_cap_t boot = vos_start_find_bootfs(si);
    sh.have_fs = boot && !vos_bootfs_open(&sh.fs, boot);
    sh.pool.cap = vos_start_find_pool(si);
    const struct vos_cap_info *c;
    for (uint64_t i = 1; (c = vos_start_cap(si, i)); i++) {
        if (c->object_type == VOS_OBJ_ENDPOINT && !sh.demo_ep.cap)
            sh.demo_ep = vos_ep_from(c);
        if (c->object_type == VOS_OBJ_CHANNEL && !sh.demo_ch.cap)
            sh.demo_ch = vos_chan_from(c);
    }
    const char *const *argv = (const char *const *)(uintptr_t)si->argv;
    for (uint64_t i = 1; i < si->argc; i++)
        if (has_prefix(argv[i], "console="))
            parse_u64(argv[i] + 8, &sh.console_pid);
    files_init(si);
}

int main(void) /* its arguments ("console=N") are read with the capabilities */
{
    find_caps(vos_start_info());
    if (!vos_console_cap(sh.con).cap)
        return 2;
    out("VeridianOS shell. Type `help` for the commands.\n");
    char line[256], *argv[MAX_ARGS];
    for (;;) {
        out("vos> ");
        if (read_line(line, sizeof(line))) {
            out("\nshell: end of input\n");
            return 0;
        }
        int argc = split(line, argv, MAX_ARGS);
        if (argc < 0) {
            out("shell: too many arguments\n");
            continue;
        }
        if (argc == 0)
            continue;
        const struct command *c = find(argv[0]);
        if (!c) {
            vos_cprintf(sh.con, "shell: unknown command: %s (try `help`)\n", argv[0]);
            continue;
        }
        if (c->fn(argc, argv) == SHELL_EXIT)
            return 0;
    }
}
