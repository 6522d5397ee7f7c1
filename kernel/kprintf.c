/*
 * kprintf.c — formatted console output and panics.  The formatting itself
 * is format.c.
 */
#include "kernel.h"
#include "format.h"

static void console_put(void *ctx, char c)
{
    (void)ctx;
    arch_console_putc(c);
}

void kvprintf(const char *fmt, va_list ap)
{
    vos_format(console_put, NULL, fmt, ap);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

/* The message, f's registers (if any), and off. */
static _Noreturn void vpanic(const struct trap_frame *f, const char *fmt, va_list ap)
{
    kprintf("\n[kernel] PANIC: ");
    kvprintf(fmt, ap);
    kprintf("\n");
    if (f)
        arch_frame_dump(f);
    kprintf("[kernel] powering off, status %d\n", POWEROFF_PANIC);
    arch_poweroff(POWEROFF_PANIC);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vpanic(NULL, fmt, ap);
}

void panic_frame(const struct trap_frame *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vpanic(f, fmt, ap);
}

void panic_user_access(const struct trap_frame *f, uaddr_t addr, unsigned access, const char *guard)
{
    const char *what = access == VOS_PROT_EXEC ? "execute" : access == VOS_PROT_WRITE ? "write" : "read";
    panic_frame(f, "kernel %s of user address %#lx stopped by %s", what, (unsigned long)addr, guard);
}
