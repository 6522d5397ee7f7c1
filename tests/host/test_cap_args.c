/*
 * test_cap_args.c — every capability argument of every syscall (from the
 * spec, via cap_cases.h) rejects the null token, forged tokens, stale
 * tokens, objects of the wrong type (InvalidCapability) and capabilities
 * missing any one required right (PermissionDenied).
 *
 * The harness prepares every call first (capabilities are inserted from
 * outside, as a loader would), then one user thread makes them all through
 * the real trap path.  Arguments before the one under test get valid
 * values, since the shims check in argument order and stop at the first
 * bad one; so each call reaches the check it is about.
 */
#include <stdio.h>
#include <string.h>

#include "cap_cases.h"
#include "harness.h"
#include "ioport.h"
#include "ipc.h"
#include "irq.h"
#include "memobj.h"
#include "syscall_handlers.h"
#include "syscall_frame.h" /* SYSCALL_ARG_REGISTERS: where the overflow rule starts */

#define MAX_CALLS 512

struct call {
    uint64_t nr;
    unsigned nargs;
    uint64_t args[8];
    int64_t expect;     /* word 0 expected ... */
    bool expect_not;    /* ... or, if set, anything but it */
    char what[80];
};

static struct call calls[MAX_CALLS];
static unsigned ncalls, made;

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
    /* IPC objects are real now (kernel/endpoint.c): their capability hooks look inside them. */
    struct vos_endpoint_create_result ep;
    assert_int_equal(sys_ipc_endpoint_create(t, &ep), VOS_OK);
    struct cap *ec = hh_cap(p, ep.capability);
    objects[VOS_OBJ_ENDPOINT] = ec->obj;
    vos_channel_t ch;
    assert_int_equal(sys_ipc_channel_create(t, ep.endpoint_id, ep.endpoint_id, ec, ec, &ch), VOS_OK);
    objects[VOS_OBJ_CHANNEL] = object_find(VOS_OBJ_CHANNEL, ch);
    assert_int_equal(reply_prepare(t), VOS_OK); /* t's reply object: no call waits on it */
    objects[VOS_OBJ_REPLY] = &t->ipc.reply->obj;
    /* The driver objects are real too: their capability hooks and handlers look inside them. */
    objects[VOS_OBJ_IRQ_CONTROL] = irq_control();
    vos_cap_t irq;
    assert_int_equal(irq_create(t, hh_cap(p, hh_grant(p, irq_control(), VOS_RIGHT_ALL)), 5, VOS_RIGHT_ALL, &irq), VOS_OK);
    objects[VOS_OBJ_IRQ] = hh_cap(p, irq)->obj;
    objects[VOS_OBJ_DEVICE_MEMORY] = &devmem_pool()->obj;
    objects[VOS_OBJ_IO_PORT] = &ioport_root()->obj;
}

/* An object of a type in mask (prefer real ones), or NULL. */
static struct object *object_in(uint32_t mask)
{
    static const unsigned order[] = { VOS_OBJ_DEVICE, VOS_OBJ_PROCESS, VOS_OBJ_THREAD, VOS_OBJ_MEMORY,
                                      VOS_OBJ_ENDPOINT, VOS_OBJ_CHANNEL, VOS_OBJ_REPLY, VOS_OBJ_IRQ,
                                      VOS_OBJ_DEVICE_MEMORY, VOS_OBJ_IO_PORT, VOS_OBJ_IRQ_CONTROL };
    for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (mask & (1u << order[i]))
            return objects[order[i]];
    return NULL;
}

/* Valid values for every argument of s; *dummy tells whether a placeholder object is among them. */
static void valid_args(struct process *p, const struct cap_case_syscall *s, uint64_t *args, void *record,
                       bool *dummy)
{
    struct object *obj_of[8] = { 0 };
    *dummy = false;
    for (unsigned i = 0; i < s->nargs; i++) {
        const struct cap_case_arg *a = &s->args[i];
        switch (a->fill) {
        case CAP_FILL_ZERO: args[i] = 0; break;
        case CAP_FILL_VALUE:
        case CAP_FILL_ALL_FLAGS: args[i] = a->value; break;
        case CAP_FILL_RECORD: args[i] = (uint64_t)(uintptr_t)record; break;
        case CAP_FILL_CAP:
            obj_of[i] = object_in(a->object_mask);
            assert_non_null(obj_of[i]);
            *dummy |= is_placeholder(obj_of[i]);
            args[i] = hh_grant(p, obj_of[i], VOS_RIGHT_ALL);
            break;
        case CAP_FILL_OBJECT_ID: break; /* below, once its capability is chosen */
        }
    }
    for (unsigned i = 0; i < s->nargs; i++)
        if (s->args[i].fill == CAP_FILL_OBJECT_ID)
            args[i] = obj_of[s->args[i].value]->id;
}

static void add(const struct cap_case_syscall *s, const uint64_t *args, unsigned arg, uint64_t value, int64_t expect,
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

static void plan(struct process *p, void *record)
{
    const int64_t invalid = hh_err(VOS_ERR_INVALID_CAPABILITY), denied = hh_err(VOS_ERR_PERMISSION_DENIED);
    for (unsigned k = 0; k < CAP_CASES; k++) {
        const struct cap_case *cc = &cap_cases[k];
        const struct cap_case_syscall *s = &cap_case_syscalls[cc->syscall];
        uint64_t args[8] = { 0 };
        bool dummy;
        assert_int_equal(s->nr, cc->nr);
        assert_int_equal(s->nargs, cc->nargs);
        valid_args(p, s, args, record, &dummy);
        uint64_t good = args[cc->arg];

        /* (a) null: invalid unless optional; then the check must pass on to later arguments. */
        bool accept_last = false;
        if (!cc->optional) {
            add(s, args, cc->arg, VOS_CAP_NULL, invalid, false, "null token");
        } else {
            unsigned later = cc->arg + 1;
            while (later < s->nargs && s->args[later].fill != CAP_FILL_CAP)
                later++;
            if (later < s->nargs) {
                args[later] = VOS_CAP_NULL | VOS_CAP_RESERVED_MASK; /* so the failure comes from there */
                add(s, args, cc->arg, VOS_CAP_NULL, invalid, false, "optional null token passes");
                args[later] = hh_grant(p, object_in(s->args[later].object_mask), VOS_RIGHT_ALL);
            } else {
                accept_last = !dummy; /* it reaches the handler, which may consume arguments (a reply token) */
            }
        }
        /* (b) forged: reserved bits, a slot never handed out, the top slot. */
        add(s, args, cc->arg, good | VOS_CAP_RESERVED_MASK, invalid, false, "reserved bits");
        add(s, args, cc->arg, good | 1ull << 63, invalid, false, "bit 63");
        add(s, args, cc->arg, (VOS_CAP_SLOT_MASK - 1) | 1ull << VOS_CAP_GENERATION_SHIFT, invalid, false,
            "slot never used (the space holds few)");
        add(s, args, cc->arg, VOS_CAP_SLOT_MASK | 1ull << VOS_CAP_GENERATION_SHIFT, invalid, false, "last slot");
        add(s, args, cc->arg, good + (1ull << VOS_CAP_GENERATION_SHIFT), invalid, false, "wrong generation");
        /* (c) stale: the slot was freed (and may be reused: the generation differs). */
        add(s, args, cc->arg, hh_stale_token(p, object_in(cc->object_mask)), invalid, false, "stale token");
        /* (d) an object of a type the argument does not accept. */
        struct object *wrong = object_in(~cc->object_mask & ~1u);
        if (wrong)
            add(s, args, cc->arg, hh_grant(p, wrong, VOS_RIGHT_ALL), invalid, false, "wrong object type");
        /* (e) each required right missing in turn. */
        for (uint64_t r = 1; r <= VOS_RIGHT_MASK; r <<= 1) {
            if (!(cc->rights & r))
                continue;
            char what[40];
            snprintf(what, sizeof(what), "without right %#llx", (unsigned long long)r);
            add(s, args, cc->arg, hh_grant(p, object_in(cc->object_mask), VOS_RIGHT_ALL & ~r), denied, false, what);
        }
        if (accept_last)
            add(s, args, cc->arg, VOS_CAP_NULL, invalid, true, "optional null token accepted");
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

static void test_every_capability_argument(void **state)
{
    (void)state;
    _Static_assert(SYSCALL_ARG_REGISTERS == 6, "the host ABI has six argument registers");
    ncalls = made = 0;
    struct process *p = hh_process("cap-args");
    struct thread *t = hh_thread(p, make_calls, 0);
    make_objects(p, t);
    plan(p, hh_umem(p, PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE));
    /* At least null/forged/stale per argument, and every argument of the spec. */
    assert_true(CAP_CASES >= 12);
    assert_true(ncalls >= CAP_CASES * 6);
    hh_start(p);
    hh_run();
    assert_int_equal(made, ncalls);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_capability_argument, hh_setup, hh_teardown),
    };
    hh_select(argc, argv);
    return cmocka_run_group_tests_name("cap_args", tests, NULL, NULL);
}
