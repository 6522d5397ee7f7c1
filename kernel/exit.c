/* exit.c — SYS_EXIT: the whole process ends, releasing all it owned. */
#include "syscall_handlers.h"

long sys_exit(struct thread *self, int32_t exit_code)
{
    process_exit(self->proc, VOS_EXIT_CODE, (uint64_t)(int64_t)exit_code);
    return SYSCALL_BLOCKED; /* never returns to the caller */
}
