/*
 * test_cap_args.c — the capability-argument cases the generated
 * conformance cases (tests/conformance, conformance_cases.h) cannot reach
 * from a user program, for every capability argument of the spec:
 *
 *  - a missing right on a reply token: a program cannot derive one (reply
 *    tokens are single-use), so the conformance suite skips those cases;
 *    here the harness inserts a reply capability without each right
 *    (PermissionDenied);
 *  - an optional capability given as the null token: it passes its own
 *    check and the call goes on to the next capability argument (made
 *    forged here, so the failure names that one), or, when it is the last,
 *    is accepted (anything but InvalidCapability).
 *
 * Null, forged, never-used, stale, wrong-type and missing-right tokens of
 * the kinds a program can make are the conformance suite's (in every guest,
 * and on the host in host_conformance).
 *
 * The harness prepares every call first (capabilities are inserted from
 * outside, as a loader would), then one user thread makes them all through
 * the real trap path.  Arguments before the one under test get valid
 * values, since the shims check in argument order and stop at the first
 * bad one; so each call reaches the check it is about.
 */
#include <stdio.h>
#include <string.h>

#include "conformance_cases.h"
#include "harness.h"
#include "ipc.h"
#include "syscall_handlers.h"
#include "syscall_frame.h" /* SYSCALL_ARG_REGISTERS: where the overflow rule starts */

#define MAX_CALLS 64

struct call {
    uint64_t nr;
    unsigned nargs;
    uint64_t args[8];
    int64_t expect;     /* word 0 expected ... */
    bool expect_not;    /* ... or, if set, anything but it */
    char what[80];
};

static struct call calls[MAX_CALLS];
static unsigned ncalls, made, reply_rights, optional_nulls;

/* Objects of every type: real where the kernel has them, else placeholders nobody destroys. */
static struct object placeholder[VOS_OBJ_COUNT];
static struct object *objects[VOS_OBJ_COUNT];

static bool is_placeholder(const struct object *o) { return o >= placeholder && o < placeholder + VOS_OBJ_COUNT; }

static void make_objects(struct process *p, struct thread *t)
{
    for (unsigned type = 1; type < VOS_OBJ_COUNT; type++) {
        if (!placeholder[type].type)
            object_init_static(&placeholder[type], type); /* its own reference is never dropped */
        objects[type] = &placeholder[type];
    }
    objects[VOS_OBJ_PROCESS] = &p->obj;
    objects[VOS_OBJ_THREAD] = &t->obj;
    objects[VOS_OBJ_DEVICE] = hh_console();
    /* IPC objects are real (kernel/endpoint.c): their capability hooks look inside them. */
    struct vos_endpoint_create_result ep;
    assert_int_equal(sys_ipc_endpoint_create(t, &ep), VOS_OK);
    struct cap *ec = hh_cap(p, ep.capability);
    objects[VOS_OBJ_ENDPOINT] = ec->obj;
    vos_channel_t ch;
    assert_int_equal(sys_ipc_channel_create(t, ep.endpoint_id, ep.endpoint_id, ec, ec, &ch), VOS_OK);
    objects[VOS_OBJ_CHANNEL] = object_find(VOS_OBJ_CHANNEL, ch);
    assert_int_equal(reply_prepare(t), VOS_OK); /* t's reply object: no call waits on it */
    objects[VOS_OBJ_REPLY] = &t->ipc.reply->obj;
}

/* An object of a type in mask (prefer real ones), or NULL. */
static struct object *object_in(uint32_t mask)
{
    static const unsigned order[] = { VOS_OBJ_DEVICE, VOS_OBJ_PROCESS, VOS_OBJ_THREAD, VOS_OBJ_MEMORY,
                                      VOS_OBJ_ENDPOINT, VOS_OBJ_CHANNEL, VOS_OBJ_REPLY };
    for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (mask & (1u << order[i]))
            return objects[order[i]];
    return NULL;
}

/* Valid values for every argument of s; *dummy tells whether a placeholder object is among them. */
static void valid_args(struct process *p, const struct conf_syscall *s, uint64_t *args, void *record, bool *dummy)
{
    struct object *obj_of[8] = { 0 };
    *dummy = false;
    for (unsigned i = 0; i < s->nargs; i++) {
        const struct conf_arg *a = &s->args[i];
        switch (a->fill) {
        case CONF_FILL_ZERO: args[i] = 0; break; /* lengths too: a buffer of length 0 is never read */
        case CONF_FILL_VALUE:
        case CONF_FILL_FLAGS: args[i] = a->value; break;
        case CONF_FILL_BUFFER: args[i] = (uint64_t)(uintptr_t)record; break;
        case CONF_FILL_CAP:
            obj_of[i] = object_in(a->object_mask);
            assert_non_null(obj_of[i]);
            *dummy |= is_placeholder(obj_of[i]);
            args[i] = hh_grant(p, obj_of[i], VOS_RIGHT_ALL);
            break;
        case CONF_FILL_OBJECT_ID: break; /* below, once its capability is chosen */
        }
    }
    for (unsigned i = 0; i < s->nargs; i++)
        if (s->args[i].fill == CONF_FILL_OBJECT_ID)
            args[i] = obj_of[s->args[i].value]->id;
}

static void add(const struct conf_syscall *s, const uint64_t *args, unsigned arg, uint64_t value, int64_t expect,
                bool expect_not, const char *what)
{
    assert_true(ncalls < MAX_CALLS);
    struct call *c = &calls[ncalls++];
    c->nr = s->nr;
    c->nargs = s->nargs;
    memcpy(c->args, args, sizeof(c->args));
    c->args[arg] = value;
    c->expect = expect;
    c->expect_not = expect_not;
    snprintf(c->what, sizeof(c->what), "%s.%s: %s", s->name, s->args[arg].name, what);
}

/* The optional null token of argument k: on to the next capability argument, or accepted. */
static void plan_optional_null(struct process *p, const struct conf_syscall *s, uint64_t *args, unsigned k, bool dummy)
{
    const int64_t invalid = hh_err(VOS_ERR_INVALID_CAPABILITY);
    unsigned later = k + 1;
    while (later < s->nargs && s->args[later].fill != CONF_FILL_CAP)
        later++;
    if (later < s->nargs) {
        args[later] = VOS_CAP_NULL | VOS_CAP_RESERVED_MASK; /* so the failure comes from there */
        add(s, args, k, VOS_CAP_NULL, invalid, false, "optional null token passes");
        args[later] = hh_grant(p, object_in(s->args[later].object_mask), VOS_RIGHT_ALL);
        optional_nulls++;
    } else if (!dummy) { /* it reaches the handler, which may consume arguments (a reply token): last */
        add(s, args, k, VOS_CAP_NULL, invalid, true, "optional null token accepted");
        optional_nulls++;
    }
}

static void plan(struct process *p, void *record)
{
    for (unsigned n = 0; n < CONF_SYSCALLS; n++) {
        const struct conf_syscall *s = &conf_syscalls[n];
        if (s->noreturn)
            continue;
        for (unsigned k = 0; k < s->nargs; k++) {
            const struct conf_arg *a = &s->args[k];
            if (a->fill != CONF_FILL_CAP)
                continue;
            uint64_t args[8] = { 0 };
            bool dummy;
            valid_args(p, s, args, record, &dummy);
            if (a->object_mask == 1u << VOS_OBJ_REPLY) /* each required right missing in turn */
                for (uint64_t r = 1; r <= VOS_RIGHT_MASK; r <<= 1) {
                    if (!(a->rights & r))
                        continue;
                    char what[40];
                    snprintf(what, sizeof(what), "reply token without right %#llx", (unsigned long long)r);
                    add(s, args, k, hh_grant(p, objects[VOS_OBJ_REPLY], VOS_RIGHT_ALL & ~r),
                        hh_err(VOS_ERR_PERMISSION_DENIED), false, what);
                    reply_rights++;
                }
            if (a->optional)
                plan_optional_null(p, s, args, k, dummy);
        }
    }
}

/* The user side: each call through the trap, with the overflow rule applied by hand. */
static void make_calls(uint64_t arg)
{
    (void)arg;
    for (unsigned i = 0; i < ncalls; i++) {
        const struct call *c = &calls[i];
        uint64_t reg[SYSCALL_ARG_REGISTERS] = { 0 };
        uint64_t spill[8]; /* on this thread's stack: user memory */
        if (c->nargs <= SYSCALL_ARG_REGISTERS) {
            memcpy(reg, c->args, c->nargs * 8);
        } else {
            memcpy(reg, c->args, (SYSCALL_ARG_REGISTERS - 1) * 8);
            memcpy(spill, c->args + SYSCALL_ARG_REGISTERS - 1, (c->nargs - SYSCALL_ARG_REGISTERS + 1) * 8);
            reg[SYSCALL_ARG_REGISTERS - 1] = (uint64_t)(uintptr_t)spill;
        }
        int64_t r0 = (int64_t)hh_trap(c->nr, reg[0], reg[1], reg[2], reg[3], reg[4], reg[5]);
        if (c->expect_not ? r0 == c->expect : r0 != c->expect)
            hh_user_fail(__FILE__, __LINE__, "%s: got %lld, expected %s%lld", c->what, (long long)r0,
                         c->expect_not ? "anything but " : "", (long long)c->expect);
        made++;
    }
}

static void test_host_only_capability_cases(void **state)
{
    (void)state;
    _Static_assert(SYSCALL_ARG_REGISTERS == 6, "the host ABI has six argument registers");
    ncalls = made = reply_rights = optional_nulls = 0;
    struct process *p = hh_process("cap-args");
    struct thread *t = hh_thread(p, make_calls, 0);
    make_objects(p, t);
    plan(p, hh_umem(p, PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE));
    /* The spec has reply tokens that need a right, and optional capabilities. */
    assert_true(reply_rights >= 1);
    assert_true(optional_nulls >= 1);
    hh_start(p);
    hh_run();
    assert_int_equal(made, ncalls);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_host_only_capability_cases, hh_setup, hh_teardown),
    };
    hh_select(argc, argv);
    return cmocka_run_group_tests_name("cap_args", tests, NULL, NULL);
}
