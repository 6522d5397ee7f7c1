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
 *  - a thread keeps one reference to its current reply object and reuses
 *    it for its next call only if no capability to it is left; otherwise
 *    the next call gets a fresh object, so a token kept from an older call
 *    can never answer a newer one;
 *  - when the last capability to a reply object goes while its caller
 *    waits (the receiver died, or revoked it), the caller gets NotFound:
 *    nobody can answer any more.
 */
#include "ipc.h"
#include "syscall_frame.h"
#include "syscall_handlers.h"

/* Make sure t has a reply object no capability names, for a new call. */
long reply_prepare(struct thread *t)
{
    struct reply *rp = t->ipc.reply;
    if (rp && rp->obj.refcount == 1)
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

void reply_cap_event(struct cap *c, int delta)
{
    struct reply *rp = container_of(c->obj, struct reply, obj);
    rp->ncaps += (uint32_t)delta;
    if (!rp->ncaps && !list_empty(&rp->waiter))
        ipc_fail(list_first(&rp->waiter, struct thread, wait_link), VOS_ERR_NOT_FOUND);
}

void reply_destroy(struct object *o)
{
    KASSERT(list_empty(&container_of(o, struct reply, obj)->waiter));
}

void ipc_thread_destroy(struct thread *t)
{
    if (t->ipc.reply)
        object_put(&t->ipc.reply->obj);
    t->ipc.reply = NULL;
}

long sys_ipc_reply(struct thread *self, struct cap *reply_token, user_in_t response, uint64_t response_len,
                   struct cap *capability)
{
    struct reply *rp = container_of(reply_token->obj, struct reply, obj);
    /*
     * Our own bad buffer is an argument error: reported before anything
     * else, the token kept.  The copy below finds it too, so only the paths
     * that end before copying check it first.
     */
    bool early = list_empty(&rp->waiter) ||
                 response_len > list_first(&rp->waiter, struct thread, wait_link)->ipc.buf_len;
    long err = early ? ipc_check_range(&self->proc->vspace, response.addr, response_len, VOS_PROT_READ) : VOS_OK;
    if (err)
        return err;
    if (list_empty(&rp->waiter)) {
        cap_delete(reply_token); /* the caller timed out or died: the token is spent anyway */
        return VOS_ERR_NOT_FOUND;
    }
    struct thread *t = list_first(&rp->waiter, struct thread, wait_link);
    if (response_len > t->ipc.buf_len) {
        /* Both learn it: the caller with the length it needs, as on receive. */
        syscall_return_word(&t->frame, 1, response_len);
        ipc_fail(t, VOS_ERR_BUFFER_TOO_SMALL);
        cap_delete(reply_token);
        return VOS_ERR_BUFFER_TOO_SMALL;
    }
    struct cap *xc = NULL;
    err = capability ? cap_insert(&t->proc->cspace, capability->obj, capability->rights, capability, &xc) : VOS_OK;
    if (err)
        return err; /* the caller's space is full; the token stays usable */
    err = response_len ? ipc_copy(t->proc, t->ipc.buf, self->proc, response.addr, response_len) : VOS_OK;
    if (err == IPC_SENDER_FAULT) {
        if (xc)
            cap_delete(xc);
        return VOS_ERR_INVALID_ADDRESS; /* our bytes are unreadable; the token stays usable */
    }
    if (err) {
        if (xc)
            cap_delete(xc);
        ipc_fail(t, err); /* the caller's buffer is bad: its problem, the reply is spent */
    } else {
        struct vos_ipc_call_result r = { xc ? cap_token(xc) : 0, response_len };
        syscall_return_vos_ipc_call_result(&t->frame, &r);
        sched_wake(t);
    }
    cap_delete(reply_token);
    return VOS_OK;
}
