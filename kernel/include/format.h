/* format.h — the kernel's printf engine (kernel/format.c); user programs have newlib's
 * printf, and libsys gives them vos_snprintf/vos_vsnprintf on it (<vos/libsys.h>). */
#pragma once

#include <stdarg.h>
#include <stddef.h>

typedef void (*vos_format_put_t)(void *ctx, char c);

/* Formats fmt through put, one character at a time; returns the length. */
size_t vos_format(vos_format_put_t put, void *ctx, const char *fmt, va_list ap);

/* snprintf semantics: always NUL-terminates (size > 0), returns the full length. */
int vos_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int vos_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
