/* clock.c — the time and scheduling syscalls. */
#include "syscall_handlers.h"

#define NSEC_PER_SEC 1000000000ull

long sys_clock_get(struct thread *self, uint64_t clock_id, struct vos_timespec *result)
{
    (void)self;
    uint64_t ns = clock_id == VOS_CLOCK_MONOTONIC ? arch_time_ns()
                  : clock_id == VOS_CLOCK_IDLE    ? sched_idle_cycles() /* counts, in a timespec's two words */
                                                  : arch_realtime_ns();
    if (clock_id == VOS_CLOCK_REALTIME && ns == 0)
        return VOS_ERR_NOT_SUPPORTED; /* no RTC on this machine */
    result->tv_sec = ns / NSEC_PER_SEC;
    result->tv_nsec = ns % NSEC_PER_SEC;
    return VOS_OK;
}

long sys_yield(struct thread *self)
{
    /* To the back of the queue; sched_return_to_user picks the next one. */
    sched_ready(self);
    sched_set_current(NULL);
    return VOS_OK;
}

long sys_nanosleep(struct thread *self, user_in_t duration)
{
    struct vos_timespec ts;
    long err = copy_from_user(&ts, duration, 0, sizeof(ts));
    if (err)
        return err;
    if (ts.tv_nsec >= NSEC_PER_SEC)
        return VOS_ERR_INVALID_PARAMETER;
    /* Longer than 2^64 - 2 ns (584 years) is "for ever", never a wrap-around. */
    uint64_t max_sec = (VOS_TIMEOUT_INFINITE - 1 - ts.tv_nsec) / NSEC_PER_SEC;
    uint64_t ns = ts.tv_sec > max_sec ? VOS_TIMEOUT_INFINITE - 1 : ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
    if (ns == 0)
        return VOS_OK;
    sched_wait(self, NULL, ns, VOS_OK); /* on the sleepers list only; consumes no CPU */
    return SYSCALL_BLOCKED;
}
