/*
 * Programs that break the rules on purpose.  Each is built four times
 * (userland/CMakeLists.txt) and started as the first process of a test
 * kernel, which must kill it, report why, and keep running to power off.
 */
#include <stdint.h>
#include <vos/syscalls.h>
#include <vos/libsys.h>

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct vos_start_info *si = vos_start_info();
    vos_cap_t console = vos_start_find_cap(si, VOS_OBJ_DEVICE);
    vos_puts(console, "fault: about to misbehave\n");
#if defined(FAULT_UNMAPPED)
    (void)*(volatile uint32_t *)0x10;                  /* nothing is mapped there */
#elif defined(FAULT_KERNEL)
    (void)*(volatile uint64_t *)(uintptr_t)0xfffffffffffff000ull; /* kernel half */
#elif defined(FAULT_READONLY)
    *(volatile uint32_t *)(uintptr_t)&main = 0;        /* text is read-execute */
#elif defined(FAULT_ILLEGAL)
#if defined(__x86_64__)
    __asm__ volatile("ud2");
#else
    __asm__ volatile(".word 0");                       /* undefined on riscv64 and aarch64 */
#endif
#endif
    vos_puts(console, "fault: still alive, which is a bug\n");
    return 0;
}
