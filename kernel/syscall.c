/*
 * syscall.c — from the trap to the generated shim, and the capability
 * check every shim uses.  This is the hot path: keep it short.
 */
#include "syscall_frame.h"
#include "syscall_support.h"

/* A shim's refusal of an argument: cold, so the error code is made on the refusal's branch only. */
long shim_refuse(long err) { return err; }

/*
 * The table's entry for a number no syscall has (syscall_table.c), and
 * what a number past the table's end gets: InvalidSyscall, written at once
 * (what kernel_syscall_failed would do, without the round trip to it).
 */
long syscall_invalid(struct thread *self, struct trap_frame *f)
{
    (void)self;
    syscall_return_error(f, VOS_ERR_INVALID_SYSCALL);
    return VOS_OK;
}

/*
 * The way in from the arch (arch.h): the shim of number nr, with nothing
 * after it, so the shim's result goes straight back to the entry.  That
 * sends an error to kernel_syscall_failed and otherwise resumes
 * sched_resume_frame, so no frame of its own is needed here.
 */
long kernel_entry_syscall(uint64_t nr, struct trap_frame *f)
{
    struct thread *self = container_of(f, struct thread, frame); /* the caller's frame is in the caller */
    KASSERT_DEBUG(self == current);
    syscall_note(self, nr);
    if (unlikely(nr >= VOS_SYSCALL_TABLE_SIZE))
        return syscall_invalid(self, f);
    return syscall_table[nr](self, f); /* every entry is set: syscall_invalid where no syscall is */
}

/* The call in f failed with err (a call that fails has switched nothing: f is still the caller's). */
struct trap_frame *kernel_syscall_failed(struct trap_frame *f, long err)
{
    struct thread *self = container_of(f, struct thread, frame);
    KASSERT_DEBUG(self == current);
    syscall_check_error(self->syscall_nr, err); /* noted on entry: a result may overwrite the number's register */
    syscall_return_error(f, err);
    return sched_resume_frame;
}

/* Both steps in C (arch.h): the host's simulated trap, the message syscalls' general path. */
struct trap_frame *syscall_run(struct trap_frame *f)
{
    long err = kernel_entry_syscall(syscall_number(f), f);
    if (err > 0)
        return kernel_syscall_failed(f, err);
    /* f (the caller goes on), another thread's (an IPC switch: sched_switch_to), or NULL: the scheduler decides. */
    KASSERT_DEBUG(!sched_resume_frame || (sched_resume_frame == &current->frame && sched_caller_continues(current)));
    return sched_resume_frame;
}
