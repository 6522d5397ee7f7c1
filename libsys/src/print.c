/* print.c — formatted output straight to a console device capability, and
 * the vos_snprintf names (the kernel's formatter has them too) on newlib. */
#include <stdio.h>
#include <vos/libsys.h>
#include <vos/syscalls.h>
#include <vos/vos.h>

void vos_puts(vos_cap_t cap, const char *s)
{
    vos_sys_write(cap, s, strlen(s), 0);
}

/* A console on a device capability: vos_vcprintf does the rest. */
int vos_printf(vos_cap_t cap, const char *fmt, ...)
{
    vos_console_t con = { .dev = { cap } };
    va_list ap;
    va_start(ap, fmt);
    int n = vos_vcprintf(con, fmt, ap);
    va_end(ap);
    return n;
}

int vos_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) { return vsnprintf(buf, size, fmt, ap); }

int vos_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
