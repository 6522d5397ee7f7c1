/* start.c — from crt0 to main and back out through SYS_EXIT. */
#include <vos/libsys.h>
#include <vos/syscalls.h>

void __vos_start(const struct vos_start_info *si)
{
    vos_sys_exit(main(si));
}

vos_cap_t vos_start_find_cap(const struct vos_start_info *si, uint64_t object_type)
{
    const struct vos_cap_info *caps = (const struct vos_cap_info *)(uintptr_t)si->caps;
    for (uint64_t i = 0; i < si->cap_count; i++)
        if (caps[i].object_type == object_type)
            return caps[i].token;
    return VOS_CAP_NULL;
}
