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
    vos_cap_t r, y, unrelated, weak;  /* tokens in A */
};

static void revoke_user(uint64_t arg)
{
    const struct revoke_plan *pl = (const struct revoke_plan *)(uintptr_t)arg;
    UCHECK_EQ(vos_sys_capability_validate(pl->y, 0), 0);
    /* Revoking needs REVOKE. */
    UCHECK_ERR(vos_sys_capability_revoke(pl->weak), VOS_ERR_PERMISSION_DENIED);
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
    };
    hh_select(argc, argv);
    return cmocka_run_group_tests_name("cspace", tests, NULL, NULL);
}
