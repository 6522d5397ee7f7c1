/*
 * exhaustion.c — the exhaustion suite (cmocka), the first process of
 * kernel-exhaustion on every architecture.
 *
 * Each flood test starts ex-flooder, which makes one kind of resource
 * (processes, threads, sleeping threads, capabilities, endpoints, queued
 * messages, mapped pages, page tables) until the kernel refuses.  Every few
 * steps, and at the refusal, while it holds everything, it calls the suite;
 * the suite then has the client (ex-peer) complete a round trip with the
 * server (ex-peer) and map fresh memory, and checks that the frames in use
 * since the flood began stay within the flooder's quota.  The refusal must
 * be ResourceExhausted or OutOfMemory, and once the flooder has exited the
 * kernel's free frame count (a pool's PoolInfo) must be what it was.
 *
 * The last test is defect 1's scenario (issue 15): the client and server
 * end, and the suite, whose quota is then all memory, exhausts it and
 * tries process_create (and a few other calls) with one more free page
 * each time.
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

#define P VOS_PAGE_SIZE
#define ERR(e) (-(int64_t)(e))
#define GUARD_NS (120 * 1000000000ull) /* only keeps a dead child from hanging the suite */
/* A child's quota (docs/abi.md: at most 32 MiB); the suite's children all get that much. */
#define CHILD_QUOTA_PAGES ((32ull << 20) / P)
/* Frames the kernel may use for a process beyond its quota: its own process object and rounding. */
#define SLACK_PAGES 64
/*
 * Frames a flood may leave in use after it, because they hold what the
 * kernel keeps for everyone within fixed bounds: the spare region records
 * (kernel/vspace.c, 16) and the object pages they lie in, an empty object
 * page per size class.
 */
#define CACHED_PAGES 16

#if defined(__x86_64__)
#define THREAD_ENTRY __attribute__((force_align_arg_pointer, noreturn))
#else
#define THREAD_ENTRY __attribute__((noreturn))
#endif

static vos_cap_t self_cap;
static vos_mem_t pool;
static struct vos_bootfs fs;
static vos_ep_t ctl, tick_ep, flood_ep;
static vos_chan_t to_client, to_flooder, tick_ch;
static vos_proc_t server, client;
static uint64_t round_trips;

static uint64_t free_frames(void)
{
    struct vos_pool_info info = { 0, 0 };
    vos_sys_read(pool.cap, &info, sizeof(info), 0);
    return info.free_bytes / P;
}

static vos_cap_t derive(vos_cap_t c, uint64_t rights)
{
    vos_any_t out;
    assert_int_equal(vos_cap_derive((vos_any_t){ c }, rights, &out), 0);
    return out.cap;
}

static vos_proc_t create(const char *const *argv, uint64_t argc, const vos_cap_t *caps, uint64_t n)
{
    const void *elf;
    uint64_t size;
    assert_int_equal(vos_bootfs_find(&fs, argv[0], &elf, &size), 0);
    struct vos_spawn sp = { argv, argc, (const vos_any_t *)caps, n };
    vos_proc_t p;
    assert_int_equal(vos_process_create(elf, size, &sp, &p), 0);
    return p;
}

static int is_refusal(int64_t e)
{
    return e == ERR(VOS_ERR_RESOURCE_EXHAUSTED) || e == ERR(VOS_ERR_OUT_OF_MEMORY);
}

/* One round trip client -> server -> client, and an allocation by the client: NULL when both worked. */
static const char *served(void)
{
    struct ex_round_trip rt = { ++round_trips, 0, 0, 0 };
    uint64_t len = 0;
    if (vos_call(to_client, &rt, sizeof(rt), &rt, sizeof(rt), GUARD_NS, (vos_any_t){ 0 }, &len, NULL) || len != sizeof(rt))
        return "the client did not answer";
    if (rt.call || rt.answer != round_trips + 1)
        return "the client's call to the server failed";
    if (rt.alloc <= 0)
        return "the client could not map memory within its quota";
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    vos_ep_t server_ep, client_ep;
    vos_chan_t to_server;
    assert_int_equal(vos_endpoint_create(&ctl), 0);
    assert_int_equal(vos_endpoint_create(&server_ep), 0);
    assert_int_equal(vos_endpoint_create(&client_ep), 0);
    assert_int_equal(vos_endpoint_create(&tick_ep), 0);
    assert_int_equal(vos_endpoint_create(&flood_ep), 0);
    const uint64_t wg = VOS_RIGHT_WRITE | VOS_RIGHT_GRANT;
    vos_any_t me = { self_cap };
    assert_int_equal(vos_channel_create(ctl, server_ep, me, wg, &to_server), 0);
    assert_int_equal(vos_channel_create(ctl, client_ep, me, wg, &to_client), 0);
    assert_int_equal(vos_channel_create(ctl, tick_ep, me, wg, &tick_ch), 0);
    assert_int_equal(vos_channel_create(ctl, flood_ep, me, wg, &to_flooder), 0);
    const char *server_argv[] = { "ex-peer", "server" }, *client_argv[] = { "ex-peer", "client" };
    vos_cap_t server_caps[] = { derive(server_ep.cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT) };
    vos_cap_t client_caps[] = { derive(client_ep.cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT), to_server.cap };
    server = create(server_argv, 2, server_caps, 1);
    client = create(client_argv, 2, client_caps, 2);
    assert_int_equal(vos_process_start(server), 0);
    assert_int_equal(vos_process_start(client), 0);
    assert_null(served());
    return 0;
}

/* The client and server end: from here on the suite's quota covers all free memory. */
static void stop_peers(void)
{
    struct ex_round_trip rt = { EX_QUIT, 0, 0, 0 };
    uint64_t len;
    vos_call(to_client, &rt, sizeof(rt), &rt, sizeof(rt), GUARD_NS, (vos_any_t){ 0 }, &len, NULL);
    struct vos_process_exit_info info;
    assert_int_equal(vos_process_wait(client, GUARD_NS, &info), 0);
    assert_int_equal(info.code, 0);
    assert_int_equal(vos_process_wait(server, GUARD_NS, &info), 0);
    assert_int_equal(info.code, 0);
}

/* ---- the floods ---- */

struct flood {
    uint64_t steps, ticks, unserved, most_used, before, after, note;
    int64_t refusal;
    const char *why_unserved;
    struct vos_process_exit_info exit;
};

static void run_flood(const char *kind, struct flood *f)
{
    memset(f, 0, sizeof(*f));
    const char *argv[] = { "ex-flooder", kind };
    vos_cap_t caps[] = { derive(flood_ep.cap, VOS_RIGHT_READ | VOS_RIGHT_DERIVE | VOS_RIGHT_GRANT | VOS_RIGHT_REVOKE),
                         tick_ch.cap, fs.cap };
    f->before = free_frames();
    uint64_t start = vos_now_ns(); /* reported, never asserted */
    vos_proc_t p = create(argv, 2, caps, 3);
    vos_any_t proc; /* its first message: a capability to itself, so it can own channels */
    assert_int_equal(vos_cap_create(VOS_OBJ_PROCESS, p.pid, VOS_RIGHT_ALL, (vos_any_t){ self_cap }, &proc), 0);
    assert_int_equal(vos_send(to_flooder, "self", 4, proc), 0);
    assert_int_equal(vos_process_start(p), 0);
    for (;;) {
        struct ex_tick t;
        struct vos_message m;
        vos_status_t st = vos_receive(tick_ep, &t, sizeof(t), GUARD_NS, &m);
        if (st) {
            char how[64];
            if (vos_process_wait(p, 0, &f->exit) == 0)
                fail_msg("the flooder %s before its last tick", vos_exit_describe(&f->exit, how, sizeof(how)));
            fail_msg("no tick from the flooder: %s", vos_status_name(st));
        }
        int64_t used = (int64_t)f->before - (int64_t)free_frames();
        if (used > (int64_t)f->most_used)
            f->most_used = (uint64_t)used;
        const char *why = served();
        if (why && !f->unserved++)
            f->why_unserved = why;
        f->ticks++;
        uint64_t ack = 0;
        vos_reply(m.reply, &ack, sizeof(ack), (vos_any_t){ 0 });
        if (t.done) {
            f->steps = t.step, f->refusal = t.error, f->note = t.note;
            break;
        }
    }
    assert_int_equal(vos_process_wait(p, GUARD_NS, &f->exit), 0);
    assert_int_equal(vos_cap_revoke(proc), 0); /* the last reference to it */
    f->after = free_frames();
    assert_int_equal(vos_cap_revoke((vos_any_t){ caps[0] }), 0);
    print_message("%s: %lu steps in %lu ms, %s; %lu round trips served meanwhile; at most %lu frames in use "
                  "(quota %lu); %lu frames free before, %lu after\n",
                  kind, (unsigned long)f->steps, (unsigned long)((vos_now_ns() - start) / 1000000),
                  f->refusal ? vos_status_name(f->refusal) : "no refusal", (unsigned long)(f->ticks - f->unserved),
                  (unsigned long)f->most_used, (unsigned long)CHILD_QUOTA_PAGES, (unsigned long)f->before,
                  (unsigned long)f->after);
    if (f->note)
        print_message("%s: an endpoint took %lu messages before refusing\n", kind, (unsigned long)f->note);
}

/* What every flood must show. */
static void check_flood(const struct flood *f, int must_refuse)
{
    assert_int_equal(f->exit.reason, VOS_EXIT_CODE);
    assert_int_equal(f->exit.code, 0);
    assert_true(f->steps > 0);
    if (must_refuse || f->refusal)
        if (!is_refusal(f->refusal))
            fail_msg("the flood ended with %s, not ResourceExhausted or OutOfMemory", vos_status_name(f->refusal));
    if (f->unserved)
        fail_msg("%lu of %lu checks found the others unserved: %s", (unsigned long)f->unserved, (unsigned long)f->ticks,
                 f->why_unserved);
    if (f->most_used > CHILD_QUOTA_PAGES + SLACK_PAGES)
        fail_msg("the flooder took %lu frames, more than its quota of %lu (+%u): memory promised to others",
                 (unsigned long)f->most_used, (unsigned long)CHILD_QUOTA_PAGES, SLACK_PAGES);
    if ((int64_t)(f->before - f->after) > CACHED_PAGES)
        fail_msg("%ld frames not returned after the flooder exited (%lu free before, %lu after)",
                 (long)(f->before - f->after), (unsigned long)f->before, (unsigned long)f->after);
}

static void flood_test(void **state)
{
    const char *kind = *state;
    struct flood f;
    run_flood(kind, &f);
    check_flood(&f, strcmp(kind, "page_tables") != 0);
}

/* ---- defect 1: process_create (and others) with memory exhausted, one more free page each time ---- */

#define FILLS 4096
#define SWEEP 64
static uint64_t fills[FILLS], fill_len[FILLS];
static int64_t sweep[SWEEP][4];
static _Alignas(16) uint8_t thread_stack[4096];

static THREAD_ENTRY void exit_at_once(uint64_t arg)
{
    (void)arg;
    vos_sys_thread_exit(0);
    for (;;)
        ;
}

/* Fault the stack in now: no page may be needed while memory is exhausted. */
static __attribute__((noinline)) void prefault_stack(void)
{
    volatile uint8_t pad[24 * 1024];
    for (unsigned i = 0; i < sizeof(pad); i += 64)
        pad[i] = 0;
}

/* Every allocation point of each call meets the empty pool once; each answer is success or a refusal. */
static void exhausted_sweep(const void *elf, uint64_t elf_size, unsigned *nfills)
{
    static const char *const argv[] = { "ex-peer", "idle" };
    for (unsigned k = 0; k < SWEEP; k++) {
        int64_t pid = vos_sys_process_create(elf, elf_size, argv, 2, NULL, 0);
        if (pid > 0) {
            struct vos_process_exit_info info;
            vos_sys_process_start((uint64_t)pid);
            vos_sys_process_wait((uint64_t)pid, GUARD_NS, &info); /* a fault for want of memory is fine */
            pid = 0;
        }
        sweep[k][0] = pid;
        int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)exit_at_once, (uint64_t)(uintptr_t)thread_stack,
                                            sizeof(thread_stack), 0);
        if (tid > 0) {
            vos_thread_t t = { (uint64_t)tid, NULL, 0 };
            tid = vos_thread_join(&t, GUARD_NS, NULL);
        }
        sweep[k][1] = tid;
        struct vos_endpoint_create_result ep;
        sweep[k][2] = vos_sys_ipc_endpoint_create(&ep);
        if (!sweep[k][2])
            vos_sys_capability_revoke(ep.capability);
        int64_t c = vos_sys_capability_derive(pool.cap, VOS_RIGHT_READ | VOS_RIGHT_REVOKE);
        sweep[k][3] = c > 0 ? vos_sys_capability_revoke((vos_cap_t)c) : c;
        if (*nfills) { /* one page more for the next round */
            --*nfills;
            vos_sys_munmap(fills[*nfills], fill_len[*nfills]);
        }
    }
}

static void create_after_oom(void **state)
{
    (void)state;
    const void *elf;
    uint64_t elf_size;
    assert_int_equal(vos_bootfs_find(&fs, "ex-peer", &elf, &elf_size), 0);
    stop_peers();
    memset(fills, 0, sizeof(fills));
    memset(fill_len, 0, sizeof(fill_len));
    memset(sweep, 0, sizeof(sweep));
    memset(thread_stack, 0, sizeof(thread_stack));
    prefault_stack();
    uint64_t before = free_frames();
    unsigned n = 0;
    int64_t a, big, small;
    const uint32_t populated = VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE;
    while (n < FILLS && (a = vos_sys_mmap(0, 4 << 20, VOS_PROT_READ, populated, 0, 0)) > 0)
        fills[n] = (uint64_t)a, fill_len[n++] = 4 << 20;
    big = a;
    while (n < FILLS && (a = vos_sys_mmap(0, P, VOS_PROT_READ, populated, 0, 0)) > 0)
        fills[n] = (uint64_t)a, fill_len[n++] = P;
    small = a;
    uint64_t at_bottom = free_frames();
    exhausted_sweep(elf, elf_size, &n);
    while (n--)
        vos_sys_munmap(fills[n], fill_len[n]);
    uint64_t after = free_frames();
    print_message("memory exhausted with %s then %s, %lu frames left; %u rounds, one more page each\n",
                  vos_status_name(big), vos_status_name(small), (unsigned long)at_bottom, SWEEP);
    assert_true(is_refusal(big) && is_refusal(small));
    if (at_bottom >= SWEEP / 2)
        fail_msg("%lu frames still free at the bottom: the sweep cannot reach every allocation", (unsigned long)at_bottom);
    static const char *const what[] = { "process_create", "thread_create", "ipc_endpoint_create", "capability_derive" };
    unsigned ok[4] = { 0, 0, 0, 0 };
    for (unsigned k = 0; k < SWEEP; k++)
        for (unsigned w = 0; w < 4; w++) {
            if (sweep[k][w] && !is_refusal(sweep[k][w]))
                fail_msg("%s with %u free page(s) more: %s", what[w], k, vos_status_name(sweep[k][w]));
            ok[w] += sweep[k][w] == 0;
        }
    print_message("successes along the sweep: process_create %u, thread_create %u, endpoint %u, derive %u\n", ok[0],
                  ok[1], ok[2], ok[3]);
    if ((int64_t)(before - after) > CACHED_PAGES)
        fail_msg("%ld frames not returned (%lu free before, %lu after)", (long)(before - after), (unsigned long)before,
                 (unsigned long)after);
}

#define FLOOD(kind) { "exhaustion." kind, flood_test, NULL, NULL, (void *)kind }

static const struct CMUnitTest tests[] = {
    FLOOD("processes"),
    FLOOD("threads"),
    FLOOD("sleepers"),
    FLOOD("capabilities"), /* fails until defect 2 is fixed: capability-space tables are not charged */
    FLOOD("endpoints"),    /* the same: each endpoint's capability slot */
    FLOOD("messages"),
    FLOOD("regions"),
    FLOOD("page_tables"),  /* defect 2: fails until page tables are charged and freed on unmap */
    /* defect 1: last, as it panics riscv64 and aarch64 until fixed (x86_64: frames kept, defect 2) */
    { "exhaustion.process_create_after_oom", create_after_oom, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct vos_start_info *si = vos_start_info();
    struct vos_cap_info c;
    if (vos_start_lookup(si, VOS_OBJ_PROCESS, VOS_RIGHT_DERIVE, &c))
        return 10;
    self_cap = c.token;
    pool.cap = vos_start_find_pool(si);
    if (vos_bootfs_open(&fs, vos_start_find_bootfs(si)))
        return 11;
    int failed = _cmocka_run_group_tests("exhaustion", tests, sizeof(tests) / sizeof(tests[0]), setup, NULL);
    printf("exhaustion: done, %d failed\n", failed);
    return failed ? 1 : 0;
}
