/*
 * peer.c — the second process: IPC with the worker while it fuzzes.
 *
 * It receives on its endpoint (the worker sends and calls there) and
 * replies or drops the token, calls and sends to the worker's endpoint
 * (sometimes passing a capability), derives and revokes its own
 * capabilities, sleeps and yields.  Every call has a bounded timeout, so
 * it ends after its steps whatever the worker does; every result is
 * checked against the spec like the worker's.
 *
 * Capabilities (in this order): console, its endpoint (READ), a channel
 * to the worker's endpoint (WRITE); the last two with GRANT|DERIVE|REVOKE.
 */
#include "vosfuzz.h"

static uint8_t in[VOS_IPC_MAX_MESSAGE], out[VOS_IPC_MAX_MESSAGE];

static int64_t peer_run(struct fz *f, struct call *c, uint64_t *ret)
{
    c->idx = fz_find(c->nr);
    struct fz_ring_entry *e = fz_record(f, 0, c);
    int64_t w = fz_invoke(c, ret);
    fz_record_end(e, w);
    f->done++;
    if (!fz_allowed(c, w))
        fz_fail(f, "%s returned %ld (%s), which is not in its errors list", conf_syscalls[c->idx].name, (long)w,
                vos_status_name(w));
    return w;
}

static uint64_t timeout(struct rng *r)
{
    return chance(r, 30) ? 0 : below(r, 2000000);
}

static uint64_t msg_len(struct rng *r)
{
    return chance(r, 90) ? below(r, 200) : chance(r, 50) ? VOS_IPC_MAX_MESSAGE : VOS_IPC_MAX_MESSAGE + 1;
}

/* A capability to pass along: one of ours, or a child of one, or none. */
static uint64_t passed(struct fz *f, struct rng *r, const struct vos_cap_info *ep, const struct vos_cap_info *ch)
{
    if (chance(r, 70))
        return 0;
    if (f->npool && chance(r, 50))
        return f->pool[below(r, f->npool)].token;
    return chance(r, 50) ? ep->token : ch->token;
}

static void peer_step(struct fz *f, struct rng *r, const struct vos_cap_info *ep, const struct vos_cap_info *ch)
{
    uint64_t k = below(r, 100), ret[4];
    struct call c = { 0 };
    if (k < 35) {
        c.nr = VOS_SYS_IPC_RECEIVE;
        c.a[0] = ep->object_id, c.a[1] = (uint64_t)(uintptr_t)in, c.a[2] = chance(r, 90) ? sizeof(in) : below(r, 64);
        c.a[3] = timeout(r), c.a[4] = ep->token;
        if (peer_run(f, &c, ret) < 0 || !ret[3] || chance(r, 15))
            return; /* a token never used dies with us: its caller gets NotFound */
        struct call rp = { .nr = VOS_SYS_IPC_REPLY };
        rp.a[0] = ret[3], rp.a[1] = (uint64_t)(uintptr_t)out, rp.a[2] = msg_len(r), rp.a[3] = passed(f, r, ep, ch);
        peer_run(f, &rp, ret);
    } else if (k < 60) {
        c.nr = VOS_SYS_IPC_CALL;
        c.a[0] = ch->object_id, c.a[1] = (uint64_t)(uintptr_t)out, c.a[2] = msg_len(r);
        c.a[3] = (uint64_t)(uintptr_t)in, c.a[4] = chance(r, 80) ? sizeof(in) : below(r, 64);
        c.a[5] = timeout(r), c.a[6] = passed(f, r, ep, ch), c.a[7] = ch->token;
        peer_run(f, &c, ret);
    } else if (k < 80) {
        c.nr = VOS_SYS_IPC_SEND;
        c.a[0] = ch->object_id, c.a[1] = (uint64_t)(uintptr_t)out, c.a[2] = msg_len(r), c.a[3] = passed(f, r, ep, ch);
        c.a[4] = ch->token;
        peer_run(f, &c, ret);
    } else if (k < 90) {
        c.nr = VOS_SYS_CAPABILITY_DERIVE;
        c.a[0] = chance(r, 50) ? ep->token : ch->token, c.a[1] = rnd(r) & VOS_RIGHT_MASK;
        int64_t d = peer_run(f, &c, ret);
        if (d > 0)
            fz_pool_add(f, (uint64_t)d, VOS_OBJ_NONE, 0);
        if (f->npool && chance(r, 60)) {
            struct call rv = { .nr = VOS_SYS_CAPABILITY_REVOKE };
            rv.a[0] = f->pool[below(r, f->npool)].token;
            peer_run(f, &rv, ret);
        }
    } else if (k < 95) {
        static int64_t ts[2];
        ts[1] = (int64_t)below(r, 100000);
        c.nr = VOS_SYS_NANOSLEEP;
        c.a[0] = (uint64_t)(uintptr_t)ts;
        peer_run(f, &c, ret);
    } else {
        c.nr = VOS_SYS_YIELD;
        peer_run(f, &c, ret);
    }
}

int fz_peer(struct fz *f, const struct vos_start_info *si, uint64_t steps)
{
    const struct vos_cap_info *ep = vos_start_cap(si, 1), *ch = vos_start_cap(si, 2);
    if (!ep || !ch)
        fz_fail(f, "the peer lacks its capabilities");
    while (f->done < steps)
        peer_step(f, &f->rng, ep, ch);
    return 0;
}
