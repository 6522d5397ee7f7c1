/*
 * probe.c — linked only into the hardware-guard test kernels
 * (kernel-guard-read, -write, -execute: kernel/CMakeLists.txt), never into
 * a normal kernel.  They link with --wrap=kernel_entry_exception, so when
 * their first process (userland/guard) traps with a breakpoint, the kernel,
 * entered from user mode as on any trap, does the one thing it must never
 * do: read, write or execute a user page by its user address instead of
 * through the direct map (usercopy.h).
 *
 * The page is mapped for user code with the permission tested (populated,
 * in the live address space), so only the guard can stop the access:
 * SMAP/SMEP on x86_64, PAN/PXN on aarch64, sstatus.SUM = 0 and the U bit on
 * riscv64 (docs/porting.md, "Hardware guards").  The arch's kernel trap
 * handler then reports panic_user_access(), which is what the boot test
 * guard-<access> expects.  If the access works, the guard is off: this
 * panics with "did not fault" instead, which the test rejects.
 */
#include "process.h"
#include "vspace.h"

#ifndef VOS_GUARD_ACCESS
#error "tests/guard/probe.c belongs only in a kernel-guard-<access> image (VOS_GUARD_ACCESS)"
#endif

_Noreturn void __real_kernel_entry_exception(struct trap_frame *f, unsigned exit_reason, uint64_t detail);
_Noreturn void __wrap_kernel_entry_exception(struct trap_frame *f, unsigned exit_reason, uint64_t detail);

/* Its code is copied into the user page for the execute test: returning at
 * once is what lets the run with the guard off report "did not fault". */
static __attribute__((noinline)) void returns_at_once(void)
{
    __asm__ volatile("" ::: "memory");
}

static const char *access_name(unsigned access)
{
    return access == VOS_PROT_EXEC ? "execute" : access == VOS_PROT_WRITE ? "write" : "read";
}

/* A fresh populated page of p's, mapped for user code with access (and READ). */
static uaddr_t user_page(struct process *p, unsigned access)
{
    struct vspace *vs = &p->vspace;
    unsigned prot = VOS_PROT_READ | access;
    uaddr_t va = vspace_find_free(vs, PAGE_SIZE);
    if (!va || vspace_map(vs, va, PAGE_SIZE, prot, prot, NULL, 0, true) != VOS_OK)
        panic("guard: cannot map a user page to test");
    if (access == VOS_PROT_EXEC &&
        vspace_fill(vs, va, (const void *)(uintptr_t)returns_at_once, 64) != VOS_OK)
        panic("guard: cannot fill the user page");
    if (!vspace_direct(vs, va, access))
        panic("guard: the user page is not present with %s permission", access_name(access));
    return va;
}

static void touch_user_memory(unsigned access)
{
    uaddr_t va = user_page(current->proc, access);
    kprintf("guard: kernel %s of user address %#lx, which must fault\n", access_name(access), (unsigned long)va);
    if (access == VOS_PROT_EXEC)
        ((void (*)(void))(uintptr_t)va)();
    else if (access == VOS_PROT_WRITE)
        *(volatile uint64_t *)(uintptr_t)va = 0x5a5a5a5a5a5a5a5aull;
    else
        (void)*(volatile uint64_t *)(uintptr_t)va;
    panic("guard: kernel %s of user address %#lx did not fault: the hardware guard is off",
          access_name(access), (unsigned long)va);
}

void __wrap_kernel_entry_exception(struct trap_frame *f, unsigned exit_reason, uint64_t detail)
{
    if (exit_reason == VOS_EXIT_BREAKPOINT)
        touch_user_memory(VOS_GUARD_ACCESS);
    __real_kernel_entry_exception(f, exit_reason, detail);
}
