/*
 * console: the console server.  After start-up it is the only holder of the
 * UART device capability; everyone else prints and reads by calling it
 * over IPC (protocol in <vos/vos.h>, VOS_CONSOLE_*).
 *
 * Initial capabilities (init grants them in this order):
 *   0  the console DEVICE, READ|WRITE (and GRANT, which every granted capability needs)
 *   1  the server's ENDPOINT, READ (and GRANT); clients hold WRITE channels to it
 *
 * Two threads serve the endpoint, so a client blocked reading (the shell
 * waiting for a key) never holds up another client's output.
 */
#include <vos/vos.h>

#define WORKERS 2

static vos_dev_t dev;
static vos_ep_t ep;

static int serve(void *unused)
{
    (void)unused;
    static char bufs[WORKERS][1 + VOS_CONSOLE_CHUNK];
    static int next;
    char *buf = bufs[__atomic_fetch_add(&next, 1, __ATOMIC_RELAXED) % WORKERS];
    for (;;) {
        struct vos_message m;
        vos_status_t st = vos_receive(ep, buf, 1 + VOS_CONSOLE_CHUNK, VOS_TIMEOUT_INFINITE, &m);
        if (st == -VOS_ERR_BUFFER_TOO_SMALL) {
            /* Not our protocol: take it off the queue and refuse it. */
            static char big[VOS_IPC_MAX_MESSAGE];
            st = vos_receive(ep, big, sizeof(big), 0, &m);
            m.len = 0;
        }
        if (st)
            continue;
        uint64_t n = 0;
        if (m.len >= 1 && buf[0] == VOS_CONSOLE_WRITE) {
            vos_mem_write(VOS_ANY(dev), buf + 1, m.len - 1, 0, NULL);
        } else if (m.len == 5 && buf[0] == VOS_CONSOLE_READ) {
            uint32_t max;
            memcpy(&max, buf + 1, sizeof(max));
            if (max > VOS_CONSOLE_CHUNK)
                max = VOS_CONSOLE_CHUNK;
            if (max && vos_mem_read(VOS_ANY(dev), buf, max, 0, &n))
                n = 0;
        }
        if (m.reply.cap) /* a plain send (no reply token) gets nothing back */
            vos_reply(m.reply, buf, n, (vos_any_t){ 0 });
    }
    return 0;
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct vos_start_info *si = vos_start_info();
    const struct vos_cap_info *d = vos_start_cap(si, 0), *e = vos_start_cap(si, 1);
    if (!d || d->object_type != VOS_OBJ_DEVICE || !e || e->object_type != VOS_OBJ_ENDPOINT)
        return 2; /* started without its capabilities (e.g. `run console` from the shell) */
    dev.cap = d->token;
    ep = vos_ep_from(e);
    vos_thread_t t;
    if (vos_thread_spawn(serve, NULL, 4 * VOS_PAGE_SIZE, &t))
        return 3;
    return serve(NULL);
}
