/*
 * ipc_fast.c — the register fast path (docs/ipc.md), after seL4's fastpath.
 *
 * The two message syscalls come here straight from the arch's trap entry,
 * before anything but the number, arguments, pc and sp is saved.  The
 * common case of each is done in place, without the generic shim, handler
 * or scheduler pass, and the message words stay in the CPU's message
 * registers from one thread to the other:
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
#include "syscall_asm.h"
#include "syscall_frame.h"
#include "syscall_handlers.h"

/*
 * The capability token names, checked for this use through hint h: a hit
 * is the same capability that passed last time (struct cap_hint), a miss
 * takes the full lookup and the type and rights tests, and a pass is
 * remembered.  Hint slots are in our own space, whose tables are freed
 * only with it.
 */
static inline struct cap *fast_cap(struct thread *self, struct cap_hint *h, uint64_t token, unsigned type,
                                   uint32_t rights)
{
    struct cap *c = h->slot;
    if (__builtin_expect(h->token == token && c->key == token, 1))
        return c;
    if (cap_lookup(&self->proc->cspace, token, &c) || c->obj->type != type || (c->rights & rights) != rights)
        return NULL;
    if (type == VOS_OBJ_REPLY && c->parent)
        return NULL; /* only a root reply capability is spent in place (below) */
    *h = (struct cap_hint){ c, token };
    return c;
}

/*
 * self stops running: it waits with no time limit for what the generic
 * path will find in its ipc fields, its message registers included.
 */
static inline void fast_block(struct thread *self, uint64_t nr)
{
    syscall_note(self, nr); /* what the error check will know it by, if it is failed later */
    KASSERT_DEBUG(!self->wake_at && self->state == THREAD_RUNNING);
    self->state = THREAD_BLOCKED;
    if (unlikely(!self->ipc.regs)) { /* every path that sets regs sets this length too */
        self->ipc.regs = true;
        self->ipc.buf_len = VOS_IPC_REGISTER_MESSAGE;
    }
    KASSERT_DEBUG(self->ipc.buf_len == VOS_IPC_REGISTER_MESSAGE);
}

/*
 * The request is received at once, so the fields of a queued call (via,
 * req_len, xfer) stay unused; the words themselves never leave the CPU.
 */
static inline struct trap_frame *fast_call(struct thread *self, const struct trap_frame *f)
{
    struct cap *c = fast_cap(self, &self->ipc.call_channel, syscall_message_arg(f, 0), VOS_OBJ_CHANNEL, VOS_RIGHT_WRITE);
    if (unlikely(!c))
        return NULL;
    uint64_t len = syscall_message_arg(f, 1);
    if (unlikely(len > VOS_IPC_REGISTER_MESSAGE))
        return NULL;
    struct reply *rp = self->ipc.reply; /* no capability names it: a token of an older call cannot answer this one */
    if (unlikely(!rp) || unlikely(rp->caps))
        return NULL;
    struct endpoint *ep = container_of(c->obj, struct channel, obj)->dest;
    if (unlikely(!ep) || unlikely(list_empty(&ep->receivers)))
        return NULL;
    struct thread *r = list_first(&ep->receivers, struct thread, wait_link);
    if (unlikely(!r->ipc.regs) || unlikely(r->priority != self->priority))
        return NULL;
    /* The receiver's reply token, as ipc_deliver would make it, in the slot it reserved before it waited (ipc.h). */
    struct cap *token = r->ipc.parked;
    KASSERT_DEBUG(token);
    cap_insert_reserved_root_unhooked(token, &rp->obj, VOS_RIGHT_ALL);
    reply_cap_added(token); /* the hook, by hand */
    vos_cap_t tok = cap_token(token);
    r->ipc.parked = NULL;
    r->ipc.rr_reply = (struct cap_hint){ token, tok }; /* a root reply capability: what it checks */
    syscall_result_ipc_reply_receive_short(&r->frame, &(struct vos_ipc_short_receive_result){ self->proc->obj.id, len, tok });
    /* We wait for the reply: rp has no waiter while it has no capability (reply.c). */
    KASSERT_DEBUG(list_empty(&rp->waiter));
    fast_block(self, VOS_SYS_IPC_CALL_SHORT);
    list_add_tail(&rp->waiter, &self->wait_link);
    list_del(&r->wait_link);
    return sched_run(r); /* the same priority as ours, which was allowed to go on */
}

static inline struct trap_frame *fast_reply_receive(struct thread *self, const struct trap_frame *f)
{
    struct cap *c = fast_cap(self, &self->ipc.rr_reply, syscall_message_arg(f, 0), VOS_OBJ_REPLY, VOS_RIGHT_WRITE);
    if (unlikely(!c))
        return NULL;
    struct cap *e = fast_cap(self, &self->ipc.rr_endpoint, syscall_message_arg(f, 1), VOS_OBJ_ENDPOINT, VOS_RIGHT_READ);
    if (unlikely(!e))
        return NULL;
    uint64_t len = syscall_message_arg(f, 2);
    /* A root (the hint checked it) without children: spending it deletes nothing else. */
    if (unlikely(len > VOS_IPC_REGISTER_MESSAGE) || unlikely(c->first_child) || unlikely(self->ipc.parked))
        return NULL;
    struct reply *rp = container_of(c->obj, struct reply, obj);
    struct endpoint *ep = container_of(e->obj, struct endpoint, obj);
    if (unlikely(list_empty(&rp->waiter)) || unlikely(!list_empty(&ep->calls)) || unlikely(!list_empty(&ep->msgs)) ||
        unlikely(ep->irq_pending))
        return NULL;
    struct thread *t = list_first(&rp->waiter, struct thread, wait_link);
    if (unlikely(!t->ipc.regs) || unlikely(t->priority != self->priority))
        return NULL;
    syscall_result_ipc_call_short(&t->frame, len);
    /* t was rp's one waiter (it is t's own reply object). */
    KASSERT_DEBUG(rp->waiter.next == &t->wait_link && rp->waiter.prev == &t->wait_link);
    list_init(&rp->waiter);
    list_init(&t->wait_link);
    /*
     * The token is spent, as spend_token does (t, which holds rp too, is
     * answered), and its slot is kept for our next one.
     */
    reply_cap_removed_answered(c); /* the hook, by hand */
    object_put_not_last(cap_delete_root_to_parked_unhooked(c)); /* t holds rp too */
    self->ipc.parked = c;
    self->ipc.via = e;
    fast_block(self, VOS_SYS_IPC_REPLY_RECEIVE_SHORT);
    list_add_tail(&ep->receivers, &self->wait_link);
    return sched_run(t);
}

/*
 * The arch's first try at a message syscall (kernel/include/arch.h): f holds
 * the number, arguments, pc and sp; the rest of the context is still live in
 * the CPU, message words included, and this code calls nothing, so it
 * leaves them alone.  Returns the frame of the thread to run instead, or
 * NULL having changed nothing.  An arch entry that has told the two calls
 * apart already (SYSCALL_MESSAGE_FIRST is the call) may go to each directly.
 */
_Static_assert(VOS_SYS_IPC_CALL_SHORT == SYSCALL_MESSAGE_FIRST &&
                   VOS_SYS_IPC_REPLY_RECEIVE_SHORT == SYSCALL_MESSAGE_FIRST + 1 && SYSCALL_MESSAGE_COUNT == 2,
               "arch entries tell the message syscalls apart by number - SYSCALL_MESSAGE_FIRST");

struct trap_frame *kernel_ipc_fast_call(const struct trap_frame *f)
{
    if (sched_resume_frame != f) /* something more important is ready */
        return NULL;
    return fast_call(container_of(f, struct thread, frame), f); /* f is current's frame */
}

struct trap_frame *kernel_ipc_fast_reply_receive(const struct trap_frame *f)
{
    if (sched_resume_frame != f)
        return NULL;
    return fast_reply_receive(container_of(f, struct thread, frame), f);
}

struct trap_frame *kernel_ipc_fast(const struct trap_frame *f)
{
    return syscall_number(f) == VOS_SYS_IPC_CALL_SHORT ? kernel_ipc_fast_call(f) : kernel_ipc_fast_reply_receive(f);
}

/* The general path of a message syscall: the whole context is in f. */
struct trap_frame *kernel_entry_ipc(struct trap_frame *f)
{
    struct trap_frame *next = syscall_run(f);
    if (!next)
        sched_return_to_user();
    return next;
}
