/*
 * start.c — from crt0 to main(argc, argv) and out through exit().
 *
 * The kernel puts argc, argv (NULL-terminated) and the initial capabilities
 * in the StartInfo; __vos_start records it for vos_start_info(), hands argc
 * and argv to main, and passes main's result to exit(), which runs the
 * atexit handlers, flushes stdio and ends in _exit (oshooks.c: SYS_EXIT).
 * stdin, stdout and stderr need no set-up: the first I/O on them finds the
 * console in the StartInfo (oshooks.c).  environ is newlib's (empty: a
 * VeridianOS process has no environment).
 */
#include <stdlib.h>
#include <string.h>
#include <vos/libsys.h>
#include <vos/syscalls.h>

int main(int argc, char **argv);

static const struct vos_start_info *start_info;

const struct vos_start_info *vos_start_info(void) { return start_info; }

void __vos_start(const struct vos_start_info *si)
{
    start_info = si;
    exit(main((int)si->argc, (char **)(uintptr_t)si->argv));
}

vos_cap_t vos_start_find_cap(const struct vos_start_info *si, uint64_t object_type)
{
    const struct vos_cap_info *caps = (const struct vos_cap_info *)(uintptr_t)si->caps;
    for (uint64_t i = 0; i < si->cap_count; i++)
        if (caps[i].object_type == object_type)
            return caps[i].token;
    return VOS_CAP_NULL;
}

vos_cap_t vos_start_find_pool(const struct vos_start_info *si)
{
    const struct vos_cap_info *caps = (const struct vos_cap_info *)(uintptr_t)si->caps;
    for (uint64_t i = 0; i < si->cap_count; i++)
        if (caps[i].object_type == VOS_OBJ_MEMORY && (caps[i].rights & VOS_RIGHT_WRITE)) {
            struct vos_pool_info info;
            if (vos_sys_read(caps[i].token, &info, sizeof(info), 0) == sizeof(info))
                return caps[i].token;
        }
    return VOS_CAP_NULL;
}

vos_cap_t vos_start_find_bootfs(const struct vos_start_info *si)
{
    const struct vos_cap_info *caps = (const struct vos_cap_info *)(uintptr_t)si->caps;
    for (uint64_t i = 0; i < si->cap_count; i++) {
        char magic[8];
        if (caps[i].object_type == VOS_OBJ_MEMORY &&
            vos_sys_read(caps[i].token, magic, sizeof(magic), 0) == sizeof(magic) && !memcmp(magic, "VOSBOOT", 8))
            return caps[i].token;
    }
    return VOS_CAP_NULL;
}
