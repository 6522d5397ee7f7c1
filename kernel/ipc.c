/*
 * ipc.c — the delivery core shared by send, receive, call and reply.
 *
 * Invariants:
 *  - a message is delivered whole or not at all: a receiver that cannot
 *    take it (buffer too small, bad buffer) gets an error and the message
 *    stays where it was, so nothing is lost; it is removed from its queue
 *    only after ipc_deliver succeeded, so nothing is delivered twice;
 *  - a receiver that waits, or takes a message, holds reserved slots for
 *    the reply token (ipc.parked) and, receiving with SYS_IPC_RECEIVE, for a
 *    transferred capability (ipc.spare); a pointer caller holds one for a
 *    capability in the reply.  So no capability space ever refuses a
 *    message or reply half-way, and a receive never fails for want of room
 *    after it started (defect 3 of issue 15);
 *  - bytes move in one copy from the sender's pages to the receiver's,
 *    direct map to direct map; only a plain send that finds no receiver
 *    is copied into the kernel first (the sender does not wait on);
 *  - a capability sent with a queued message waits in the transit space, as
 *    a child of the sender's, so revoking the original reaches it in flight.
 */
#include "ipc.h"
#include "syscall_frame.h"

_Static_assert(SYSCALL_MESSAGE_WORDS * 8 == VOS_IPC_REGISTER_MESSAGE, "the message registers hold a register message");

/*
 * Capabilities in flight live in the kernel's transit space, whose tables
 * are nobody's and never shrink: so their number is bounded system-wide,
 * and the memory for the tables at that bound is set aside at boot
 * (ipc_transit_reserve), out of what the first process may hold.
 */
#define TRANSIT_SLOTS (1u << 14)
static struct cspace transit;

struct cspace *ipc_transit(void)
{
    if (!transit.quota)
        cspace_init(&transit, TRANSIT_SLOTS - 1, NULL); /* slot 0 is never used */
    return &transit;
}

/* Bytes of table the transit space holds once slots 0..slots-1 exist: tables are made in slot order and kept. */
static uint64_t transit_table_bytes(uint32_t slots)
{
    uint32_t per_leaf = 1u << CSPACE_LEAF_BITS, per_mid = 1u << (CSPACE_LEAF_BITS + CSPACE_MID_BITS);
    if (slots <= 1)
        return 0; /* slot 0 alone: nothing allocated yet */
    return (ALIGN_UP(slots, per_leaf) / per_leaf + ALIGN_UP(slots, per_mid) / per_mid) * PAGE_SIZE;
}

uint64_t ipc_transit_reserve(void)
{
    return transit_table_bytes(TRANSIT_SLOTS);
}

uint64_t ipc_transit_unspent(void)
{
    return ipc_transit_reserve() - transit_table_bytes(ipc_transit()->next_unused);
}

/* One piece of ipc_copy (in one page on both sides) whose pages are not both present: fill lazy ones in. */
static __attribute__((noinline)) long copy_piece_slow(struct process *dst, uaddr_t da, struct process *src, uaddr_t sa,
                                                      uint64_t n)
{
    const char *s = process_direct(src, sa, VOS_PROT_READ);
    if (!s) {
        char probe; /* a lazy page is filled in by a read, as the user's own read would */
        if (vspace_read(&src->vspace, &probe, sa, 1) || !(s = process_direct(src, sa, VOS_PROT_READ)))
            return IPC_SENDER_FAULT;
    }
    char *d = process_direct(dst, da, VOS_PROT_WRITE);
    if (d)
        memcpy(d, s, n);
    else if (vspace_write(&dst->vspace, da, s, n)) /* lazy: filled in; else not writable */
        return VOS_ERR_INVALID_ADDRESS;
    return VOS_OK;
}

/* ipc_copy's general case: piece by piece, each in one page on both sides. */
long ipc_copy_general(struct process *dst, uaddr_t da, struct process *src, uaddr_t sa, uint64_t n)
{
    if (!n)
        return VOS_OK;
    if (sa >= ARCH_USER_TOP || n > ARCH_USER_TOP - sa)
        return IPC_SENDER_FAULT;
    if (da >= ARCH_USER_TOP || n > ARCH_USER_TOP - da)
        return VOS_ERR_INVALID_ADDRESS;
    const char *s = NULL; /* direct-map addresses of sa and da, kept while a side stays in its page */
    char *d = NULL;
    while (n) {
        uint64_t chunk = MIN(n, MIN(PAGE_SIZE - (sa & (PAGE_SIZE - 1)), PAGE_SIZE - (da & (PAGE_SIZE - 1))));
        if (!s)
            s = process_direct(src, sa, VOS_PROT_READ);
        if (s && !d)
            d = process_direct(dst, da, VOS_PROT_WRITE);
        if (s && d) {
            memcpy(d, s, chunk);
        } else {
            long err = copy_piece_slow(dst, da, src, sa, chunk);
            if (err)
                return err;
            s = d = NULL; /* it may have filled pages in: translate afresh */
        }
        sa += chunk;
        da += chunk;
        n -= chunk;
        s = s && (sa & (PAGE_SIZE - 1)) ? s + chunk : NULL;
        d = d && (da & (PAGE_SIZE - 1)) ? d + chunk : NULL;
    }
    return VOS_OK;
}

/*
 * Is [va, va+n) mapped with prot in vs?  For the paths that do not copy at
 * once (a call or receive about to wait, a reply): bad arguments are
 * reported now, not after waiting.  VOS_OK or INVALID_ADDRESS.
 */
long ipc_check_range(struct vspace *vs, uaddr_t va, uint64_t n, unsigned prot)
{
    if (!n)
        return VOS_OK;
    if (va >= ARCH_USER_TOP || n > ARCH_USER_TOP - va)
        return VOS_ERR_INVALID_ADDRESS;
    uaddr_t a = va;
    /*
     * A page present and writable in the page table lies in a writable
     * region (vspace.c maps pages with their region's prot), so the common
     * case of a receive buffer already touched needs no region-list walk.
     * (Not for READ: some arches cannot map write-only pages unreadable.)
     */
    while (prot == VOS_PROT_WRITE && a < va + n && vspace_present(vs, a, VOS_PROT_WRITE))
        a = ALIGN_DOWN(a, PAGE_SIZE) + PAGE_SIZE;
    while (a < va + n) {
        struct region *r = vspace_find(vs, a);
        if (!r || (r->prot & (prot | ARCH_PROT_DEVICE)) != prot)
            return VOS_ERR_INVALID_ADDRESS;
        a = r->end;
    }
    return VOS_OK;
}

void ipc_src_registers(struct ipc_src *s, struct thread *t, uint64_t len, ipc_words_t w)
{
    syscall_message_get(&t->frame, w);
    *s = (struct ipc_src){ NULL, 0, w, len, NULL, NULL, t->proc->obj.id };
}

/* ipc_put's cases other than pages to pages. */
long ipc_put_other(struct thread *r, uaddr_t buf, const struct ipc_src *s)
{
    if (r->ipc.regs) {
        uint64_t w[SYSCALL_MESSAGE_WORDS] = { 0 };
        if (s->kbuf)
            memcpy(w, s->kbuf, s->len);
        else if (s->len && vspace_read(&s->proc->vspace, w, s->addr, s->len))
            return IPC_SENDER_FAULT;
        syscall_message_set(&r->frame, w);
        return VOS_OK;
    }
    if (!s->len)
        return VOS_OK;
    return s->kbuf ? vspace_write(&r->proc->vspace, buf, s->kbuf, s->len) : ipc_copy(r->proc, buf, s->proc, s->addr, s->len);
}

/*
 * Hand the message s to receiver r (its buffer in r->ipc).  On VOS_OK, *res
 * is r's IpcReceiveResult and the capabilities are in r's space, in the
 * slots it reserved (ipc.h).  Any error leaves the message and both spaces
 * as they were: IPC_SENDER_FAULT is the sender's, the others
 * (BUFFER_TOO_SMALL with res->message_len set, INVALID_ADDRESS,
 * NOT_SUPPORTED) are the receiver's.
 */
long ipc_deliver(struct thread *r, const struct ipc_src *s, struct vos_ipc_receive_result *res)
{
    if (s->len > r->ipc.buf_len) {
        res->message_len = s->len;
        return VOS_ERR_BUFFER_TOO_SMALL;
    }
    if (s->cap && r->ipc.regs)
        return VOS_ERR_NOT_SUPPORTED; /* the register path carries no capability: SYS_IPC_RECEIVE takes it */
    long err = ipc_put(r, r->ipc.buf, s);
    if (err)
        return err;
    /* The bytes are there; the capabilities take the receiver's reserved slots, which cannot fail. */
    struct cap *rc = s->caller ? ipc_take_reply_token(r, s->caller) : NULL;
    struct cap *xc = s->cap ? ipc_take_reserved(&r->ipc.spare, s->cap->obj, s->cap->rights, s->cap) : NULL;
    *res = (struct vos_ipc_receive_result){ s->sender_pid, s->len, xc ? cap_token(xc) : 0, rc ? cap_token(rc) : 0 };
    return VOS_OK;
}

long ipc_reserve_slow(struct thread *t, bool cap_slot)
{
    struct cspace *cs = &t->proc->cspace;
    long err = t->ipc.parked ? VOS_OK : cap_slot_reserve(cs, &t->ipc.parked);
    if (!err && cap_slot && !t->ipc.spare)
        err = cap_slot_reserve(cs, &t->ipc.spare);
    return err;
}

/* Complete the blocked receive of r with err (or *res) and make it runnable. */
void ipc_finish_receive(struct thread *r, long err, const struct vos_ipc_receive_result *res)
{
    if (err == VOS_OK) {
        ipc_receive_result(r, res);
    } else {
        if (err == VOS_ERR_BUFFER_TOO_SMALL)
            syscall_return_word(&r->frame, 1, res->message_len);
        syscall_fail_blocked(r, err);
    }
    sched_wake(r);
}

void ipc_fail(struct thread *t, long err)
{
    syscall_fail_blocked(t, err);
    sched_wake(t);
}
