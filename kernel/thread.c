/*
 * thread.c — thread objects.  A thread belongs to one process for life;
 * it is created NEW, becomes READY/RUNNING/BLOCKED under the scheduler and
 * ends DEAD, after which only references keep its memory.
 */
#include "memory.h"
#include "process.h"
#include "syscall_handlers.h"

struct thread *thread_new(struct process *p, uaddr_t pc, uaddr_t sp, uint64_t arg)
{
    struct thread *t = kmem_alloc(sizeof(*t));
    if (!t)
        return NULL;
    object_init(&t->obj, VOS_OBJ_THREAD);
    arch_frame_init(&t->frame, pc, sp, arg);
    t->proc = p;
    t->state = THREAD_NEW;
    t->priority = DEFAULT_PRIORITY;
    list_init(&t->run_link);
    list_add_tail(&p->threads, &t->proc_link);
    p->live_threads++;
    return t;
}

void thread_kill(struct thread *t)
{
    if (t->state == THREAD_DEAD)
        return;
    sched_block(t);
    t->state = THREAD_DEAD;
    list_del(&t->proc_link);
    t->proc->live_threads--;
    if (current == t)
        current = NULL;
    object_put(&t->obj);
}

void thread_destroy(struct object *o)
{
    struct thread *t = container_of(o, struct thread, obj);
    kmem_free(t, sizeof(*t));
}

long sys_thread_exit(struct thread *self, int32_t exit_code)
{
    self->exit_code = exit_code;
    if (self->proc->live_threads == 1)
        process_exit(self->proc, VOS_EXIT_CODE, (uint64_t)(int64_t)exit_code); /* the last thread ends the process */
    else
        thread_kill(self);
    return SYSCALL_BLOCKED;
}
