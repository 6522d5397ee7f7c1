/*
 * pingpong: IPC between two processes, and what a round trip costs.
 *
 *   pingpong [N]   caps: console, boot files, endpoint (READ), channel to it.
 *                  Starts `pingpong serve` with the endpoint, then makes N
 *                  (default 1000) calls over the channel, each answered by
 *                  the server, and prints the mean cost per round trip in
 *                  counter ticks (vos_cycles) and nanoseconds.
 *   pingpong serve caps: console, endpoint.  Reply to each call with its
 *                  payload plus one, until a call says 'q'.
 */
#include <vos/vos.h>

static vos_console_t con;

static int serve(const struct vos_start_info *si)
{
    const struct vos_cap_info *e = vos_start_cap(si, 1);
    if (!e || e->object_type != VOS_OBJ_ENDPOINT)
        return 2;
    vos_ep_t ep = vos_ep_from(e);
    static uint64_t msg[VOS_IPC_MAX_MESSAGE / 8]; /* any message fits: none stays stuck in the queue */
    for (;;) {
        struct vos_message m;
        if (vos_receive(ep, msg, sizeof(msg), VOS_TIMEOUT_INFINITE, &m))
            return 3;
        if (!m.reply.cap)
            continue; /* a plain send: nothing to answer */
        int quit = m.len == 1 && ((char *)msg)[0] == 'q';
        msg[0] += 1;
        vos_reply(m.reply, msg, quit || m.len > 16 ? 0 : m.len, (vos_any_t){ 0 });
        if (quit)
            return 0;
    }
}

int main(int argc, char **argv)
{
    const struct vos_start_info *si = vos_start_info();
    con = vos_console_open(si);
    if (argc > 1 && !strcmp(argv[1], "serve"))
        return serve(si);

    uint64_t rounds = 1000;
    if (argc > 1) {
        uint64_t v = 0;
        for (const char *p = argv[1]; *p >= '0' && *p <= '9'; p++)
            v = v * 10 + (uint64_t)(*p - '0');
        if (v)
            rounds = v;
    }
    const struct vos_cap_info *b = vos_start_cap(si, 1), *e = vos_start_cap(si, 2), *c = vos_start_cap(si, 3);
    struct vos_bootfs fs;
    if (!b || !e || !c || c->object_type != VOS_OBJ_CHANNEL || vos_bootfs_open(&fs, b->token)) {
        vos_cprintf(con, "pingpong: needs the boot files, an endpoint and a channel (run it from the shell)\n");
        return 2;
    }
    vos_chan_t ch = vos_chan_from(c);

    const char *peer_argv[] = { "pingpong", "serve" };
    vos_any_t peer_caps[] = { vos_console_cap(con), { e->token } };
    struct vos_spawn sp = { peer_argv, 2, peer_caps, 2 };
    vos_proc_t peer;
    vos_status_t st = vos_process_spawn(&fs, &sp, &peer);
    if (st) {
        vos_cprintf(con, "pingpong: cannot start the server: %s\n", vos_status_name(st));
        return 3;
    }
    vos_cprintf(con, "pingpong: server is pid %lu; %lu round trips\n", (unsigned long)peer.pid,
                (unsigned long)rounds);

    uint64_t msg[2] = { 0, 0 }, resp[2], len;
    /* One call first, so the server is up and waiting before we measure. */
    st = vos_call(ch, msg, sizeof(msg), resp, sizeof(resp), VOS_TIMEOUT_INFINITE, (vos_any_t){ 0 }, &len, NULL);
    uint64_t t0 = vos_now_ns(), c0 = vos_cycles();
    for (uint64_t i = 0; i < rounds && !st; i++) {
        msg[0] = i;
        st = vos_call(ch, msg, sizeof(msg), resp, sizeof(resp), VOS_TIMEOUT_INFINITE, (vos_any_t){ 0 }, &len, NULL);
        if (!st && (len != sizeof(resp) || resp[0] != i + 1)) {
            vos_cprintf(con, "pingpong: wrong answer in round %lu\n", (unsigned long)i);
            return 4;
        }
    }
    uint64_t cycles = vos_cycles() - c0, ns = vos_now_ns() - t0;
    if (st) {
        vos_cprintf(con, "pingpong: call: %s\n", vos_status_name(st));
        return 5;
    }
    vos_cprintf(con, "pingpong: %lu round trips ok: %lu counter ticks, %lu ns each (mean)\n",
                (unsigned long)rounds, (unsigned long)(cycles / rounds), (unsigned long)(ns / rounds));
    vos_call(ch, "q", 1, resp, sizeof(resp), VOS_TIMEOUT_INFINITE, (vos_any_t){ 0 }, &len, NULL);
    struct vos_process_exit_info info;
    char how[64];
    vos_process_wait(peer, VOS_TIMEOUT_INFINITE, &info);
    vos_cprintf(con, "pingpong: server %s\n", vos_exit_describe(&info, how, sizeof(how)));
    return 0;
}
