/*
 * hello: a small child program for demos and tests.
 *
 *   hello                    print a greeting and the arguments
 *   hello exit N             exit with code N
 *   hello sleep MS           sleep, then exit 0
 *   hello shm                map the first MEMORY capability shared, write a
 *                            message at offset 0, exit 0
 *   hello caps               exit with the number of capabilities received
 *   hello quota              allocate until the memory quota says no: exit 0 if
 *                            that was ResourceExhausted after some success
 *   hello capquota           derive capabilities from the first one until the
 *                            slot quota says no: exit 0 likewise
 *   hello ro                 write to a page after making it read-only (dies)
 *   hello munmap             touch a page after unmapping it (dies)
 */
#include <vos/libsys.h>
#include <vos/syscalls.h>
#include <vos/vos.h>

static long number(const char *s)
{
    long v = 0, sign = 1;
    if (*s == '-') {
        sign = -1;
        s++;
    }
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return v * sign;
}

int main(int argc, char **argv)
{
    const struct vos_start_info *si = vos_start_info();
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "exit") && argc > 2)
        return (int)number(argv[2]);
    if (!strcmp(mode, "sleep") && argc > 2) {
        struct vos_timespec ts = { 0, (uint64_t)number(argv[2]) * 1000000 };
        return vos_sys_nanosleep(&ts) < 0;
    }
    if (!strcmp(mode, "ro") || !strcmp(mode, "munmap")) {
        int64_t addr = vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE,
                                    VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, VOS_CAP_NULL, 0);
        volatile char *p = (volatile char *)(uintptr_t)addr;
        *p = 1;
        if (mode[0] == 'r')
            vos_sys_mprotect((uint64_t)addr, VOS_PAGE_SIZE, VOS_PROT_READ);
        else
            vos_sys_munmap((uint64_t)addr, VOS_PAGE_SIZE);
        *p = 2; /* the kernel must kill us here */
        return 3;
    }
    if (!strcmp(mode, "quota")) {
        int64_t r;
        unsigned ok = 0;
        while ((r = vos_sys_mmap(0, 1 << 20, VOS_PROT_READ | VOS_PROT_WRITE,
                                 VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE, 0, 0)) > 0)
            ok++;
        return ok > 0 && r == -VOS_ERR_RESOURCE_EXHAUSTED ? 0 : 1;
    }
    if (!strcmp(mode, "capquota")) {
        const struct vos_cap_info *caps = (const struct vos_cap_info *)(uintptr_t)si->caps;
        int64_t r;
        unsigned ok = 0;
        if (!si->cap_count)
            return 2;
        while ((r = vos_sys_capability_derive(caps[0].token, VOS_RIGHT_READ)) > 0)
            ok++;
        return ok > 1000 && r == -VOS_ERR_RESOURCE_EXHAUSTED ? 0 : 1;
    }
    if (!strcmp(mode, "caps"))
        return (int)si->cap_count;
    if (!strcmp(mode, "shm")) {
        vos_cap_t mem = vos_start_find_cap(si, VOS_OBJ_MEMORY);
        int64_t addr = vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, mem, 0);
        if (addr < 0)
            return 2;
        memcpy((void *)(uintptr_t)addr, "child was here", 15);
        return 0;
    }
    /* The console server's channel when started from the shell, or the device. */
    vos_console_t console = vos_console_open(si);
    vos_cprintf(console, "hello from pid %lu with %lu argument(s):", (unsigned long)si->pid, (unsigned long)argc);
    for (int i = 0; i < argc; i++)
        vos_cprintf(console, " %s", argv[i]);
    vos_cprintf(console, "\n");
    return 0;
}
