/* clock.c — the time and scheduling syscalls. */
#include "syscall_handlers.h"

long sys_clock_get(struct thread *self, uint64_t clock_id, struct vos_timespec *result)
{
    (void)self;
    uint64_t ns = clock_id == VOS_CLOCK_MONOTONIC ? arch_time_ns() : arch_realtime_ns();
    if (clock_id == VOS_CLOCK_REALTIME && ns == 0)
        return VOS_ERR_NOT_SUPPORTED; /* no RTC on this machine */
    result->tv_sec = ns / 1000000000u;
    result->tv_nsec = ns % 1000000000u;
    return VOS_OK;
}

long sys_yield(struct thread *self)
{
    /* To the back of the queue; sched_return_to_user picks the next one. */
    sched_ready(self);
    current = NULL;
    return VOS_OK;
}
