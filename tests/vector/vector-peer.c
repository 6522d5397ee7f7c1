/*
 * vector-peer: the vector suite's other processes (tests/vector/vector.c
 * embeds this program and starts copies of it).
 *
 *   vector-peer work FIRST N   caps: a channel (WRITE) to the suite.  N
 *                              worker threads (vwork.h), worker i with id
 *                              and seed FIRST + i, variant (FIRST + i) & 1;
 *                              exits 0 when every one got through
 *   vector-peer die BYTE       fill the vector unit and die owning it (a
 *                              page fault)
 *   vector-peer oom            use up its kernel-memory quota, then its
 *                              first vector instruction, for which the
 *                              kernel has no room for the state: killed
 */
#include <vos/libsys.h>
#include <vos/syscalls.h>

#include "vwork.h"

enum { MAX_WORKERS = 4, STACK = 16384 };
static vos_cap_t channel;
static uint64_t first;
static volatile int failures;

static void worker(uint64_t i)
{
    if (vwork_worker(first + i, first + i, (first + i) & 1, channel))
        failures++;
    vos_sys_thread_exit(0);
}

static uint64_t number(const char *s)
{
    uint64_t n = 0;
    while (*s >= '0' && *s <= '9')
        n = n * 10 + (uint64_t)(*s++ - '0');
    return n;
}

/* Threads that only sleep, to fill the 1 KiB objects' page (threads and vector states share the class). */
static const struct vos_timespec forever = { 1000000, 0 };
static void sleeper(uint64_t arg)
{
    (void)arg;
    for (;;)
        vos_sys_nanosleep(&forever);
}

static int out_of_memory(void)
{
    enum { SLEEPERS = 16, SLEEPER_STACK = 1024 };
    volatile uint8_t stack[16384]; /* this thread's stack, touched now: no page fault later */
    for (unsigned i = 0; i < sizeof(stack); i += 512)
        stack[i] = 1;
    int64_t stacks = vos_sys_mmap(0, SLEEPERS * SLEEPER_STACK, VOS_PROT_READ | VOS_PROT_WRITE,
                                  VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE, 0, 0);
    if (VOS_IS_ERROR((uint64_t)stacks))
        return 30;
    /* Every page of the quota, largest pieces first. */
    for (uint64_t size = 16ull << 20; size >= VOS_PAGE_SIZE; size /= 2)
        while (!VOS_IS_ERROR((uint64_t)vos_sys_mmap(0, size, VOS_PROT_READ, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE,
                                                    0, 0)))
            ;
    /* Then every free slot of the page its threads live in. */
    unsigned n = 0;
    while (n < SLEEPERS && vos_sys_thread_create((uint64_t)(uintptr_t)sleeper, (uint64_t)stacks + n * SLEEPER_STACK,
                                                 SLEEPER_STACK, 0) > 0)
        n++;
    if (n == SLEEPERS)
        return 31; /* the quota never ran out */
    uint64_t vlenb;
    __asm__ volatile("csrr %0, vlenb" : "=r"(vlenb)); /* no room for our vector state: the end */
    return 32;
}

int main(int argc, char **argv)
{
    const struct vos_start_info *si = vos_start_info();
    if (argc == 3 && !strcmp(argv[1], "die"))
        v_fill_and_die(number(argv[2]), 1, VOS_SYS_THREAD_EXIT);
    if (argc == 2 && !strcmp(argv[1], "oom"))
        return out_of_memory();
    if (argc != 4 || strcmp(argv[1], "work") || si->cap_count < 1)
        return 20;
    channel = ((const struct vos_cap_info *)(uintptr_t)si->caps)[0].token;
    first = number(argv[2]);
    uint64_t n = number(argv[3]);
    if (n < 1 || n > MAX_WORKERS)
        return 21;
    int64_t stacks = vos_sys_mmap(0, n * STACK, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    if (VOS_IS_ERROR((uint64_t)stacks))
        return 22;
    int64_t tids[MAX_WORKERS];
    for (uint64_t i = 1; i < n; i++)
        if ((tids[i] = vos_sys_thread_create((uint64_t)(uintptr_t)worker, (uint64_t)stacks + i * STACK, STACK, i)) <= 0)
            return 23;
    if (vwork_worker(first, first, first & 1, channel)) /* worker 0 is this thread */
        failures++;
    for (uint64_t i = 1; i < n; i++) {
        int32_t code;
        if (vos_sys_thread_join((uint64_t)tids[i], VOS_TIMEOUT_INFINITE, &code))
            return 24;
    }
    return failures ? 25 : 0;
}
