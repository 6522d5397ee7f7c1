/*
 * ipcpeer: the other process in ipctest's IPC tests.  Its capabilities
 * arrive in the order ipctest granted them (caps[0], caps[1], ...).
 *
 *   ipcpeer echo      caps: endpoint (READ).  Serve calls until 'q':
 *                       'e'...  reply with every byte plus one
 *                       'r'...  reply with the request as it is (for timing)
 *                       'c'     write to the console with the capability that came
 *                               with the request, keep it; reply the write's result
 *                       'u'     write with the kept capability again; reply the result
 *                       'x'     exit without replying (the caller must not hang)
 *                       'q'     reply "bye" and exit 0
 *   ipcpeer orphan    caps: channel to ipctest.  Make an endpoint, send ipctest a
 *                     WRITE capability to it (and its id), wait until a message is
 *                     queued there, then exit with it unreceived.
 *   ipcpeer calldie   caps: channel to ipctest, endpoint (READ).  A second thread
 *                     calls ipctest; the main thread exits when a message arrives
 *                     on the endpoint, killing the caller before its reply.
 *   ipcpeer client ID N   caps: channel.  Send N numbered messages {ID, seq}, every
 *                     fourth one as a call whose reply must echo seq (every
 *                     eighth a register call, SYS_IPC_CALL_SHORT).
 *   ipcpeer shortecho caps: endpoint (READ).  Serve on the register path
 *                     (SYS_IPC_REPLY_RECEIVE_SHORT): reply with every word plus
 *                     one, same length.  A message the registers cannot take
 *                     (too long, or with a capability) is received with
 *                     SYS_IPC_RECEIVE and answered {length, has capability}.
 *                     A 1-byte "x" makes it exit without replying.  Every
 *                     spent reply token is checked dead (exit 14 if not), and
 *                     its FP probe value kept across each call (fp_probe.h; if
 *                     not, every word plus two from then on, and exit 15).
 *   ipcpeer fpwork ID  caps: channel to ipctest's register server.  Two threads,
 *                     slots 2*ID and 2*ID+1, each with rounding mode slot % 4,
 *                     run a chain of double operations (fp_probe.h) in
 *                     FP_ROUNDS rounds; after each, a register call
 *                     {slot, round, the chain's bits} with a probe value of
 *                     its own kept across it, then a final one with round
 *                     FP_ROUNDS.  Exit 15 if a probe value changed, 16 if the
 *                     rounding mode did, 17 if a call failed.
 */
#include <vos/libsys.h>
#include <vos/syscalls.h>

#include "fp_probe.h"

static const struct vos_cap_info *caps;

static uint64_t number(const char *s)
{
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (uint64_t)(*s++ - '0');
    return v;
}

static int echo(void)
{
    static _Alignas(64) uint8_t buf[VOS_IPC_MAX_MESSAGE], out[VOS_IPC_MAX_MESSAGE];
    vos_cap_t ep = caps[0].token, kept = 0;
    for (;;) {
        struct vos_ipc_receive_result r;
        int64_t err = vos_sys_ipc_receive(caps[0].object_id, buf, sizeof(buf), VOS_TIMEOUT_INFINITE, ep, &r);
        if (err || !r.reply_token)
            return 10;
        uint64_t n = r.message_len;
        int64_t result;
        switch (n ? buf[0] : 0) {
        case 'e':
            for (uint64_t i = 0; i < n; i++)
                out[i] = (uint8_t)(buf[i] + 1);
            vos_sys_ipc_reply(r.reply_token, out, n, 0);
            break;
        case 'r':
            vos_sys_ipc_reply(r.reply_token, buf, n, 0);
            break;
        case 'c':
            kept = r.capability;
            result = vos_sys_write(kept, "ipcpeer: writing with a transferred capability\n", 47, 0);
            vos_sys_ipc_reply(r.reply_token, &result, sizeof(result), 0);
            break;
        case 'u':
            result = vos_sys_write(kept, "ipcpeer: still holding it\n", 26, 0);
            vos_sys_ipc_reply(r.reply_token, &result, sizeof(result), 0);
            break;
        case 'x':
            return 3; /* the reply token dies with us */
        case 'q':
            vos_sys_ipc_reply(r.reply_token, "bye", 3, 0);
            return 0;
        default:
            return 11;
        }
    }
}

static int shortecho(void)
{
    static _Alignas(64) uint8_t buf[VOS_IPC_MAX_MESSAGE];
    vos_cap_t ep = caps[0].token;
    struct vos_ipc_short_message m = { 0, 0, 0, 0, 0, 0, 0, 0 };
    struct vos_ipc_short_receive_result r = { 0, 0, 0 };
    uint64_t len = 0;
    int probe_lost = 0;
    for (uint64_t round = 0;; round++) {
        vos_cap_t spent = r.reply_token;
        uint64_t mine = 0x5e5e5e5e00000000ull | round; /* the client keeps 0xc11e... */
        fp_probe_set(mine);
        int64_t err = vos_sys_ipc_reply_receive_short(r.reply_token, ep, len, &m, &r);
        if (fp_probe_get() != mine)
            probe_lost = 1; /* our FP state was lost or is another thread's */
        len = 0;
        /* A token answers once, even though its slot may carry the next one (the fast path's parked slot). */
        if (spent && (vos_sys_capability_validate(spent, 0) != -(int64_t)VOS_ERR_INVALID_CAPABILITY
                      || vos_sys_ipc_reply(spent, "", 0, 0) != -(int64_t)VOS_ERR_INVALID_CAPABILITY
                      || (!err && r.reply_token == spent)))
            return 14;
        if (err == -(int64_t)VOS_ERR_BUFFER_TOO_SMALL || err == -(int64_t)VOS_ERR_NOT_SUPPORTED) {
            r.reply_token = 0; /* not received: the last token is spent */
            struct vos_ipc_receive_result rr;
            if (vos_sys_ipc_receive(caps[0].object_id, buf, sizeof(buf), 0, ep, &rr) || !rr.reply_token)
                return 12;
            uint64_t answer[2] = { rr.message_len, rr.capability != 0 };
            if (vos_sys_ipc_reply(rr.reply_token, answer, sizeof(answer), 0))
                return 13;
            continue;
        }
        if (err || !r.reply_token)
            return 10;
        if (r.message_len == 1 && (m.w0 & 0xff) == 'x')
            return probe_lost ? 15 : 3; /* the reply token dies with us */
        uint64_t *w = &m.w0;
        for (unsigned i = 0; i < sizeof(m) / sizeof(*w); i++)
            w[i] += 1 + probe_lost; /* wrong words from then on: the client notices at once */
        len = r.message_len;
    }
}

static int orphan(void)
{
    struct vos_endpoint_create_result ep;
    if (vos_sys_ipc_endpoint_create(&ep))
        return 10;
    int64_t w = vos_sys_capability_derive(ep.capability, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT);
    if (w < 0)
        return 11;
    if (vos_sys_ipc_send(caps[0].object_id, &ep.endpoint_id, sizeof(ep.endpoint_id), (vos_cap_t)w, caps[0].token))
        return 12;
    /* A zero-length buffer: BufferTooSmall tells us a message waits, and leaves it queued. */
    struct vos_ipc_receive_result r;
    int64_t err = vos_sys_ipc_receive(ep.endpoint_id, NULL, 0, VOS_TIMEOUT_INFINITE, ep.capability, &r);
    return err == -(int64_t)VOS_ERR_BUFFER_TOO_SMALL && r.message_len > 0 ? 0 : 13;
}

static void caller_body(uint64_t arg)
{
    (void)arg;
    char resp[16];
    struct vos_ipc_call_result r;
    vos_sys_ipc_call(caps[0].object_id, "call", 4, resp, sizeof(resp), VOS_TIMEOUT_INFINITE, 0, caps[0].token, &r);
    vos_sys_thread_exit(99); /* not reached: we die blocked */
}

static int calldie(void)
{
    int64_t stack = vos_sys_mmap(0, 16384, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    if (stack < 0 || vos_sys_thread_create((uint64_t)(uintptr_t)caller_body, (uint64_t)stack, 16384, 0) < 0)
        return 10;
    char buf[8];
    struct vos_ipc_receive_result r;
    if (vos_sys_ipc_receive(caps[1].object_id, buf, sizeof(buf), VOS_TIMEOUT_INFINITE, caps[1].token, &r))
        return 11;
    return 0; /* the process ends, and the caller thread with it */
}

static int client(uint64_t id, uint64_t count)
{
    int errors = 0;
    for (uint64_t seq = 0; seq < count; seq++) {
        uint64_t msg[2] = { id, seq }, echo = ~0ull;
        if (seq % 8 == 7) {
            struct vos_ipc_short_message m = { id, seq, 0, 0, 0, 0, 0, 0 };
            int64_t n = vos_sys_ipc_call_short(caps[0].token, sizeof(msg), &m);
            errors += n != sizeof(echo) || m.w0 != seq;
            continue;
        }
        if (seq % 4 == 3) {
            struct vos_ipc_call_result r;
            int64_t err = vos_sys_ipc_call(caps[0].object_id, msg, sizeof(msg), &echo, sizeof(echo),
                                           VOS_TIMEOUT_INFINITE, 0, caps[0].token, &r);
            errors += err || r.response_len != sizeof(echo) || echo != seq;
            continue;
        }
        int64_t err;
        /* A full queue is back-pressure: let the server run, then try again. */
        while ((err = vos_sys_ipc_send(caps[0].object_id, msg, sizeof(msg), 0, caps[0].token)) ==
               -(int64_t)VOS_ERR_RESOURCE_EXHAUSTED)
            vos_sys_yield();
        errors += err != 0;
    }
    return errors > 100 ? 100 : errors;
}

static volatile int fp_thread_result = -1;

static int fp_worker(uint64_t slot)
{
    enum fp_rounding mode = (enum fp_rounding)(slot % 4);
    fp_set_rounding(mode);
    struct fp_chain c;
    fp_chain_start(&c, slot);
    int err = 0;
    for (uint64_t round = 0; round <= FP_ROUNDS; round++) {
        if (err)
            round = FP_ROUNDS; /* the final call at once: ipctest waits for it */
        else if (round < FP_ROUNDS)
            fp_chain_run(&c, round * FP_STEPS, fp_round_steps(round));
        if (fp_get_rounding() != mode)
            err = 16;
        uint64_t mine = 0xf9f9000000000000ull | slot << 32 | round;
        fp_probe_set(mine);
        struct vos_ipc_short_message m = { slot, round, fp_chain_bits(&c), 0, 0, 0, 0, 0 };
        if (vos_sys_ipc_call_short(caps[0].token, 24, &m) != 0)
            return 17;
        if (fp_probe_get() != mine)
            err = 15;
        if (round % 4 == 1)
            vos_sys_yield();
    }
    return err;
}

static void fp_thread(uint64_t slot)
{
    fp_thread_result = fp_worker(slot);
    vos_sys_thread_exit(0);
}

static int fpwork(uint64_t id)
{
    int64_t stack = vos_sys_mmap(0, 16384, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    int64_t tid = stack < 0 ? -1 : vos_sys_thread_create((uint64_t)(uintptr_t)fp_thread, (uint64_t)stack, 16384, 2 * id + 1);
    if (tid < 0)
        return 10;
    int result = fp_worker(2 * id);
    int32_t code;
    if (vos_sys_thread_join((uint64_t)tid, VOS_TIMEOUT_INFINITE, &code))
        return 11;
    return result ? result : fp_thread_result;
}

static int run(int argc, const char *const *argv, uint64_t ncaps)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "echo") && ncaps >= 1)
        return echo();
    if (!strcmp(mode, "shortecho") && ncaps >= 1)
        return shortecho();
    if (!strcmp(mode, "orphan") && ncaps >= 1)
        return orphan();
    if (!strcmp(mode, "calldie") && ncaps >= 2)
        return calldie();
    if (!strcmp(mode, "fpwork") && ncaps >= 1 && argc > 2)
        return fpwork(number(argv[2]));
    if (!strcmp(mode, "client") && ncaps >= 1 && argc > 3)
        return client(number(argv[2]), number(argv[3]));
    return 50;
}

/* The only use of the start info: arguments and capabilities. */
int main(int argc, char **argv)
{
    const struct vos_start_info *si = vos_start_info();
    caps = (const struct vos_cap_info *)(uintptr_t)si->caps;
    return run(argc, (const char *const *)argv, si->cap_count);
}
