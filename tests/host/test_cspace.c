/*
 * test_cspace.c — capability semantics (kernel/cspace.c, capability.c):
 * derivation only shrinks rights, revocation removes every descendant in
 * every space, tokens of freed slots and forged tokens never work, and
 * lookup stays correct with many capabilities in one space.
 */
#include "harness.h"

static int reached;

/* ---- derive ---- */

static void derive_user(uint64_t root)
{
    int64_t child = vos_sys_capability_derive(root, VOS_RIGHT_READ | VOS_RIGHT_DERIVE);
    UCHECK(child > 0);
    UCHECK_EQ(vos_sys_capability_validate(child, VOS_RIGHT_READ | VOS_RIGHT_DERIVE), 0);
    UCHECK_ERR(vos_sys_capability_validate(child, VOS_RIGHT_WRITE), VOS_ERR_PERMISSION_DENIED);
    /* More than the parent has: denied, whichever extra right it is. */
    UCHECK_ERR(vos_sys_capability_derive(child, VOS_RIGHT_READ | VOS_RIGHT_WRITE), VOS_ERR_PERMISSION_DENIED);
    UCHECK_ERR(vos_sys_capability_derive(child, VOS_RIGHT_ALL), VOS_ERR_PERMISSION_DENIED);
    /* Fewer: fine, and the grandchild can no longer derive at all. */
    int64_t grandchild = vos_sys_capability_derive(child, VOS_RIGHT_READ);
    UCHECK(grandchild > 0 && grandchild != child);
    UCHECK_ERR(vos_sys_capability_derive(grandchild, VOS_RIGHT_READ), VOS_ERR_PERMISSION_DENIED);
    /* Even for no rights: deriving needs DERIVE. */
    UCHECK_ERR(vos_sys_capability_derive(grandchild, 0), VOS_ERR_PERMISSION_DENIED);
    int64_t none = vos_sys_capability_derive(root, 0);
    UCHECK(none > 0);
    UCHECK_EQ(vos_sys_capability_validate(none, 0), 0);
    reached = 1;
}

static void test_derive_shrinks_rights(void **state)
{
    (void)state;
    reached = 0;
    struct process *p = hh_process("derive");
    vos_cap_t root = hh_grant(p, hh_console(), VOS_RIGHT_ALL);
    hh_thread(p, derive_user, root);
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
}

/* ---- revoke ---- */

struct revoke_plan {
    vos_cap_t r, y, unrelated, weak, weak_child; /* tokens in A */
};

static void revoke_user(uint64_t arg)
{
    const struct revoke_plan *pl = (const struct revoke_plan *)(uintptr_t)arg;
    UCHECK_EQ(vos_sys_capability_validate(pl->y, 0), 0);
    /* Reaching descendants needs REVOKE; deleting one's own childless capability does not. */
    UCHECK_ERR(vos_sys_capability_revoke(pl->weak), VOS_ERR_PERMISSION_DENIED);
    UCHECK_EQ(vos_sys_capability_validate(pl->weak_child, 0), 0);
    UCHECK_EQ(vos_sys_capability_revoke(pl->weak_child), 0);
    UCHECK_ERR(vos_sys_capability_validate(pl->weak_child, 0), VOS_ERR_INVALID_CAPABILITY);
    UCHECK_EQ(vos_sys_capability_validate(pl->weak, 0), 0);
    UCHECK_EQ(vos_sys_capability_revoke(pl->r), 0);
    /* The revoked token and every descendant are gone; an unrelated root is not. */
    UCHECK_ERR(vos_sys_capability_validate(pl->r, 0), VOS_ERR_INVALID_CAPABILITY);
    UCHECK_ERR(vos_sys_capability_validate(pl->y, 0), VOS_ERR_INVALID_CAPABILITY);
    UCHECK_ERR(vos_sys_capability_revoke(pl->r), VOS_ERR_INVALID_CAPABILITY);
    UCHECK_EQ(vos_sys_capability_validate(pl->unrelated, VOS_RIGHT_ALL), 0);
    reached = 1;
}

static void test_revoke_reaches_other_spaces(void **state)
{
    (void)state;
    reached = 0;
    struct process *a = hh_process("revoker"), *b = hh_process("holder");
    static struct revoke_plan pl;
    /* R (A) -> X (B) -> Y (A) -> Z (B), and W (B) -> V (B) beside it. */
    pl.r = hh_grant(a, hh_console(), VOS_RIGHT_ALL);
    vos_cap_t x = hh_grant_child(b, hh_cap(a, pl.r), VOS_RIGHT_READ | VOS_RIGHT_DERIVE);
    pl.y = hh_grant_child(a, hh_cap(b, x), VOS_RIGHT_READ);
    vos_cap_t z = hh_grant_child(b, hh_cap(a, pl.y), VOS_RIGHT_READ);
    vos_cap_t w = hh_grant(b, hh_console(), VOS_RIGHT_ALL);
    vos_cap_t v = hh_grant_child(b, hh_cap(b, w), VOS_RIGHT_READ);
    pl.unrelated = hh_grant(a, hh_console(), VOS_RIGHT_ALL);
    pl.weak = hh_grant_child(a, hh_cap(a, pl.unrelated), VOS_RIGHT_ALL & ~VOS_RIGHT_REVOKE);
    pl.weak_child = hh_grant_child(a, hh_cap(a, pl.weak), VOS_RIGHT_READ);
    uint32_t b_used = b->cspace.used;

    hh_thread(a, revoke_user, (uint64_t)(uintptr_t)&pl);
    hh_start(a);
    hh_run();
    assert_int_equal(reached, 1);
    assert_null(hh_cap(b, x));
    assert_null(hh_cap(b, z));
    assert_non_null(hh_cap(b, w));
    assert_non_null(hh_cap(b, v));
    assert_int_equal(b->cspace.used, b_used - 2);
}

static void revoke_subtree_user(uint64_t arg)
{
    const vos_cap_t *t = (const vos_cap_t *)(uintptr_t)arg; /* root, child, grandchild */
    UCHECK_EQ(vos_sys_capability_revoke(t[1]), 0);
    UCHECK_EQ(vos_sys_capability_validate(t[0], VOS_RIGHT_ALL), 0); /* the parent stays */
    UCHECK_ERR(vos_sys_capability_validate(t[1], 0), VOS_ERR_INVALID_CAPABILITY);
    UCHECK_ERR(vos_sys_capability_validate(t[2], 0), VOS_ERR_INVALID_CAPABILITY);
    /* The parent can derive again; the new child is unaffected by the old revoke. */
    int64_t again = vos_sys_capability_derive(t[0], VOS_RIGHT_READ);
    UCHECK(again > 0);
    UCHECK_EQ(vos_sys_capability_validate(again, VOS_RIGHT_READ), 0);
    reached = 1;
}

static void test_revoke_only_subtree(void **state)
{
    (void)state;
    reached = 0;
    struct process *p = hh_process("subtree");
    static vos_cap_t t[3];
    t[0] = hh_grant(p, hh_console(), VOS_RIGHT_ALL);
    t[1] = hh_grant_child(p, hh_cap(p, t[0]), VOS_RIGHT_ALL);
    t[2] = hh_grant_child(p, hh_cap(p, t[1]), VOS_RIGHT_READ);
    hh_thread(p, revoke_subtree_user, (uint64_t)(uintptr_t)t);
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
}

/* ---- stale and forged tokens ---- */

static void stale_user(uint64_t arg)
{
    const vos_cap_t *t = (const vos_cap_t *)(uintptr_t)arg; /* old, new (same slot) */
    UCHECK_ERR(vos_sys_capability_validate(t[0], 0), VOS_ERR_INVALID_CAPABILITY);
    UCHECK_EQ(vos_sys_capability_validate(t[1], VOS_RIGHT_READ), 0);
    reached = 1;
}

static void test_stale_token_after_reuse(void **state)
{
    (void)state;
    reached = 0;
    struct process *p = hh_process("stale");
    static vos_cap_t t[2];
    t[0] = hh_stale_token(p, hh_console());
    t[1] = hh_grant(p, hh_console(), VOS_RIGHT_READ);
    /* The freed slot was reused: same slot, new generation. */
    assert_int_equal(t[0] & VOS_CAP_SLOT_MASK, t[1] & VOS_CAP_SLOT_MASK);
    assert_int_not_equal(t[0], t[1]);
    hh_thread(p, stale_user, (uint64_t)(uintptr_t)t);
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
}

static void forged_user(uint64_t good)
{
    const uint64_t gen1 = 1ull << VOS_CAP_GENERATION_SHIFT;
    const uint64_t forged[] = {
        good | 1ull << 52, good | 1ull << 63, good | VOS_CAP_RESERVED_MASK, /* reserved bits */
        gen1 | 0,                                                   /* slot 0 is the null capability */
        gen1 | 2, gen1 | 63, gen1 | 64, gen1 | 4096,                 /* slots never handed out */
        gen1 | VOS_CAP_SLOT_MASK,                                    /* the last slot */
        good & VOS_CAP_SLOT_MASK,                                    /* generation 0 */
        good + gen1, good | (VOS_CAP_GENERATION_MASK << VOS_CAP_GENERATION_SHIFT),
    };
    for (unsigned i = 0; i < sizeof(forged) / sizeof(forged[0]); i++)
        UCHECK_ERR(vos_sys_capability_validate(forged[i], 0), VOS_ERR_INVALID_CAPABILITY);
    UCHECK_EQ(vos_sys_capability_validate(good, VOS_RIGHT_ALL), 0);
    reached = 1;
}

static void test_forged_tokens(void **state)
{
    (void)state;
    reached = 0;
    struct process *p = hh_process("forged");
    vos_cap_t good = hh_grant(p, hh_console(), VOS_RIGHT_ALL);
    assert_int_equal(good & VOS_CAP_SLOT_MASK, 1); /* the first slot of a fresh space */
    hh_thread(p, forged_user, good);
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
}

/* ---- validate ---- */

static void validate_user(uint64_t rw)
{
    UCHECK_EQ(vos_sys_capability_validate(rw, 0), 0);
    UCHECK_EQ(vos_sys_capability_validate(rw, VOS_RIGHT_READ), 0);
    UCHECK_EQ(vos_sys_capability_validate(rw, VOS_RIGHT_READ | VOS_RIGHT_WRITE), 0);
    UCHECK_ERR(vos_sys_capability_validate(rw, VOS_RIGHT_GRANT), VOS_ERR_PERMISSION_DENIED);
    UCHECK_ERR(vos_sys_capability_validate(rw, VOS_RIGHT_READ | VOS_RIGHT_EXECUTE), VOS_ERR_PERMISSION_DENIED);
    reached = 1;
}

static void test_validate_checks_rights(void **state)
{
    (void)state;
    reached = 0;
    struct process *p = hh_process("validate");
    hh_thread(p, validate_user, hh_grant(p, hh_console(), VOS_RIGHT_READ | VOS_RIGHT_WRITE));
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
}

/* ---- capability_create ---- */

struct create_plan {
    vos_cap_t self_cap, console_cap;
    uint64_t self_tid, other_pid, console_id;
};

static struct create_plan cp;

static void create_user(uint64_t arg)
{
    (void)arg;
    /* From a capability to the object itself, with fewer rights. */
    int64_t c = vos_sys_capability_create(VOS_OBJ_DEVICE, cp.console_id, VOS_RIGHT_WRITE, cp.console_cap);
    UCHECK(c > 0);
    UCHECK_EQ(vos_sys_write(c, "", 0, 0), 0);
    UCHECK_ERR(vos_sys_capability_validate(c, VOS_RIGHT_READ), VOS_ERR_PERMISSION_DENIED);
    /* From a capability to the process that owns it: its own thread. */
    int64_t t = vos_sys_capability_create(VOS_OBJ_THREAD, cp.self_tid, VOS_RIGHT_READ, cp.self_cap);
    UCHECK(t > 0);
    /* Not owned by the parent's object, unknown, the null type, more rights than the parent. */
    UCHECK_ERR(vos_sys_capability_create(VOS_OBJ_PROCESS, cp.other_pid, VOS_RIGHT_READ, cp.self_cap),
               VOS_ERR_PERMISSION_DENIED);
    UCHECK_ERR(vos_sys_capability_create(VOS_OBJ_THREAD, 1ull << 40, VOS_RIGHT_READ, cp.self_cap), VOS_ERR_NOT_FOUND);
    UCHECK_ERR(vos_sys_capability_create(VOS_OBJ_NONE, cp.console_id, 0, cp.console_cap), VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(vos_sys_capability_create(VOS_OBJ_CHANNEL + 100, cp.console_id, 0, cp.console_cap),
               VOS_ERR_INVALID_PARAMETER);
    int64_t weak = vos_sys_capability_derive(cp.console_cap, VOS_RIGHT_READ | VOS_RIGHT_DERIVE);
    UCHECK_ERR(vos_sys_capability_create(VOS_OBJ_DEVICE, cp.console_id, VOS_RIGHT_WRITE, weak),
               VOS_ERR_PERMISSION_DENIED);
    /* What was created hangs below its parent: revoking the parent takes it. */
    UCHECK_EQ(vos_sys_capability_revoke(cp.console_cap), 0);
    UCHECK_ERR(vos_sys_capability_validate(c, 0), VOS_ERR_INVALID_CAPABILITY);
    UCHECK_EQ(vos_sys_capability_validate(t, VOS_RIGHT_READ), 0);
    reached = 1;
}

static void test_capability_create(void **state)
{
    (void)state;
    reached = 0;
    struct process *p = hh_process("creator"), *other = hh_process("other");
    struct thread *t = hh_thread(p, create_user, 0);
    cp.self_cap = hh_grant(p, &p->obj, VOS_RIGHT_ALL);
    cp.console_cap = hh_grant(p, hh_console(), VOS_RIGHT_ALL);
    cp.self_tid = t->obj.id;
    cp.other_pid = other->obj.id;
    cp.console_id = hh_console()->id;
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
}

/* ---- many capabilities ---- */

#define MANY 100000u

static vos_cap_t many[MANY];

static void many_user(uint64_t arg)
{
    (void)arg;
    for (unsigned i = 0; i < MANY; i += 97) {
        uint64_t rights = i % (VOS_RIGHT_MASK + 1);
        UCHECK_EQ(vos_sys_capability_validate(many[i], rights), 0);
        if (rights != VOS_RIGHT_MASK)
            UCHECK_ERR(vos_sys_capability_validate(many[i], VOS_RIGHT_MASK), VOS_ERR_PERMISSION_DENIED);
    }
    UCHECK_EQ(vos_sys_capability_validate(many[MANY - 1], 0), 0);
    reached = 1;
}

static void test_many_capabilities(void **state)
{
    (void)state;
    reached = 0;
    struct process *p = hh_process("many");
    for (unsigned i = 0; i < MANY; i++)
        many[i] = hh_grant(p, hh_console(), i % (VOS_RIGHT_MASK + 1));
    assert_int_equal(p->cspace.used, MANY);
    /* Every token finds its own capability. */
    for (unsigned i = 0; i < MANY; i++) {
        struct cap *c = hh_cap(p, many[i]);
        assert_non_null(c);
        assert_int_equal(cap_token(c), many[i]);
        assert_int_equal(c->rights, i % (VOS_RIGHT_MASK + 1));
    }
    hh_thread(p, many_user, 0);
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
}

/* A slot parked after its generation's last value: the generation wraps to 1, never 0, and the key stays free. */
static void test_park_wraps_generation(void **state)
{
    (void)state;
    struct cap c;
    memset(&c, 0, sizeof(c));
    uint64_t slot = 5ull << VOS_CAP_SLOT_SHIFT;
    c.key = slot | VOS_CAP_GENERATION_MASK << VOS_CAP_GENERATION_SHIFT;
    cap_slot_park(&c);
    assert_null(c.obj);
    assert_int_equal(c.key ^ CAP_KEY_FREE, slot | 1ull << VOS_CAP_GENERATION_SHIFT);
    c.key = slot | 7ull << VOS_CAP_GENERATION_SHIFT; /* no wrap: just the next generation */
    cap_slot_park(&c);
    assert_int_equal(c.key ^ CAP_KEY_FREE, slot | 8ull << VOS_CAP_GENERATION_SHIFT);
}

/*
 * ---- IPC: a receive never fails for want of a capability slot (issue 15, defect 3) ----
 * With memory exhausted and the receiver's space needing a new table page,
 * SYS_IPC_RECEIVE used to return OutOfMemory (not in its errors list) at
 * once, forever, while the caller stayed queued.  Now a receive reserves
 * its slots at its start (docs/abi.md, "IPC"): a call arrives in the slots
 * reserved before memory ran out, and a reservation that cannot be made is
 * a clean, listed OutOfMemory with nothing taken.
 */
static struct process *rsv_proc;
static vos_cap_t rsv_console, rsv_chan_cap;
static uint64_t rsv_chan_id;
static volatile int rsv_client_ready, rsv_go;

static void reserve_client(uint64_t arg)
{
    (void)arg;
    struct vos_ipc_call_result r;
    /* A queued call's buffers are checked against its regions: an mmap'd page (its bytes do not matter). */
    int64_t page = vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE,
                                VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE, 0, 0);
    UCHECK(page > 0);
    char *buf = (char *)(uintptr_t)page;
    int64_t grant = vos_sys_capability_derive(rsv_console, VOS_RIGHT_READ | VOS_RIGHT_GRANT);
    UCHECK(grant > 0);
    /* While memory lasts: our reply object and the slot for a capability in a reply (nobody receives yet). */
    UCHECK_ERR(vos_sys_ipc_call(rsv_chan_id, buf, 4, buf, 8, 0, 0, rsv_chan_cap, &r), VOS_ERR_TIMEOUT);
    rsv_client_ready = 1;
    while (!rsv_go)
        vos_sys_yield();
    UCHECK_EQ(vos_sys_ipc_call(rsv_chan_id, buf, 4, buf, 8, VOS_TIMEOUT_INFINITE, 0, rsv_chan_cap, &r), 0);
    UCHECK_EQ(r.response_len, 2);
    /* A call with a capability: it takes the receiver's other reserved slot. */
    UCHECK_EQ(vos_sys_ipc_call(rsv_chan_id, buf, 1, buf, 8, VOS_TIMEOUT_INFINITE, (uint64_t)grant, rsv_chan_cap, &r), 0);
}

static void reserve_server(uint64_t self_cap)
{
    struct vos_endpoint_create_result e;
    UCHECK_EQ(vos_sys_ipc_endpoint_create(&e), 0);
    int64_t ch = vos_sys_ipc_channel_create(e.endpoint_id, e.endpoint_id, e.capability, e.capability);
    UCHECK(ch > 0);
    int64_t chcap = vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)ch, VOS_RIGHT_ALL, self_cap);
    UCHECK(chcap > 0);
    rsv_chan_id = (uint64_t)ch, rsv_chan_cap = (vos_cap_t)chcap;
    while (!rsv_client_ready)
        vos_sys_yield();
    char buf[16];
    struct vos_ipc_receive_result rr;
    /* Nothing queued: Timeout, but the slots a message may need are reserved now. */
    UCHECK_ERR(vos_sys_ipc_receive(e.endpoint_id, buf, sizeof(buf), 0, e.capability, &rr), VOS_ERR_TIMEOUT);

    /* Our space full up to a table boundary, and no memory for the next table page. */
    struct cspace *cs = &rsv_proc->cspace;
    int64_t last = 0;
    while (cs->free_head || cs->next_unused % 64) {
        last = vos_sys_capability_derive(rsv_console, VOS_RIGHT_READ | VOS_RIGHT_REVOKE);
        UCHECK(last > 0);
    }
    hh_exhaust_frames();
    UCHECK_ERR(vos_sys_capability_derive(rsv_console, VOS_RIGHT_READ), VOS_ERR_OUT_OF_MEMORY);

    rsv_go = 1;
    vos_sys_yield(); /* the client's call queues */
    UCHECK_EQ(vos_sys_ipc_receive(e.endpoint_id, buf, sizeof(buf), VOS_TIMEOUT_INFINITE, e.capability, &rr), 0);
    UCHECK_EQ(rr.message_len, 4);
    UCHECK(rr.reply_token != 0);
    UCHECK_EQ(vos_sys_ipc_reply(rr.reply_token, buf, 2, 0), 0);
    /* The second call, with a capability: the spent token's slot and the spare one take it. */
    UCHECK_EQ(vos_sys_ipc_receive(e.endpoint_id, buf, sizeof(buf), VOS_TIMEOUT_INFINITE, e.capability, &rr), 0);
    UCHECK(rr.reply_token != 0 && rr.capability != 0);
    UCHECK_EQ(vos_sys_capability_validate(rr.capability, VOS_RIGHT_GRANT), 0);
    UCHECK_EQ(vos_sys_ipc_reply(rr.reply_token, buf, 2, 0), 0);
    /* No slot for a capability any more and no memory for one: a clean, listed error at the start. */
    UCHECK_ERR(vos_sys_ipc_receive(e.endpoint_id, buf, sizeof(buf), 0, e.capability, &rr), VOS_ERR_OUT_OF_MEMORY);
    /* A slot freed: the reservation is made, the receive goes on (and finds nothing). */
    UCHECK_EQ(vos_sys_capability_revoke((vos_cap_t)last), 0);
    UCHECK_ERR(vos_sys_capability_validate((vos_cap_t)last, 0), VOS_ERR_INVALID_CAPABILITY);
    UCHECK_ERR(vos_sys_ipc_receive(e.endpoint_id, buf, sizeof(buf), 0, e.capability, &rr), VOS_ERR_TIMEOUT);
    hh_release_frames();
    reached = 1;
}

static void test_receive_reserves_slots(void **state)
{
    (void)state;
    reached = 0;
    rsv_client_ready = rsv_go = 0;
    rsv_proc = hh_process("reserve");
    rsv_console = hh_grant(rsv_proc, hh_console(), VOS_RIGHT_ALL);
    vos_cap_t self = hh_grant(rsv_proc, &rsv_proc->obj, VOS_RIGHT_ALL);
    hh_thread(rsv_proc, reserve_server, self);
    hh_thread(rsv_proc, reserve_client, 0);
    hh_start(rsv_proc);
    hh_run();
    hh_release_frames(); /* if the server stopped early */
    assert_int_equal(reached, 1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_park_wraps_generation, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_derive_shrinks_rights, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_revoke_reaches_other_spaces, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_revoke_only_subtree, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_stale_token_after_reuse, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_forged_tokens, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_validate_checks_rights, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_capability_create, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_many_capabilities, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_receive_reserves_slots, hh_setup, hh_teardown),
    };
    hh_select(argc, argv);
    return cmocka_run_group_tests_name("cspace", tests, NULL, NULL);
}
