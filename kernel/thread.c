/*
 * thread.c — thread objects and the thread syscalls.
 *
 * A thread belongs to one process for life.  It is created NEW, becomes
 * READY/RUNNING/BLOCKED under the scheduler, and ends DEAD.  A dead thread
 * stays on its process's list (holding the list's reference) until it is
 * joined or the process ends, so its exit code can still be collected.
 */
#include "ipc.h"
#include "process.h"
#include "syscall_frame.h"
#include "syscall_handlers.h"

struct thread *thread_new(struct process *p, uaddr_t pc, uaddr_t sp, uint64_t arg)
{
    long err;
    struct thread *t = object_alloc(sizeof(*t), VOS_OBJ_THREAD, p, &err);
    if (!t)
        return NULL;
    arch_frame_init(&t->frame, pc, sp, arg);
    t->proc = p;
    t->state = THREAD_NEW;
    t->priority = DEFAULT_PRIORITY;
    list_init(&t->run_link);
    list_init(&t->wait_link);
    list_init(&t->timer_link);
    list_init(&t->joiners);
    /* Token 0 with a slot whose key is never 0: every first try misses. */
    t->ipc.call_channel = t->ipc.rr_reply = t->ipc.rr_endpoint = (struct cap_hint){ &cspace_empty_leaf[0], 0 };
    list_add_tail(&p->threads, &t->proc_link);
    p->live_threads++;
    return t;
}

/*
 * The running thread may die inside its own syscall, but the arch still
 * stores its callee-saved registers into its frame on the way out of the
 * kernel (arch.h, kernel_entry_syscall).  So a reap of the running thread
 * only marks it; the scheduler lets go of it once the kernel has left it.
 */
static bool dying_reaped;         /* thread_dying (sched.h), the thread that died while running, is reaped */

void thread_release_dying(void)
{
    struct thread *t = thread_dying;
    if (!t)
        return;
    thread_dying = NULL;
    if (dying_reaped)
        object_put(&t->obj);
    dying_reaped = false;
}

void thread_kill(struct thread *t)
{
    if (t->state == THREAD_DEAD)
        return;
    sched_block(t);
    sched_unwait(t);
    t->state = THREAD_DEAD;
    t->proc->live_threads--;
    ipc_thread_kill(t);
    if (current == t) {
        sched_set_current(NULL);
        thread_release_dying(); /* at most one: an earlier one has long been left */
        thread_dying = t;
    }
    /* Whoever joined it learns the exit code now, and reaps it. */
    if (!list_empty(&t->joiners)) {
        struct thread *j = list_first(&t->joiners, struct thread, wait_link);
        syscall_result_thread_join(&j->frame, t->exit_code);
        sched_wake(j);
        thread_reap(t);
    }
}

void thread_reap(struct thread *t)
{
    KASSERT(t->state == THREAD_DEAD);
    list_del(&t->proc_link);
    if (t == thread_dying)
        dying_reaped = true;
    else
        object_put(&t->obj);
}

static void thread_destroy(struct object *o)
{
    /* object_put frees it and releases the owner's charge; the arch may hold state for it. */
    arch_frame_release(&container_of(o, struct thread, obj)->frame);
    ipc_thread_destroy(container_of(o, struct thread, obj)); /* IPC drops its cached reply object */
}

/* The arch's state beside a thread's frame (arch.h), charged like the thread itself. */
void *kernel_thread_alloc(struct trap_frame *f, size_t size, long *err)
{
    return kmem_alloc_for(container_of(f, struct thread, frame)->proc, size, err);
}

void kernel_thread_free(struct trap_frame *f, void *p, size_t size)
{
    kmem_free_for(container_of(f, struct thread, frame)->proc, p, size);
}

const struct object_type thread_type = { .destroy = thread_destroy };

/* For arches that keep no lazy per-thread state. */
__attribute__((weak)) void arch_frame_release(struct trap_frame *f)
{
    (void)f;
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

long sys_thread_create(struct thread *self, uint64_t entry_point, uint64_t stack_base, uint64_t stack_size,
                       uint64_t arg, vos_tid_t *result)
{
    struct vspace *vs = &self->proc->vspace;
    struct region *code = vspace_find(vs, entry_point);
    if (!code || !(code->prot & VOS_PROT_EXEC))
        return VOS_ERR_INVALID_ADDRESS;
    if (stack_size < 64 || stack_base + stack_size < stack_base)
        return VOS_ERR_INVALID_PARAMETER;
    /* The whole stack must be writable memory of the caller. */
    for (uaddr_t a = stack_base; a < stack_base + stack_size;) {
        struct region *r = vspace_find(vs, a);
        if (!r || !(r->prot & VOS_PROT_WRITE))
            return VOS_ERR_INVALID_ADDRESS;
        a = r->end;
    }
    struct thread *t = thread_new(self->proc, entry_point, ALIGN_DOWN(stack_base + stack_size, 16), arg);
    if (!t)
        return VOS_ERR_RESOURCE_EXHAUSTED;
    sched_ready(t);
    *result = t->obj.id;
    return VOS_OK;
}

long sys_thread_join(struct thread *self, vos_tid_t thread_id, uint64_t timeout_ns, int32_t *result)
{
    struct object *o = object_find(VOS_OBJ_THREAD, thread_id);
    struct thread *t = o ? container_of(o, struct thread, obj) : NULL;
    if (!t || t->proc != self->proc)
        return VOS_ERR_NOT_FOUND;
    if (t == self)
        return VOS_ERR_INVALID_PARAMETER; /* would wait for ever */
    if (t->state == THREAD_DEAD) {
        *result = t->exit_code;
        thread_reap(t);
        return VOS_OK;
    }
    if (!list_empty(&t->joiners))
        return VOS_ERR_BUSY;
    if (timeout_ns == 0)
        return VOS_ERR_TIMEOUT;
    sched_wait(self, &t->joiners, timeout_ns, VOS_ERR_TIMEOUT);
    return SYSCALL_BLOCKED;
}
