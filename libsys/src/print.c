/* print.c — formatted output to a console capability through SYS_WRITE. */
#include <vos/format.h>
#include <vos/libsys.h>
#include <vos/syscalls.h>

void vos_puts(vos_cap_t cap, const char *s)
{
    vos_sys_write(cap, s, strlen(s), 0);
}

/* Output in chunks, so long text needs no long buffer. */
struct console {
    vos_cap_t cap;
    char buf[128];
    size_t len;
};

static void console_put(void *ctx, char c)
{
    struct console *con = ctx;
    con->buf[con->len++] = c;
    if (con->len == sizeof(con->buf)) {
        vos_sys_write(con->cap, con->buf, con->len, 0);
        con->len = 0;
    }
}

int vos_printf(vos_cap_t cap, const char *fmt, ...)
{
    struct console con = { .cap = cap };
    va_list ap;
    va_start(ap, fmt);
    size_t n = vos_format(console_put, &con, fmt, ap);
    va_end(ap);
    if (con.len)
        vos_sys_write(cap, con.buf, con.len, 0);
    return (int)n;
}
