/*
 * reply.c — reply objects and SYS_IPC_REPLY.
 *
 * A reply object stands for "the answer to one call of one thread".  The
 * receiver of a call gets a capability to it (the ReplyToken); replying
 * deletes that capability, so the token works once.
 *
 * Invariants:
 *  - `waiter` holds the caller exactly while it waits for this reply;
 *    the caller's timeout or death takes it off (sched_unwait), and a
 *    reply that finds no waiter is NotFound;
 *  - `caps` is the number of capabilities naming it (the type's hooks,
 *    object.h, and the fast path's hook-free token, ipc_fast.c, keep it);
 *  - a thread keeps one reference to its current reply object and reuses
 *    it for its next call only if caps is 0; otherwise
 *    the next call gets a fresh object, so a token kept from an older call
 *    can never answer a newer one;
 *  - when the last capability to a reply object goes while its caller
 *    waits (the receiver died, or revoked it), the caller gets NotFound:
 *    nobody can answer any more; only its owner (the thread whose calls
 *    it answers) ever waits on it.
 */
#include "ipc.h"
#include "syscall_frame.h"
#include "syscall_handlers.h"

/* Make sure t has a reply object no capability names, for a new call. */
long reply_prepare(struct thread *t)
{
    struct reply *rp = t->ipc.reply;
    if (rp && !rp->caps)
        return VOS_OK; /* the common case: the last reply consumed its token */
    long err;
    struct reply *n = object_alloc(sizeof(*n), VOS_OBJ_REPLY, t->proc, &err);
    if (!n)
        return err;
    list_init(&n->waiter);
    if (rp)
        object_put(&rp->obj); /* its stale tokens now find no waiter */
    t->ipc.reply = n;
    return VOS_OK;
}

/* The last capability to rp went while its caller waits: nobody can answer any more. */
void reply_orphaned(struct reply *rp)
{
    ipc_fail(list_first(&rp->waiter, struct thread, wait_link), VOS_ERR_NOT_FOUND);
}

static void reply_destroy(struct object *o)
{
    KASSERT(list_empty(&container_of(o, struct reply, obj)->waiter));
}

static void reply_type_cap_added(struct cap *c) { reply_cap_added(c); }
static void reply_type_cap_removed(struct cap *c) { reply_cap_removed(c); }
const struct object_type reply_type = { reply_destroy, reply_type_cap_added, reply_type_cap_removed };

/* t is dead: the slots it kept for reply tokens and capabilities go back to its space (which outlives it). */
void ipc_thread_kill(struct thread *t)
{
    if (t->ipc.parked)
        cap_slot_unpark(t->ipc.parked);
    if (t->ipc.spare)
        cap_slot_unpark(t->ipc.spare);
    t->ipc.parked = t->ipc.spare = NULL;
}

void ipc_thread_destroy(struct thread *t)
{
    if (t->ipc.reply)
        object_put(&t->ipc.reply->obj);
    t->ipc.reply = NULL;
}

/*
 * The token is spent.  A lone root in our space (the usual token) keeps its
 * slot as our next reply slot, as the fast path does, so a server's next
 * receive has its reservation already (ipc.h); otherwise it is deleted.
 */
static void spend_token(struct thread *self, struct cap *tok)
{
    if (self->ipc.parked || tok->parent || tok->first_child) {
        cap_delete(tok);
        return;
    }
    reply_cap_removed(tok); /* the hook cap_delete runs first: a caller still waiting learns NotFound */
    object_put(cap_delete_root_to_parked_unhooked(tok));
    self->ipc.parked = tok;
}

/*
 * Answer the call behind reply_token with s (the replier's pages, or its
 * message registers).  The caller gets the bytes in its response buffer or
 * its message registers and runs again; the token is spent.
 */
static inline __attribute__((always_inline)) long reply_body(struct thread *self, struct cap *reply_token,
                                                             const struct ipc_src *s)
{
    struct reply *rp = container_of(reply_token->obj, struct reply, obj);
    struct thread *t = list_empty(&rp->waiter) ? NULL : list_first(&rp->waiter, struct thread, wait_link);
    /*
     * Our own bad buffer is an argument error: reported before anything
     * else, the token kept.  The copy below finds it too, so only the paths
     * that end before copying check it first.
     */
    long err = s->proc && (!t || s->len > t->ipc.buf_len) ? ipc_check_range(&self->proc->vspace, s->addr, s->len, VOS_PROT_READ)
                                                          : VOS_OK;
    if (err)
        return err;
    if (!t) {
        spend_token(self, reply_token); /* the caller timed out or died: the token is spent anyway */
        return VOS_ERR_NOT_FOUND;
    }
    if (s->len > t->ipc.buf_len) {
        /* Both learn it: the caller with the length it needs, as on receive. */
        syscall_return_word(&t->frame, 1, s->len);
        ipc_fail(t, VOS_ERR_BUFFER_TOO_SMALL);
        spend_token(self, reply_token);
        return VOS_ERR_BUFFER_TOO_SMALL;
    }
    if (s->cap && t->ipc.regs)
        return VOS_ERR_NOT_SUPPORTED; /* a register call takes no capability; the token stays usable */
    err = ipc_put(t, t->ipc.buf, s);
    if (err == IPC_SENDER_FAULT)
        return VOS_ERR_INVALID_ADDRESS; /* our bytes are unreadable; the token stays usable */
    if (err) {
        ipc_fail(t, err); /* the caller's buffer is bad: its problem, the reply is spent */
    } else {
        /* The capability takes the slot the caller reserved when it called: arriving cannot fail. */
        struct cap *xc = s->cap ? ipc_take_reserved(&t->ipc.spare, s->cap->obj, s->cap->rights, s->cap) : NULL;
        if (t->ipc.regs) {
            syscall_result_ipc_call_short(&t->frame, s->len);
        } else {
            struct vos_ipc_call_result r = { xc ? cap_token(xc) : 0, s->len };
            syscall_result_ipc_call(&t->frame, &r);
        }
        sched_wake(t);
    }
    spend_token(self, reply_token);
    return VOS_OK;
}

long reply_send(struct thread *self, struct cap *reply_token, const struct ipc_src *s)
{
    return reply_body(self, reply_token, s);
}

/* Everything of SYS_IPC_REPLY but its common case (below). */
static __attribute__((noinline)) long reply_general(struct thread *self, struct cap *reply_token, uaddr_t response,
                                                    uint64_t response_len, struct cap *capability)
{
    struct ipc_src s = { self->proc, response, NULL, response_len, capability, NULL, self->proc->obj.id };
    return reply_body(self, reply_token, &s);
}

/* t, the caller, has our reply of len bytes: its result words, it runs again, the token is spent (below). */
static inline __attribute__((always_inline)) long reply_handoff(struct thread *self, struct cap *reply_token,
                                                                struct thread *t, uint64_t len)
{
    syscall_result_ipc_call(&t->frame, &(struct vos_ipc_call_result){ 0, len });
    sched_wake(t);
    reply_cap_removed_answered(reply_token);
    object_put_not_last(cap_delete_root_to_parked_unhooked(reply_token)); /* t holds rp too */
    self->ipc.parked = reply_token;
    return VOS_OK;
}

/* sys_ipc_reply's common case with a response ipc_copy_small does not take (sys_ipc_reply checked the rest). */
static __attribute__((noinline)) long reply_copy_general(struct thread *self, struct cap *reply_token, struct thread *t,
                                                         uaddr_t response, uint64_t len)
{
    if (ipc_copy_general(t->proc, t->ipc.buf, self->proc, response, len))
        return reply_general(self, reply_token, response, len, NULL); /* it meets the same fault and decides */
    return reply_handoff(self, reply_token, t, len);
}

/*
 * The common case in one straight line that calls nothing: the caller
 * waits with a buffer large enough, no capability travels, and the token
 * is a lone root while we have no parked slot.  Then it is reply_body with
 * the same primitives: one copy, the caller's result words, it is woken,
 * and the token is spent as spend_token spends it, its slot parked for
 * our next receive (the caller, answered, no longer waits, and holds the
 * reply object too: the count drops without the orphan test, the
 * reference without the free).
 */
long sys_ipc_reply(struct thread *self, struct cap *reply_token, user_in_t response, struct cap *capability)
{
    const uint64_t response_len = response.len;
    struct reply *rp = container_of(reply_token->obj, struct reply, obj);
    struct thread *t = list_empty(&rp->waiter) ? NULL : list_first(&rp->waiter, struct thread, wait_link);
    if (unlikely(!t || capability || t->ipc.regs || response_len > t->ipc.buf_len || self->ipc.parked ||
                 reply_token->parent || reply_token->first_child))
        return reply_general(self, reply_token, response.addr, response_len, capability);
    if (response_len && unlikely(!ipc_copy_small(t->proc, t->ipc.buf, self->proc, response.addr, response_len)))
        return reply_copy_general(self, reply_token, t, response.addr, response_len);
    return reply_handoff(self, reply_token, t, response_len);
}
