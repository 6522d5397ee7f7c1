/*
 * ex-peer: the processes the exhaustion suite keeps served while another
 * floods the kernel, and the program the floods create.
 *
 *   ex-peer server   caps: [0] its endpoint (READ).  Answer each call's word
 *                    n with n + 1; EX_QUIT: exit 0.
 *   ex-peer client   caps: [0] its command endpoint (READ), [1] a channel to
 *                    the server.  For each struct ex_round_trip the suite
 *                    sends: call the server, then map and touch
 *                    EX_CLIENT_ALLOC bytes of fresh memory, and report both.
 *   ex-peer idle     exit 0 at once.
 */
#include <vos/vos.h>

#include "attack.h"

#define INF VOS_TIMEOUT_INFINITE

static int server(const struct vos_start_info *si)
{
    vos_ep_t ep = vos_ep_from(vos_start_cap(si, 0));
    for (;;) {
        uint64_t n = 0;
        struct vos_message m;
        if (vos_receive(ep, &n, sizeof(n), INF, &m) || !m.reply.cap)
            return 20;
        uint64_t answer = n + 1;
        vos_reply(m.reply, &answer, sizeof(answer), (vos_any_t){ 0 });
        if (n == EX_QUIT)
            return 0;
    }
}

static int client(const struct vos_start_info *si)
{
    vos_ep_t cmd = vos_ep_from(vos_start_cap(si, 0));
    vos_chan_t to_server = vos_chan_from(vos_start_cap(si, 1));
    for (;;) {
        struct ex_round_trip rt;
        struct vos_message m;
        if (vos_receive(cmd, &rt, sizeof(rt), INF, &m) || !m.reply.cap)
            return 20;
        uint64_t len = 0;
        rt.answer = 0;
        rt.call = vos_call(to_server, &rt.n, sizeof(rt.n), &rt.answer, sizeof(rt.answer), INF, (vos_any_t){ 0 }, &len, NULL);
        if (rt.n == EX_QUIT) {
            vos_reply(m.reply, &rt, sizeof(rt), (vos_any_t){ 0 });
            return 0;
        }
        rt.alloc = vos_sys_mmap(0, EX_CLIENT_ALLOC, VOS_PROT_READ | VOS_PROT_WRITE,
                                VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE, 0, 0);
        if (rt.alloc > 0) {
            memset((void *)(uintptr_t)rt.alloc, 0x77, EX_CLIENT_ALLOC);
            vos_sys_munmap((uint64_t)rt.alloc, EX_CLIENT_ALLOC);
        }
        vos_reply(m.reply, &rt, sizeof(rt), (vos_any_t){ 0 });
    }
}

int main(int argc, char **argv)
{
    const struct vos_start_info *si = vos_start_info();
    const char *role = argc > 1 ? argv[1] : "";
    if (!strcmp(role, "server"))
        return server(si);
    if (!strcmp(role, "client"))
        return client(si);
    if (!strcmp(role, "idle"))
        return 0;
    return 99;
}
