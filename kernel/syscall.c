/*
 * syscall.c — from the trap to the generated shim, and the capability
 * check every shim uses.  This is the hot path: keep it short.
 */
#include "syscall_frame.h"
#include "syscall_support.h"

/* The table's entry for a number no syscall has (syscall_table.c). */
long shim_refuse(long err) { return err; }

long syscall_invalid(struct thread *self, struct trap_frame *f)
{
    (void)self, (void)f;
    return VOS_ERR_INVALID_SYSCALL;
}

long syscall_dispatch(struct thread *self, struct trap_frame *f)
{
    uint64_t nr = syscall_number(f);
    syscall_note(self, nr);
    if (unlikely(nr >= VOS_SYSCALL_TABLE_SIZE))
        return VOS_ERR_INVALID_SYSCALL;
    return syscall_table[nr](self, f); /* every entry is set: syscall_invalid where no syscall is */
}

struct trap_frame *kernel_entry_syscall(struct trap_frame *f)
{
    struct thread *self = current;
    long err = syscall_dispatch(self, f);
    if (err > 0) {
        syscall_check_error(self->syscall_nr, err);
        syscall_return_error(f, err);
    }
    /* f (the caller goes on), another thread's (an IPC switch: sched_switch_to), or NULL: the scheduler decides. */
    KASSERT_DEBUG(!sched_resume_frame || (sched_resume_frame == &current->frame && sched_caller_continues(current)));
    return sched_resume_frame;
}
