/*
 * libsys: the user-space runtime every VeridianOS program links.
 *
 * libsys is the system layer under the C library (newlib, built from Debian's
 * newlib-source into the build tree; docs/userland.md): the start-up code,
 * the raw syscall stubs (<vos/syscalls.h>), the typed wrappers (<vos/vos.h>)
 * and newlib's OS hooks (src/oshooks.c: console, heap, time, exit; files
 * through src/files.c).
 *
 * Start-up: the kernel enters a program at _start (libsys/arch/<arch>/crt0.S)
 * with the first argument register pointing at a struct vos_start_info on
 * the new stack (layout in spec/abi.yaml) and sp 16-byte aligned.  crt0
 * calls __vos_start(), which calls the standard int main(int argc, char **argv)
 * and passes its return value to exit().
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <vos/abi.h>

_Noreturn void __vos_start(const struct vos_start_info *si);
/* The StartInfo the program was started with: argc/argv, initial capabilities, pid. */
const struct vos_start_info *vos_start_info(void);

/* First initial capability of the given object type, or VOS_CAP_NULL. */
vos_cap_t vos_start_find_cap(const struct vos_start_info *si, uint64_t object_type);

/* Console output through SYS_WRITE on a capability. */
void vos_puts(vos_cap_t cap, const char *s);
int vos_printf(vos_cap_t cap, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* snprintf under the names the kernel's formatter has (<vos/format.h>), for code shared with it. */
int vos_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int vos_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- initial capabilities (kernel/main.c gives init these) ---- */
/* The memory pool: the MEMORY capability that may write (reading it gives a PoolInfo). */
vos_cap_t vos_start_find_pool(const struct vos_start_info *si);
/* The boot file system: the MEMORY capability whose contents start with the bootfs magic. */
vos_cap_t vos_start_find_bootfs(const struct vos_start_info *si);

/* ---- boot file system (tools/mkbootfs.py) ---- */
struct vos_bootfs {
    vos_cap_t cap;
    const uint8_t *base; /* the image, mapped read-only and shared */
    uint64_t size;
};
/* Map the boot file system; 0 or a negative error. */
int64_t vos_bootfs_open(struct vos_bootfs *fs, vos_cap_t cap);
/* Find a file: 0 with *data and *size, or -VOS_ERR_NOT_FOUND. */
int64_t vos_bootfs_find(const struct vos_bootfs *fs, const char *name, const void **data, uint64_t *size);
/* The i-th file's name, or NULL past the end. */
const char *vos_bootfs_name(const struct vos_bootfs *fs, uint64_t i);

/*
 * The CPU's instruction/cycle counter, readable in user mode (the kernel
 * allows it on every arch).  Under `qemu -icount shift=0` it counts guest
 * instructions exactly; that is how docs/performance.md is measured.
 */
uint64_t vos_cycles(void);
