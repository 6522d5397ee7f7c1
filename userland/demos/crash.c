/*
 * crash: a program that faults on purpose, to show that a fault kills only
 * the faulting process and how the shell reports it.
 *
 *   crash [null]   read address 0            -> page fault
 *   crash kernel   read a kernel address     -> page fault
 *   crash illegal  an undefined instruction  -> illegal instruction
 */
#include <vos/vos.h>

int main(int argc, char **argv)
{
    const struct vos_start_info *si = vos_start_info();
    vos_console_t con = vos_console_open(si);
    const char *how = argc > 1 ? argv[1] : "null";
    vos_cprintf(con, "crash: about to fault (%s)\n", how);
    if (!strcmp(how, "null"))
        return *(volatile int *)(uintptr_t)8; /* not 0 itself: compilers may treat that as a trap */
    if (!strcmp(how, "kernel"))
        return *(volatile int *)(uintptr_t)0xffffffffffff0000ull;
    if (!strcmp(how, "illegal")) {
#if defined(__riscv)
        __asm__ volatile(".word 0");
#elif defined(__aarch64__)
        __asm__ volatile("udf #0");
#else
        __asm__ volatile("ud2");
#endif
    }
    vos_cprintf(con, "crash: unknown kind %s (null, kernel, illegal)\n", how);
    return 2;
}
