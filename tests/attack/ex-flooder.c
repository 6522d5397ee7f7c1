/*
 * ex-flooder: the exhaustion suite's flooder.  `ex-flooder KIND` makes one
 * kind of kernel resource until the kernel refuses, calling the suite
 * every few steps (struct ex_tick) so it can check that other processes
 * are still served while everything made so far is held; the last tick
 * carries the refusal.  Then it exits, and the suite checks that every
 * frame came back.
 *
 * Capabilities: [0] its endpoint (READ|DERIVE; the first message on it
 * brings a capability to its own process, to own channels), [1] a channel
 * to the suite's tick endpoint, [2] the boot files (READ).
 */
#include <vos/vos.h>

#include "attack.h"

#define P VOS_PAGE_SIZE
#define INF VOS_TIMEOUT_INFINITE
#define THREAD_STACK 256                /* each thread's slice of a stack area */
#define STACK_AREA (64ull << 10)        /* populated (a thread must not fault for want of memory), one after another */

#if defined(__x86_64__)
#define THREAD_ENTRY __attribute__((force_align_arg_pointer, noreturn))
#else
#define THREAD_ENTRY __attribute__((noreturn))
#endif

static vos_ep_t ep;
static vos_chan_t tick_ch;
static vos_any_t self;
static struct vos_bootfs fs;
static const void *elf;
static uint64_t elf_size;
static uint64_t note;
static _Alignas(64) uint8_t msg[VOS_IPC_MAX_MESSAGE];

static void tick(uint64_t step, int64_t error, uint64_t done)
{
    struct ex_tick t = { step, error, done, note };
    uint64_t ack = 0, len = 0;
    if (vos_call(tick_ch, &t, sizeof(t), &ack, sizeof(ack), INF, (vos_any_t){ 0 }, &len, NULL))
        vos_sys_exit(40); /* the suite is gone */
}

/* ---- one step of each flood: 0, or the refusal ---- */

static int64_t one_process(void)
{
    static const char *const argv[] = { "ex-peer", "idle" };
    int64_t pid = vos_sys_process_create(elf, elf_size, argv, 2, NULL, 0);
    return pid < 0 ? pid : 0; /* never started: the kernel must reclaim it when we exit */
}

static THREAD_ENTRY void exit_at_once(uint64_t arg)
{
    (void)arg;
    vos_sys_thread_exit(0); /* dead, never joined: the thread is kept for its exit code */
    for (;;)
        ;
}

static THREAD_ENTRY void sleep_long(uint64_t arg)
{
    (void)arg;
    struct vos_timespec t = { 1000000, 0 };
    vos_sys_nanosleep(&t);
    vos_sys_thread_exit(0);
    for (;;)
        ;
}

static int64_t one_thread(void (*entry)(uint64_t))
{
    static uint64_t area, used = STACK_AREA;
    if (used == STACK_AREA) {
        int64_t a = vos_sys_mmap(0, STACK_AREA, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE, 0, 0);
        if (a < 0)
            return a;
        area = (uint64_t)a, used = 0;
    }
    int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)entry, area + used, THREAD_STACK, 0);
    used += THREAD_STACK;
    return tid < 0 ? tid : 0;
}

static int64_t one_capability(void)
{
    int64_t c = vos_sys_capability_derive(ep.cap, VOS_RIGHT_READ);
    return c < 0 ? c : 0;
}

static int64_t one_endpoint(void)
{
    vos_ep_t e;
    return vos_endpoint_create(&e);
}

/* A full page queued on our own endpoint; a new endpoint when one is full. */
static int64_t one_message(void)
{
    static vos_ep_t q;
    static vos_chan_t ch;
    static uint64_t queued;
    int64_t st;
    if (!q.cap) {
        if ((st = vos_endpoint_create(&q)) || (st = vos_channel_create(q, q, self, VOS_RIGHT_WRITE, &ch)))
            return st;
        queued = 0;
    }
    st = vos_send(ch, msg, sizeof(msg), (vos_any_t){ 0 });
    if (st == -(int64_t)VOS_ERR_RESOURCE_EXHAUSTED && queued) {
        note = note ? note : queued; /* the per-endpoint bound, seen once */
        q.cap = 0;
        return one_message();
    }
    queued += !st;
    return st;
}

static int64_t one_region(void)
{
    int64_t a = vos_sys_mmap(0, P, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE, 0, 0);
    return a < 0 ? a : 0;
}

/* Defect 2's pattern: at the quota, one populated page mapped and unmapped in slot after slot. */
static int64_t one_page_table_slot(uint64_t step)
{
    uint64_t va = EX_SLOT_BASE + step * (2ull << 20);
    int64_t a = vos_sys_mmap(va, P, VOS_PROT_READ | VOS_PROT_WRITE,
                             VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_FIXED | VOS_MAP_POPULATE, 0, 0);
    if (a < 0)
        return a;
    return vos_sys_munmap(va, P);
}

/* Take every byte of the quota, then give back `room` pages: the flood that follows stays small. */
static void fill_quota(unsigned room)
{
    int64_t a = 0;
    while (vos_sys_mmap(0, 1 << 20, VOS_PROT_READ, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE, 0, 0) > 0)
        ;
    int64_t last = 0;
    while ((a = vos_sys_mmap(0, P, VOS_PROT_READ, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE, 0, 0)) > 0)
        last = a;
    for (unsigned i = 0; i < room && last; i++, last -= P)
        vos_sys_munmap((uint64_t)last, P);
}

static int64_t step_of(const char *kind, uint64_t step)
{
    if (!strcmp(kind, "processes")) return one_process();
    if (!strcmp(kind, "threads")) return one_thread(exit_at_once);
    if (!strcmp(kind, "sleepers")) return one_thread(sleep_long);
    if (!strcmp(kind, "capabilities")) return one_capability();
    if (!strcmp(kind, "endpoints")) return one_endpoint();
    if (!strcmp(kind, "messages")) return one_message();
    if (!strcmp(kind, "regions")) return one_region();
    if (!strcmp(kind, "page_tables")) return step < EX_PAGE_TABLE_SLOTS ? one_page_table_slot(step) : 1;
    return -1000;
}

/* How often to let the suite check on the others: often enough to see each kind at every stage. */
static uint64_t tick_every(const char *kind)
{
    if (!strcmp(kind, "processes")) return 1;
    if (!strcmp(kind, "capabilities")) return 8192;
    return 64;
}

int main(int argc, char **argv)
{
    const struct vos_start_info *si = vos_start_info();
    if (argc < 2)
        return 10;
    const char *kind = argv[1];
    ep = vos_ep_from(vos_start_cap(si, 0));
    tick_ch = vos_chan_from(vos_start_cap(si, 1));
    struct vos_message m;
    if (vos_receive(ep, msg, sizeof(msg), INF, &m) || !m.cap.cap)
        return 11;
    self = m.cap;
    if (vos_bootfs_open(&fs, vos_start_cap(si, 2)->token) || vos_bootfs_find(&fs, "ex-peer", &elf, &elf_size))
        return 12;
    /* Page tables: room for one page and its tables.  The others: a few MiB, so each flood is quick. */
    fill_quota(strcmp(kind, "page_tables") ? EX_ROOM_PAGES : 8);
    tick(0, 0, 0); /* at the quota: the others must still be served */
    uint64_t every = tick_every(kind), step = 0;
    int64_t err;
    while (!(err = step_of(kind, step))) {
        if (++step % every == 0)
            tick(step, 0, 0);
    }
    tick(step, err == 1 ? 0 : err, 1); /* everything is still held */
    return 0;
}
