/* libc_misc.c — <signal.h>, <time.h>, <errno.h> and <assert.h> for user programs. */
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <vos/syscalls.h>

int errno;

sighandler_t signal(int sig, sighandler_t handler)
{
    (void)sig;
    (void)handler;
    return SIG_DFL; /* accepted, never delivered: VeridianOS has no signals */
}

int raise(int sig)
{
    if (sig == SIGABRT)
        abort();
    return -1;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    struct vos_timespec t;
    if (vos_sys_clock_get((uint64_t)id, &t) < 0) {
        errno = EINVAL;
        return -1;
    }
    ts->tv_sec = (time_t)t.tv_sec;
    ts->tv_nsec = (long)t.tv_nsec;
    return 0;
}

time_t time(time_t *t)
{
    struct timespec ts = { 0, 0 };
    clock_gettime(CLOCK_REALTIME, &ts);
    if (t)
        *t = ts.tv_sec;
    return ts.tv_sec;
}

clock_t clock(void)
{
    struct timespec ts = { 0, 0 };
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (clock_t)(ts.tv_sec * CLOCKS_PER_SEC + ts.tv_nsec / 1000);
}

void __vos_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, expr);
    abort();
}
