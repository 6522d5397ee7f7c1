/*
 * vector: the riscv64 user vector state suite (cmocka in the guest, the
 * first process of kernel-vector; docs/abi.md, "Vector state").  Built
 * -march=rv64gcv, so it runs only where the CPU has V (its boot test's
 * QEMU does; vector-absent-opensbi boots it on a CPU without V and
 * expects the first vector instruction to kill it).
 *
 * What it shows:
 *  - a thread's first vector instruction finds the reset state (vill, vl
 *    0, vcsr 0, vstart 0, every register zero), whatever the kernel's
 *    page clearing and copies or a thread that died owning the unit left;
 *  - every register and CSR of spec/arch.yaml's riscv64 `vector` and
 *    `vector_control` not in `vector_clobbers` survives a syscall that
 *    returns at once, a switch to a thread using the unit itself (with its
 *    own vl/vtype/vcsr/vstart), the kernel's bulk copies and page clearing
 *    (which borrow the unit), and the IPC fast path to a server using it;
 *  - threads in three processes compute with vectors and doubles under
 *    preemption, yields and IPC and get bit-exact the results computed
 *    alone (vwork.h);
 *  - a thread for whose vector state its process has no kernel memory left
 *    is killed with its process (reported), and the kernel runs on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vos/abi.h>
#include <vos/libsys.h>
#include <vos/syscalls.h>
#include "conformance_cases.h" /* the register roles of spec/arch.yaml, by name */
#include "vwork.h"

#define GUARD_NS (30 * 1000000000ull)
#define VTYPE_VILL (1ull << 63)

extern const char vector_peer_elf[], vector_peer_elf_end[];

static vos_cap_t self_cap;
static uint64_t vlenb;          /* bytes of one vector register */
static size_t state_words;      /* VSTATE_HEAD + v0..v31, in 64-bit words */

static void *map_anon(uint64_t len)
{
    int64_t r = vos_sys_mmap(0, len, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    assert_false(VOS_IS_ERROR((uint64_t)r));
    return (void *)(uintptr_t)r;
}

static int64_t spawn_thread(void (*fn)(uint64_t), uint64_t arg, void **stack)
{
    *stack = map_anon(16384);
    int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)fn, (uint64_t)(uintptr_t)*stack, 16384, arg);
    assert_true(tid > 0);
    return tid;
}

static void join_thread(int64_t tid, void *stack)
{
    int32_t code = -1;
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, GUARD_NS, &code), 0);
    assert_int_equal(code, 0);
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 16384);
}

/* ---- which words of the state the ABI keeps (spec/arch.yaml) ---- */

static const char *const control_names[VSTATE_HEAD] = { "vl", "vtype", "vcsr", "vstart" };
static int kept_control[VSTATE_HEAD], kept_reg[32];

static int listed(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (!strcmp(*list, name))
            return 1;
    return 0;
}

static void vector_roles(void)
{
    for (unsigned c = 0; c < VSTATE_HEAD; c++)
        kept_control[c] = listed(conf_regs_vector_control, control_names[c]) &&
                          !listed(conf_regs_vector_clobbers, control_names[c]);
    for (unsigned r = 0; r < 32; r++) {
        char name[8];
        snprintf(name, sizeof(name), "v%u", r);
        kept_reg[r] = listed(conf_regs_vector, name) && !listed(conf_regs_vector_clobbers, name);
    }
}

/* ---- v_around: the state in, a syscall, the state out ---- */

struct side {
    uint64_t tag, avl, vtype, vcsr, vstart;
};
/* Two sides with different everything: e16 m2 ta ma, vl 11, vxrm 2 + vxsat; e64 m1 tu mu, vl 1, vxrm 1. */
static const struct side side_a = { 0xa1, 11, 0xc9, 5, 5 };
static const struct side side_b = { 0xb2, 1, 0x18, 2, 3 };

static void fill(uint64_t *in, const struct side *s, unsigned round)
{
    in[0] = s->avl, in[1] = s->vtype, in[2] = s->vcsr, in[3] = s->vstart;
    uint8_t *b = (uint8_t *)(in + VSTATE_HEAD);
    for (size_t i = 0; i < 32 * vlenb; i++)
        b[i] = (uint8_t)(s->tag * 7 + round * 31 + i * 13 + (i >> 8));
}

/* The first kept word that changed, as text in msg; 0 if none. */
static int changed(const uint64_t *in, const uint64_t *out, char *msg, size_t size)
{
    for (unsigned c = 0; c < VSTATE_HEAD; c++)
        if (kept_control[c] && in[c] != out[c]) {
            snprintf(msg, size, "%s is %#" PRIx64 ", was %#" PRIx64, control_names[c], out[c], in[c]);
            return 1;
        }
    const uint8_t *a = (const uint8_t *)(in + VSTATE_HEAD), *b = (const uint8_t *)(out + VSTATE_HEAD);
    for (size_t i = 0; i < 32 * vlenb; i++)
        if (kept_reg[i / vlenb] && a[i] != b[i]) {
            snprintf(msg, size, "v%u byte %u is %#x, was %#x", (unsigned)(i / vlenb), (unsigned)(i % vlenb), b[i], a[i]);
            return 1;
        }
    return 0;
}

static void check_around(const struct side *s, unsigned round, void (*fn)(void), const char *how)
{
    uint64_t *in = calloc(state_words, 8), *out = calloc(state_words, 8);
    assert_non_null(in);
    assert_non_null(out);
    char msg[120];
    fill(in, s, round);
    v_around(fn, in, out);
    int bad = changed(in, out, msg, sizeof(msg));
    free(in);
    free(out);
    if (bad)
        fail_msg("round %u, after a syscall that %s: %s", round, how, msg);
}

/* ---- the reset state ---- */

static uint64_t *seen;          /* what a fresh thread's first vector instructions read */

static void first_use_body(uint64_t arg)
{
    (void)arg;
    v_read(seen);
    vos_sys_thread_exit(0);
}

/* A new thread reads the whole unit as its first vector instructions: the V spec's reset state, nothing else. */
static void expect_reset_state_in_new_thread(const char *after)
{
    seen = calloc(state_words, 8);
    assert_non_null(seen);
    memset(seen, 0xee, state_words * 8);
    void *stack;
    join_thread(spawn_thread(first_use_body, 0, &stack), stack);
    if (seen[0] != 0 || seen[1] != VTYPE_VILL || seen[2] != 0 || seen[3] != 0)
        fail_msg("after %s: a new thread finds vl %#" PRIx64 " vtype %#" PRIx64 " vcsr %#" PRIx64 " vstart %#" PRIx64
                 " (expected 0, vill, 0, 0)", after, seen[0], seen[1], seen[2], seen[3]);
    const uint8_t *b = (const uint8_t *)(seen + VSTATE_HEAD);
    for (size_t i = 0; i < 32 * vlenb; i++)
        if (b[i])
            fail_msg("after %s: a new thread finds v%u byte %u = %#x, not 0", after, (unsigned)(i / vlenb),
                     (unsigned)(i % vlenb), b[i]);
    free(seen);
}

/* An endpoint, a channel to it, and a WRITE capability to the channel: for copies and calls to ourselves. */
static uint64_t ep_id, ep_cap, ch_id, ch_cap;

static void make_channel(void)
{
    struct vos_endpoint_create_result ep;
    assert_int_equal(vos_sys_ipc_endpoint_create(&ep), 0);
    int64_t ch = vos_sys_ipc_channel_create(ep.endpoint_id, ep.endpoint_id, ep.capability, ep.capability);
    assert_true(ch > 0);
    int64_t wcap = vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)ch, VOS_RIGHT_WRITE | VOS_RIGHT_DERIVE | VOS_RIGHT_GRANT, self_cap);
    assert_true(wcap > 0);
    ep_id = ep.endpoint_id, ep_cap = ep.capability, ch_id = (uint64_t)ch, ch_cap = (uint64_t)wcap;
}

/* A message the kernel copies in and out in bulk (at least 256 bytes each way: its vector copy). */
enum { COPY_LEN = 1024 };
static _Alignas(64) uint8_t send_buf[COPY_LEN], recv_buf[COPY_LEN];
static volatile int64_t copy_result;

static void send_receive(void)
{
    struct vos_ipc_receive_result r;
    int64_t e = vos_sys_ipc_send(ch_id, send_buf, COPY_LEN, 0, ch_cap);
    if (!e)
        e = vos_sys_ipc_receive(ep_id, recv_buf, COPY_LEN, 0, ep_cap, &r);
    copy_result = e;
}

/* Fresh pages: each touch is a page fault whose page the kernel clears with the vector unit. */
static volatile int64_t touch_result;
static void map_touch_unmap(void)
{
    int64_t a = vos_sys_mmap(0, 4 * VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    touch_result = a;
    if (VOS_IS_ERROR((uint64_t)a))
        return;
    for (unsigned i = 0; i < 4; i++)
        touch_result |= *(volatile uint8_t *)(uintptr_t)(a + i * VOS_PAGE_SIZE); /* 0: cleared */
    touch_result = touch_result == a ? 0 : -1;
    vos_sys_munmap((uint64_t)a, 4 * VOS_PAGE_SIZE);
}

static void first_use_is_reset_state(void **state)
{
    (void)state;
    make_channel();
    for (unsigned i = 0; i < COPY_LEN; i++)
        send_buf[i] = (uint8_t)(i * 7 + 1);
    send_receive(); /* the kernel's vector copy leaves message bytes in v0..v7 */
    assert_int_equal(copy_result, 0);
    expect_reset_state_in_new_thread("the kernel copied 1 KiB with the vector unit");
    map_touch_unmap();
    assert_int_equal(touch_result, 0);
    expect_reset_state_in_new_thread("the kernel cleared pages with the vector unit");
}

/* ---- kept across syscalls ---- */

static void unknown_syscall(void)
{
    uint64_t args[8] = { 0 }, ret[4];
    vos_syscall_raw(1023, args, ret); /* no such number: returns at once */
}

static void kept_returning_at_once(void **state)
{
    (void)state;
    vector_roles();
    for (unsigned round = 0; round < 3; round++)
        check_around(&side_a, round, unknown_syscall, "returns at once (an unknown number)");
}

static volatile int spin_stop;
static char other_failure[160];

static void yield(void) { vos_sys_yield(); }

static void spinner_body(uint64_t arg)
{
    (void)arg;
    uint64_t *in = calloc(state_words, 8), *out = calloc(state_words, 8);
    for (unsigned round = 0; in && out && !spin_stop; round++) {
        fill(in, &side_b, round);
        v_around(yield, in, out);
        if (!other_failure[0])
            changed(in, out, other_failure, sizeof(other_failure));
    }
    free(in);
    free(out);
    vos_sys_thread_exit(0);
}

static void kept_across_switch(void **state)
{
    (void)state;
    vector_roles();
    spin_stop = 0;
    other_failure[0] = 0;
    void *stack;
    int64_t tid = spawn_thread(spinner_body, 0, &stack);
    /* Each yield runs the spinner, which takes the unit (ours saved) with its own vl/vtype/vcsr/vstart and values. */
    for (unsigned round = 0; round < 4; round++)
        check_around(&side_a, round, yield, "switched to a thread using the vector unit and back (SYS_YIELD)");
    spin_stop = 1;
    join_thread(tid, stack);
    if (other_failure[0])
        fail_msg("the other thread, after SYS_YIELD: %s", other_failure);
}

static void kept_across_kernel_copies(void **state)
{
    (void)state;
    vector_roles();
    make_channel();
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned i = 0; i < COPY_LEN; i++)
            send_buf[i] = (uint8_t)(i * 5 + round), recv_buf[i] = 0;
        copy_result = 1;
        check_around(&side_a, round, send_receive, "copies 1 KiB in and out (SYS_IPC_SEND, SYS_IPC_RECEIVE)");
        assert_int_equal(copy_result, 0);
        assert_memory_equal(send_buf, recv_buf, COPY_LEN);
    }
}

static void kept_across_page_clearing(void **state)
{
    (void)state;
    vector_roles();
    for (unsigned round = 0; round < 3; round++) {
        touch_result = 1;
        check_around(&side_a, round, map_touch_unmap, "maps pages whose faults the kernel clears");
        assert_int_equal(touch_result, 0);
    }
}

/* The register fast path: client and server threads each with their own vector state around every message syscall. */
enum { FAST_ROUNDS = 8 };
static struct vos_ipc_short_message msg_client, msg_server;
static struct vos_ipc_short_receive_result rr;
static volatile int64_t call_result, rr_result;

static void call_short(void) { call_result = vos_sys_ipc_call_short(ch_cap, 8, &msg_client); }
static void reply_receive_short(void)
{
    rr_result = vos_sys_ipc_reply_receive_short(rr.reply_token, ep_cap, rr.reply_token ? 8 : 0, &msg_server, &rr);
}

static void server_body(uint64_t arg)
{
    (void)arg;
    uint64_t *in = calloc(state_words, 8), *out = calloc(state_words, 8);
    for (unsigned round = 0; in && out && round <= FAST_ROUNDS; round++) {
        fill(in, &side_b, round);
        v_around(reply_receive_short, in, out);
        if (rr_result)
            break;
        if (!other_failure[0])
            changed(in, out, other_failure, sizeof(other_failure));
        msg_server.w0++;
    }
    if (!rr_result)
        vos_sys_ipc_reply(rr.reply_token, &msg_server, 8, 0);
    free(in);
    free(out);
    vos_sys_thread_exit(0);
}

static void kept_across_fast_path(void **state)
{
    (void)state;
    vector_roles();
    make_channel();
    other_failure[0] = 0;
    rr.reply_token = 0;
    rr_result = 1;
    void *stack;
    int64_t tid = spawn_thread(server_body, 0, &stack);
    vos_sys_yield(); /* the server reaches its first receive */
    for (unsigned round = 0; round <= FAST_ROUNDS; round++) {
        msg_client.w0 = round;
        check_around(&side_a, round, call_short, "called a server using the vector unit (SYS_IPC_CALL_SHORT)");
        assert_int_equal(call_result, 8);
        assert_int_equal(msg_client.w0, round + 1);
    }
    join_thread(tid, stack);
    if (other_failure[0])
        fail_msg("the server, after SYS_IPC_REPLY_RECEIVE_SHORT: %s", other_failure);
}

/* ---- many threads, three processes ---- */

enum { LOCAL_WORKERS = 3, PEERS = 2, PEER_WORKERS = 2 /* argv below */, WORKERS = LOCAL_WORKERS + PEERS * PEER_WORKERS,
       SEED0 = 100 };
static volatile int local_failures;

static void local_worker(uint64_t id)
{
    if (vwork_worker(id, id, id & 1, ch_cap))
        local_failures++;
    vos_sys_thread_exit(0);
}

static int64_t start_peer(const char *const *argv, uint64_t argc, const vos_cap_t *caps, uint64_t ncaps)
{
    int64_t pid = vos_sys_process_create(vector_peer_elf, (uint64_t)(vector_peer_elf_end - vector_peer_elf), argv, argc,
                                         caps, ncaps);
    assert_true(pid > 0);
    assert_int_equal(vos_sys_process_start((uint64_t)pid), 0);
    return pid;
}

static void threads_and_processes_bit_exact(void **state)
{
    (void)state;
    uint64_t ref[WORKERS];
    for (unsigned i = 0; i < WORKERS; i++)
        ref[i] = vwork_reference(SEED0 + i, (SEED0 + i) & 1);
    make_channel();
    local_failures = 0;

    int64_t pids[PEERS];
    for (unsigned p = 0; p < PEERS; p++) {
        char first[12];
        snprintf(first, sizeof(first), "%u", SEED0 + LOCAL_WORKERS + p * PEER_WORKERS);
        const char *argv[] = { "vector-peer", "work", first, "2" };
        int64_t c = vos_sys_capability_derive(ch_cap, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT);
        assert_true(c > 0);
        vos_cap_t caps[] = { (vos_cap_t)c };
        pids[p] = start_peer(argv, 4, caps, 1);
    }
    void *stacks[LOCAL_WORKERS];
    int64_t tids[LOCAL_WORKERS];
    for (unsigned i = 0; i < LOCAL_WORKERS; i++)
        tids[i] = spawn_thread(local_worker, SEED0 + i, &stacks[i]);

    /* Serve every worker's calls until each has reported its hash. */
    unsigned progress[WORKERS] = { 0 }, done = 0;
    uint64_t got[WORKERS] = { 0 };
    struct vos_ipc_short_receive_result r = { 0, 0, 0 };
    struct vos_ipc_short_message m;
    uint64_t len = 0;
    while (done < WORKERS) {
        assert_int_equal(vos_sys_ipc_reply_receive_short(r.reply_token, ep_cap, len, &m, &r), 0);
        assert_true(r.reply_token != 0);
        assert_true(m.w0 >= SEED0 && m.w0 < SEED0 + WORKERS);
        unsigned w = (unsigned)(m.w0 - SEED0);
        if (m.w1 == VWORK_PROGRESS) {
            assert_int_equal(m.w2, progress[w]);
            progress[w]++;
        } else {
            assert_int_equal(m.w1, VWORK_DONE);
            got[w] = m.w2;
            done++;
        }
        len = 64;
    }
    assert_int_equal(vos_sys_ipc_reply(r.reply_token, &m, 64, 0), 0);

    for (unsigned i = 0; i < LOCAL_WORKERS; i++)
        join_thread(tids[i], stacks[i]);
    for (unsigned p = 0; p < PEERS; p++) {
        struct vos_process_exit_info info;
        assert_int_equal(vos_sys_process_wait((uint64_t)pids[p], GUARD_NS, &info), 0);
        assert_int_equal(info.reason, VOS_EXIT_CODE);
        assert_int_equal(info.code, 0);
    }
    assert_int_equal(local_failures, 0);
    for (unsigned i = 0; i < WORKERS; i++) {
        assert_int_equal(progress[i], VWORK_BLOCKS);
        if (got[i] != ref[i])
            fail_msg("worker %u (%s, variant %u): result hash %#" PRIx64 ", computed alone %#" PRIx64, i,
                     i < LOCAL_WORKERS ? "this process" : "a peer process", (SEED0 + i) & 1, got[i], ref[i]);
    }
}

/* ---- a thread that dies owning the unit ---- */

static void die_owning_body(uint64_t arg)
{
    v_fill_and_die(arg, 0, VOS_SYS_THREAD_EXIT);
}

static void dying_owner_leaves_nothing(void **state)
{
    (void)state;
    void *stack;
    join_thread(spawn_thread(die_owning_body, 0xa5, &stack), stack);
    expect_reset_state_in_new_thread("a thread exited owning the unit");

    const char *argv[] = { "vector-peer", "die", "90" };
    int64_t pid = start_peer(argv, 3, NULL, 0);
    struct vos_process_exit_info info;
    assert_int_equal(vos_sys_process_wait((uint64_t)pid, GUARD_NS, &info), 0);
    assert_int_equal(info.reason, VOS_EXIT_PAGE_FAULT);
    expect_reset_state_in_new_thread("a process was killed owning the unit");
}

/* No kernel memory left for a thread's vector state: its process is killed, reported, and nothing else happens. */
static void no_room_for_the_state_kills(void **state)
{
    (void)state;
    const char *argv[] = { "vector-peer", "oom" };
    int64_t pid = start_peer(argv, 2, NULL, 0);
    struct vos_process_exit_info info;
    assert_int_equal(vos_sys_process_wait((uint64_t)pid, GUARD_NS, &info), 0);
    assert_int_equal(info.reason, VOS_EXIT_KILLED);
    expect_reset_state_in_new_thread("a process was killed for want of room for its vector state");
}

#define T(name, fn) { name, fn, NULL, NULL, NULL }

static const struct CMUnitTest tests[] = {
    T("vector.first_use_is_reset_state", first_use_is_reset_state),
    T("vector.kept_returning_at_once", kept_returning_at_once),
    T("vector.kept_across_switch", kept_across_switch),
    T("vector.kept_across_kernel_copies", kept_across_kernel_copies),
    T("vector.kept_across_page_clearing", kept_across_page_clearing),
    T("vector.kept_across_fast_path", kept_across_fast_path),
    T("vector.threads_and_processes_bit_exact", threads_and_processes_bit_exact),
    T("vector.dying_owner_leaves_nothing", dying_owner_leaves_nothing),
    T("vector.no_room_for_the_state_kills", no_room_for_the_state_kills),
};

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct vos_start_info *si = vos_start_info();
    struct vos_cap_info c;
    if (vos_start_lookup(si, VOS_OBJ_PROCESS, VOS_RIGHT_DERIVE, &c))
        return 10;
    self_cap = c.token;
    printf("vector: starting\n");
    __asm__ volatile("csrr %0, vlenb" : "=r"(vlenb)); /* the first vector instruction: without V, the end */
    state_words = VSTATE_HEAD + 32 * vlenb / 8;
    printf("vector: VLEN %lu bits\n", (unsigned long)vlenb * 8);
    int failed = _cmocka_run_group_tests("vector", tests, sizeof(tests) / sizeof(tests[0]), NULL, NULL);
    printf("vector: done, %d failed\n", failed);
    return failed ? 1 : 0;
}
