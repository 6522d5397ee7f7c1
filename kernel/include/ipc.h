/*
 * ipc.h — endpoints, channels and reply objects (docs/ipc.md).
 *
 * An endpoint is a receive queue: threads blocked in SYS_IPC_RECEIVE,
 * callers whose request waits to be received, and sent messages copied
 * into the kernel.  A channel is a one-way path to an endpoint.  A reply
 * object is the right to answer one call; its capability is the
 * ReplyToken.  The invariants are stated at the top of each .c file.
 */
#pragma once

#include "process.h"
#include "syscall_support.h"

#define IPC_QUEUE_MAX 64        /* sent messages queued per endpoint */
#define IPC_SENDER_FAULT (-2L)  /* internal: the sender's bytes could not be read */

struct endpoint {
    struct object obj;
    struct list receivers;  /* threads blocked in receive (wait_link), FIFO */
    struct list calls;      /* callers whose request is not received yet (wait_link), FIFO */
    struct list msgs;       /* queued sends (struct ipc_msg), FIFO */
    uint64_t next_seq;      /* orders calls against sends: one FIFO per endpoint */
    uint32_t nmsgs;
    uint32_t readers;       /* capabilities with READ; 0: nobody can ever receive */
    struct list out;        /* channels whose source this is (each holds the channel) */
    struct list in;         /* channels delivering here (not referenced) */
    struct list irqs;       /* interrupt lines bound here (struct irq.ep_link, kernel/irq.c) */
    uint32_t irq_pending;   /* of those, how many have a notification waiting */
};

struct channel {
    struct object obj;
    struct endpoint *src;   /* NULL once the source endpoint is gone */
    struct endpoint *dest;  /* NULL once the destination is gone: NotFound */
    struct list out_link, in_link;
};

struct reply {
    struct object obj;
    struct list waiter;     /* the caller, while it waits for this reply (wait_link) */
    uint32_t caps;          /* capabilities naming it */
};

/* A sent message queued at an endpoint; charged to the sender. */
struct ipc_msg {
    struct list link;
    uint64_t seq;
    struct process *sender; /* charged; referenced */
    vos_cap_t xfer;         /* the capability in flight, in the transit space, or 0 */
    uint32_t len, size;     /* size: bytes of the record (with the data if inline), from the sender's kmem cache */
    uint8_t *data;          /* right after the record, or a page of its own when too long for that */
};

/* Where a message comes from, for delivery. */
struct ipc_src {
    struct process *proc;   /* whose address space addr is in (NULL: kbuf) */
    uaddr_t addr;
    const void *kbuf;
    uint64_t len;
    struct cap *cap;        /* to transfer: the receiver's copy becomes its child */
    struct thread *caller;  /* a call: the receiver also gets a reply capability */
    uint64_t sender_pid;
};

/* A register message: the words of a thread's message registers. */
typedef uint64_t ipc_words_t[VOS_IPC_REGISTER_MESSAGE / 8];

/* s: the first len bytes of t's message registers, read from its frame into w (t is not running, or is in a message syscall). */
void ipc_src_registers(struct ipc_src *s, struct thread *t, uint64_t len, ipc_words_t w);

/* ipc.c: the delivery core shared by send, receive, call and reply. */
long ipc_check_range(struct vspace *vs, uaddr_t va, uint64_t n, unsigned prot);
/*
 * Copy n bytes from src's address space to dst's, direct map to direct
 * map, in one copy.  VOS_OK, IPC_SENDER_FAULT (src unreadable) or
 * INVALID_ADDRESS (dst unwritable).
 *
 * ipc_copy_small is the short message, in line, calling nothing: both
 * ends in one page each, both pages remembered (xlat.h), whole words
 * (memcpy_words), under IPC_COPY_SMALL bytes.  It says
 * whether it copied; anything else is ipc_copy_general's, piece by piece,
 * filling pages in as a user access would.
 */
#define IPC_COPY_SMALL 256 /* from here on memcpy hands copies to the arch (kernel/string.c) */
static inline __attribute__((always_inline)) bool ipc_copy_small(struct process *dst, uaddr_t da, struct process *src,
                                                                 uaddr_t sa, uint64_t n)
{
    /* Neither end leaves its page ((sa | da) has both offsets' bits: at least the larger one).  Both below
     * ARCH_USER_TOP is the two translations' hits below: xlat.h remembers user pages only. */
    if (unlikely(n - 1 >= IPC_COPY_SMALL - 1) || unlikely((sa | da | n) & 7) ||
        unlikely(((sa | da) & (PAGE_SIZE - 1)) + n > PAGE_SIZE))
        return false;
    const struct xlat *xs = xlat_entry(src->vspace.xlat, sa, VOS_PROT_READ);
    const struct xlat *xd = xlat_entry(dst->vspace.xlat, da, VOS_PROT_WRITE);
    if (unlikely(!xlat_hit(xs, sa)) || unlikely(!xlat_hit(xd, da)))
        return false;
    /* The direct map keeps the offset in the page: still word-aligned. */
    memcpy_words((void *)(da + xd->delta), (const void *)(sa + xs->delta), n);
    return true;
}
long ipc_copy_general(struct process *dst, uaddr_t da, struct process *src, uaddr_t sa, uint64_t n);
static inline __attribute__((always_inline)) long ipc_copy(struct process *dst, uaddr_t da, struct process *src,
                                                           uaddr_t sa, uint64_t n)
{
    return ipc_copy_small(dst, da, src, sa, n) ? VOS_OK : ipc_copy_general(dst, da, src, sa, n);
}
long ipc_put_other(struct thread *r, uaddr_t buf, const struct ipc_src *s);
/*
 * The bytes of s into r's receiving place: the user buffer buf, or r's
 * message registers (r->ipc.regs; the words past s->len come back zero).
 * VOS_OK, IPC_SENDER_FAULT, or INVALID_ADDRESS (buf not writable).  Pages
 * to pages inline, the rest out of line.
 */
static inline __attribute__((always_inline)) long ipc_put(struct thread *r, uaddr_t buf, const struct ipc_src *s)
{
    if (r->ipc.regs || s->kbuf)
        return ipc_put_other(r, buf, s);
    return s->len ? ipc_copy(r->proc, buf, s->proc, s->addr, s->len) : VOS_OK;
}
long ipc_deliver(struct thread *r, const struct ipc_src *s, struct vos_ipc_receive_result *res);

/*
 * Every capability a message or a reply brings lands in a slot its
 * receiver reserved before it could wait (docs/abi.md, "IPC": a receive
 * reserves at its start, where failing is clean, and never fails for want
 * of a slot later): parked for a reply token, spare for a transferred
 * capability.  The reservations outlive the call, so a server's receives
 * take one only after each token it spent.
 */
long ipc_reserve_slow(struct thread *t, bool cap_slot);
static inline __attribute__((always_inline)) long ipc_reserve(struct thread *t, bool reply_slot, bool cap_slot)
{
    if (__builtin_expect((!reply_slot || t->ipc.parked) && (!cap_slot || t->ipc.spare), 1))
        return VOS_OK;
    return ipc_reserve_slow(t, cap_slot);
}
/* Fill the reserved slot *slot (the reservation is used up). */
static inline struct cap *ipc_take_reserved(struct cap **slot, struct object *obj, uint64_t rights, struct cap *parent)
{
    struct cap *c = *slot;
    KASSERT(c); /* the invariant above */
    *slot = NULL;
    return cap_insert_reserved(c, obj, rights, parent);
}
/* The reply object's capability count (reply.c), for the fast path's hook-free token (cap.h). */
static inline void reply_cap_added(struct cap *c)
{
    container_of(c->obj, struct reply, obj)->caps++;
}
void reply_orphaned(struct reply *rp);
static inline void reply_cap_removed(struct cap *c)
{
    struct reply *rp = container_of(c->obj, struct reply, obj);
    if (!--rp->caps && !list_empty(&rp->waiter))
        reply_orphaned(rp);
}
/* reply_cap_removed once the waiter has been answered (nobody to fail: the fast path calls nothing). */
static inline void reply_cap_removed_answered(struct cap *c)
{
    struct reply *rp = container_of(c->obj, struct reply, obj);
    KASSERT_DEBUG(rp->caps && list_empty(&rp->waiter));
    rp->caps--;
}
/*
 * The reply token for caller's call into r's reserved reply slot: a root,
 * to a reply object, so its type's hook is reply_cap_added, called here
 * directly (as the fast path does) rather than through the type table.
 */
static inline struct cap *ipc_take_reply_token(struct thread *r, struct thread *caller)
{
    struct cap *c = r->ipc.parked;
    KASSERT_DEBUG(c); /* the invariant above (a NULL c would fault on its first use below, and panic) */
    r->ipc.parked = NULL;
    cap_insert_reserved_root_unhooked(c, &caller->ipc.reply->obj, VOS_RIGHT_ALL);
    reply_cap_added(c);
    return c;
}
/* r's receive succeeded with *res: its result words (a register receive has no capability word). */
static inline void ipc_receive_result(struct thread *r, const struct vos_ipc_receive_result *res)
{
    if (r->ipc.regs)
        syscall_result_ipc_reply_receive_short(
            &r->frame, &(struct vos_ipc_short_receive_result){ res->sender, res->message_len, res->reply_token });
    else
        syscall_result_ipc_receive(&r->frame, res);
}
void ipc_finish_receive(struct thread *r, long err, const struct vos_ipc_receive_result *res);
void ipc_fail(struct thread *t, long err); /* end t's blocked call/receive with err */
struct cspace *ipc_transit(void);
uint64_t ipc_transit_reserve(void);     /* bytes the transit space's tables can ever take */
uint64_t ipc_transit_unspent(void);     /* of those, bytes not taken yet: free, but promised */

/* channel.c */
void call_src(struct thread *t, struct ipc_src *s, ipc_words_t w);
/* reply.c */
long reply_prepare(struct thread *t);
long reply_send(struct thread *self, struct cap *reply_token, const struct ipc_src *s);
void ipc_thread_kill(struct thread *t);
void ipc_thread_destroy(struct thread *t);
