/*
 * guard: the first process of the hardware-guard test kernels
 * (tests/guard/probe.c).  It traps into the kernel with a breakpoint after
 * setting whatever user-controlled state could leave a guard off in the
 * kernel if the entry failed to reset it: on x86_64 RFLAGS.AC (SMAP does
 * not apply while AC = 1) and DF; aarch64 and riscv64 user code has no
 * such state (PSTATE.PAN is set by every exception entry, sstatus.SUM is
 * not user-writable).  The kernel, handling that trap, touches a user page
 * and must fault.
 */
#include <vos/libsys.h>
#include <vos/syscalls.h>

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct vos_start_info *si = vos_start_info();
    vos_cap_t console = vos_start_find_cap(si, VOS_OBJ_DEVICE);
    vos_puts(console, "guard: trapping into the kernel\n");
#if defined(__x86_64__)
    __asm__ volatile("pushfq\n\t"
                     "orq $0x40400, (%rsp)\n\t" /* AC, DF */
                     "popfq\n\t"
                     "int3");
#elif defined(__aarch64__)
    __asm__ volatile("brk #0");
#else
    __asm__ volatile("ebreak");
#endif
    vos_puts(console, "guard: still alive, which is a bug\n");
    return 0;
}
