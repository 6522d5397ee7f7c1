/*
 * host_fuzz.c — libFuzzer target: syscall sequences decoded from the
 * fuzzer's bytes, run by several threads in several processes of the
 * simulated host machine (arch/host), through the generated stubs, shims
 * and dispatch table and the real kernel core.
 *
 * Per input:
 *   1. P0 gets a builder thread that makes real objects (endpoints, a
 *      channel, a memory region, a mapping, an executable region over the
 *      worker function) and then parks in SYS_IPC_RECEIVE; the harness
 *      hands P1 derived copies of P0's capabilities, so the two share them;
 *   2. programs 0-1 run as P0's threads, 2-3 as P1's; programs 4-7 go to
 *      threads and processes the programs create themselves (an ELF image
 *      whose entry is the worker is ready in each process's memory);
 *   3. the machine runs until nothing can happen within a simulated time
 *      budget; every process made is killed and reaped;
 *   4. memory must be back: free frames (counting those the kmem classes
 *      cache) and kmem bytes in use (less cached region records).
 * Invariants checked on every call: an error is one of the call's spec
 * errors (InvalidSyscall for unknown numbers); the kernel never panics;
 * ASan/UBSan are quiet.  A violation aborts with the call that broke it.
 *
 * The kernel is booted once (libFuzzer runs every input in one process);
 * inputs are independent because each one is torn down completely and
 * step 4 proves it, and reproducible because the machine is deterministic
 * (simulated clock, no preemption but the kernel's own).
 *
 * Input format: a sequence of calls, each
 *   byte  program (0-7) the call belongs to
 *   byte  syscall: index into the spec's table; beyond it, an unknown
 *         number, a poke (8 bytes written into the caller's memory) or a
 *         squeeze (the fuzzer takes all but a few free frames)
 *   per argument: one mode byte (+ 8 bytes for a random word), see arg().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance_cases.h"
#include "cap.h"
#include "harness.h"
#include "ipc.h"
#include "memobj.h"
#include "memory.h"
#include "vspace.h"

#define PROGRAMS 8
#define HARNESS_PROGRAMS 4          /* programs 0-3: P0 and P1's own threads */
#define MAX_CALLS 192
#define SLOTS 6                     /* processes: P0, P1 and up to four children */
#define POOL_WORDS 32               /* recent result words: tokens, ids, addresses */
#define BUF_PAGES 4
#define RUN_BUDGET_NS (5ull * 1000000000ull)
#define DYNAMIC_TAG 0x5eed00ull     /* thread_create's argument: DYNAMIC_TAG | slot */

struct call {
    uint8_t sel;
    uint8_t mode[CONF_MAX_ARGS];
    uint64_t word[CONF_MAX_ARGS];
};

struct program {
    struct call calls[MAX_CALLS];
    unsigned n;
};

/* What one process's threads know: shared by them, as user memory would be. */
struct slot {
    bool used;
    uint64_t pool[POOL_WORDS];
    unsigned npool;
    uint64_t buf;                   /* BUF_PAGES of RW user memory (0: none) */
    uint64_t ro;                    /* one read-only page, or 0 */
    uint64_t elf;                   /* an ELF image whose entry is worker() */
    uint64_t mapped;                /* a region the process mapped itself */
};

static struct program programs[PROGRAMS];
static unsigned next_dynamic;       /* next program for a created thread or process */
static struct slot slots[SLOTS];
static uint64_t msgbuf[PROGRAMS][8]; /* register messages: the stub reads them on the host */
static struct memobj *mem_pool;
static uint64_t unmapped_word;      /* a host global: never a user address */
static const struct conf_syscall *current_call;

static void worker(uint64_t arg);
static void get_memory(struct slot *sl);

static void builder(uint64_t unused);

/* Fuzzed threads start only at worker(); the harness's own (the builder, root's reaper) are trusted. */
static bool entry_ok(uint64_t pc)
{
    return pc == (uint64_t)(uintptr_t)worker || pc == (uint64_t)(uintptr_t)builder || current->proc == hh_root();
}

/* ---- input decoding ---- */

struct reader {
    const uint8_t *p;
    size_t n;
};

static uint8_t byte(struct reader *r)
{
    if (!r->n)
        return 0;
    r->n--;
    return *r->p++;
}

static uint64_t word(struct reader *r)
{
    uint64_t w = 0;
    for (unsigned i = 0; i < 8; i++)
        w |= (uint64_t)byte(r) << (8 * i);
    return w;
}

static void decode(const uint8_t *data, size_t size)
{
    struct reader r = { data, size };
    memset(programs, 0, sizeof(programs));
    while (r.n >= 2) {
        struct program *pg = &programs[byte(&r) % PROGRAMS];
        struct call c = { .sel = byte(&r) };
        unsigned nargs = c.sel < CONF_SYSCALLS ? conf_syscalls[c.sel].nargs : 1;
        for (unsigned i = 0; i < nargs; i++) {
            c.mode[i] = byte(&r);
            if ((c.mode[i] & 7) == 7 || c.sel >= CONF_SYSCALLS)
                c.word[i] = word(&r);
        }
        if (pg->n < MAX_CALLS)
            pg->calls[pg->n++] = c;
    }
}

/* ---- argument values ---- */

static const uint64_t boundaries[] = {
    0, 1, 7, 8, 63, 64, 0xfff, 0x1000, 0x1001, 0x1fffff, 0x200000, 0x7fffffff, 0x80000000, 0xffffffff,
    0x100000000ull, 0x100000, 0x100001, USER_STACK_TOP - 0x1000, USER_STACK_TOP, ARCH_USER_TOP - 0x1000,
    ARCH_USER_TOP, ARCH_USER_TOP + 0x1000, 0x7fffffffffffffffull, 0x8000000000000000ull, 0xffff800000000000ull,
    0xfffffffffffff000ull, UINT64_MAX, UINT64_MAX - 1, VOS_TIMEOUT_INFINITE, 1000000,
};

static uint64_t pool_word(const struct slot *s, unsigned i) { return s->npool ? s->pool[i % s->npool] : 0; }

static void remember(struct slot *s, uint64_t w)
{
    if (!w || VOS_IS_ERROR(w))
        return;
    for (unsigned i = 0; i < s->npool; i++)
        if (s->pool[i] == w)
            return;
    if (s->npool < POOL_WORDS)
        s->pool[s->npool++] = w;
    else
        s->pool[w % POOL_WORDS] = w;
}

static uint64_t buffer(const struct slot *s, unsigned k, unsigned align)
{
    uint64_t base = (k & 1) && s->mapped ? s->mapped : s->buf;
    if (!base)
        return (uint64_t)(uintptr_t)&unmapped_word;
    return base + ALIGN_DOWN((uint64_t)(k >> 1) * 96, align ? align : 1);
}

/* The length argument of a pointer argument: how big the buffer may be. */
static int pointer_of_length(const struct conf_syscall *s, unsigned i)
{
    for (unsigned j = 0; j < s->nargs; j++)
        if (s->args[j].fill == CONF_FILL_BUFFER && s->args[j].length_arg == (int)i)
            return (int)j;
    return -1;
}

static bool register_message(const struct conf_arg *x)
{
    return x->fill == CONF_FILL_BUFFER && x->max == VOS_IPC_REGISTER_MESSAGE && x->align == 8;
}

/*
 * Mode byte m: low 3 bits pick how, the rest (k) is a small parameter.
 *   0-3  what the spec says passes the argument's own check: a capability
 *        from the pool, a buffer in the process's memory, an in-range
 *        length, a valid enum value, a subset of the flags, a pool word
 *   4    near-valid: a pool word with its generation bumped, a bit flipped, +-1
 *   5    a boundary number
 *   6    a pointer that is not quite right: unmapped, read-only, straddling
 *        the end of the buffer, misaligned, kernel
 *   7    a random word
 */
static uint64_t arg(const struct conf_syscall *s, unsigned i, uint8_t m, uint64_t w, struct slot *sl, unsigned prog)
{
    const struct conf_arg *x = &s->args[i];
    unsigned k = m >> 3;
    if (register_message(x)) /* the stub dereferences it on the host */
        return (uint64_t)(uintptr_t)msgbuf[prog];
    switch (m & 7) {
    case 0: case 1: case 2: case 3:
        if (!strcmp(x->name, "entry_point"))
            return (uint64_t)(uintptr_t)worker;
        if (s->nr == VOS_SYS_THREAD_CREATE && !strcmp(x->name, "arg"))
            return DYNAMIC_TAG | (uint64_t)(sl - slots);
        if (s->nr == VOS_SYS_PROCESS_CREATE && !strcmp(x->name, "binary") && sl->elf)
            return sl->elf;
        if (s->nr == VOS_SYS_PROCESS_CREATE && !strcmp(x->name, "binary_len"))
            return k & 1 ? sizeof(struct hh_elf_image) : k;
        switch (x->fill) {
        case CONF_FILL_CAP: return x->optional && !(k & 3) ? 0 : pool_word(sl, k);
        case CONF_FILL_BUFFER: return buffer(sl, k, x->align);
        case CONF_FILL_VALUE: return k & 1 ? x->value : k >> 1;
        case CONF_FILL_FLAGS: return x->value & ((uint64_t)k * 0x9e3779b97f4a7c15ull >> 59);
        case CONF_FILL_OBJECT_ID: return 0; /* object_ids(), once the capabilities are chosen */
        case CONF_FILL_ZERO: {
            int p = pointer_of_length(s, i);
            if (p >= 0) {
                uint64_t max = MIN(s->args[p].max, (uint64_t)BUF_PAGES * PAGE_SIZE / MAX(s->args[p].elem_size, 1u));
                return max ? (uint64_t)k * 37 % (max + 1) : 0;
            }
            return k & 1 ? pool_word(sl, k >> 1) : k >> 1;
        }
        }
        return 0;
    case 4: {
        uint64_t v = pool_word(sl, k);
        switch (k & 3) {
        case 0: return v + (1ull << VOS_CAP_GENERATION_SHIFT);
        case 1: return v ^ (1ull << (k >> 2));
        case 2: return v + 1;
        default: return v - 1;
        }
    }
    case 5: return boundaries[k % ARRAY_SIZE(boundaries)];
    case 6:
        switch (k & 7) {
        case 0: return (uint64_t)(uintptr_t)&unmapped_word;
        case 1: return sl->ro ? sl->ro + (k >> 3) * 8 : 0;
        case 2: return sl->buf ? sl->buf + BUF_PAGES * PAGE_SIZE - (k >> 3) : 0;
        case 3: return buffer(sl, k >> 3, 0) + 1;
        case 4: return ARCH_USER_TOP - (k >> 3);
        case 5: return sl->mapped ? sl->mapped + (k >> 3) * PAGE_SIZE : 0;
        case 6: return sl->elf;
        default: return 0;
        }
    default: return w;
    }
}

/* ---- the user side ---- */

static _Noreturn void violation(const char *what, uint64_t nr, const uint64_t *a, uint64_t w0)
{
    fprintf(stderr, "host_fuzz: %s: syscall %llu (%s) returned %#llx\n  args", what, (unsigned long long)nr,
            current_call ? current_call->name : "unknown", (unsigned long long)w0);
    for (unsigned i = 0; i < CONF_MAX_ARGS; i++)
        fprintf(stderr, " %#llx", (unsigned long long)a[i]);
    fprintf(stderr, "\n");
    abort();
}

/* Word 0 of a call must be a success or one of the errors the spec lists for it. */
static void check_result(const struct conf_syscall *s, uint64_t nr, const uint64_t *a, uint64_t w0)
{
    if (!VOS_IS_ERROR(w0))
        return;
    int64_t e = VOS_ERROR_OF(w0);
    if (!s) {
        if (e != VOS_ERR_INVALID_SYSCALL)
            violation("unknown syscall number: not InvalidSyscall", nr, a, w0);
        return;
    }
    for (unsigned i = 0; i < s->nerrors; i++)
        if (s->errors[i] == e)
            return;
    violation("error not in the call's spec errors", nr, a, w0);
}

static void poke(struct slot *sl, const struct call *c)
{
    uint64_t base = c->mode[0] & 1 ? sl->elf : sl->buf;
    if (!base)
        return;
    uint64_t at = base + (c->mode[0] >> 1) % (PAGE_SIZE / 8) * 8 % sizeof(struct hh_elf_image);
    host_user_write(at, &c->word[0], 8);
}

/*
 * An id argument that must name the object of a capability argument, in
 * "valid" mode: that object's id.  A real program knows it from the
 * result that gave it the capability; the fuzzer asks the kernel.
 */
static void object_ids(const struct conf_syscall *s, const struct call *c, uint64_t *a)
{
    for (unsigned i = 0; i < s->nargs; i++) {
        if (s->args[i].fill != CONF_FILL_OBJECT_ID || (c->mode[i] & 7) > 3)
            continue;
        struct cap *cap = hh_cap(current->proc, a[s->args[i].value]);
        a[i] = cap ? cap->obj->id : pool_word(&slots[0], c->mode[i] >> 3);
    }
}

static void run_call(struct slot *sl, unsigned prog, const struct call *c)
{
    uint64_t a[CONF_MAX_ARGS] = { 0 }, res[8] = { 0 };
    if (c->sel >= CONF_SYSCALLS) {
        if ((c->sel - CONF_SYSCALLS) % 4 == 1) {
            poke(sl, c);
            return;
        }
        if ((c->sel - CONF_SYSCALLS) % 4 == 3) {
            hh_take_frames(c->word[0] % 256); /* memory pressure: OutOfMemory anywhere next */
            return;
        }
        static const uint64_t unknown[] = { 0, 7, 9, 18, 19, 23, 43, 64, 255, 1ull << 32, UINT64_MAX };
        uint64_t nr = unknown[c->mode[0] % ARRAY_SIZE(unknown)];
        current_call = NULL;
        check_result(NULL, nr, a, hh_trap(nr, c->word[0], 0, 0, 0, 0, 0));
        return;
    }
    const struct conf_syscall *s = &conf_syscalls[c->sel];
    for (unsigned i = 0; i < s->nargs; i++)
        a[i] = arg(s, i, c->mode[i], c->word[i], sl, prog);
    object_ids(s, c, a);
    for (unsigned i = 0; i < 8; i++)
        msgbuf[prog][i] = c->word[i % CONF_MAX_ARGS] ^ pool_word(sl, i);
    current_call = s;
    uint64_t w0;
    if (s->noreturn)
        w0 = hh_trap(s->nr, a[0], a[1], a[2], a[3], a[4], a[5]); /* returns only with an error */
    else
        w0 = (uint64_t)conf_invoke(c->sel, a, res);
    check_result(s, s->nr, a, w0);
    if (!VOS_IS_ERROR(w0) && s->nr != VOS_SYS_CLOCK_GET) { /* the time differs from run to run: not an input */
        remember(sl, w0);
        for (unsigned i = 0; i < ARRAY_SIZE(res); i++)
            remember(sl, res[i]);
        if (s->nr == VOS_SYS_MMAP)
            sl->mapped = w0;
    }
}

/* A process made by SYS_PROCESS_CREATE: learn its capabilities, get memory. */
static struct slot *adopt(uint64_t start_info)
{
    struct slot *sl = NULL;
    for (unsigned i = 0; i < SLOTS && !sl; i++)
        if (!slots[i].used)
            sl = &slots[i];
    if (!sl)
        return NULL;
    memset(sl, 0, sizeof(*sl));
    sl->used = true;
    struct vos_start_info si;
    host_user_read(start_info, &si, sizeof(si));
    for (uint64_t i = 0; i < si.cap_count && i < 8; i++) {
        struct vos_cap_info ci;
        host_user_read(si.caps + i * sizeof(ci), &ci, sizeof(ci));
        remember(sl, ci.token);
        remember(sl, ci.object_id);
    }
    get_memory(sl);
    return sl;
}

/*
 * Every thread's entry.  arg: a harness program (0-3), a thread made by
 * thread_create (DYNAMIC_TAG | slot), or a new process's StartInfo.
 */
static void worker(uint64_t arg)
{
    unsigned prog;
    struct slot *sl;
    if (arg < HARNESS_PROGRAMS) {
        prog = (unsigned)arg;
        sl = &slots[prog / 2];
    } else {
        if (next_dynamic >= PROGRAMS)
            return;
        prog = next_dynamic++;
        sl = (arg & ~0xffull) == DYNAMIC_TAG && (arg & 0xff) < SLOTS ? &slots[arg & 0xff] : adopt(arg);
        if (!sl)
            return;
    }
    for (unsigned i = 0; i < programs[prog].n; i++)
        run_call(sl, prog, &programs[prog].calls[i]);
}

/* Memory the kernel maps (a region, so even a blocking receive accepts it) and an ELF image in it. */
static void get_memory(struct slot *sl)
{
    int64_t m = vos_sys_mmap(0, (BUF_PAGES + 1) * PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE,
                             VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    if (VOS_IS_ERROR(m))
        return;
    sl->buf = (uint64_t)m;
    sl->elf = sl->buf + BUF_PAGES * PAGE_SIZE;
    struct hh_elf_image img;
    hh_make_image(&img, worker);
    host_user_write(sl->elf, &img, sizeof(img));
    m = vos_sys_mmap(0, PAGE_SIZE, VOS_PROT_READ, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    sl->ro = VOS_IS_ERROR(m) ? 0 : (uint64_t)m;
}

/* Each harness process's first thread: memory, and in P0 real objects for everyone; then parked for good. */
static void builder(uint64_t slot)
{
    struct slot *sl = &slots[slot];
    struct vos_endpoint_create_result e1, e2, park;
    get_memory(sl);
    if (vos_sys_ipc_endpoint_create(&park))
        abort();
    if (slot == 0) {
        if (vos_sys_ipc_endpoint_create(&e1) || vos_sys_ipc_endpoint_create(&e2))
            abort();
        remember(sl, e1.capability);
        remember(sl, e1.endpoint_id);
        remember(sl, e2.capability);
        remember(sl, e2.endpoint_id);
        int64_t ch = vos_sys_ipc_channel_create(e1.endpoint_id, e2.endpoint_id, e1.capability, e2.capability);
        remember(sl, (uint64_t)ch);
        /* sl->pool: console, memory pool, self, own pid (make_process) */
        remember(sl, (uint64_t)vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)ch, VOS_RIGHT_ALL, sl->pool[2]));
        remember(sl, (uint64_t)vos_sys_capability_create(VOS_OBJ_MEMORY, 2 * PAGE_SIZE, VOS_RIGHT_ALL, sl->pool[1]));
        int64_t m = vos_sys_mmap(0, 2 * PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE,
                                 VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
        if (!VOS_IS_ERROR(m))
            sl->mapped = (uint64_t)m;
    }
    /* Parked until killed; should the programs reach the endpoint (guessed tokens), it just ends. */
    struct vos_ipc_receive_result r;
    while (!vos_sys_ipc_receive(park.endpoint_id, (void *)(uintptr_t)sl->buf, sl->buf ? VOS_IPC_MAX_MESSAGE : 0,
                                VOS_TIMEOUT_INFINITE, park.capability, &r))
        ;
}

/* ---- the harness side ---- */

static struct process *make_process(const char *name, struct slot *sl)
{
    struct process *p = hh_process(name);
    memset(sl, 0, sizeof(*sl));
    sl->used = true;
    remember(sl, hh_grant(p, hh_console(), VOS_RIGHT_ALL));
    remember(sl, hh_grant(p, &mem_pool->obj, VOS_RIGHT_ALL));
    remember(sl, hh_grant(p, &p->obj, VOS_RIGHT_ALL));
    remember(sl, p->obj.id);
    /* What an ELF loader would have made: an executable region over the code, so thread_create accepts it. */
    uaddr_t code = ALIGN_DOWN((uint64_t)(uintptr_t)worker, PAGE_SIZE);
    if (vspace_map(&p->vspace, code, 2 * PAGE_SIZE, VOS_PROT_READ | VOS_PROT_EXEC, VOS_PROT_READ | VOS_PROT_EXEC,
                   NULL, 0, false))
        abort();
    return p;
}

/*
 * Memory the kernel has to give: free frames, plus the table pages of the
 * kernel's cspace for capabilities in flight (set aside for it, handed out
 * as needed, never given back).  Kernel memory is all pages since kmem
 * gives a page back when its last object goes, and a process's kmem pages
 * go with it (kmem_cache_drain checks every object came back).
 */
static uint64_t transit_table_frames(void)
{
    const struct cspace *cs = ipc_transit();
    uint64_t n = 0;
    for (size_t t = 0; t < ARRAY_SIZE(cs->top); t++) {
        if (cs->top[t] == cspace_empty_mid)
            continue;
        n++;
        for (size_t m = 0; m < ARRAY_SIZE(cspace_empty_mid); m++)
            n += cs->top[t][m] != cspace_empty_leaf;
    }
    return n;
}

static uint64_t memory_free(void) { return frame_free_count() + transit_table_frames(); }

/* Every process this input made, in creation order (a child's id is above its parent's). */
static void kill_all(uint64_t first_pid)
{
    for (uint64_t id = first_pid; id < first_pid + 16 + PROGRAMS * MAX_CALLS; id++) {
        struct object *o = object_find(VOS_OBJ_PROCESS, id);
        if (o)
            process_exit(container_of(o, struct process, obj), VOS_EXIT_KILLED, 0);
    }
}

static void run_machine(void)
{
    uint64_t start = host_clock_now();
    for (unsigned i = 0; i < 256; i++) {
        enum host_stop why = host_run_kernel();
        if (why == HOST_STOP_POWEROFF) {
            fprintf(stderr, "host_fuzz: the kernel powered off (status %d):\n%s\n", host_poweroff_status(),
                    host_console_text());
            abort();
        }
        if (why != HOST_STOP_IDLE)
            abort();
        if (host_timer_deadline() == UINT64_MAX || host_timer_deadline() - start > RUN_BUDGET_NS)
            break;
    }
}

static void run_input(const uint8_t *data, size_t size, bool check_memory)
{
    decode(data, size);
    hh_setup(NULL);
    uint64_t before = memory_free();
    memset(slots, 0, sizeof(slots));
    next_dynamic = HARNESS_PROGRAMS;

    struct process *p0 = make_process("fuzz0", &slots[0]), *p1 = make_process("fuzz1", &slots[1]);
    hh_thread(p0, builder, 0);
    hh_thread(p1, builder, 1);
    hh_start(p0);
    hh_start(p1);
    if (hh_run_until_idle() != HOST_STOP_IDLE)
        abort();
    for (unsigned i = 0; i < slots[0].npool; i++) { /* P1 shares P0's objects */
        struct cap *c = hh_cap(p0, slots[0].pool[i]);
        if (c)
            remember(&slots[1], hh_grant_child(p1, c, c->rights));
    }
    for (unsigned prog = 0; prog < HARNESS_PROGRAMS; prog++)
        hh_thread(prog < 2 ? p0 : p1, worker, prog);
    run_machine();
    hh_release_frames();

    kill_all(p0->obj.id);
    hh_finish();
    uint64_t after = memory_free();
    if (check_memory && after != before) {
        fprintf(stderr, "host_fuzz: memory not back after teardown: %llu free frames before, %llu after\n",
                (unsigned long long)before, (unsigned long long)after);
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("CMOCKA_TEST_ABORT", "1", 1); /* a harness assertion outside a cmocka test: crash, not exit */
    host_user_entry_ok = entry_ok;
    host_private_stacks = true; /* the kernel may scribble over any user memory it is handed */
    hh_setup(NULL);
    long err = 0;
    mem_pool = memobj_new_pool(8ull << 20, &err); /* kept for good, like init's pool */
    if (!mem_pool)
        abort();
    /* The first teardown leaves what every later one leaves: root's page tables for the reaper's stack, a reaped reaper. */
    run_input(NULL, 0, false);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run_input(data, size, true);
    return 0;
}
