/*
 * ipctest: the in-guest test of the IPC syscalls (docs/ipc.md), cmocka like
 * tests/conformance.  It runs as the first process of the "kernel-ipctest"
 * image (boot test "ipctest-<boot path>") and plays client, server or both;
 * the other side is a thread of its own or an ipcpeer process from the
 * boot file system.  No test sleeps to wait for another: every hand-over
 * is a message, a blocking receive or a process wait.
 *
 * cmocka prints each test's name and result; the last line is
 * "ipctest: done, N failed" and the exit code is 1 if any test failed.
 * Assertions are made by the main thread only (cmocka leaves a failing
 * test by longjmp); helper threads leave their results in variables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <vos/libsys.h>
#include <vos/syscalls.h>

#include "fp_probe.h"

static int32_t joined; /* what SYS_THREAD_JOIN collected (its stub narrows the i32 into it) */

static vos_cap_t console, bootfs_cap, self_cap, pool;
static uint64_t self_pid;
static struct vos_bootfs fs;

#define ERR(e) (-(int64_t)(e))
#define INF VOS_TIMEOUT_INFINITE

static uint64_t now_ns(void)
{
    struct vos_timespec t;
    vos_sys_clock_get(VOS_CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000ull + t.tv_nsec;
}

/* ---- set-up helpers ---- */

static uint64_t free_bytes(void)
{
    struct vos_pool_info info = { 0, 0 };
    vos_sys_read(pool, &info, sizeof(info), 0);
    return info.free_bytes;
}

struct ep {
    vos_endpoint_t id;
    vos_cap_t cap;
};

struct chan {
    vos_channel_t id;
    vos_cap_t cap;
};

static struct ep new_endpoint(void)
{
    struct vos_endpoint_create_result r = { 0, 0 };
    assert_int_equal(vos_sys_ipc_endpoint_create(&r), 0);
    return (struct ep){ r.endpoint_id, r.capability };
}

/* A channel from `from` to `to`, and a capability to it made from our process capability (we own it). */
static struct chan new_channel(struct ep from, vos_endpoint_t to_id, vos_cap_t to_cap, uint64_t rights)
{
    int64_t id = vos_sys_ipc_channel_create(from.id, to_id, from.cap, to_cap);
    assert_true(id > 0);
    int64_t cap = vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)id, rights, self_cap);
    assert_true(cap > 0);
    return (struct chan){ (uint64_t)id, (uint64_t)cap };
}

static int64_t spawn(const char *const *argv, uint64_t argc, const vos_cap_t *caps, uint64_t ncaps)
{
    const void *data;
    uint64_t size;
    if (vos_bootfs_find(&fs, argv[0], &data, &size))
        return -2000;
    int64_t pid = vos_sys_process_create(data, size, argv, argc, caps, ncaps);
    if (pid > 0 && vos_sys_process_start((uint64_t)pid) != 0)
        return -1000;
    return pid;
}

static int64_t wait_code(int64_t pid)
{
    struct vos_process_exit_info info = { 0, 99, 99, 0 };
    if (pid <= 0 || vos_sys_process_wait((uint64_t)pid, INF, &info))
        return -1;
    return info.reason == VOS_EXIT_CODE ? (int64_t)info.code : 1000 + (int64_t)info.reason;
}

static void *stack_for_thread(void)
{
    int64_t a = vos_sys_mmap(0, 16384, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    assert_true(a > 0);
    return (void *)(uintptr_t)a;
}

static int64_t start_thread(void (*fn)(uint64_t), void *stack, uint64_t arg)
{
    int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)fn, (uint64_t)(uintptr_t)stack, 16384, arg);
    assert_true(tid > 0);
    return tid;
}

/* ---- one process: queues, FIFO, BufferTooSmall, timeouts, refusals ---- */

static struct ep me;     /* our own endpoint */
static struct chan to_me; /* a channel to it (WRITE, GRANT, DERIVE, REVOKE) */

static void test_queue_timeouts(void **state)
{
    (void)state;
    char buf[256];
    struct vos_ipc_receive_result r;
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), 0, me.cap, &r), ERR(VOS_ERR_TIMEOUT));
    uint64_t t0 = now_ns();
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), 2000000, me.cap, &r), ERR(VOS_ERR_TIMEOUT));
    assert_true(now_ns() - t0 >= 2000000);
}

/* FIFO, lengths, sender, no capability, no reply token. */
static void test_queue_fifo(void **state)
{
    (void)state;
    char buf[256];
    struct vos_ipc_receive_result r;
    static const char *const msgs[] = { "first", "second message", "", "the fourth" };
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(vos_sys_ipc_send(to_me.id, msgs[i], strlen(msgs[i]), 0, to_me.cap), 0);
    for (unsigned i = 0; i < 4; i++) {
        memset(buf, 0, sizeof(buf));
        assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), 0, me.cap, &r), 0);
        assert_int_equal(r.message_len, strlen(msgs[i]));
        assert_true(!memcmp(buf, msgs[i], strlen(msgs[i])));
        assert_int_equal(r.sender, self_pid);
        assert_int_equal(r.capability, 0);
        assert_int_equal(r.reply_token, 0);
    }
}

/* BufferTooSmall keeps the message and says how long it is. */
static void test_queue_too_small(void **state)
{
    (void)state;
    char buf[256];
    struct vos_ipc_receive_result r;
    uint8_t big[200];
    for (unsigned i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7);
    assert_int_equal(vos_sys_ipc_send(to_me.id, big, sizeof(big), 0, to_me.cap), 0);
    assert_int_equal(vos_sys_ipc_send(to_me.id, "after", 5, 0, to_me.cap), 0);
    r.message_len = 0;
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, 10, 0, me.cap, &r), ERR(VOS_ERR_BUFFER_TOO_SMALL));
    assert_int_equal(r.message_len, sizeof(big));
    r.message_len = 0;
    assert_int_equal(vos_sys_ipc_receive(me.id, NULL, 0, INF, me.cap, &r), ERR(VOS_ERR_BUFFER_TOO_SMALL));
    assert_int_equal(r.message_len, sizeof(big));
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), 0, me.cap, &r), 0);
    assert_int_equal(r.message_len, sizeof(big));
    assert_true(!memcmp(buf, big, sizeof(big)));
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), 0, me.cap, &r), 0);
    assert_true(r.message_len == 5 && !memcmp(buf, "after", 5));
}

/* The queue is bounded; the bound loses nothing; queued messages are charged and given back. */
static void test_queue_bound(void **state)
{
    (void)state;
    char buf[256];
    uint8_t big[200];
    memset(big, 7, sizeof(big));
    struct vos_ipc_receive_result r;
    uint64_t n, sent = 0;
    int64_t err = 0;
    for (n = 0; n < 1000 && !(err = vos_sys_ipc_send(to_me.id, &n, sizeof(n), 0, to_me.cap)); n++)
        sent++;
    assert_int_equal(err, ERR(VOS_ERR_RESOURCE_EXHAUSTED));
    assert_int_equal(sent, 64);
    unsigned in_order = 0;
    for (n = 0; n < sent; n++) {
        uint64_t v = ~0ull;
        in_order += vos_sys_ipc_receive(me.id, &v, sizeof(v), 0, me.cap, &r) == 0 && v == n;
    }
    assert_int_equal(in_order, sent);
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), 0, me.cap, &r), ERR(VOS_ERR_TIMEOUT));

    /* Queued messages are charged while queued and given back when received: nothing leaks. */
    uint64_t before = 0;
    for (unsigned round = 0; round < 10; round++) {
        if (round == 1)
            before = free_bytes(); /* after round 0 has warmed the kernel's object caches */
        for (n = 0; n < 64; n++)
            vos_sys_ipc_send(to_me.id, big, sizeof(big), 0, to_me.cap);
        for (n = 0; n < 64; n++)
            vos_sys_ipc_receive(me.id, buf, sizeof(buf), 0, me.cap, &r);
    }
    assert_int_equal(free_bytes(), before);
}

/* A full-size message arrives whole. */
static void test_queue_full_size(void **state)
{
    (void)state;
    struct vos_ipc_receive_result r;
    static uint8_t page[VOS_IPC_MAX_MESSAGE], back[VOS_IPC_MAX_MESSAGE];
    for (unsigned i = 0; i < sizeof(page); i++)
        page[i] = (uint8_t)(i ^ (i >> 8));
    assert_int_equal(vos_sys_ipc_send(to_me.id, page, sizeof(page), 0, to_me.cap), 0);
    assert_int_equal(vos_sys_ipc_receive(me.id, back, sizeof(back), 0, me.cap, &r), 0);
    assert_true(r.message_len == sizeof(page) && !memcmp(page, back, sizeof(page)));
}

static void test_refusals(void **state)
{
    (void)state;
    static uint8_t huge[VOS_IPC_MAX_MESSAGE + 1];
    char buf[16];
    struct vos_ipc_receive_result r;
    struct vos_ipc_call_result cr;
    assert_int_equal(vos_sys_ipc_send(to_me.id, huge, sizeof(huge), 0, to_me.cap), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_ipc_send(to_me.id, (void *)0x10, 4, 0, to_me.cap), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_ipc_send(to_me.id + 1000, "x", 1, 0, to_me.cap), ERR(VOS_ERR_INVALID_CAPABILITY));
    assert_int_equal(vos_sys_ipc_send(to_me.id, "x", 1, 0, me.cap), ERR(VOS_ERR_INVALID_CAPABILITY)); /* not a channel */
    int64_t weak = vos_sys_capability_derive(console, VOS_RIGHT_WRITE);
    assert_int_equal(vos_sys_ipc_send(to_me.id, "x", 1, (uint64_t)weak, to_me.cap), ERR(VOS_ERR_PERMISSION_DENIED));
    int64_t ro = vos_sys_capability_create(VOS_OBJ_CHANNEL, to_me.id, VOS_RIGHT_READ, self_cap);
    assert_true(ro > 0);
    assert_int_equal(vos_sys_ipc_send(to_me.id, "x", 1, 0, (uint64_t)ro), ERR(VOS_ERR_PERMISSION_DENIED));
    int64_t wo = vos_sys_capability_derive(me.cap, VOS_RIGHT_WRITE);
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), 0, (uint64_t)wo, &r), ERR(VOS_ERR_PERMISSION_DENIED));
    assert_int_equal(vos_sys_ipc_channel_create(me.id, me.id, (uint64_t)wo, me.cap), ERR(VOS_ERR_PERMISSION_DENIED));
    assert_int_equal(vos_sys_ipc_call(to_me.id, "x", 1, buf, sizeof(buf), 0, 0, to_me.cap, &cr), ERR(VOS_ERR_TIMEOUT));
    assert_int_equal(vos_sys_ipc_reply(0x7ffff, "x", 1, 0), ERR(VOS_ERR_INVALID_CAPABILITY));   /* forged */
    assert_int_equal(vos_sys_ipc_reply(console, "x", 1, 0), ERR(VOS_ERR_INVALID_CAPABILITY));   /* not a reply */
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), 0, me.cap, &r), ERR(VOS_ERR_TIMEOUT)); /* nothing leaked in */

    /* Unmapped buffers: the owner's error; a message that cannot be written stays queued. */
    int64_t gone = vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    assert_true(gone > 0);
    assert_int_equal(vos_sys_munmap((uint64_t)gone, VOS_PAGE_SIZE), 0);
    void *hole = (void *)(uintptr_t)gone;
    assert_int_equal(vos_sys_ipc_call(to_me.id, hole, 8, buf, sizeof(buf), 0, 0, to_me.cap, &cr), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_ipc_call(to_me.id, "x", 1, hole, 8, 1000, 0, to_me.cap, &cr), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_ipc_receive(me.id, hole, 8, 0, me.cap, &r), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_ipc_send(to_me.id, "kept", 4, 0, to_me.cap), 0);
    assert_int_equal(vos_sys_ipc_receive(me.id, hole, 8, 0, me.cap, &r), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), 0, me.cap, &r), 0);
    assert_true(r.message_len == 4 && !memcmp(buf, "kept", 4));

    /* A buffer that was good for the last receive, then unmapped or made read-only: checked again. */
    int64_t once = vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    assert_true(once > 0);
    void *p = (void *)(uintptr_t)once;
    assert_int_equal(vos_sys_ipc_receive(me.id, p, 8, 0, me.cap, &r), ERR(VOS_ERR_TIMEOUT));
    assert_int_equal(vos_sys_mprotect((uint64_t)once, VOS_PAGE_SIZE, VOS_PROT_READ), 0);
    assert_int_equal(vos_sys_ipc_receive(me.id, p, 8, 0, me.cap, &r), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_mprotect((uint64_t)once, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE), 0);
    assert_int_equal(vos_sys_ipc_receive(me.id, p, 8, 0, me.cap, &r), ERR(VOS_ERR_TIMEOUT));
    assert_int_equal(vos_sys_munmap((uint64_t)once, VOS_PAGE_SIZE), 0);
    assert_int_equal(vos_sys_ipc_receive(me.id, p, 8, 0, me.cap, &r), ERR(VOS_ERR_INVALID_ADDRESS));
}

/* Capabilities in messages: GRANT needed, child of the sender's, revocable in flight and after. */
static void test_cap_transfer_local(void **state)
{
    (void)state;
    char buf[16];
    struct vos_ipc_receive_result r;
    int64_t d = vos_sys_capability_derive(console, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT | VOS_RIGHT_REVOKE);
    assert_true(d > 0);
    assert_int_equal(vos_sys_ipc_send(to_me.id, "cap", 3, (uint64_t)d, to_me.cap), 0);
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), 0, me.cap, &r), 0);
    assert_true(r.capability != 0 && r.capability != (uint64_t)d);
    assert_int_equal(vos_sys_write(r.capability, "", 0, 0), 0);
    assert_int_equal(vos_sys_capability_validate(r.capability, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT), 0);
    assert_int_equal(vos_sys_capability_revoke((uint64_t)d), 0);
    assert_int_equal(vos_sys_write(r.capability, "", 0, 0), ERR(VOS_ERR_INVALID_CAPABILITY));

    /* Revoked while queued: the message arrives, the capability does not. */
    d = vos_sys_capability_derive(console, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT | VOS_RIGHT_REVOKE);
    assert_int_equal(vos_sys_ipc_send(to_me.id, "cap2", 4, (uint64_t)d, to_me.cap), 0);
    assert_int_equal(vos_sys_capability_revoke((uint64_t)d), 0);
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), 0, me.cap, &r), 0);
    assert_true(r.message_len == 4 && r.capability == 0);

    /* Sent, then the sender drops its own copy: the message carries it ("move"). */
    d = vos_sys_capability_derive(console, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT | VOS_RIGHT_REVOKE | VOS_RIGHT_DERIVE);
    int64_t dd = vos_sys_capability_derive((uint64_t)d, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT);
    assert_int_equal(vos_sys_ipc_send(to_me.id, "mv", 2, (uint64_t)dd, to_me.cap), 0);
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), 0, me.cap, &r), 0);
    assert_true(r.capability != 0);
    assert_int_equal(vos_sys_capability_revoke((uint64_t)d), 0); /* still reaches the delivered copy */
    assert_int_equal(vos_sys_write(r.capability, "", 0, 0), ERR(VOS_ERR_INVALID_CAPABILITY));
}

/* ---- threads of this process: call/reply semantics, token misuse, interruption ---- */

static volatile int64_t helper_result[4];
static volatile int helper_ready;
static struct ep go;       /* the helper waits here to be told to go on */
static struct chan to_go;

static void wait_go(void)
{
    char b[8];
    struct vos_ipc_receive_result r;
    vos_sys_ipc_receive(go.id, b, sizeof(b), INF, go.cap, &r);
}

/* arg 0: reply "pong" twice.  1: reply 100 bytes.  2: reply after being told the caller gave up. */
static void helper_server(uint64_t mode)
{
    char buf[64];
    static char hundred[100];
    struct vos_ipc_receive_result r;
    helper_result[0] = vos_sys_ipc_receive(me.id, buf, sizeof(buf), INF, me.cap, &r);
    helper_result[3] = (int64_t)r.sender;
    if (mode == 0) {
        helper_result[1] = vos_sys_ipc_reply(r.reply_token, "pong", 4, 0);
        helper_result[2] = vos_sys_ipc_reply(r.reply_token, "pong", 4, 0);
    } else if (mode == 1) {
        helper_result[1] = vos_sys_ipc_reply(r.reply_token, hundred, sizeof(hundred), 0);
    } else {
        wait_go();
        helper_result[1] = vos_sys_ipc_reply(r.reply_token, "late", 4, 0);
    }
    vos_sys_thread_exit(0);
}

static void helper_receiver(uint64_t token)
{
    char buf[8];
    struct vos_ipc_receive_result r;
    helper_ready = 1;
    helper_result[0] = vos_sys_ipc_receive(me.id, buf, sizeof(buf), INF, token, &r);
    vos_sys_thread_exit(0);
}

static void helper_caller(uint64_t token)
{
    char buf[8];
    struct vos_ipc_call_result r;
    helper_result[0] = vos_sys_ipc_call(to_me.id, "hold", 4, buf, sizeof(buf), INF, 0, token, &r);
    vos_sys_thread_exit(0);
}

static void test_threads(void **state)
{
    (void)state;
    void *stack = stack_for_thread();
    char resp[16];
    struct vos_ipc_call_result cr;
    struct vos_ipc_receive_result r;

    /* Call, reply, and the token is spent: a second reply fails. */
    int64_t tid = start_thread(helper_server, stack, 0);
    memset(resp, 0, sizeof(resp));
    assert_int_equal(vos_sys_ipc_call(to_me.id, "ping", 4, resp, sizeof(resp), INF, 0, to_me.cap, &cr), 0);
    assert_true(cr.response_len == 4 && !memcmp(resp, "pong", 4) && cr.capability == 0);
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, INF, &joined), 0);
    assert_int_equal(helper_result[0], 0);
    assert_int_equal(helper_result[3], self_pid);
    assert_int_equal(helper_result[1], 0);
    assert_int_equal(helper_result[2], ERR(VOS_ERR_INVALID_CAPABILITY));

    /* The response does not fit: both sides learn it, the caller with the length. */
    tid = start_thread(helper_server, stack, 1);
    cr.response_len = 0;
    assert_int_equal(vos_sys_ipc_call(to_me.id, "ping", 4, resp, 10, INF, 0, to_me.cap, &cr), ERR(VOS_ERR_BUFFER_TOO_SMALL));
    assert_int_equal(cr.response_len, 100);
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, INF, &joined), 0);
    assert_int_equal(helper_result[1], ERR(VOS_ERR_BUFFER_TOO_SMALL));

    /* The caller times out after its request was received: the late reply finds nobody. */
    tid = start_thread(helper_server, stack, 2);
    uint64_t t0 = now_ns();
    assert_int_equal(vos_sys_ipc_call(to_me.id, "ping", 4, resp, sizeof(resp), 20000000, 0, to_me.cap, &cr),
             ERR(VOS_ERR_TIMEOUT));
    assert_true(now_ns() - t0 >= 20000000);
    assert_int_equal(helper_result[0], 0); /* it was received */
    assert_int_equal(vos_sys_ipc_send(to_go.id, "go", 2, 0, to_go.cap), 0);
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, INF, &joined), 0);
    assert_int_equal(helper_result[1], ERR(VOS_ERR_NOT_FOUND));

    /* A caller queued through a channel capability that is revoked: Interrupted. */
    int64_t cc = vos_sys_capability_derive(to_me.cap, VOS_RIGHT_WRITE | VOS_RIGHT_REVOKE);
    assert_true(cc > 0);
    tid = start_thread(helper_caller, stack, (uint64_t)cc);
    r.message_len = 0;
    assert_int_equal(vos_sys_ipc_receive(me.id, NULL, 0, INF, me.cap, &r), ERR(VOS_ERR_BUFFER_TOO_SMALL)); /* it is queued */
    assert_int_equal(r.message_len, 4);
    assert_int_equal(vos_sys_capability_revoke((uint64_t)cc), 0);
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, INF, &joined), 0);
    assert_int_equal(helper_result[0], ERR(VOS_ERR_INTERRUPTED));
    assert_int_equal(vos_sys_ipc_receive(me.id, resp, sizeof(resp), 0, me.cap, &r), ERR(VOS_ERR_TIMEOUT)); /* gone */

    /* A receiver blocked through an endpoint capability that is revoked: Interrupted. */
    int64_t ec = vos_sys_capability_derive(me.cap, VOS_RIGHT_READ | VOS_RIGHT_REVOKE);
    helper_ready = 0;
    tid = start_thread(helper_receiver, stack, (uint64_t)ec);
    while (!helper_ready)
        vos_sys_yield();
    for (int i = 0; i < 3; i++)
        vos_sys_yield(); /* let it reach the receive and block (it is the only other thread) */
    assert_int_equal(vos_sys_capability_revoke((uint64_t)ec), 0);
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, INF, &joined), 0);
    assert_int_equal(helper_result[0], ERR(VOS_ERR_INTERRUPTED));
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 16384);
}

/* A register call (SYS_IPC_CALL_SHORT) of "ping" through the capability arg. */
static void helper_short_caller(uint64_t token)
{
    struct vos_ipc_short_message m = { 0x676e6970 /* "ping" */, 0, 0, 0, 0, 0, 0, 0 };
    helper_result[0] = vos_sys_ipc_call_short(token, 4, &m);
    helper_result[1] = (int64_t)m.w0;
    vos_sys_thread_exit(0);
}

/* Reply tokens on the register path, against the general calls. */
static void test_short_tokens(void **state)
{
    (void)state;
    void *stack = stack_for_thread();
    static char hundred[100];
    struct vos_ipc_short_message m;
    struct vos_ipc_short_receive_result sr = { 0, 0, 0 }, sr2 = { 0, 0, 0 };

    /* Receive only (token 0), then answer with SYS_IPC_REPLY: into the caller's registers, once. */
    int64_t tid = start_thread(helper_short_caller, stack, to_me.cap);
    assert_int_equal(vos_sys_ipc_reply_receive_short(0, me.cap, 0, &m, &sr), 0);
    assert_true(sr.message_len == 4 && sr.sender == self_pid && sr.reply_token != 0 && m.w0 == 0x676e6970);
    assert_int_equal(vos_sys_ipc_reply(sr.reply_token, "pong", 4, 0), 0);
    assert_int_equal(vos_sys_ipc_reply(sr.reply_token, "pong", 4, 0), ERR(VOS_ERR_INVALID_CAPABILITY));
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, INF, &joined), 0);
    assert_int_equal(helper_result[0], 4);
    assert_int_equal(helper_result[1], 0x676e6f70); /* "pong", the rest of the word zero */

    /* A spent token: the error, and nothing is received (we would block otherwise). */
    assert_int_equal(vos_sys_ipc_reply_receive_short(sr.reply_token, me.cap, 4, &m, &sr2), ERR(VOS_ERR_INVALID_CAPABILITY));
    assert_int_equal(vos_sys_ipc_reply_receive_short(0, me.cap, 65, &m, &sr2), ERR(VOS_ERR_INVALID_PARAMETER));

    /* A reply longer than the registers: both learn it, the token is spent. */
    tid = start_thread(helper_short_caller, stack, to_me.cap);
    assert_int_equal(vos_sys_ipc_reply_receive_short(0, me.cap, 0, &m, &sr), 0);
    assert_int_equal(vos_sys_ipc_reply(sr.reply_token, hundred, sizeof(hundred), 0), ERR(VOS_ERR_BUFFER_TOO_SMALL));
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, INF, &joined), 0);
    assert_int_equal(helper_result[0], ERR(VOS_ERR_BUFFER_TOO_SMALL));

    /* No capability travels to a register caller: NotSupported, and the token still answers. */
    int64_t d = vos_sys_capability_derive(console, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT);
    tid = start_thread(helper_short_caller, stack, to_me.cap);
    assert_int_equal(vos_sys_ipc_reply_receive_short(0, me.cap, 0, &m, &sr), 0);
    assert_int_equal(vos_sys_ipc_reply(sr.reply_token, "x", 1, (uint64_t)d), ERR(VOS_ERR_NOT_SUPPORTED));
    assert_int_equal(vos_sys_ipc_reply(sr.reply_token, "ok", 2, 0), 0);
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, INF, &joined), 0);
    assert_int_equal(helper_result[0], 2);
    vos_sys_capability_revoke((uint64_t)d);
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 16384);
}

/*
 * ---- a receive never fails for want of a capability slot (issue 15, defect 3) ----
 * With memory exhausted and our capability space needing a new table page
 * for a reply token, SYS_IPC_RECEIVE used to return OutOfMemory (not in its
 * errors list) at once, forever, while the caller stayed queued.  A receive
 * now reserves its slots at its start (docs/abi.md, "IPC"), where failing is
 * clean: a call arrives in the slots reserved before memory ran out.
 */
static volatile int rsv_ready, rsv_go;
static int64_t rsv_result[3];

static void reserve_client(uint64_t grant)
{
    char buf[8] = "ping";
    struct vos_ipc_call_result r;
    /* While memory lasts: our reply object and the slot for a capability in a reply (nobody receives yet). */
    rsv_result[0] = vos_sys_ipc_call(to_me.id, buf, 4, buf, sizeof(buf), 0, 0, to_me.cap, &r);
    rsv_ready = 1;
    while (!rsv_go)
        vos_sys_yield();
    rsv_result[1] = vos_sys_ipc_call(to_me.id, buf, 4, buf, sizeof(buf), INF, 0, to_me.cap, &r);
    rsv_result[2] = vos_sys_ipc_call(to_me.id, buf, 1, buf, sizeof(buf), INF, grant, to_me.cap, &r);
    vos_sys_thread_exit(0);
}

/* Touch the stack we may use while memory is exhausted: a lazy page then would kill us. */
static __attribute__((noinline)) void touch_stack(void)
{
    volatile char deep[16384];
    for (unsigned i = 0; i < sizeof(deep); i += 512)
        deep[i] = 0;
}

#define RSV_MAPS 512
static struct { uint64_t addr, len; } rsv_maps[RSV_MAPS];

static void test_receive_reserves_slots(void **state)
{
    (void)state;
    const uint64_t rw = VOS_PROT_READ | VOS_PROT_WRITE, anon = VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE;
    int64_t stack = vos_sys_mmap(0, 16384, rw, anon, 0, 0);
    int64_t grant = vos_sys_capability_derive(console, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT | VOS_RIGHT_REVOKE);
    int64_t root = vos_sys_capability_derive(console, VOS_RIGHT_READ | VOS_RIGHT_DERIVE | VOS_RIGHT_REVOKE);
    assert_true(stack > 0 && grant > 0 && root > 0);
    rsv_ready = rsv_go = 0;
    int64_t tid = start_thread(reserve_client, (void *)(uintptr_t)stack, (uint64_t)grant);
    while (!rsv_ready)
        vos_sys_yield();
    assert_int_equal(rsv_result[0], ERR(VOS_ERR_TIMEOUT));
    char buf[16];
    struct vos_ipc_receive_result r;
    /* Nothing queued: Timeout, but the slots a message may need are reserved now. */
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), 0, me.cap, &r), ERR(VOS_ERR_TIMEOUT));

    /* Exhaust memory: populated mappings, halving their size down to a page... */
    touch_stack();
    unsigned nmaps = 0;
    for (uint64_t len = 4ull << 20; len >= VOS_PAGE_SIZE; len /= 2) {
        int64_t a;
        while (nmaps < RSV_MAPS && (a = vos_sys_mmap(0, len, rw, anon, 0, 0)) > 0)
            rsv_maps[nmaps].addr = (uint64_t)a, rsv_maps[nmaps++].len = len;
    }
    /* ...then capabilities until our space needs a table page there is no memory for. */
    int64_t last = 0, d;
    unsigned derived = 0;
    while ((d = vos_sys_capability_derive((uint64_t)root, VOS_RIGHT_READ | VOS_RIGHT_REVOKE)) > 0)
        last = d, derived++;
    /* Refused by the machine or, with every table charged to us, by our quota first: either is the end of memory. */
    assert_true(d == ERR(VOS_ERR_OUT_OF_MEMORY) || d == ERR(VOS_ERR_RESOURCE_EXHAUSTED));
    assert_true(last > 0);

    rsv_go = 1;
    vos_sys_yield(); /* the client's call queues */
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), INF, me.cap, &r), 0);
    assert_true(r.message_len == 4 && r.reply_token != 0);
    assert_int_equal(vos_sys_ipc_reply(r.reply_token, "ok", 2, 0), 0);
    /* The second call carries a capability: the spent token's slot and the spare one take them. */
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), INF, me.cap, &r), 0);
    assert_true(r.reply_token != 0 && r.capability != 0);
    assert_int_equal(vos_sys_ipc_reply(r.reply_token, "ok", 2, 0), 0);
    /* No reserved slot for a capability now, and no memory for one: a clean, listed error at the start.
     * Which of the two end-of-memory errors depends on whether the machine or our quota runs out
     * first, and other processes (the console and storage servers) free and take pages meanwhile. */
    int64_t refused = vos_sys_ipc_receive(me.id, buf, sizeof(buf), 0, me.cap, &r);
    assert_true(refused == ERR(VOS_ERR_OUT_OF_MEMORY) || refused == ERR(VOS_ERR_RESOURCE_EXHAUSTED));
    /* One slot freed: the reservation is made and the receive goes on (nothing is queued). */
    assert_int_equal(vos_sys_capability_revoke((uint64_t)last), 0);
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), 0, me.cap, &r), ERR(VOS_ERR_TIMEOUT));

    for (unsigned i = 0; i < nmaps; i++)
        vos_sys_munmap(rsv_maps[i].addr, rsv_maps[i].len);
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, INF, &joined), 0);
    assert_int_equal(rsv_result[1], 0);
    assert_int_equal(rsv_result[2], 0);
    vos_sys_capability_revoke((uint64_t)root); /* every capability derived above, then root */
    vos_sys_capability_revoke((uint64_t)grant); /* and the copy the call brought us */
    vos_sys_munmap((uint64_t)stack, 16384);
    assert_true(derived > 0);
}

/* ---- other processes ---- */

/* The register fast path between two processes, and its meeting with the general calls. */
static void test_short_ping_pong(void **state)
{
    (void)state;
    struct ep srv = new_endpoint();
    struct chan ch = new_channel(me, srv.id, srv.cap, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT);
    int64_t rd = vos_sys_capability_derive(srv.cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT);
    const char *argv[] = { "ipcpeer", "shortecho" };
    vos_cap_t give[] = { (uint64_t)rd };
    int64_t pid = spawn(argv, 2, give, 1);
    assert_true(pid > 0);

    /* Every length in words, many rounds: each word comes back plus one. */
    unsigned good = 0;
    for (uint64_t round = 0; round < 200; round++) {
        for (uint64_t len = 0; len <= 64; len += 8) {
            struct vos_ipc_short_message m;
            uint64_t *w = &m.w0;
            for (unsigned i = 0; i < 8; i++)
                w[i] = round * 100 + i;
            uint64_t mine = 0xc11e000000000000ull | round << 8 | len; /* the server keeps 0x5e5e... */
            fp_probe_set(mine);
            int ok = vos_sys_ipc_call_short(ch.cap, len, &m) == (int64_t)len;
            ok = ok && fp_probe_get() == mine;
            for (unsigned i = 0; ok && i < len / 8; i++)
                ok = w[i] == round * 100 + i + 1;
            good += ok;
        }
    }
    assert_int_equal(good, 200 * 9);
    struct vos_ipc_short_message m = { 0, 0, 0, 0, 0, 0, 0, 0 };
    assert_int_equal(vos_sys_ipc_call_short(ch.cap, 5, &m), 5);
    assert_int_equal(vos_sys_ipc_call_short(ch.cap, 65, &m), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_ipc_call_short(srv.cap, 8, &m), ERR(VOS_ERR_INVALID_CAPABILITY)); /* an endpoint, not a channel */

    /* SYS_IPC_CALL meets the register server: bytes go from buffer to registers and back. */
    uint64_t req[5] = { 10, 20, 30, 40, 50 }, resp[8] = { 0 }, ans[2] = { 0, 0 };
    struct vos_ipc_call_result cr = { 0, 0 };
    assert_int_equal(vos_sys_ipc_call(ch.id, req, sizeof(req), resp, sizeof(resp), INF, 0, ch.cap, &cr), 0);
    assert_true(cr.response_len == sizeof(req) && resp[0] == 11 && resp[4] == 51);

    /* What the registers cannot take stays queued for SYS_IPC_RECEIVE: too long, or with a capability. */
    static uint64_t big[20];
    assert_int_equal(vos_sys_ipc_call(ch.id, big, sizeof(big), ans, sizeof(ans), INF, 0, ch.cap, &cr), 0);
    assert_true(ans[0] == sizeof(big) && ans[1] == 0);
    int64_t d = vos_sys_capability_derive(console, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT);
    assert_int_equal(vos_sys_ipc_call(ch.id, req, 8, ans, sizeof(ans), INF, (uint64_t)d, ch.cap, &cr), 0);
    assert_true(ans[0] == 8 && ans[1] == 1);

    /* Round trips, for the log (instructions under qemu -icount shift=0). */
    uint64_t c0 = vos_cycles();
    for (unsigned i = 0; i < 2000; i++)
        vos_sys_ipc_call_short(ch.cap, 64, &m);
    printf("ipctest: register call/reply round trip: 64 B %lu ticks\n",
               (unsigned long)((vos_cycles() - c0) / 2000));

    /* The server dies holding a register call: NotFound, not a hang. */
    m.w0 = 'x';
    assert_int_equal(vos_sys_ipc_call_short(ch.cap, 1, &m), ERR(VOS_ERR_NOT_FOUND));
    assert_int_equal(wait_code(pid), 3);
    vos_sys_capability_revoke((uint64_t)d);
}



static void test_ping_pong(void **state)
{
    (void)state;
    struct ep srv = new_endpoint();
    struct chan ch = new_channel(me, srv.id, srv.cap, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT);
    int64_t rd = vos_sys_capability_derive(srv.cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT);
    const char *argv[] = { "ipcpeer", "echo" };
    vos_cap_t give[] = { (uint64_t)rd };
    int64_t pid = spawn(argv, 2, give, 1);
    assert_true(pid > 0);

    /* Payloads of many sizes, across the register-message boundary and up to the maximum. */
    static _Alignas(64) uint8_t req[VOS_IPC_MAX_MESSAGE], resp[VOS_IPC_MAX_MESSAGE];
    static const uint64_t sizes[] = { 1, 2, 8, 63, 64, 65, 100, 1000, 4095, 4096 };
    unsigned good = 0;
    for (unsigned round = 0; round < 20; round++) {
        for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
            uint64_t n = sizes[k];
            req[0] = 'e';
            for (uint64_t i = 1; i < n; i++)
                req[i] = (uint8_t)(i * 13 + round);
            struct vos_ipc_call_result cr = { 0, 0 };
            int64_t err = vos_sys_ipc_call(ch.id, req, n, resp, sizeof(resp), INF, 0, ch.cap, &cr);
            int ok = !err && cr.response_len == n && cr.capability == 0;
            for (uint64_t i = 0; ok && i < n; i++)
                ok = resp[i] == (uint8_t)(req[i] + 1);
            good += ok;
        }
    }
    assert_int_equal(good, 20 * sizeof(sizes) / sizeof(sizes[0]));

    /*
     * Pages both copies have used (their translations remembered, xlat.h),
     * then made read-only or unmapped: the next call finds out, and nothing
     * is read from or written into a frame the page no longer has.
     */
    int64_t two = vos_sys_mmap(0, 2 * VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE,
                               VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    assert_true(two > 0);
    uint8_t *in = (uint8_t *)(uintptr_t)two, *out = in + VOS_PAGE_SIZE;
    memset(in, 'e', 64);
    struct vos_ipc_call_result cr;
    for (unsigned i = 0; i < 3; i++) {
        memset(out, 0, 64);
        assert_int_equal(vos_sys_ipc_call(ch.id, in, 64, out, 64, INF, 0, ch.cap, &cr), 0);
        assert_true(cr.response_len == 64 && out[0] == 'f' && out[63] == 'f');
    }
    assert_int_equal(vos_sys_mprotect((uint64_t)(uintptr_t)out, VOS_PAGE_SIZE, VOS_PROT_READ), 0);
    assert_int_equal(vos_sys_ipc_call(ch.id, in, 64, out, 64, INF, 0, ch.cap, &cr), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(out[0], 'f'); /* the reply did not land */
    assert_int_equal(vos_sys_munmap((uint64_t)(uintptr_t)out, VOS_PAGE_SIZE), 0);
    assert_int_equal(vos_sys_ipc_call(ch.id, in, 64, out, 64, INF, 0, ch.cap, &cr), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_munmap((uint64_t)(uintptr_t)in, VOS_PAGE_SIZE), 0);
    assert_int_equal(vos_sys_ipc_call(ch.id, in, 64, resp, 64, INF, 0, ch.cap, &cr), ERR(VOS_ERR_INVALID_ADDRESS));
    memset(resp, 0, 64);
    assert_int_equal(vos_sys_ipc_call(ch.id, req, 64, resp, 64, INF, 0, ch.cap, &cr), 0); /* the server is fine */
    assert_true(cr.response_len == 64 && resp[0] == (uint8_t)(req[0] + 1));

    /*
     * Round trips, for the log: guest ns and vos_cycles() ticks (instructions
     * under qemu -icount shift=0).  The server returns the bytes untouched.
     */
    const unsigned rounds = 2000;
    _Alignas(64) uint8_t small[64] = { 'r' };
    req[0] = 'r';
    uint64_t t0 = now_ns(), c0 = vos_cycles();
    for (unsigned i = 0; i < rounds; i++) {
        struct vos_ipc_call_result cr;
        vos_sys_ipc_call(ch.id, small, sizeof(small), resp, sizeof(resp), INF, 0, ch.cap, &cr);
    }
    uint64_t t1 = now_ns(), c1 = vos_cycles();
    for (unsigned i = 0; i < rounds / 4; i++) {
        struct vos_ipc_call_result cr;
        vos_sys_ipc_call(ch.id, req, sizeof(req), resp, sizeof(resp), INF, 0, ch.cap, &cr);
    }
    uint64_t t2 = now_ns(), c2 = vos_cycles();
    printf("ipctest: call/reply round trip: 64 B %lu ns (%lu ticks), 4 KiB %lu ns (%lu ticks)\n",
               (unsigned long)((t1 - t0) / rounds), (unsigned long)((c1 - c0) / rounds),
               (unsigned long)((t2 - t1) / (rounds / 4)), (unsigned long)((c2 - c1) / (rounds / 4)));

    /* A capability to the other process: it writes with it; revoking ours reaches its copy. */
    int64_t d = vos_sys_capability_derive(console, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT | VOS_RIGHT_REVOKE);
    int64_t result = 0;
    assert_int_equal(vos_sys_ipc_call(ch.id, "c", 1, &result, sizeof(result), INF, (uint64_t)d, ch.cap, &cr), 0);
    assert_int_equal(result, 47);
    assert_int_equal(vos_sys_ipc_call(ch.id, "u", 1, &result, sizeof(result), INF, 0, ch.cap, &cr), 0);
    assert_int_equal(result, 26);
    assert_int_equal(vos_sys_capability_revoke((uint64_t)d), 0);
    assert_int_equal(vos_sys_ipc_call(ch.id, "u", 1, &result, sizeof(result), INF, 0, ch.cap, &cr), 0);
    assert_int_equal(result, ERR(VOS_ERR_INVALID_CAPABILITY));

    assert_int_equal(vos_sys_ipc_call(ch.id, "q", 1, resp, sizeof(resp), INF, 0, ch.cap, &cr), 0);
    assert_true(cr.response_len == 3 && !memcmp(resp, "bye", 3));
    assert_int_equal(wait_code(pid), 0);

    /* A server that dies holding our request: the caller gets NotFound, not a hang. */
    pid = spawn(argv, 2, give, 1);
    assert_true(pid > 0);
    assert_int_equal(vos_sys_ipc_call(ch.id, "x", 1, resp, sizeof(resp), INF, 0, ch.cap, &cr), ERR(VOS_ERR_NOT_FOUND));
    assert_int_equal(wait_code(pid), 3);
}

/* The only receiver of an endpoint exits with our call queued there. */
static void test_orphaned_endpoint(void **state)
{
    (void)state;
    const char *argv[] = { "ipcpeer", "orphan" };
    vos_cap_t give[] = { to_me.cap };
    int64_t pid = spawn(argv, 2, give, 1);
    assert_true(pid > 0);
    uint64_t their_id = 0;
    struct vos_ipc_receive_result r;
    assert_int_equal(vos_sys_ipc_receive(me.id, &their_id, sizeof(their_id), INF, me.cap, &r), 0);
    assert_int_equal(r.sender, pid);
    assert_true(r.capability != 0);
    struct chan ch = new_channel(me, their_id, r.capability, VOS_RIGHT_WRITE);
    char resp[8];
    struct vos_ipc_call_result cr;
    assert_int_equal(vos_sys_ipc_call(ch.id, "hi", 2, resp, sizeof(resp), INF, 0, ch.cap, &cr), ERR(VOS_ERR_NOT_FOUND));
    assert_int_equal(wait_code(pid), 0);
    assert_int_equal(vos_sys_ipc_call(ch.id, "hi", 2, resp, sizeof(resp), INF, 0, ch.cap, &cr), ERR(VOS_ERR_NOT_FOUND));
    assert_int_equal(vos_sys_ipc_send(ch.id, "hi", 2, 0, ch.cap), ERR(VOS_ERR_NOT_FOUND));
}

/* A caller that dies before its reply: the reply fails, and the token is spent. */
static void test_caller_dies(void **state)
{
    (void)state;
    struct ep kill = new_endpoint();
    struct chan to_kill = new_channel(kill, kill.id, kill.cap, VOS_RIGHT_WRITE);
    int64_t krd = vos_sys_capability_derive(kill.cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT);
    int64_t cw = vos_sys_capability_derive(to_me.cap, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT);
    const char *argv[] = { "ipcpeer", "calldie" };
    vos_cap_t give[] = { (uint64_t)cw, (uint64_t)krd };
    int64_t pid = spawn(argv, 2, give, 2);
    assert_true(pid > 0);
    char buf[16];
    struct vos_ipc_receive_result r;
    assert_int_equal(vos_sys_ipc_receive(me.id, buf, sizeof(buf), INF, me.cap, &r), 0);
    assert_true(r.reply_token != 0 && r.sender == (uint64_t)pid);
    assert_int_equal(vos_sys_ipc_send(to_kill.id, "die", 3, 0, to_kill.cap), 0);
    assert_int_equal(wait_code(pid), 0);
    assert_int_equal(vos_sys_ipc_reply(r.reply_token, "late", 4, 0), ERR(VOS_ERR_NOT_FOUND));
    assert_int_equal(vos_sys_ipc_reply(r.reply_token, "late", 4, 0), ERR(VOS_ERR_INVALID_CAPABILITY));
}

/* Several clients, one server (us): every message arrives once, in order per sender. */
static void test_stress(void **state)
{
    (void)state;
    enum { CLIENTS = 4, PER_CLIENT = 25000 };
    struct ep srv = new_endpoint();
    struct chan ch = new_channel(srv, srv.id, srv.cap, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT);
    int64_t pids[CLIENTS];
    uint64_t next[CLIENTS] = { 0 };
    char count[16];
    vos_snprintf(count, sizeof(count), "%u", PER_CLIENT);
    uint64_t t0 = now_ns();
    for (unsigned i = 0; i < CLIENTS; i++) {
        char id[4] = { (char)('0' + i), 0 };
        const char *argv[] = { "ipcpeer", "client", id, count };
        vos_cap_t give[] = { ch.cap };
        pids[i] = spawn(argv, 4, give, 1);
        assert_true(pids[i] > 0);
    }
    unsigned total = 0, bad = 0, calls = 0;
    while (total < CLIENTS * PER_CLIENT && bad < 10) {
        uint64_t msg[2] = { ~0ull, ~0ull };
        struct vos_ipc_receive_result r;
        int64_t err = vos_sys_ipc_receive(srv.id, msg, sizeof(msg), INF, srv.cap, &r);
        unsigned c = (unsigned)msg[0];
        if (err || r.message_len != sizeof(msg) || c >= CLIENTS || r.sender != (uint64_t)pids[c] || msg[1] != next[c]) {
            printf("ipctest: stress: bad message (err %ld) from %lu: {%lu, %lu}, expected seq %lu\n",
                       (long)err, (unsigned long)r.sender, (unsigned long)msg[0], (unsigned long)msg[1],
                       c < CLIENTS ? (unsigned long)next[c] : 0ul);
            bad++;
        }
        if (c < CLIENTS)
            next[c] = msg[1] + 1;
        if (r.reply_token) {
            calls++;
            if (vos_sys_ipc_reply(r.reply_token, &msg[1], sizeof(msg[1]), 0))
                bad++;
        }
        total++;
    }
    assert_int_equal(bad, 0);
    assert_int_equal(total, CLIENTS * PER_CLIENT);
    assert_int_equal(calls, CLIENTS * (PER_CLIENT / 4));
    for (unsigned i = 0; i < CLIENTS; i++) {
        assert_int_equal(next[i], PER_CLIENT);
        assert_int_equal(wait_code(pids[i]), 0);
    }
    struct vos_ipc_receive_result r;
    char b[16];
    assert_int_equal(vos_sys_ipc_receive(srv.id, b, sizeof(b), 0, srv.cap, &r), ERR(VOS_ERR_TIMEOUT)); /* nothing extra */
    printf("ipctest: stress: %u messages from %u clients in %lu ms\n", total, CLIENTS,
               (unsigned long)((now_ns() - t0) / 1000000));
}

/* ---- floating point (fp_probe.h) ---- */

/*
 * Four threads in two ipcpeer processes, each with its own rounding mode,
 * run the chain under preemption, calling our register server after every
 * round; we run a chain of our own (rounding up) between the messages.
 * What every round must give is computed first, here, before any other
 * thread exists: each round's bits must equal it exactly.  A register or a
 * rounding mode of another thread's, anywhere in between, changes them
 * (the four modes give four different chains: checked too).
 */
enum { FP_PEERS = 2, FP_SLOTS = 2 * FP_PEERS, FP_MESSAGES = FP_SLOTS * (FP_ROUNDS + 1), FP_MY_STEPS = 1000 };

static uint64_t fp_want[FP_SLOTS][FP_ROUNDS], fp_got[FP_SLOTS][FP_ROUNDS];
static uint8_t fp_seen[FP_SLOTS][FP_ROUNDS];

/* The chain of each slot in its mode, and ours (rounding up, FP_MY_STEPS per message), alone. */
static uint64_t fp_expected(void)
{
    for (uint64_t slot = 0; slot < FP_SLOTS; slot++) {
        fp_set_rounding((enum fp_rounding)(slot % 4));
        struct fp_chain c;
        fp_chain_start(&c, slot);
        for (uint64_t round = 0; round < FP_ROUNDS; round++) {
            fp_chain_run(&c, round * FP_STEPS, fp_round_steps(round));
            fp_want[slot][round] = fp_chain_bits(&c);
        }
    }
    fp_set_rounding(FP_UP);
    struct fp_chain mine;
    fp_chain_start(&mine, 77);
    fp_chain_run(&mine, 0, FP_MESSAGES * FP_MY_STEPS);
    fp_set_rounding(FP_NEAREST);
    return fp_chain_bits(&mine);
}

static void test_fp_threads(void **state)
{
    (void)state;
    const uint64_t mine_want = fp_expected();
    for (unsigned a = 0; a < FP_SLOTS; a++) /* the chain sees the rounding mode (slots 0..3: four modes) */
        for (unsigned b = a + 1; b < FP_SLOTS; b++)
            assert_int_not_equal(fp_want[a][FP_ROUNDS - 1], fp_want[b][FP_ROUNDS - 1]);

    struct ep srv = new_endpoint();
    struct chan ch = new_channel(me, srv.id, srv.cap, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT);
    int64_t pids[FP_PEERS];
    for (unsigned i = 0; i < FP_PEERS; i++) {
        char id[2] = { (char)('0' + i), 0 };
        const char *argv[] = { "ipcpeer", "fpwork", id };
        vos_cap_t give[] = { ch.cap };
        pids[i] = spawn(argv, 3, give, 1);
        assert_true(pids[i] > 0);
    }
    memset(fp_seen, 0, sizeof(fp_seen));
    fp_set_rounding(FP_UP);
    struct fp_chain mine;
    fp_chain_start(&mine, 77);
    unsigned done = 0, bad = 0, messages = 0;
    struct vos_ipc_short_message m = { 0, 0, 0, 0, 0, 0, 0, 0 };
    struct vos_ipc_short_receive_result r = { 0, 0, 0 };
    while (done < FP_SLOTS && bad < 10) {
        if (vos_sys_ipc_reply_receive_short(r.reply_token, srv.cap, 0, &m, &r) || r.message_len != 24 ||
            m.w0 >= FP_SLOTS || m.w1 > FP_ROUNDS) {
            bad++;
            r.reply_token = 0;
            continue;
        }
        if (m.w1 < FP_ROUNDS)
            fp_got[m.w0][m.w1] = m.w2, fp_seen[m.w0][m.w1] = 1;
        else
            done++;
        fp_chain_run(&mine, (uint64_t)messages * FP_MY_STEPS, FP_MY_STEPS);
        messages++;
    }
    assert_int_equal(vos_sys_ipc_reply(r.reply_token, "", 0, 0), 0);
    enum fp_rounding mode_after = fp_get_rounding();
    uint64_t mine_got = fp_chain_bits(&mine);
    fp_set_rounding(FP_NEAREST);
    unsigned exact = 0, received = 0;
    for (unsigned slot = 0; slot < FP_SLOTS; slot++)
        for (unsigned round = 0; round < FP_ROUNDS; round++) {
            received += fp_seen[slot][round];
            exact += fp_seen[slot][round] && fp_got[slot][round] == fp_want[slot][round];
            if (fp_seen[slot][round] && fp_got[slot][round] != fp_want[slot][round])
                print_error("slot %u (rounding mode %u) round %u: bits %#lx, expected %#lx\n", slot, slot % 4, round,
                            (unsigned long)fp_got[slot][round], (unsigned long)fp_want[slot][round]);
        }
    assert_int_equal(exact, received); /* every round that arrived is bit-exact */
    assert_int_equal(mine_got, mine_want);
    assert_int_equal(mode_after, FP_UP);
    for (unsigned i = 0; i < FP_PEERS; i++)
        assert_int_equal(wait_code(pids[i]), 0); /* 15: a probe register lost, 16: a rounding mode */
    assert_int_equal(bad, 0);
    assert_int_equal(messages, FP_MESSAGES);
    assert_int_equal(received, FP_SLOTS * FP_ROUNDS);
}

/* A thread that dies owning the FP unit leaves nothing in it for the next one. */
static volatile uint64_t fresh_probe, fresh_rounding;

static void fp_dirty_then_die(uint64_t arg)
{
    fp_set_rounding(FP_DOWN);
    fp_probe_set(arg);
    vos_sys_thread_exit(0);
}

static void fp_fresh(uint64_t arg)
{
    (void)arg;
    fresh_probe = fp_probe_get(); /* its first FP instruction */
    fresh_rounding = fp_get_rounding();
    vos_sys_thread_exit(0);
}

static void test_fp_dead_owner(void **state)
{
    (void)state;
    void *stack = stack_for_thread();
    for (unsigned i = 0; i < 3; i++) {
        fresh_probe = fresh_rounding = 99;
        int64_t tid = start_thread(fp_dirty_then_die, stack, 0xdeadf00d00000000ull | i);
        assert_int_equal(vos_sys_thread_join((uint64_t)tid, INF, &joined), 0);
        tid = start_thread(fp_fresh, stack, 0);
        assert_int_equal(vos_sys_thread_join((uint64_t)tid, INF, &joined), 0);
        assert_int_equal(fresh_probe, 0);
        assert_int_equal(fresh_rounding, FP_NEAREST);
    }
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 16384);
}

/*
 * longjmp brings back the callee-saved FP registers setjmp found (riscv64
 * fs0-fs11, aarch64 d8-d15: the probe register is one of them).  x86_64's
 * ABI keeps no XMM register across calls, so there is nothing to check.
 */
#if !defined(__x86_64__)
static jmp_buf fp_jump;
#endif

static void test_fp_setjmp(void **state)
{
    (void)state;
#if !defined(__x86_64__)
    fp_probe_set(0x5e7a5e7a00000001ull);
    if (setjmp(fp_jump) == 0) {
        fp_probe_set(0xbadbadbad);
        longjmp(fp_jump, 1);
    }
    assert_int_equal(fp_probe_get(), 0x5e7a5e7a00000001ull);
#endif
}

/* printf of doubles (libsys's %f; the host test checks it against the C library). */
static void test_fp_printf(void **state)
{
    (void)state;
    char buf[64];
    volatile double third = 1.0 / 3.0, big = 1e21, half = 2.5;
    vos_snprintf(buf, sizeof(buf), "%f %.2f %.0f %.3f %8.1f", third, -third, half, big, 0.25);
    assert_true(!strcmp(buf, "0.333333 -0.33 2 1000000000000000000000.000      0.2"));
    printf("ipctest: printf of doubles: %.17f\n", third);
}

#define T(name, fn) { name, fn, NULL, NULL, NULL }

static const struct CMUnitTest tests[] = {
    T("ipc_receive.timeouts_on_an_empty_queue", test_queue_timeouts),
    T("ipc_send.fifo_lengths_and_sender", test_queue_fifo),
    T("ipc_receive.buffer_too_small_keeps_the_message", test_queue_too_small),
    T("ipc_send.bounded_queue_loses_nothing_and_leaks_nothing", test_queue_bound),
    T("ipc_send.full_size_message", test_queue_full_size),
    T("ipc.refusals_and_unmapped_buffers", test_refusals),
    T("ipc.capability_transfer_and_revoke", test_cap_transfer_local),
    T("ipc_call.threads_reply_spent_timeout_interrupted", test_threads),
    T("ipc_reply_receive_short.reply_tokens", test_short_tokens),
    T("ipc_receive.reserves_its_slots_before_memory_runs_out", test_receive_reserves_slots),
    T("ipc_call.ping_pong_with_another_process", test_ping_pong),
    T("ipc_call_short.ping_pong_with_another_process", test_short_ping_pong),
    T("ipc_call.orphaned_endpoint", test_orphaned_endpoint),
    T("ipc_reply.caller_died", test_caller_dies),
    T("ipc.stress_four_clients_one_server", test_stress),
    T("fp.threads_in_processes_bit_exact", test_fp_threads),
    T("fp.dead_owner_leaves_nothing", test_fp_dead_owner),
    T("fp.printf_of_doubles", test_fp_printf),
    T("fp.longjmp_restores_callee_saved", test_fp_setjmp),
};

/* Our endpoint and a channel to it; the helpers' go-on endpoint. */
static int setup(void **state)
{
    (void)state;
    me = new_endpoint();
    to_me = new_channel(me, me.id, me.cap, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE | VOS_RIGHT_REVOKE);
    go = new_endpoint();
    to_go = new_channel(go, go.id, go.cap, VOS_RIGHT_WRITE);
    return 0;
}

/* What the suite takes from its start: the only use of the start info. */
static int setup_environment(const struct vos_start_info *si)
{
    console = vos_start_find_cap(si, VOS_OBJ_DEVICE);
    bootfs_cap = vos_start_find_bootfs(si);
    self_cap = vos_start_find_cap(si, VOS_OBJ_PROCESS);
    pool = vos_start_find_pool(si);
    self_pid = si->pid;
    return console && bootfs_cap && self_cap && !vos_bootfs_open(&fs, bootfs_cap);
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct vos_start_info *si = vos_start_info();
    if (!setup_environment(si))
        return 100;
    int failed = _cmocka_run_group_tests("ipctest", tests, sizeof(tests) / sizeof(tests[0]), setup, NULL);
    printf("ipctest: done, %d failed\n", failed);
    return failed ? 1 : 0;
}
