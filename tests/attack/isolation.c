/*
 * isolation.c — the isolation suite (cmocka), the first process of
 * kernel-isolation on every architecture.  It starts two processes from
 * the boot files: iso-victim, which holds things worth stealing, and
 * iso-attacker, which holds only what the suite gave it.  Each test asks
 * the attacker (one IPC call) to try one way out; the attacker reports
 * every attempt not answered with the documented error, and then the
 * victim checks that its memory, capabilities, queue, thread and held
 * reply are as they were.  The attacks through pointers come from the
 * spec: one test per pointer argument of every call
 * (gen/tests/conformance_cases.h), so a new call is attacked too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vos/vos.h>

#include "attack.h"
#include "conformance_cases.h"

#define P VOS_PAGE_SIZE
/* Only keeps a dead child from hanging the suite: every request is answered at once. */
#define GUARD_NS (20 * 1000000000ull)
#define RIGHTS(x) (VOS_RIGHT_##x | VOS_RIGHT_GRANT)

static vos_cap_t self_cap, revocable_parent;
static uint64_t self_pid;
static vos_mem_t pool;
static struct vos_bootfs fs;
static vos_ep_t ctl;
static vos_chan_t to_victim, to_attacker;
static vos_proc_t victim, attacker;
static struct iso_victim_info vinfo;
static _Alignas(64) uint8_t response[VOS_IPC_MAX_MESSAGE]; /* room for any reply: the attacker's bad replies are a page */

static vos_cap_t derive(vos_cap_t c, uint64_t rights)
{
    vos_any_t out;
    assert_int_equal(vos_cap_derive((vos_any_t){ c }, rights, &out), 0);
    return out.cap;
}

/* A command endpoint for a child, and our channel to it. */
static vos_ep_t command_endpoint(vos_chan_t *to)
{
    vos_ep_t ep;
    assert_int_equal(vos_endpoint_create(&ep), 0);
    assert_int_equal(vos_channel_create(ctl, ep, (vos_any_t){ self_cap }, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT, to), 0);
    return ep;
}

static vos_proc_t create(const char *name, const vos_cap_t *caps, uint64_t n)
{
    const void *elf;
    uint64_t size;
    assert_int_equal(vos_bootfs_find(&fs, name, &elf, &size), 0);
    const char *argv[] = { name };
    struct vos_spawn sp = { argv, 1, (const vos_any_t *)caps, n };
    vos_proc_t p;
    assert_int_equal(vos_process_create(elf, size, &sp, &p), 0);
    return p;
}

/* Why a child stopped answering: its exit record, if it has ended. */
static void child_status(const char *name, vos_proc_t p)
{
    struct vos_process_exit_info info;
    char how[64];
    if (vos_process_wait(p, 0, &info) == 0)
        print_error("%s %s\n", name, vos_exit_describe(&info, how, sizeof(how)));
}

/* One request, one fixed-size reply, or the test fails. */
static void *ask(vos_chan_t to, uint64_t op, const uint64_t *args, unsigned nargs, uint64_t want_len)
{
    struct iso_request req = { op, { 0 } };
    for (unsigned i = 0; i < nargs; i++)
        req.arg[i] = args[i];
    uint64_t len = 0;
    memset(response, 0, sizeof(response));
    vos_status_t st = vos_call(to, &req, sizeof(req), response, sizeof(response), GUARD_NS, (vos_any_t){ 0 }, &len, NULL);
    if (st) {
        child_status("iso-victim", victim);
        child_status("iso-attacker", attacker);
        fail_msg("request %lu: %s", (unsigned long)op, vos_status_name(st));
    }
    assert_int_equal(len, want_len);
    assert_true(*(uint64_t *)response == ISO_REPORT_MAGIC);
    return response;
}

static void report_ok(const struct iso_report *r, const char *who)
{
    if (r->wrong)
        fail_msg("%s: %lu of %lu attempts wrong; first: %s", who, (unsigned long)r->wrong, (unsigned long)r->attempts,
                 r->what);
    assert_true(r->attempts > 0);
    print_message("%s: %lu attempts, each answered as documented\n", who, (unsigned long)r->attempts);
}

static void victim_unchanged(void)
{
    struct iso_report r = *(struct iso_report *)ask(to_victim, ISO_VICTIM_CHECK, NULL, 0, sizeof(struct iso_report));
    report_ok(&r, "victim");
}

/* The attacker tries; every attempt must have got the documented error, and the victim must not have noticed. */
static void attack(uint64_t op, const uint64_t *args, unsigned nargs)
{
    struct iso_report r = *(struct iso_report *)ask(to_attacker, op, args, nargs, sizeof(struct iso_report));
    report_ok(&r, "attacker");
    victim_unchanged();
}

/* ---- set-up: the two processes ---- */

static void start_victim(vos_mem_t region)
{
    vos_ep_t ep = command_endpoint(&to_victim);
    vos_cap_t caps[] = { derive(ep.cap, RIGHTS(READ) | VOS_RIGHT_DERIVE), derive(region.cap, RIGHTS(READ) | VOS_RIGHT_WRITE) };
    victim = create("iso-victim", caps, 2);
    /* Its first message: a capability to itself, so it can own channels. */
    vos_any_t proc;
    assert_int_equal(vos_cap_create(VOS_OBJ_PROCESS, victim.pid, VOS_RIGHT_ALL, (vos_any_t){ self_cap }, &proc), 0);
    assert_int_equal(vos_send(to_victim, "self", 4, proc), 0);
    assert_int_equal(vos_process_start(victim), 0);
    vinfo = *(struct iso_victim_info *)ask(to_victim, ISO_VICTIM_INFO, NULL, 0, sizeof(vinfo));
    assert_int_equal(vinfo.pid, victim.pid);
    assert_true(vinfo.ntokens > 0 && vinfo.ntokens < ISO_MAX_TOKENS);
}

static void start_attacker(vos_mem_t region, vos_cap_t bootfs)
{
    vos_ep_t ep = command_endpoint(&to_attacker), loop;
    vos_mem_t own;
    vos_chan_t loop_ch;
    assert_int_equal(vos_mem_carve(pool, 2 * P, VOS_RIGHT_ALL, &own), 0);
    assert_int_equal(vos_endpoint_create(&loop), 0);
    assert_int_equal(vos_channel_create(loop, loop, (vos_any_t){ self_cap }, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT, &loop_ch), 0);
    revocable_parent = derive(region.cap, VOS_RIGHT_ALL);
    vos_cap_t caps[] = {
        derive(ep.cap, RIGHTS(READ)),
        derive(region.cap, RIGHTS(READ) | VOS_RIGHT_DERIVE),
        own.cap,
        derive(loop.cap, RIGHTS(READ) | VOS_RIGHT_WRITE | VOS_RIGHT_DERIVE),
        loop_ch.cap,
        derive(bootfs, RIGHTS(READ)),
        derive(revocable_parent, RIGHTS(READ) | VOS_RIGHT_WRITE),
    };
    attacker = create("iso-attacker", caps, sizeof(caps) / sizeof(caps[0]));
    assert_int_equal(vos_process_start(attacker), 0);
}

static int setup(void **state)
{
    (void)state;
    vos_mem_t region;
    static uint8_t secret[ISO_REGION_PAGES * P];
    for (unsigned i = 0; i < sizeof(secret); i++)
        secret[i] = ISO_SECRET_BYTE(i);
    assert_int_equal(vos_mem_carve(pool, sizeof(secret), VOS_RIGHT_ALL, &region), 0);
    assert_int_equal(vos_mem_write((vos_any_t){ region.cap }, secret, sizeof(secret), 0, NULL), 0);
    assert_int_equal(vos_endpoint_create(&ctl), 0);
    start_victim(region);
    vos_cap_t bootfs = fs.cap;
    start_attacker(region, bootfs);
    return 0;
}

/* ---- the tests ---- */

static void pointer_argument(void **state)
{
    uint64_t k = (uint64_t)(uintptr_t)*state;
    attack(ISO_ATTACK_POINTER, &k, 1);
}

static void spilled_arguments(void **state)
{
    uint64_t i = (uint64_t)(uintptr_t)*state;
    attack(ISO_ATTACK_SPILL, &i, 1);
}

/* The attacks that need nothing from the suite: initial_state is the request. */
static void plain_attack(void **state)
{
    attack((uint64_t)(uintptr_t)*state, NULL, 0);
}

static void guessed_slots(void **state)
{
    (void)state;
    uint64_t top = 0;
    for (uint64_t i = 0; i < vinfo.ntokens; i++)
        if ((vinfo.tokens[i] & VOS_CAP_SLOT_MASK) > top)
            top = vinfo.tokens[i] & VOS_CAP_SLOT_MASK;
    top += 16;
    attack(ISO_ATTACK_GUESSED_SLOTS, &top, 1);
}

static void victim_token_values(void **state)
{
    (void)state;
    uint64_t args[8] = { 0 };
    for (uint64_t i = 0; i < vinfo.ntokens && i < 7; i++)
        args[i] = vinfo.tokens[i];
    args[7] = vinfo.ntokens < 7 ? vinfo.ntokens : 7;
    attack(ISO_ATTACK_FOREIGN_TOKENS, args, 8);
}

static void revoked(void **state)
{
    (void)state;
    assert_int_equal(vos_cap_revoke((vos_any_t){ revocable_parent }), 0); /* reaches the attacker's copy */
    attack(ISO_ATTACK_REVOKED, NULL, 0);
}

static void derive_more(void **state)
{
    (void)state;
    uint64_t args[] = { vinfo.pid, vinfo.private_ep };
    attack(ISO_ATTACK_DERIVE_MORE, args, 2);
}

static void send_without_channel(void **state)
{
    (void)state;
    uint64_t args[] = { vinfo.private_ep, vinfo.private_ep_token };
    attack(ISO_ATTACK_NO_CHANNEL, args, 2);
}

static void join_foreign(void **state)
{
    (void)state;
    attack(ISO_ATTACK_JOIN, &vinfo.thread_id, 1);
}

static void wait_not_child(void **state)
{
    (void)state;
    uint64_t args[] = { vinfo.pid, self_pid };
    attack(ISO_ATTACK_WAIT, args, 2);
}

static void spent_reply(void **state)
{
    (void)state;
    struct iso_report first = *(struct iso_report *)ask(to_attacker, ISO_ATTACK_SPENT_REPLY, NULL, 0, sizeof(first));
    assert_int_equal(first.wrong, 0);
    attack(ISO_ATTACK_LAST, NULL, 0); /* what the second reply got; and it must not have reached us instead of this */
}

static void foreign_reply(void **state)
{
    (void)state;
    attack(ISO_ATTACK_FOREIGN_REPLY, &vinfo.held_reply, 1);
}

/* The victim answers its held call and collects its thread: neither was taken; both children end cleanly. */
static void victim_finishes(void **state)
{
    (void)state;
    struct iso_report r = *(struct iso_report *)ask(to_victim, ISO_VICTIM_FINISH, NULL, 0, sizeof(r));
    report_ok(&r, "victim");
    ask(to_victim, ISO_QUIT, NULL, 0, sizeof(r));
    ask(to_attacker, ISO_QUIT, NULL, 0, sizeof(r));
    struct vos_process_exit_info info;
    assert_int_equal(vos_process_wait(victim, VOS_TIMEOUT_INFINITE, &info), 0);
    assert_int_equal(info.reason, VOS_EXIT_CODE);
    assert_int_equal(info.code, 0);
    assert_int_equal(vos_process_wait(attacker, VOS_TIMEOUT_INFINITE, &info), 0);
    assert_int_equal(info.reason, VOS_EXIT_CODE);
    assert_int_equal(info.code, 0);
}

#define T(name, fn) { name, fn, NULL, NULL, NULL }
#define PLAIN(name, op) { name, plain_attack, NULL, NULL, (void *)(uintptr_t)(op) }

static const struct CMUnitTest fixed_tests[] = {
    PLAIN("isolation.process_create.argv_strings", ISO_ATTACK_ARGV_STRING),
    T("isolation.tokens.guessed_slots", guessed_slots),
    T("isolation.tokens.victim_token_values", victim_token_values),
    PLAIN("isolation.tokens.wrong_generation", ISO_ATTACK_GENERATION),
    T("isolation.tokens.revoked", revoked),
    PLAIN("isolation.grant.transfer_without_grant", ISO_ATTACK_NO_GRANT),
    T("isolation.rights.derive_more", derive_more),
    PLAIN("isolation.memory.map_beyond_region_and_rights", ISO_ATTACK_MAP),
    T("isolation.ipc.send_without_channel", send_without_channel),
    T("isolation.thread.join_foreign", join_foreign),
    T("isolation.process.wait_not_child", wait_not_child),
    T("isolation.reply.spent_token", spent_reply),
    T("isolation.reply.foreign_token", foreign_reply),
    T("isolation.victim_finishes_untouched", victim_finishes),
};

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct vos_start_info *si = vos_start_info();
    struct vos_cap_info c;
    if (vos_start_lookup(si, VOS_OBJ_PROCESS, VOS_RIGHT_DERIVE, &c))
        return 10;
    self_cap = c.token;
    self_pid = si->pid;
    pool.cap = vos_start_find_pool(si);
    if (vos_bootfs_open(&fs, vos_start_find_bootfs(si)))
        return 11;
    /*
     * One test per pointer argument the kernel reads or writes (the spec's
     * CONF_PTR_NULL cases), one per call whose arguments do not all fit in
     * this arch's registers (the array of the rest is a pointer too), then
     * the rest.
     */
    size_t nptr = 0, nfixed = sizeof(fixed_tests) / sizeof(fixed_tests[0]), nregs = 0;
    while (conf_regs_args[nregs])
        nregs++;
    for (size_t k = 0; k < CONF_CASES; k++)
        nptr += conf_cases[k].kind == CONF_PTR_NULL;
    for (size_t i = 0; i < CONF_SYSCALLS; i++)
        nptr += conf_syscalls[i].nargs > nregs;
    struct CMUnitTest *tests = calloc(nptr + nfixed, sizeof(*tests));
    if (!tests)
        return 12;
    size_t n = 0;
    for (size_t k = 0; k < CONF_CASES; k++) {
        if (conf_cases[k].kind != CONF_PTR_NULL)
            continue;
        const struct conf_syscall *s = &conf_syscalls[conf_cases[k].syscall];
        char *name = malloc(96);
        if (!name)
            return 12;
        snprintf(name, 96, "isolation.%s.%s_is_the_victims_page", s->name, s->args[conf_cases[k].arg].name);
        tests[n++] = (struct CMUnitTest){ name, pointer_argument, NULL, NULL, (void *)(uintptr_t)k };
    }
    for (size_t i = 0; i < CONF_SYSCALLS; i++) {
        if (conf_syscalls[i].nargs <= nregs)
            continue;
        char *name = malloc(96);
        if (!name)
            return 12;
        snprintf(name, 96, "isolation.%s.spilled_arguments_are_the_victims_page", conf_syscalls[i].name);
        tests[n++] = (struct CMUnitTest){ name, spilled_arguments, NULL, NULL, (void *)(uintptr_t)i };
    }
    memcpy(tests + n, fixed_tests, sizeof(fixed_tests));
    printf("isolation: %zu pointer arguments from the spec (%zu argument registers), %zu other attacks\n", nptr, nregs,
           nfixed);
    int failed = _cmocka_run_group_tests("isolation", tests, nptr + nfixed, setup, NULL);
    printf("isolation: done, %d failed\n", failed);
    return failed ? 1 : 0;
}
