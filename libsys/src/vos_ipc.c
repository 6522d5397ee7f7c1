/*
 * vos_ipc.c — the typed IPC wrappers of <vos/vos.h> and the console client
 * (direct device or the console server, userland/console).
 */
#include <stdio.h>
#include <stdlib.h>
#include <vos/syscalls.h>
#include <vos/vos.h>

vos_status_t vos_endpoint_create(vos_ep_t *out)
{
    struct vos_endpoint_create_result r;
    vos_status_t st = vos_sys_ipc_endpoint_create(&r);
    if (!st)
        *out = (vos_ep_t){ r.endpoint_id, r.capability };
    return st;
}

/* Two steps (docs/abi.md, IPC): the channel, then a capability to it made
 * from the creator's own process capability. */
vos_status_t vos_channel_create(vos_ep_t from, vos_ep_t to, vos_any_t self, uint64_t rights, vos_chan_t *out)
{
    int64_t id = vos_sys_ipc_channel_create(from.id, to.id, from.cap, to.cap);
    if (id < 0)
        return id;
    int64_t cap = vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)id, rights, self.cap);
    if (cap < 0)
        return cap;
    *out = (vos_chan_t){ (uint64_t)id, (uint64_t)cap };
    return VOS_OK;
}

vos_ep_t vos_ep_from(const struct vos_cap_info *ci) { return (vos_ep_t){ ci->object_id, ci->token }; }

vos_chan_t vos_chan_from(const struct vos_cap_info *ci) { return (vos_chan_t){ ci->object_id, ci->token }; }

vos_status_t vos_send(vos_chan_t ch, const void *msg, uint64_t len, vos_any_t xfer)
{
    return vos_sys_ipc_send(ch.id, msg, len, xfer.cap, ch.cap);
}

vos_status_t vos_receive(vos_ep_t ep, void *buf, uint64_t len, uint64_t timeout_ns, struct vos_message *out)
{
    struct vos_ipc_receive_result r = { 0, 0, 0, 0 };
    vos_status_t st = vos_sys_ipc_receive(ep.id, buf, len, timeout_ns, ep.cap, &r);
    /* BufferTooSmall reports the needed length too. */
    *out = (struct vos_message){ r.sender, r.message_len, { r.capability }, { r.reply_token } };
    return st;
}

vos_status_t vos_call(vos_chan_t ch, const void *req, uint64_t req_len, void *resp, uint64_t resp_cap,
                      uint64_t timeout_ns, vos_any_t xfer, uint64_t *resp_len, vos_any_t *cap)
{
    struct vos_ipc_call_result r = { 0, 0 };
    vos_status_t st = vos_sys_ipc_call(ch.id, req, req_len, resp, resp_cap, timeout_ns, xfer.cap, ch.cap, &r);
    if (resp_len)
        *resp_len = r.response_len;
    if (cap)
        cap->cap = r.capability;
    return st;
}

vos_status_t vos_reply(vos_reply_t r, const void *resp, uint64_t len, vos_any_t xfer)
{
    return vos_sys_ipc_reply(r.cap, resp, len, xfer.cap);
}

/* ---- console client ---- */

vos_console_t vos_console_open(const struct vos_start_info *si)
{
    vos_console_t c = { { 0 }, { 0, 0 } };
    const struct vos_cap_info *first = vos_start_cap(si, 0);
    struct vos_cap_info dev;
    if (first && first->object_type == VOS_OBJ_CHANNEL)
        c.chan = vos_chan_from(first);
    else if (first && first->object_type == VOS_OBJ_DEVICE)
        c.dev.cap = first->token;
    else if (!vos_start_lookup(si, VOS_OBJ_DEVICE, VOS_RIGHT_WRITE, &dev))
        c.dev.cap = dev.token;
    return c;
}

vos_any_t vos_console_cap(vos_console_t c) { return (vos_any_t){ c.chan.cap ? c.chan.cap : c.dev.cap }; }

/*
 * One console call.  NotFound means the server died holding our call (its
 * reply token went with it): init starts a new one on the same endpoint
 * (userland/init), so call again.  The server acts on a request only just
 * before it replies, so a request it died with was not carried out.  An
 * endpoint nobody can receive at any more answers NotFound at once, hence
 * the bound.
 */
#define CONSOLE_RETRIES 4
static vos_status_t console_call(vos_chan_t ch, const void *req, uint64_t req_len, void *resp, uint64_t resp_cap,
                                 uint64_t *got)
{
    vos_status_t st;
    for (int i = 0; i <= CONSOLE_RETRIES; i++)
        if ((st = vos_call(ch, req, req_len, resp, resp_cap, VOS_TIMEOUT_INFINITE, (vos_any_t){ 0 }, got, NULL)) !=
            -VOS_ERR_NOT_FOUND)
            break;
    return st;
}

vos_status_t vos_console_write(vos_console_t c, const void *buf, uint64_t len)
{
    if (!c.chan.cap)
        return vos_mem_write(VOS_ANY(c.dev), buf, len, 0, NULL);
    char req[1 + VOS_CONSOLE_CHUNK];
    const char *p = buf;
    while (len) {
        uint64_t n = len < VOS_CONSOLE_CHUNK ? len : VOS_CONSOLE_CHUNK, got;
        req[0] = VOS_CONSOLE_WRITE;
        memcpy(req + 1, p, n);
        vos_status_t st = console_call(c.chan, req, n + 1, NULL, 0, &got);
        if (st)
            return st;
        p += n;
        len -= n;
    }
    return VOS_OK;
}

vos_status_t vos_console_read(vos_console_t c, void *buf, uint64_t len, uint64_t *got)
{
    if (len > VOS_CONSOLE_CHUNK)
        len = VOS_CONSOLE_CHUNK;
    if (!c.chan.cap)
        return vos_mem_read(VOS_ANY(c.dev), buf, len, 0, got);
    char req[5] = { VOS_CONSOLE_READ };
    uint32_t max = (uint32_t)len;
    memcpy(req + 1, &max, sizeof(max));
    return console_call(c.chan, req, sizeof(req), buf, len, got);
}

/* vos_cprintf: one console write per call; a line longer than the stack
 * buffer is formatted again into the heap. */
int vos_vcprintf(vos_console_t c, const char *fmt, va_list ap)
{
    char buf[256], *p = buf;
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap), len = n;
    if (n >= (int)sizeof(buf)) {
        if ((p = malloc((size_t)n + 1)))
            vsnprintf(p, (size_t)n + 1, fmt, again);
        else
            p = buf, len = (int)sizeof(buf) - 1; /* no memory: what fitted */
    }
    va_end(again);
    if (len > 0)
        vos_console_write(c, p, (uint64_t)len);
    if (p != buf)
        free(p);
    return n;
}

int vos_cprintf(vos_console_t c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vos_vcprintf(c, fmt, ap);
    va_end(ap);
    return n;
}
