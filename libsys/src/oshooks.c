/*
 * oshooks.c — the OS hooks newlib calls (built with
 * --disable-newlib-supplied-syscalls; tools/build-newlib.sh): the console
 * for descriptors 0-2, the heap, time, exit and the process id.  Files
 * (descriptors 3 and up, open, stat) go through files.c.
 *
 * The console is the one the program was given (vos_console_open on the
 * StartInfo): stdout and stderr write to it, stdin reads lines from it.
 * A serial line has no local echo and a program's console may be a person
 * at a terminal, so stdin is cooked here: bytes are echoed, CR or LF ends a
 * line (a CR LF pair counts once), backspace edits, Ctrl-D at the start of
 * a line is the end of input.  One byte is read per call to the console, so
 * what is typed ahead stays with it for the next program.
 *
 * The heap (_sbrk) grows up from the page after the program image (_end in
 * user.ld), mapped with SYS_MMAP FIXED in steps of HEAP_STEP; when malloc
 * trims the top of the heap the pages above the new break are unmapped, so
 * free() gives memory back to the system.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <vos/files.h>
#include <vos/syscalls.h>
#include <vos/vos.h>

#undef errno
extern int errno;

/* ---- the console ---- */

static vos_console_t *console(void)
{
    static vos_console_t con;
    static int looked;
    if (!looked && vos_start_info()) {
        con = vos_console_open(vos_start_info());
        looked = 1;
    }
    return con.chan.cap || con.dev.cap ? &con : NULL;
}

static int is_console(int fd) { return fd >= 0 && fd <= 2; }

static int console_getc(vos_console_t *con)
{
    unsigned char c;
    uint64_t got = 0;
    return vos_console_read(*con, &c, 1, &got) || got != 1 ? -1 : c;
}

/* One cooked line (or up to n bytes of it) from the console; 0 at the end of input. */
static int console_read_line(vos_console_t *con, char *buf, size_t n)
{
    static int last; /* the previous byte read, across calls (CR LF) */
    size_t len = 0;
    while (len < n) {
        int c = console_getc(con), prev = last;
        if (c < 0) {
            if (len)
                break;
            errno = EIO;
            return -1;
        }
        last = c;
        if (c == '\n' && prev == '\r')
            continue;
        if (c == 4) { /* Ctrl-D: the end of input on an empty line, else send the line as it is */
            if (len)
                break;
            return 0;
        }
        if (c == '\r' || c == '\n') {
            vos_console_write(*con, "\n", 1);
            buf[len++] = '\n';
            break;
        }
        if (c == 0x7f || c == '\b') {
            if (len) {
                len--;
                vos_console_write(*con, "\b \b", 3);
            }
            continue;
        }
        buf[len++] = (char)c;
        vos_console_write(*con, &buf[len - 1], 1);
    }
    return (int)len;
}

int _write(int fd, const void *buf, size_t n)
{
    if (!is_console(fd))
        return vos_file_adapter_write(fd, buf, n);
    vos_console_t *con = console();
    if (fd == 0 || !con) {
        errno = EBADF;
        return -1;
    }
    if (vos_console_write(*con, buf, n)) {
        errno = EIO;
        return -1;
    }
    return (int)n;
}

int _read(int fd, void *buf, size_t n)
{
    if (!is_console(fd))
        return vos_file_adapter_read(fd, buf, n);
    vos_console_t *con = console();
    if (fd != 0 || !con) {
        errno = EBADF;
        return -1;
    }
    return console_read_line(con, buf, n);
}

int _isatty(int fd)
{
    if (is_console(fd) && console())
        return 1;
    errno = is_console(fd) || vos_file_adapter_is_open(fd) ? ENOTTY : EBADF;
    return 0;
}

int _fstat(int fd, struct stat *st)
{
    if (!is_console(fd))
        return vos_file_adapter_fstat(fd, st);
    memset(st, 0, sizeof(*st));
    st->st_mode = S_IFCHR | 0620; /* a terminal: newlib line-buffers stdout on it */
    return 0;
}

int _lseek(int fd, int off, int whence)
{
    if (!is_console(fd))
        return vos_file_adapter_lseek(fd, off, whence);
    errno = ESPIPE;
    return -1;
}

int _close(int fd)
{
    if (!is_console(fd))
        return vos_file_adapter_close(fd);
    return 0; /* the console stays; closing stdio's descriptors is harmless */
}

int _open(const char *path, int flags, int mode) { return vos_file_adapter_open(path, flags, mode); }
int _stat(const char *path, struct stat *st) { return vos_file_adapter_stat(path, st); }
int _unlink(const char *path) { return vos_file_adapter_unlink(path); }

int _link(const char *old, const char *new)
{
    (void)old, (void)new;
    errno = ENOSYS;
    return -1;
}

/* ---- the heap ---- */

#define HEAP_STEP (1u << 20)
extern char _end[]; /* user.ld: the end of the image */
static uintptr_t heap_brk, heap_top; /* the break; the end of what is mapped */

static uintptr_t page_up(uintptr_t v) { return (v + VOS_PAGE_SIZE - 1) & ~(uintptr_t)(VOS_PAGE_SIZE - 1); }

void *_sbrk(ptrdiff_t incr)
{
    if (!heap_brk)
        heap_brk = heap_top = page_up((uintptr_t)_end);
    uintptr_t old = heap_brk, brk = old + (uintptr_t)incr;
    if (incr > 0 && (brk < old || brk > heap_top)) {
        uintptr_t want = (brk - heap_top + HEAP_STEP - 1) & ~(uintptr_t)(HEAP_STEP - 1);
        if (brk < old || vos_sys_mmap(heap_top, want, VOS_PROT_READ | VOS_PROT_WRITE,
                                      VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_FIXED, VOS_CAP_NULL, 0) < 0) {
            errno = ENOMEM;
            return (void *)-1;
        }
        heap_top += want;
    } else if (incr < 0) {
        if (brk > old || brk < page_up((uintptr_t)_end)) {
            errno = EINVAL;
            return (void *)-1;
        }
        uintptr_t keep = page_up(brk);
        if (keep < heap_top && vos_sys_munmap(keep, heap_top - keep) == 0)
            heap_top = keep;
    }
    heap_brk = brk;
    return (void *)old;
}

/* ---- processes and time ---- */

void _exit(int status)
{
    vos_sys_exit(status);
    for (;;)
        ;
}

int _getpid(void) { return vos_start_info() ? (int)vos_start_info()->pid : 1; }

int _kill(int pid, int sig)
{
    if (pid == _getpid())
        _exit(128 + sig); /* raise() and abort(): the process ends, as a shell would report it */
    errno = ESRCH;
    return -1;
}

int _fork(void)
{
    errno = ENOSYS;
    return -1;
}

int _execve(const char *path, char *const argv[], char *const envp[])
{
    (void)path, (void)argv, (void)envp;
    errno = ENOSYS;
    return -1;
}

int _wait(int *status)
{
    (void)status;
    errno = ECHILD;
    return -1;
}

static int clock_now(uint64_t id, struct timespec *ts)
{
    struct vos_timespec t;
    if (vos_clock(id, &t)) {
        errno = EINVAL;
        return -1;
    }
    ts->tv_sec = (time_t)t.tv_sec;
    ts->tv_nsec = (long)t.tv_nsec;
    return 0;
}

int _gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    struct timespec ts;
    if (clock_now(VOS_CLOCK_REALTIME, &ts))
        return -1;
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
    return 0;
}

/* clock() is newlib's, from _times: the process's CPU time is not kept, so
 * it counts time since boot (monotonic), in CLK_TCK units. */
clock_t _times(struct tms *t)
{
    struct timespec ts;
    clock_now(VOS_CLOCK_MONOTONIC, &ts);
    clock_t c = (clock_t)(ts.tv_sec * CLK_TCK + ts.tv_nsec / (1000000000 / CLK_TCK));
    if (t)
        *t = (struct tms){ c, 0, 0, 0 };
    return c;
}

/* newlib calls these hooks as _write ... on riscv64 and aarch64 and as
 * write ... on x86_64 (its MISSING_SYSCALL_NAMES targets); the POSIX names
 * are also what programs call directly. */
#define VOS_ALIAS(posix, hook) __typeof__(hook) posix __attribute__((alias(#hook)))
VOS_ALIAS(write, _write);
VOS_ALIAS(read, _read);
VOS_ALIAS(isatty, _isatty);
VOS_ALIAS(fstat, _fstat);
VOS_ALIAS(lseek, _lseek);
VOS_ALIAS(close, _close);
VOS_ALIAS(open, _open);
VOS_ALIAS(stat, _stat);
VOS_ALIAS(unlink, _unlink);
VOS_ALIAS(link, _link);
VOS_ALIAS(sbrk, _sbrk);
VOS_ALIAS(getpid, _getpid);
VOS_ALIAS(kill, _kill);
VOS_ALIAS(fork, _fork);
VOS_ALIAS(execve, _execve);
VOS_ALIAS(wait, _wait);
VOS_ALIAS(gettimeofday, _gettimeofday);
VOS_ALIAS(times, _times);
