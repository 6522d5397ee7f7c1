/*
 * init: the first user program (the root task).  For now it proves the
 * whole path works: the start-up information from the kernel, a capability
 * lookup, and real syscalls through the generated stubs.
 */
#include <vos/syscalls.h>
#include <vos/libsys.h>

int main(const struct vos_start_info *si)
{
    vos_cap_t console = vos_start_find_cap(si, VOS_OBJ_DEVICE);
    if (console == VOS_CAP_NULL)
        return 10;
    vos_puts(console, "init: hello from user mode\n");
    vos_printf(console, "init: console capability %#lx, %lu initial capabilities\n",
               (unsigned long)console, (unsigned long)si->cap_count);
    return 0;
}
