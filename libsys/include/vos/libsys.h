/*
 * libsys: the user-space runtime every VeridianOS program links.
 *
 * Start-up: the kernel enters a program at _start (libsys/arch/<arch>/crt0.S)
 * with the first argument register pointing at a struct vos_start_info on
 * the new stack (layout in spec/abi.yaml) and sp 16-byte aligned.  crt0
 * calls __vos_start(), which calls main(si) and passes its return value to
 * SYS_EXIT.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <vos/abi.h>
#include <vos/format.h>

int main(const struct vos_start_info *si);
_Noreturn void __vos_start(const struct vos_start_info *si);

/* First initial capability of the given object type, or VOS_CAP_NULL. */
vos_cap_t vos_start_find_cap(const struct vos_start_info *si, uint64_t object_type);

/* Console output through SYS_WRITE on a capability. */
void vos_puts(vos_cap_t cap, const char *s);
int vos_printf(vos_cap_t cap, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The freestanding C library subset the compiler may call. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
