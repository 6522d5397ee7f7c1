/*
 * iso-victim: the process the isolation suite's attacker tries to reach.
 * It holds what an attacker would want — a secret page at ISO_SECRET_VA, a
 * shared region, capabilities, a private endpoint, a thread's unclaimed
 * exit code, a caller waiting for its reply — and on ISO_VICTIM_CHECK
 * verifies all of it is untouched.
 *
 * Capabilities (in the suite's order): [0] its command endpoint (READ|DERIVE),
 * [1] region R (READ|WRITE).  The first message on the command endpoint
 * brings a capability to its own process (so it can own channels).
 */
#include <vos/vos.h>

#include "attack.h"

#define INF VOS_TIMEOUT_INFINITE

static vos_ep_t cmd;
static vos_cap_t self, region, filler[ISO_VICTIM_FILLER];
static uint8_t *region_map;
static vos_ep_t private_ep;
static vos_chan_t private_ch;
static vos_thread_t idle_thread, caller_thread;
static vos_cap_t held_reply;
static struct { vos_cap_t token; uint64_t rights; } mine[ISO_MAX_TOKENS];
static unsigned nmine;

static int idle_body(void *arg)
{
    (void)arg;
    return ISO_VICTIM_THREAD_CODE;
}

/* Calls our own private endpoint and waits: the main thread keeps the reply token. 0 when the reply is ours. */
static int caller_body(void *arg)
{
    (void)arg;
    static char resp[64];
    uint64_t len = 0;
    vos_status_t st = vos_call(private_ch, "victim", 6, resp, sizeof(resp), INF, (vos_any_t){ 0 }, &len, NULL);
    return st ? 1 : len != 7 || memcmp(resp, "genuine", 7) ? 2 : 0;
}

static void keep(vos_cap_t token, uint64_t rights)
{
    mine[nmine].token = token;
    mine[nmine++].rights = rights;
}

static int setup(const struct vos_start_info *si)
{
    const struct vos_cap_info *c0 = vos_start_cap(si, 0), *c1 = vos_start_cap(si, 1);
    if (!c0 || !c1)
        return 20;
    cmd = vos_ep_from(c0);
    region = c1->token;
    for (unsigned i = 0; i < ISO_VICTIM_FILLER; i++) {
        vos_any_t f;
        if (vos_cap_derive((vos_any_t){ cmd.cap }, VOS_RIGHT_READ, &f))
            return 22;
        filler[i] = f.cap;
    }
    static uint8_t buf[64];
    struct vos_message m;
    if (vos_receive(cmd, buf, sizeof(buf), INF, &m) || !m.cap.cap)
        return 21;
    self = m.cap.cap;
    if (vos_endpoint_create(&private_ep) ||
        vos_channel_create(private_ep, private_ep, (vos_any_t){ self }, VOS_RIGHT_WRITE, &private_ch))
        return 23;
    void *secret;
    if (vos_mmap((void *)(uintptr_t)ISO_SECRET_VA, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE,
                 VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_FIXED | VOS_MAP_POPULATE, (vos_mem_t){ 0 }, 0, &secret) ||
        (uintptr_t)secret != ISO_SECRET_VA)
        return 24;
    for (unsigned i = 0; i < VOS_PAGE_SIZE; i++)
        ((uint8_t *)secret)[i] = ISO_SECRET_BYTE(i);
    void *r;
    if (vos_mmap(NULL, ISO_REGION_PAGES * VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED,
                 (vos_mem_t){ region }, 0, &r))
        return 25;
    region_map = r;
    if (vos_thread_spawn(idle_body, NULL, 16384, &idle_thread) || vos_thread_spawn(caller_body, NULL, 16384, &caller_thread))
        return 26;
    static uint8_t req[64];
    if (vos_receive(private_ep, req, sizeof(req), INF, &m) || !m.reply.cap)
        return 27;
    held_reply = m.reply.cap;
    keep(private_ep.cap, VOS_RIGHT_ALL);
    keep(private_ch.cap, VOS_RIGHT_WRITE);
    keep(region, VOS_RIGHT_READ | VOS_RIGHT_WRITE);
    keep(self, VOS_RIGHT_ALL);
    keep(cmd.cap, VOS_RIGHT_READ);
    keep(filler[0], VOS_RIGHT_READ);
    keep(held_reply, VOS_RIGHT_WRITE);
    return 0;
}

static void check(struct iso_report *r, int ok, const char *what)
{
    r->attempts++;
    if (ok)
        return;
    if (!r->wrong++)
        vos_snprintf(r->what, sizeof(r->what), "victim: %s", what);
}

static void check_all(struct iso_report *r)
{
    const uint8_t *secret = (const uint8_t *)(uintptr_t)ISO_SECRET_VA;
    int same = 1;
    for (unsigned i = 0; i < VOS_PAGE_SIZE; i++)
        same &= secret[i] == ISO_SECRET_BYTE(i);
    check(r, same, "the secret page changed");
    same = 1;
    for (unsigned i = 0; i < ISO_REGION_PAGES * VOS_PAGE_SIZE; i++)
        same &= region_map[i] == ISO_SECRET_BYTE(i);
    check(r, same, "region R changed");
    for (unsigned i = 0; i < nmine; i++)
        check(r, vos_cap_validate((vos_any_t){ mine[i].token }, mine[i].rights) == 0,
              "a capability was lost or lost rights");
    for (unsigned i = 0; i < ISO_VICTIM_FILLER; i++)
        check(r, vos_cap_validate((vos_any_t){ filler[i] }, VOS_RIGHT_READ) == 0, "a filler capability was lost");
    static uint8_t buf[VOS_IPC_MAX_MESSAGE];
    struct vos_message m;
    check(r, vos_receive(private_ep, buf, sizeof(buf), 0, &m) == -(int64_t)VOS_ERR_TIMEOUT,
          "a message reached the private endpoint");
}

static void finish(struct iso_report *r)
{
    int32_t code = -1;
    check(r, vos_reply((vos_reply_t){ held_reply }, "genuine", 7, (vos_any_t){ 0 }) == 0,
          "the held reply token no longer answers");
    check(r, vos_thread_join(&caller_thread, INF, &code) == 0 && code == 0, "the caller got another reply than ours");
    check(r, vos_thread_join(&idle_thread, INF, &code) == 0 && code == ISO_VICTIM_THREAD_CODE,
          "our thread's exit code was taken");
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct vos_start_info *si = vos_start_info();
    static struct iso_request req;
    struct vos_message m;
    int err = setup(si);
    while (!err && iso_next_request(cmd, &req, &m)) {
        struct iso_report rep = { ISO_REPORT_MAGIC, 0, 0, "" };
        struct iso_victim_info info = { ISO_REPORT_MAGIC, si->pid, private_ep.id, private_ep.cap, idle_thread.tid,
                                        held_reply, nmine, { 0 } };
        switch (req.op) {
        case ISO_VICTIM_INFO:
            /* Only tokens in slots past the filler: a low slot's token names the attacker's own capability there. */
            info.ntokens = 0;
            for (unsigned i = 0; i < nmine; i++)
                if ((mine[i].token & VOS_CAP_SLOT_MASK) > ISO_VICTIM_FILLER)
                    info.tokens[info.ntokens++] = mine[i].token;
            vos_reply(m.reply, &info, sizeof(info), (vos_any_t){ 0 });
            continue;
        case ISO_VICTIM_CHECK: check_all(&rep); break;
        case ISO_VICTIM_FINISH: finish(&rep); break;
        case ISO_QUIT: vos_reply(m.reply, &rep, sizeof(rep), (vos_any_t){ 0 }); return 0;
        default: check(&rep, 0, "unknown request");
        }
        vos_reply(m.reply, &rep, sizeof(rep), (vos_any_t){ 0 });
    }
    return err ? err : 30;
}
