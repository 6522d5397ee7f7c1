/*
 * test_ipc.c — IPC paths that need a particular interleaving: a send that
 * meets a waiting receiver, a capability revoked while its message is
 * queued, and what happens to waiters when the capability they wait
 * through goes (an endpoint's last reader, a channel capability, a
 * receiver's own capability).
 *
 * One process, two threads: `main` (started first; runs until it blocks or
 * yields) and `peer`.  Blocking receives need a buffer in a region the
 * kernel made (SYS_MMAP), so they use one and read it with host_user_read.
 */
#include <string.h>

#include "harness.h"
#include "ipc.h"
#include "memory.h"
#include "vspace.h"

static int reached;
static vos_cap_t self_cap, console_cap;
static struct vos_endpoint_create_result ep;
static int64_t channel_id;
static vos_cap_t channel_cap, peer_cap;
static int64_t peer_result;
static struct vos_ipc_receive_result peer_rr;
static uint64_t peer_buf;

/* An endpoint whose messages come back to it through a channel, and a capability to that channel. */
static void make_loop(void)
{
    UCHECK_EQ(vos_sys_ipc_endpoint_create(&ep), 0);
    channel_id = vos_sys_ipc_channel_create(ep.endpoint_id, ep.endpoint_id, ep.capability, ep.capability);
    UCHECK(channel_id > 0);
    channel_cap = (vos_cap_t)vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)channel_id, VOS_RIGHT_ALL, self_cap);
    UCHECK(channel_cap > 0);
}

static uint64_t map_pages(unsigned pages)
{
    /* Populated: a waiting receive then checks present pages (host_fuzz found arch/host failing that). */
    int64_t va = vos_sys_mmap(0, pages * PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE,
                              VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE, VOS_CAP_NULL, 0);
    UCHECK(va > 0);
    return (uint64_t)va;
}

static uint64_t map_buffer(void) { return map_pages(1); }

static void run_pair(host_user_fn *main_fn, host_user_fn *peer_fn)
{
    reached = 0;
    peer_result = 1;
    struct process *p = hh_process("ipc");
    self_cap = hh_grant(p, &p->obj, VOS_RIGHT_ALL);
    console_cap = hh_grant(p, hh_console(), VOS_RIGHT_ALL);
    hh_thread(p, main_fn, 0);
    hh_thread(p, peer_fn, 0);
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
}

/* ---- a send meets a waiting receiver ---- */

static void receiver_peer(uint64_t unused)
{
    (void)unused;
    peer_result = vos_sys_ipc_receive(ep.endpoint_id, (void *)(uintptr_t)peer_buf, 64, VOS_TIMEOUT_INFINITE,
                                      peer_cap ? peer_cap : ep.capability, &peer_rr);
}

static void send_to_waiter_main(uint64_t unused)
{
    (void)unused;
    peer_cap = 0;
    make_loop();
    peer_buf = map_buffer();
    UCHECK_EQ(vos_sys_yield(), 0); /* the peer now waits in SYS_IPC_RECEIVE */
    UCHECK_EQ(peer_result, 1);
    char msg[] = "straight through";
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, msg, sizeof(msg), console_cap, channel_cap), 0);
    UCHECK_EQ(vos_sys_yield(), 0); /* the peer, woken with the message, returns from its receive */
    UCHECK_EQ(peer_result, 0);
    UCHECK_EQ(peer_rr.message_len, sizeof(msg));
    UCHECK(peer_rr.capability != 0); /* the console capability moved with it */
    char got[sizeof(msg)];
    host_user_read(peer_buf, got, sizeof(got));
    UCHECK(memcmp(got, msg, sizeof(msg)) == 0);
    reached = 1;
}

static void test_send_meets_waiting_receiver(void **state)
{
    (void)state;
    run_pair(send_to_waiter_main, receiver_peer);
}

/* ---- a capability revoked while its message waits in the queue ---- */

static void idle_peer(uint64_t unused) { (void)unused; }

static void revoked_in_flight_main(uint64_t unused)
{
    (void)unused;
    make_loop();
    uint64_t buf = map_buffer();
    vos_cap_t sent = (vos_cap_t)vos_sys_capability_derive(console_cap, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT | VOS_RIGHT_REVOKE);
    UCHECK(sent > 0);
    char msg[] = "with a capability";
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, msg, sizeof(msg), sent, channel_cap), 0); /* queued */
    UCHECK_EQ(vos_sys_capability_revoke(sent), 0); /* takes the copy in flight with it */
    struct vos_ipc_receive_result rr;
    UCHECK_EQ(vos_sys_ipc_receive(ep.endpoint_id, (void *)(uintptr_t)buf, 64, 0, ep.capability, &rr), 0);
    UCHECK_EQ(rr.message_len, sizeof(msg));
    UCHECK_EQ(rr.capability, 0); /* the message arrives, without it */
    reached = 1;
}

static void test_capability_revoked_in_flight(void **state)
{
    (void)state;
    run_pair(revoked_in_flight_main, idle_peer);
}

/* ---- a queued call's capability revoked before delivery: the request arrives without it ---- */

static vos_cap_t lent;

static void lending_caller_peer(uint64_t unused)
{
    (void)unused;
    struct vos_ipc_call_result cr;
    void *buf = (void *)(uintptr_t)peer_buf;
    peer_result = vos_sys_ipc_call((uint64_t)channel_id, buf, 8, buf, 8, VOS_TIMEOUT_INFINITE, lent, channel_cap, &cr);
}

static void call_revoked_main(uint64_t unused)
{
    (void)unused;
    make_loop();
    peer_buf = map_buffer();
    void *mine = (void *)(uintptr_t)map_buffer();
    lent = (vos_cap_t)vos_sys_capability_derive(console_cap, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT | VOS_RIGHT_REVOKE);
    UCHECK(lent > 0);
    UCHECK_EQ(vos_sys_yield(), 0); /* the peer's call is queued, lending `lent` */
    UCHECK_EQ(vos_sys_capability_revoke(lent), 0);
    struct vos_ipc_receive_result rr;
    UCHECK_EQ(vos_sys_ipc_receive(ep.endpoint_id, mine, 64, 0, ep.capability, &rr), 0);
    UCHECK_EQ(rr.capability, 0);
    UCHECK_EQ(vos_sys_ipc_reply(rr.reply_token, mine, 0, VOS_CAP_NULL), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_EQ(peer_result, 0);
    reached = 1;
}

static void test_call_capability_revoked_while_queued(void **state)
{
    (void)state;
    run_pair(call_revoked_main, lending_caller_peer);
}

/* ---- a receive right queued at its own endpoint does not keep it alive (in flight, it is no reader) ---- */

static uint64_t frames_before;

static void receive_right_main(uint64_t unused)
{
    (void)unused;
    make_loop();
    peer_buf = map_buffer();
    char msg[] = "here is my receive right";
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, msg, sizeof(msg), ep.capability, channel_cap), 0); /* queued */
    vos_cap_t send_only = (vos_cap_t)vos_sys_capability_derive(ep.capability, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT);
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, msg, sizeof(msg), send_only, channel_cap), 0); /* queued */
    /* To a receiver that waits it goes straight into its space: nothing in flight. */
    peer_cap = (vos_cap_t)vos_sys_capability_derive(ep.capability, VOS_RIGHT_READ | VOS_RIGHT_GRANT);
    struct vos_ipc_receive_result rr;
    UCHECK_EQ(vos_sys_ipc_receive(ep.endpoint_id, (void *)(uintptr_t)peer_buf, 64, 0, ep.capability, &rr), 0);
    UCHECK_EQ(vos_sys_yield(), 0); /* the peer waits */
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, msg, sizeof(msg), peer_cap, channel_cap), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_EQ(peer_result, 0);
    UCHECK(peer_rr.capability != 0);
    reached = 1;
}

static void test_receive_right_queued_at_its_own_endpoint(void **state)
{
    (void)state;
    run_pair(receive_right_main, receiver_peer); /* first: kernel object caches grow to what this needs */
    hh_finish();
    frames_before = frame_free_count();
    run_pair(receive_right_main, receiver_peer);
    hh_finish();
    assert_int_equal(frame_free_count(), frames_before); /* nothing kept alive */
}

/* ---- the last reader goes: queued callers fail, queued messages are dropped ---- */

static void caller_peer(uint64_t unused)
{
    (void)unused;
    struct vos_ipc_call_result cr;
    void *buf = (void *)(uintptr_t)peer_buf; /* request and response */
    peer_result = vos_sys_ipc_call((uint64_t)channel_id, buf, 8, buf, 8, VOS_TIMEOUT_INFINITE, VOS_CAP_NULL,
                                   peer_cap ? peer_cap : channel_cap, &cr);
}

static void orphan_main(uint64_t unused)
{
    (void)unused;
    peer_cap = 0;
    make_loop();
    peer_buf = map_buffer();
    char msg[] = "never read";
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, msg, sizeof(msg), VOS_CAP_NULL, channel_cap), 0);
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, msg, sizeof(msg), console_cap, channel_cap), 0);
    UCHECK_EQ(vos_sys_yield(), 0); /* the peer's call is queued behind the messages */
    UCHECK_EQ(peer_result, 1);
    /* A capability without READ keeps the endpoint itself alive, readerless. */
    UCHECK(vos_sys_capability_create(VOS_OBJ_ENDPOINT, ep.endpoint_id, VOS_RIGHT_WRITE, self_cap) > 0);
    UCHECK_EQ(vos_sys_capability_revoke(ep.capability), 0); /* the only reader */
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_ERR(peer_result, VOS_ERR_NOT_FOUND);
    UCHECK_ERR(vos_sys_ipc_send((uint64_t)channel_id, msg, sizeof(msg), VOS_CAP_NULL, channel_cap), VOS_ERR_NOT_FOUND);
    struct vos_ipc_call_result cr;
    UCHECK_ERR(vos_sys_ipc_call((uint64_t)channel_id, msg, sizeof(msg), msg, sizeof(msg), 0, VOS_CAP_NULL, channel_cap, &cr),
               VOS_ERR_NOT_FOUND);
    struct vos_ipc_short_message m = { 0 };
    UCHECK_ERR(vos_sys_ipc_call_short(channel_cap, 8, &m), VOS_ERR_NOT_FOUND);
    reached = 1;
}

static void test_last_reader_gone(void **state)
{
    (void)state;
    run_pair(orphan_main, caller_peer);
}

/* ---- the capability a waiter waits through is revoked: it is interrupted ---- */

static void channel_revoked_main(uint64_t unused)
{
    (void)unused;
    make_loop();
    peer_buf = map_buffer();
    peer_cap = (vos_cap_t)vos_sys_capability_derive(channel_cap, VOS_RIGHT_WRITE | VOS_RIGHT_REVOKE);
    UCHECK(peer_cap > 0);
    UCHECK_EQ(vos_sys_yield(), 0); /* the peer's call waits, queued through peer_cap */
    UCHECK_EQ(peer_result, 1);
    UCHECK_EQ(vos_sys_capability_revoke(peer_cap), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_ERR(peer_result, VOS_ERR_INTERRUPTED);
    reached = 1;
}

static void test_channel_capability_revoked_under_caller(void **state)
{
    (void)state;
    run_pair(channel_revoked_main, caller_peer);
}

static void endpoint_revoked_main(uint64_t unused)
{
    (void)unused;
    make_loop();
    peer_buf = map_buffer();
    peer_cap = (vos_cap_t)vos_sys_capability_derive(ep.capability, VOS_RIGHT_READ | VOS_RIGHT_REVOKE);
    UCHECK(peer_cap > 0);
    UCHECK_EQ(vos_sys_yield(), 0); /* the peer waits in SYS_IPC_RECEIVE through peer_cap */
    UCHECK_EQ(peer_result, 1);
    UCHECK_EQ(vos_sys_capability_revoke(peer_cap), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_ERR(peer_result, VOS_ERR_INTERRUPTED);
    reached = 1;
}

static void test_endpoint_capability_revoked_under_receiver(void **state)
{
    (void)state;
    run_pair(endpoint_revoked_main, receiver_peer);
}

/* ---- reply objects: reused when no token is left, fresh when a copy was kept ---- */

static int64_t calls[3];
static vos_cap_t reply_carried; /* the capability the first reply brought */

static void three_calls_peer(uint64_t unused)
{
    (void)unused;
    struct vos_ipc_call_result cr;
    void *buf = (void *)(uintptr_t)peer_buf;
    for (unsigned i = 0; i < ARRAY_SIZE(calls); i++) {
        cr.capability = VOS_CAP_NULL;
        calls[i] = vos_sys_ipc_call((uint64_t)channel_id, buf, 8, buf, 8, VOS_TIMEOUT_INFINITE, VOS_CAP_NULL,
                                    channel_cap, &cr);
        if (i == 0)
            reply_carried = cr.capability;
    }
}

static void reply_server_main(uint64_t unused)
{
    (void)unused;
    make_loop();
    peer_buf = map_buffer();
    void *mine = (void *)(uintptr_t)map_buffer();
    struct vos_ipc_receive_result rr;
    UCHECK_EQ(vos_sys_ipc_receive(ep.endpoint_id, mine, 64, VOS_TIMEOUT_INFINITE, ep.capability, &rr), 0);
    UCHECK_EQ(vos_sys_ipc_reply(rr.reply_token, mine, 8, console_cap), 0); /* with a capability */
    /* The second call reuses the caller's reply object; a copy of its token is kept. */
    UCHECK_EQ(vos_sys_ipc_receive(ep.endpoint_id, mine, 64, VOS_TIMEOUT_INFINITE, ep.capability, &rr), 0);
    vos_cap_t kept = (vos_cap_t)vos_sys_capability_derive(rr.reply_token, VOS_RIGHT_WRITE);
    UCHECK(kept > 0);
    UCHECK_EQ(vos_sys_ipc_reply(rr.reply_token, mine, 8, VOS_CAP_NULL), 0);
    /* So the third gets a fresh one, and the kept copy answers nothing. */
    UCHECK_EQ(vos_sys_ipc_receive(ep.endpoint_id, mine, 64, VOS_TIMEOUT_INFINITE, ep.capability, &rr), 0);
    UCHECK_ERR(vos_sys_ipc_reply(kept, mine, 8, VOS_CAP_NULL), VOS_ERR_NOT_FOUND);
    /* The last token to the call goes: the caller learns that no answer will come. */
    UCHECK_EQ(vos_sys_capability_revoke(rr.reply_token), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_EQ(calls[0], 0);
    UCHECK_EQ(calls[1], 0);
    UCHECK_ERR(calls[2], VOS_ERR_NOT_FOUND);
    /* The caller got its own token for the console, in the slot it reserved when it called. */
    UCHECK(reply_carried != VOS_CAP_NULL && reply_carried != console_cap);
    UCHECK_EQ(vos_sys_write(reply_carried, "", 0, 0), 0);
    reached = 1;
}

static void test_reply_objects(void **state)
{
    (void)state;
    memset(calls, 0, sizeof(calls));
    run_pair(reply_server_main, three_calls_peer);
}

/* ---- the register fast path gives way to the general one, with the same results ---- */

static int64_t short_results[3];
static struct vos_ipc_short_message short_msg;

static void short_caller_peer(uint64_t unused)
{
    (void)unused;
    short_msg.w0 = 1;
    short_results[0] = vos_sys_ipc_call_short(channel_cap, VOS_IPC_REGISTER_MESSAGE + 1, &short_msg);
    short_results[1] = vos_sys_ipc_call_short(channel_cap, 8, &short_msg); /* the server waits in SYS_IPC_RECEIVE */
    short_results[2] = vos_sys_ipc_call_short(channel_cap, 8, &short_msg); /* ...now in the register receive */
}

static void short_server_main(uint64_t unused)
{
    (void)unused;
    make_loop();
    void *mine = (void *)(uintptr_t)map_buffer();
    struct vos_ipc_receive_result rr;
    UCHECK_EQ(vos_sys_ipc_receive(ep.endpoint_id, mine, 64, VOS_TIMEOUT_INFINITE, ep.capability, &rr), 0);
    UCHECK_ERR(short_results[0], VOS_ERR_INVALID_PARAMETER);
    UCHECK_EQ(rr.message_len, 8);
    /* A register call takes no capability back; the token stays usable. */
    UCHECK_ERR(vos_sys_ipc_reply(rr.reply_token, mine, 8, console_cap), VOS_ERR_NOT_SUPPORTED);
    /* A derived token is no root: the fast path leaves it to the general one, which answers all the same. */
    vos_cap_t derived = (vos_cap_t)vos_sys_capability_derive(rr.reply_token, VOS_RIGHT_WRITE);
    UCHECK(derived > 0);
    struct vos_ipc_short_message m = { .w0 = 77 };
    struct vos_ipc_short_receive_result sr;
    UCHECK_EQ(vos_sys_ipc_reply_receive_short(derived, ep.capability, 8, &m, &sr), 0);
    UCHECK_EQ(sr.message_len, 8);
    UCHECK_EQ(short_results[1], 8);
    UCHECK_EQ(vos_sys_ipc_reply(sr.reply_token, mine, 0, VOS_CAP_NULL), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_EQ(short_results[2], 0);
    reached = 1;
}

static void test_fast_path_gives_way(void **state)
{
    (void)state;
    run_pair(short_server_main, short_caller_peer);
}

/* ---- register round trips: the server's reply-token slot is made once, then parked and reused ---- */

static void round_trip_peer(uint64_t unused)
{
    (void)unused;
    for (uint64_t i = 0; i < 3; i++) {
        struct vos_ipc_short_message m = { .w0 = i };
        UCHECK_EQ(vos_sys_ipc_call_short(channel_cap, 8, &m), 8);
        UCHECK_EQ(m.w0, i + 100);
    }
    peer_result = 0;
}

static void round_trip_main(uint64_t unused)
{
    (void)unused;
    make_loop();
    uint64_t mine = map_buffer();
    struct vos_ipc_short_message m = { 0 };
    struct vos_ipc_short_receive_result sr;
    UCHECK_EQ(vos_sys_ipc_reply_receive_short(VOS_CAP_NULL, ep.capability, 0, &m, &sr), 0); /* waits */
    vos_cap_t first = sr.reply_token;
    for (unsigned i = 0; i < 2; i++) {
        m.w0 += 100;
        UCHECK_EQ(vos_sys_ipc_reply_receive_short(sr.reply_token, ep.capability, 8, &m, &sr), 0);
        UCHECK_EQ(sr.reply_token & ~(~0ull << VOS_CAP_GENERATION_SHIFT), first & ~(~0ull << VOS_CAP_GENERATION_SHIFT));
        UCHECK(sr.reply_token != first); /* the same slot, a new generation */
    }
    uint64_t last = m.w0 + 100;
    host_user_write(mine, &last, sizeof(last));
    UCHECK_EQ(vos_sys_ipc_reply(sr.reply_token, (void *)(uintptr_t)mine, 8, VOS_CAP_NULL), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_EQ(peer_result, 0);
    reached = 1;
}

static void test_register_round_trips(void **state)
{
    (void)state;
    run_pair(round_trip_main, round_trip_peer);
}

/* ---- a waiting receiver that cannot take the message learns why; the message is queued ---- */

static int64_t unfit[3];
static uint64_t unfit_len;

static void unfit_receiver_peer(uint64_t unused)
{
    (void)unused;
    struct vos_ipc_receive_result rr;
    unfit[0] = vos_sys_ipc_receive(ep.endpoint_id, (void *)(uintptr_t)peer_buf, 4, VOS_TIMEOUT_INFINITE, ep.capability, &rr);
    unfit_len = rr.message_len;
    UCHECK_EQ(vos_sys_ipc_receive(ep.endpoint_id, (void *)(uintptr_t)peer_buf, 64, 0, ep.capability, &rr), 0);
    struct vos_ipc_short_message m;
    struct vos_ipc_short_receive_result sr;
    unfit[1] = vos_sys_ipc_reply_receive_short(VOS_CAP_NULL, ep.capability, 0, &m, &sr);
    UCHECK_EQ(vos_sys_ipc_receive(ep.endpoint_id, (void *)(uintptr_t)peer_buf, 64, 0, ep.capability, &rr), 0);
    UCHECK(rr.capability != 0); /* the message SYS_IPC_REPLY_RECEIVE_SHORT could not take */
    unfit[2] = vos_sys_ipc_receive(ep.endpoint_id, (void *)(uintptr_t)peer_buf, 64, VOS_TIMEOUT_INFINITE, ep.capability, &rr);
}

static void unfit_sender_main(uint64_t unused)
{
    (void)unused;
    make_loop();
    peer_buf = map_buffer();
    char msg[8] = "8 bytes";
    UCHECK_EQ(vos_sys_yield(), 0); /* the peer waits with a 4-byte buffer */
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, msg, sizeof(msg), VOS_CAP_NULL, channel_cap), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_ERR(unfit[0], VOS_ERR_BUFFER_TOO_SMALL);
    UCHECK_EQ(unfit_len, sizeof(msg));
    /* Now it waits in the register receive, which takes no capability... */
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, msg, 4, console_cap, channel_cap), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_ERR(unfit[1], VOS_ERR_NOT_SUPPORTED);
    /* ...then in a receive whose buffer goes away while it waits. */
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_EQ(vos_sys_munmap(peer_buf, PAGE_SIZE), 0);
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, msg, sizeof(msg), VOS_CAP_NULL, channel_cap), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_ERR(unfit[2], VOS_ERR_INVALID_ADDRESS);
    struct vos_ipc_receive_result rr;
    UCHECK_EQ(vos_sys_ipc_receive(ep.endpoint_id, msg, sizeof(msg), 0, ep.capability, &rr), 0); /* queued */
    reached = 1;
}

static void test_unfit_receiver(void **state)
{
    (void)state;
    memset(unfit, 0, sizeof(unfit));
    run_pair(unfit_sender_main, unfit_receiver_peer);
}

/* ---- bad buffers, found at each step: every one is the owner's error, reported to the owner ---- */

static uint64_t unmapped_word; /* a host global: not user memory */
#define UNMAPPED ((void *)&unmapped_word)

static int64_t bad_step[5];

static void bad_buffers_peer(uint64_t unused)
{
    (void)unused;
    struct vos_ipc_receive_result rr;
    struct vos_ipc_call_result cr;
    /* 0: waits with room, while unreadable messages and requests fail to reach it */
    bad_step[0] = vos_sys_ipc_receive(ep.endpoint_id, (void *)(uintptr_t)peer_buf, 64, VOS_TIMEOUT_INFINITE, ep.capability, &rr);
    /* 1: waits with a 4-byte buffer, so a call that meets it cannot be taken */
    bad_step[1] = vos_sys_ipc_receive(ep.endpoint_id, (void *)(uintptr_t)peer_buf, 4, VOS_TIMEOUT_INFINITE, ep.capability, &rr);
    /* 2: a call queued with a request that main unmaps before receiving it */
    bad_step[2] = vos_sys_ipc_call((uint64_t)channel_id, (void *)(uintptr_t)(peer_buf + PAGE_SIZE), 8,
                                   (void *)(uintptr_t)peer_buf, 8, VOS_TIMEOUT_INFINITE, VOS_CAP_NULL, channel_cap, &cr);
    /* 3: a call whose response buffer main unmaps before replying */
    bad_step[3] = vos_sys_ipc_call((uint64_t)channel_id, (void *)(uintptr_t)peer_buf, 8,
                                   (void *)(uintptr_t)(peer_buf + 2 * PAGE_SIZE), 8, VOS_TIMEOUT_INFINITE, VOS_CAP_NULL,
                                   channel_cap, &cr);
    bad_step[4] = 1;
}

static void bad_buffers_main(uint64_t unused)
{
    (void)unused;
    make_loop();
    peer_buf = map_pages(3);
    void *mine = (void *)(uintptr_t)map_buffer();
    struct vos_ipc_receive_result rr;
    struct vos_ipc_call_result cr;
    char msg[8] = "message";
    host_user_write((uint64_t)(uintptr_t)mine, msg, sizeof(msg));
    /* A receive about to wait checks its buffer first. */
    UCHECK_ERR(vos_sys_ipc_receive(ep.endpoint_id, UNMAPPED, 8, VOS_TIMEOUT_INFINITE, ep.capability, &rr),
               VOS_ERR_INVALID_ADDRESS);
    UCHECK_EQ(vos_sys_yield(), 0); /* the peer waits, with room */
    /* A sender or caller whose bytes are unreadable, meeting a waiting receiver: its own error; the receiver waits on. */
    UCHECK_ERR(vos_sys_ipc_send((uint64_t)channel_id, UNMAPPED, 8, VOS_CAP_NULL, channel_cap), VOS_ERR_INVALID_ADDRESS);
    UCHECK_ERR(vos_sys_ipc_call((uint64_t)channel_id, UNMAPPED, 8, mine, 8, 0, VOS_CAP_NULL, channel_cap, &cr),
               VOS_ERR_INVALID_ADDRESS);
    UCHECK_EQ(bad_step[0], -1); /* not woken */
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, mine, sizeof(msg), VOS_CAP_NULL, channel_cap), 0);
    UCHECK_EQ(vos_sys_yield(), 0); /* the peer took it, and now waits with a 4-byte buffer */
    UCHECK_EQ(bad_step[0], 0);
    /* A call that receiver cannot take: it learns so; the call, with nobody else waiting, times out. */
    UCHECK_ERR(vos_sys_ipc_call((uint64_t)channel_id, mine, sizeof(msg), mine, 8, 0, VOS_CAP_NULL, channel_cap, &cr),
               VOS_ERR_TIMEOUT);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_ERR(bad_step[1], VOS_ERR_BUFFER_TOO_SMALL);
    /* The peer's next call is queued; its request page goes before we receive it: the caller's error. */
    UCHECK_EQ(vos_sys_munmap(peer_buf + PAGE_SIZE, PAGE_SIZE), 0);
    UCHECK_ERR(vos_sys_ipc_receive(ep.endpoint_id, mine, 64, 0, ep.capability, &rr), VOS_ERR_TIMEOUT);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_ERR(bad_step[2], VOS_ERR_INVALID_ADDRESS);
    /* Its next call is received; then its response page goes: the reply counts, the caller gets the error. */
    UCHECK_EQ(vos_sys_ipc_receive(ep.endpoint_id, mine, 64, VOS_TIMEOUT_INFINITE, ep.capability, &rr), 0);
    UCHECK_ERR(vos_sys_ipc_reply(rr.reply_token, UNMAPPED, 8, VOS_CAP_NULL), VOS_ERR_INVALID_ADDRESS); /* ours: kept */
    UCHECK_EQ(vos_sys_munmap(peer_buf + 2 * PAGE_SIZE, PAGE_SIZE), 0);
    UCHECK_EQ(vos_sys_ipc_reply(rr.reply_token, mine, 8, VOS_CAP_NULL), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_ERR(bad_step[3], VOS_ERR_INVALID_ADDRESS);
    UCHECK_EQ(bad_step[4], 1);
    /* A message too long for the register receive stays queued for SYS_IPC_RECEIVE. */
    char long_msg[100] = "long";
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, long_msg, sizeof(long_msg), VOS_CAP_NULL, channel_cap), 0);
    struct vos_ipc_short_message sm;
    struct vos_ipc_short_receive_result sr;
    UCHECK_ERR(vos_sys_ipc_reply_receive_short(VOS_CAP_NULL, ep.capability, 0, &sm, &sr), VOS_ERR_BUFFER_TOO_SMALL);
    UCHECK_EQ(sr.message_len, sizeof(long_msg));
    UCHECK_EQ(vos_sys_ipc_receive(ep.endpoint_id, mine, 128, 0, ep.capability, &rr), 0);
    reached = 1;
}

static void test_bad_buffers(void **state)
{
    (void)state;
    memset(bad_step, 0xff, sizeof(bad_step)); /* not 0: step 0's success is 0 */
    run_pair(bad_buffers_main, bad_buffers_peer);
}

/* ---- copies whose pieces end at one side's page boundary, not the other's; odd message lengths ---- */

static uint64_t copy_bufs; /* 3 pages: main's source, then the peer's destination */
static int64_t copy_step[5];
static uint64_t lazy; /* 2 pages never touched: filled in by the copy, as a user access would */
static struct vos_ipc_receive_result copy_rr[2];

static void copy_peer(uint64_t unused)
{
    (void)unused;
    uint64_t dst = copy_bufs + 2 * PAGE_SIZE; /* from here on, the peer's page */
    /* 0: the source crosses a page boundary, the destination does not */
    copy_step[0] = vos_sys_ipc_receive(ep.endpoint_id, (void *)(uintptr_t)dst, 300, VOS_TIMEOUT_INFINITE,
                                       ep.capability, &copy_rr[0]);
    /* 1: the destination crosses one (main maps a page after it), the source does not */
    copy_step[1] = vos_sys_ipc_receive(ep.endpoint_id, (void *)(uintptr_t)(dst + PAGE_SIZE - 100), 300,
                                       VOS_TIMEOUT_INFINITE, ep.capability, &copy_rr[1]);
    /* 2: a register receive, which a sender with unreadable bytes does not reach */
    struct vos_ipc_short_message m;
    struct vos_ipc_short_receive_result sr;
    copy_step[2] = vos_sys_ipc_reply_receive_short(VOS_CAP_NULL, ep.capability, 0, &m, &sr);
    /* 3: into a touched page, from main's untouched one; 4: into an untouched page */
    struct vos_ipc_receive_result rr;
    copy_step[3] = vos_sys_ipc_receive(ep.endpoint_id, (void *)(uintptr_t)dst, 8, VOS_TIMEOUT_INFINITE, ep.capability, &rr);
    copy_step[4] = vos_sys_ipc_receive(ep.endpoint_id, (void *)(uintptr_t)(lazy + PAGE_SIZE), 8, VOS_TIMEOUT_INFINITE,
                                       ep.capability, &rr);
}

static void copy_main(uint64_t unused)
{
    (void)unused;
    make_loop();
    copy_bufs = map_pages(4);
    char pattern[300], got[300];
    for (unsigned i = 0; i < sizeof(pattern); i++)
        pattern[i] = (char)(i * 7 + 1);
    uint64_t src = copy_bufs + PAGE_SIZE - 100; /* 100 bytes in the first page, 200 in the second */
    host_user_write(src, pattern, sizeof(pattern));
    UCHECK_EQ(vos_sys_yield(), 0); /* the peer waits */
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, (void *)(uintptr_t)src, 300, VOS_CAP_NULL, channel_cap), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_EQ(copy_step[0], 0);
    UCHECK_EQ(copy_rr[0].message_len, 300);
    host_user_read(copy_bufs + 2 * PAGE_SIZE, got, sizeof(got));
    UCHECK(!memcmp(got, pattern, sizeof(got)));
    /* The other way round: the source in one page, the destination across two. */
    src = copy_bufs + 8;
    host_user_write(src, pattern, sizeof(pattern));
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, (void *)(uintptr_t)src, 300, VOS_CAP_NULL, channel_cap), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_EQ(copy_step[1], 0);
    UCHECK_EQ(copy_rr[1].message_len, 300);
    memset(got, 0, sizeof(got));
    host_user_read(copy_bufs + 3 * PAGE_SIZE - 100, got, sizeof(got));
    UCHECK(!memcmp(got, pattern, sizeof(got)));
    /* The peer waits in the register receive: bytes it cannot be given are the sender's error; it waits on. */
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_ERR(vos_sys_ipc_send((uint64_t)channel_id, (void *)(uintptr_t)(copy_bufs + 4 * PAGE_SIZE), 8, VOS_CAP_NULL,
                                channel_cap), VOS_ERR_INVALID_ADDRESS);
    UCHECK_EQ(copy_step[2], -1);
    int64_t l = vos_sys_mmap(0, 2 * PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS,
                             VOS_CAP_NULL, 0);
    UCHECK(l > 0);
    lazy = (uint64_t)l;
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, (void *)(uintptr_t)src, 8, VOS_CAP_NULL, channel_cap), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_EQ(copy_step[2], 0);
    /* The peer waits with a touched buffer (our pattern in it); our untouched page's zeros overwrite it. */
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, (void *)(uintptr_t)lazy, 8, VOS_CAP_NULL, channel_cap), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_EQ(copy_step[3], 0);
    uint64_t word = 1;
    host_user_read(copy_bufs + 2 * PAGE_SIZE, &word, sizeof(word));
    UCHECK_EQ(word, 0);
    /* Now it waits with an untouched buffer: our pattern lands there. */
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, (void *)(uintptr_t)src, 8, VOS_CAP_NULL, channel_cap), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_EQ(copy_step[4], 0);
    host_user_read(lazy + PAGE_SIZE, got, 8);
    UCHECK(!memcmp(got, pattern, 8));
    /* An empty message, queued, then received into a buffer: nothing to copy, its length 0. */
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, (void *)(uintptr_t)src, 0, VOS_CAP_NULL, channel_cap), 0);
    struct vos_ipc_receive_result rr = { .message_len = 99 };
    UCHECK_EQ(vos_sys_ipc_receive(ep.endpoint_id, (void *)(uintptr_t)src, 64, 0, ep.capability, &rr), 0);
    UCHECK_EQ(rr.message_len, 0);
    /* A queue holds IPC_QUEUE_MAX sent messages; then sending is refused until one is taken. */
    for (unsigned i = 0; i < IPC_QUEUE_MAX; i++)
        UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, (void *)(uintptr_t)src, 0, VOS_CAP_NULL, channel_cap), 0);
    UCHECK_ERR(vos_sys_ipc_send((uint64_t)channel_id, (void *)(uintptr_t)src, 0, VOS_CAP_NULL, channel_cap),
               VOS_ERR_RESOURCE_EXHAUSTED);
    UCHECK_EQ(vos_sys_ipc_receive(ep.endpoint_id, (void *)(uintptr_t)src, 64, 0, ep.capability, &rr), 0);
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, (void *)(uintptr_t)src, 0, VOS_CAP_NULL, channel_cap), 0);
    reached = 1;
}

static void test_copies_across_pages(void **state)
{
    (void)state;
    memset(copy_step, 0xff, sizeof(copy_step));
    run_pair(copy_main, copy_peer);
}

/*
 * ---- the reply-receive fast path gives way, with the same results: a token with a child, a message or a
 * call already queued, a caller that waits in SYS_IPC_CALL; and the call fast path meeting a receiver in
 * SYS_IPC_RECEIVE.  Three threads: main serves, peer makes register calls, peer2 one general call ----
 */

static int64_t gw_peer[6], gw_peer2;
static uint64_t gw_reply[6], gw_peer2_word;
static volatile int gw_go2;
static struct process *gw_proc;

static void giveway_peer(uint64_t unused)
{
    (void)unused;
    for (uint64_t i = 0; i < 6; i++) {
        struct vos_ipc_short_message m = { .w0 = i + 1 };
        gw_peer[i] = vos_sys_ipc_call_short(channel_cap, 8, &m);
        gw_reply[i] = m.w0;
    }
}

static void giveway_peer2(uint64_t unused)
{
    (void)unused;
    while (!gw_go2)
        UCHECK_EQ(vos_sys_yield(), 0);
    struct vos_ipc_call_result cr;
    uint64_t word = 42;
    void *buf = (void *)(uintptr_t)peer_buf; /* a call that waits needs its buffers in regions */
    host_user_write(peer_buf, &word, sizeof(word));
    gw_peer2 = vos_sys_ipc_call((uint64_t)channel_id, buf, 8, buf, 8, VOS_TIMEOUT_INFINITE, VOS_CAP_NULL,
                                channel_cap, &cr);
    host_user_read(peer_buf, &gw_peer2_word, sizeof(gw_peer2_word));
}

static void giveway_main(uint64_t unused)
{
    (void)unused;
    make_loop();
    void *mine = (void *)(uintptr_t)map_buffer();
    peer_buf = map_buffer();
    struct vos_ipc_short_message m = { 0 };
    struct vos_ipc_short_receive_result sr;
    struct vos_ipc_receive_result rr;
    UCHECK_EQ(vos_sys_ipc_reply_receive_short(VOS_CAP_NULL, ep.capability, 0, &m, &sr), 0); /* peer's call 1 */
    UCHECK_EQ(m.w0, 1);
    /* A token with a child: the general path answers; the child outlives the token but answers nothing. */
    int64_t child = vos_sys_capability_derive(sr.reply_token, VOS_RIGHT_ALL);
    UCHECK(child > 0);
    m.w0 = 101;
    UCHECK_EQ(vos_sys_ipc_reply_receive_short(sr.reply_token, ep.capability, 8, &m, &sr), 0); /* peer's call 2 */
    UCHECK_EQ(m.w0, 2);
    struct cap *kept = hh_cap(gw_proc, (vos_cap_t)child); /* it lives on, moved up: a root */
    UCHECK(kept && !kept->parent);
    /* A message of our own already queued: the answer goes, and that message comes at once. */
    char own[8] = "own";
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)channel_id, own, sizeof(own), VOS_CAP_NULL, channel_cap), 0);
    m.w0 = 102;
    UCHECK_EQ(vos_sys_ipc_reply_receive_short(sr.reply_token, ep.capability, 8, &m, &sr), 0);
    UCHECK_EQ(sr.message_len, sizeof(own));
    UCHECK(!memcmp(&m.w0, own, sizeof(own)));
    UCHECK_EQ(sr.reply_token, 0);
    /* peer's call 3, then peer2's, queue up; the first is received the general way. */
    UCHECK_EQ(vos_sys_yield(), 0);
    gw_go2 = 1;
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_EQ(vos_sys_ipc_receive(ep.endpoint_id, mine, 64, 0, ep.capability, &rr), 0);
    UCHECK_EQ(rr.message_len, 8);
    /* A call still queued: the answer goes, and that call comes at once. */
    m.w0 = 103;
    UCHECK_EQ(vos_sys_ipc_reply_receive_short(rr.reply_token, ep.capability, 8, &m, &sr), 0);
    UCHECK_EQ(m.w0, 42); /* peer2's */
    /* A reply longer than that caller's buffer, from bytes we cannot read: our error, the token kept. */
    UCHECK_ERR(vos_sys_ipc_reply(sr.reply_token, UNMAPPED, 16, VOS_CAP_NULL), VOS_ERR_INVALID_ADDRESS);
    /* Its caller waits in SYS_IPC_CALL, for bytes in its buffer, not registers. */
    m.w0 = 104;
    UCHECK_EQ(vos_sys_ipc_reply_receive_short(sr.reply_token, ep.capability, 8, &m, &sr), 0); /* peer's call 4 */
    UCHECK_EQ(m.w0, 4);
    /* The child, a root now whose call was answered long ago: refused at once, and spent; we do not wait. */
    UCHECK_ERR(vos_sys_ipc_reply_receive_short((vos_cap_t)child, ep.capability, 0, &m, &sr), VOS_ERR_NOT_FOUND);
    UCHECK(!hh_cap(gw_proc, (vos_cap_t)child));
    /* That left a slot reserved for our next token: the general path answers and uses it. */
    m.w0 = 104;
    UCHECK_EQ(vos_sys_ipc_reply_receive_short(sr.reply_token, ep.capability, 8, &m, &sr), 0); /* peer's call 5 */
    UCHECK_EQ(m.w0, 5);
    uint64_t word = 105;
    host_user_write((uint64_t)(uintptr_t)mine, &word, sizeof(word));
    UCHECK_EQ(vos_sys_ipc_reply(sr.reply_token, mine, 8, VOS_CAP_NULL), 0);
    /* The call fast path meets us waiting in SYS_IPC_RECEIVE: the bytes come to our buffer. */
    UCHECK_EQ(vos_sys_ipc_receive(ep.endpoint_id, mine, 64, VOS_TIMEOUT_INFINITE, ep.capability, &rr), 0);
    UCHECK_EQ(rr.message_len, 8);
    host_user_read((uint64_t)(uintptr_t)mine, &word, sizeof(word));
    UCHECK_EQ(word, 6);
    UCHECK_EQ(vos_sys_ipc_reply(rr.reply_token, mine, 0, VOS_CAP_NULL), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    for (unsigned i = 0; i < 5; i++) {
        UCHECK_EQ(gw_peer[i], 8);
        UCHECK_EQ(gw_reply[i], 101 + i);
    }
    UCHECK_EQ(gw_peer[5], 0);
    UCHECK_EQ(gw_peer2, 0);
    UCHECK_EQ(gw_peer2_word, 104);
    reached = 1;
}

static void test_reply_receive_gives_way(void **state)
{
    (void)state;
    reached = 0;
    gw_go2 = 0;
    struct process *p = gw_proc = hh_process("giveway");
    self_cap = hh_grant(p, &p->obj, VOS_RIGHT_ALL);
    hh_thread(p, giveway_main, 0);
    hh_thread(p, giveway_peer, 0);
    hh_thread(p, giveway_peer2, 0);
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_send_meets_waiting_receiver, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_capability_revoked_in_flight, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_call_capability_revoked_while_queued, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_receive_right_queued_at_its_own_endpoint, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_last_reader_gone, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_channel_capability_revoked_under_caller, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_endpoint_capability_revoked_under_receiver, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_reply_objects, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_fast_path_gives_way, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_unfit_receiver, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_register_round_trips, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_bad_buffers, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_copies_across_pages, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_reply_receive_gives_way, hh_setup, hh_teardown),
    };
    hh_select(argc, argv);
    return cmocka_run_group_tests_name("ipc", tests, NULL, NULL);
}
