/*
 * ipc_fast.c — the register fast path (docs/ipc.md), after seL4's fastpath.
 *
 * The two message syscalls come here straight from the arch's trap entry,
 * with the whole user context already in the caller's frame.  The common
 * case of each is done in place, without the generic shim, handler or
 * scheduler pass:
 *
 *   SYS_IPC_CALL_SHORT           a server waits in SYS_IPC_REPLY_RECEIVE_SHORT:
 *                                the words go to it, we wait for the reply,
 *                                it runs;
 *   SYS_IPC_REPLY_RECEIVE_SHORT  the caller waits in SYS_IPC_CALL_SHORT and
 *                                nothing is queued for us: the reply goes to
 *                                it, we wait on the endpoint, it runs.
 *
 * Anything else (a bad argument, nobody waiting, a different priority, a
 * thread of higher priority ready, a full capability space) returns NULL
 * before changing anything, and the generic path decides, with the same
 * results.  Invariant: a fast path commits only when every check passed, and
 * then does exactly what the generic handler would have done.
 */
#include "ipc.h"
#include "syscall_frame.h"
#include "syscall_handlers.h"

/* Look a capability up with object type and rights, or NULL. */
static inline struct cap *fast_cap(struct thread *self, uint64_t token, unsigned type, uint32_t rights)
{
    struct cap *c;
    if (cap_lookup(&self->proc->cspace, token, &c) || c->obj->type != type || (c->rights & rights) != rights)
        return NULL;
    return c;
}

/*
 * self waits on queue with no time limit (as sched_wait would have it) and
 * t, which waits with no time limit either, runs in its place on the rest
 * of the time slice (as sched_switch_to): no run queue, no timer.
 */
static struct trap_frame *fast_handoff(struct thread *self, struct list *queue, struct thread *t)
{
    KASSERT_DEBUG(!t->wake_at && self->state == THREAD_RUNNING);
    self->state = THREAD_BLOCKED;
    self->wake_at = 0;
    self->timeout_result = VOS_ERR_TIMEOUT;
    list_add_tail(queue, &self->wait_link);
    list_del(&t->wait_link);
    t->state = THREAD_RUNNING;
    current = t;
    sched_resume_frame = &t->frame; /* the caller's priority, and it was allowed to go on */
    sched_use_vspace(&t->proc->vspace);
    return &t->frame;
}

static struct trap_frame *fast_call(struct thread *self, struct trap_frame *f)
{
    struct cap *c = fast_cap(self, syscall_message_arg(f, 0), VOS_OBJ_CHANNEL, VOS_RIGHT_WRITE);
    uint64_t len = syscall_message_arg(f, 1);
    if (!c || len > VOS_IPC_REGISTER_MESSAGE)
        return NULL;
    struct endpoint *ep = container_of(c->obj, struct channel, obj)->dest;
    if (!ep || list_empty(&ep->receivers))
        return NULL;
    struct thread *r = list_first(&ep->receivers, struct thread, wait_link);
    struct reply *rp = self->ipc.reply;
    if (!r->ipc.regs || r->priority != self->priority || !rp || rp->obj.refcount != 1)
        return NULL;
    /* The receiver's reply token: as cap_insert and its IPC hook would make it. */
    struct cap *token = cap_insert_root_fast(&r->proc->cspace, &rp->obj, VOS_RIGHT_ALL);
    if (!token)
        return NULL;
    rp->ncaps++;
    self->ipc.regs = true;
    self->ipc.buf_len = VOS_IPC_REGISTER_MESSAGE;
    self->ipc.req_len = len;
    self->ipc.via = c;
    self->ipc.xfer = 0;
    syscall_message_copy(&r->frame, f);
    syscall_return3(&r->frame, self->proc->obj.id, len, cap_token(token));
    return fast_handoff(self, &rp->waiter, r);
}

static struct trap_frame *fast_reply_receive(struct thread *self, struct trap_frame *f)
{
    struct cap *c = fast_cap(self, syscall_message_arg(f, 0), VOS_OBJ_REPLY, VOS_RIGHT_WRITE);
    struct cap *e = fast_cap(self, syscall_message_arg(f, 1), VOS_OBJ_ENDPOINT, VOS_RIGHT_READ);
    uint64_t len = syscall_message_arg(f, 2);
    if (!c || !e || len > VOS_IPC_REGISTER_MESSAGE || !cap_is_lone_root(c))
        return NULL;
    struct reply *rp = container_of(c->obj, struct reply, obj);
    struct endpoint *ep = container_of(e->obj, struct endpoint, obj);
    if (list_empty(&rp->waiter) || !list_empty(&ep->calls) || !list_empty(&ep->msgs))
        return NULL;
    struct thread *t = list_first(&rp->waiter, struct thread, wait_link);
    if (!t->ipc.regs || t->priority != self->priority)
        return NULL;
    syscall_message_copy(&t->frame, f);
    syscall_return1(&t->frame, len);
    /* The token is spent: as cap_delete and its IPC hook would (t, which holds rp too, is answered). */
    rp->ncaps--;
    cap_slot_release(c);
    object_put(&rp->obj);
    self->ipc.regs = true;
    self->ipc.buf_len = VOS_IPC_REGISTER_MESSAGE;
    self->ipc.via = e;
    return fast_handoff(self, &ep->receivers, t);
}

/*
 * The arch's entry for the message syscalls (kernel/include/arch.h): f is
 * complete.  Returns the frame to enter, restoring all of it.
 */
struct trap_frame *kernel_entry_ipc(struct trap_frame *f)
{
    struct thread *self = current;
    struct trap_frame *next = NULL;
    if (sched_resume_frame == f) /* nothing more important is ready */
        next = syscall_number(f) == VOS_SYS_IPC_CALL_SHORT ? fast_call(self, f) : fast_reply_receive(self, f);
    if (next)
        return next;
    if (!kernel_entry_syscall(f))
        sched_return_to_user();
    return f;
}
