/*
 * fuzz.c — one random call: its arguments, its invocation, its check.
 *
 * Arguments follow the spec's description of each argument (conf_syscalls):
 * capabilities come from the token pool (valid, of the wrong type, forged
 * with the right slot and a wrong generation, revoked, null, reserved bits
 * set), pointers from the scratch area (aligned, misaligned, crossing into
 * the unmapped page after it) or nowhere (null, unmapped, kernel), lengths
 * from 0 to far past the call's maximum, flags with unknown bits, 32-bit
 * arguments with stray upper bits.  Only what would harm the fuzzer itself
 * is held back (vosfuzz.h): a call that could block forever, exit or start
 * a thread goes to worker.c instead.
 */
#include "vosfuzz.h"

#define TOKEN_SLOT_BITS 20
#define TOKEN_GEN_MASK (((1ull << 32) - 1) << TOKEN_SLOT_BITS)

/* The last calls, in memory the coordinator shares with the worker when it can
 * (fz_ring_attach), so that even a worker the kernel killed leaves them. */
static struct fz_ring local_ring, *ring = &local_ring;

void fz_ring_attach(void *mem)
{
    ring = mem;
    memset(ring, 0, sizeof(*ring));
}

const struct conf_syscall *fz_spec(const struct call *c)
{
    return c->idx >= 0 ? &conf_syscalls[c->idx] : NULL;
}

int fz_find(uint64_t nr)
{
    for (unsigned i = 0; i < CONF_SYSCALLS; i++)
        if (conf_syscalls[i].nr == nr)
            return (int)i;
    return -1;
}

static int named(const struct conf_arg *a, const char *name)
{
    return strcmp(a->name, name) == 0;
}

/* The index of the first argument of c called name, or -1. */
static int arg_named(const struct call *c, const char *name)
{
    const struct conf_syscall *s = fz_spec(c);
    for (unsigned i = 0; s && i < s->nargs; i++)
        if (named(&s->args[i], name))
            return (int)i;
    return -1;
}

int fz_timeout_arg(const struct call *c)
{
    return arg_named(c, "timeout_ns");
}

int fz_cap_arg(const struct call *c)
{
    const struct conf_syscall *s = fz_spec(c);
    for (unsigned i = 0; s && i < s->nargs; i++)
        if (s->args[i].fill == CONF_FILL_CAP && !s->args[i].optional)
            return (int)i;
    return -1;
}

/* ---- the token pool ---- */

/*
 * The worker's threads share the pool, the mapping list and the id lists.
 * Only their updates take this lock (a thread is preempted only by the
 * timer, so it is seldom contended); readers copy a count once and may see
 * a stale entry, which is just another token or address to try.
 */
static volatile int state_lock;

void fz_lock(void)
{
    while (__atomic_exchange_n(&state_lock, 1, __ATOMIC_ACQUIRE))
        vos_sys_yield();
}

void fz_unlock(void)
{
    __atomic_store_n(&state_lock, 0, __ATOMIC_RELEASE);
}

void fz_pool_add(struct fz *f, uint64_t token, uint32_t type, uint64_t id)
{
    if (!token)
        return;
    fz_lock();
    unsigned i = f->npool < FZ_POOL ? f->npool++ : f->nfixed + (unsigned)(token * 0x9e3779b97f4a7c15ull >> 40) % (FZ_POOL - f->nfixed);
    f->pool[i] = (struct tok){ token, id, type };
    fz_unlock();
}

static void pool_kill(struct fz *f, uint64_t token)
{
    fz_lock();
    f->revoked[f->nrevoked++ % FZ_REVOKED] = token;
    for (unsigned i = f->nfixed; i < f->npool; i++)
        if (f->pool[i].token == token)
            f->pool[i] = f->pool[--f->npool];
    fz_unlock();
}

static struct tok *pick_tok(struct fz *f, struct rng *r, uint32_t mask)
{
    unsigned n = f->npool, start = (unsigned)below(r, n);
    for (unsigned k = 0; k < n; k++) {
        struct tok *t = &f->pool[(start + k) % n];
        if (mask & (1u << t->type))
            return t;
    }
    return n ? &f->pool[start] : NULL;
}

static uint64_t gen_cap(struct fz *f, struct rng *r, const struct conf_arg *a, struct tok **used)
{
    struct tok *t = pick_tok(f, r, a->object_mask);
    *used = t;
    uint64_t v = t ? t->token : 0, k = below(r, 100);
    if (k < 62)
        return v;
    *used = NULL;
    unsigned n = f->npool;
    if (k < 72)
        return n ? f->pool[below(r, n)].token : 0;                  /* any type */
    if (k < 82)                                                     /* right slot, wrong generation */
        return (v & ~TOKEN_GEN_MASK) | (((v & TOKEN_GEN_MASK) + ((below(r, 3) + 1) << TOKEN_SLOT_BITS)) & TOKEN_GEN_MASK);
    if (k < 90)
        return f->nrevoked ? f->revoked[below(r, MIN(f->nrevoked, FZ_REVOKED))] : 0;
    if (k < 94)
        return 0;
    if (k < 97)
        return v | (1ull << (52 + below(r, 12)));                   /* reserved bits */
    return rnd(r);
}

/* ---- addresses and lengths ---- */

static uint64_t kernel_addr(struct rng *r)
{
    static const uint64_t bases[] = { 0xffffffc000000000ull, 0xffff000000000000ull, 0xffffffff80000000ull,
                                      0xffff800000000000ull, 0x0000800000000000ull, 0x8000000000000000ull };
    return bases[below(r, ARRAY_LEN(bases))] + below(r, 64) * VOS_PAGE_SIZE;
}

/* A pointer for a buffer of n bytes the kernel may read or write. */
static uint64_t gen_ptr(struct fz *f, struct rng *r, uint64_t n, unsigned align)
{
    uint64_t base = (uint64_t)(uintptr_t)f->scratch, k = below(r, 100);
    if (k < 60) {
        uint64_t room = n < FZ_SCRATCH ? FZ_SCRATCH - n : 0;
        return base + (below(r, room + 1) & ~(uint64_t)(align - 1));
    }
    if (k < 68)
        return base + 1 + below(r, 7);                              /* misaligned */
    if (k < 76)
        return base + FZ_SCRATCH - 1 - below(r, 64);                /* runs into the inaccessible page */
    if (k < 81)
        return 0;
    if (k < 88)
        return kernel_addr(r);
    if (k < 94)
        return f->arena_hi + below(r, 16) * VOS_PAGE_SIZE;          /* unmapped (or the fuzz's) */
    unsigned maps = f->nmaps, i = (unsigned)below(r, maps);
    if (k < 97 && maps && f->maps[i].len >= n)                      /* never past it: it may be next to ours */
        return f->maps[i].addr;                                     /* maybe read-only, maybe gone */
    return rnd(r) | (1ull << 63);
}

static uint64_t gen_len(struct rng *r, const struct conf_arg *a)
{
    uint64_t k = below(r, 100), fit = FZ_SCRATCH / a->elem_size;
    if (k < 55)
        return below(r, MIN(a->max, MIN(fit, 300)) + 1);
    if (k < 65)
        return 0;
    if (k < 72)
        return MIN(a->max, fit);
    if (k < 78)
        return a->max;
    if (k < 84)
        return a->max + 1;
    if (k < 90)
        return (uint64_t)1 << (32 + below(r, 32));
    if (k < 95)
        return ~0ull - below(r, 8);
    return rnd(r);
}

static uint64_t gen_timeout(struct rng *r)
{
    uint64_t k = below(r, 100);
    if (k < 40)
        return 0;
    if (k < 60)
        return below(r, 1000);
    if (k < 97)
        return 10000 + below(r, 1000000);
    return VOS_TIMEOUT_INFINITE; /* worker.c runs it on a disposable thread, or makes it 0 */
}

/* 32-bit values, sometimes with stray upper bits. */
static uint64_t with_junk(struct rng *r, uint64_t v)
{
    return chance(r, 8) ? v ^ (1ull << (32 + below(r, 32))) : v;
}

static uint64_t gen_flags(struct rng *r, uint64_t mask)
{
    uint64_t v = rnd(r) & mask;
    if (chance(r, 10))
        v |= 1ull << below(r, 32);
    return with_junk(r, v);
}

/* A page range for munmap/mprotect: never outside the arena or the fuzz's own mappings. */
static void gen_range(struct fz *f, struct rng *r, uint64_t *addr, uint64_t *len)
{
    uint64_t k = below(r, 100), pages;
    unsigned n = f->nmaps;
    if (k < 45 && n) {
        unsigned i = (unsigned)below(r, n);
        pages = f->maps[i].len / VOS_PAGE_SIZE;
        uint64_t skip = below(r, pages);
        *addr = f->maps[i].addr + skip * VOS_PAGE_SIZE;
        *len = (below(r, pages - skip) + 1) * VOS_PAGE_SIZE - (chance(r, 20) ? below(r, VOS_PAGE_SIZE) : 0);
    } else if (k < 75) {
        pages = (f->arena_hi - f->arena_lo) / VOS_PAGE_SIZE;
        uint64_t at = below(r, pages);
        *addr = f->arena_lo + at * VOS_PAGE_SIZE;
        *len = (below(r, MIN(pages - at, 64)) + 1) * VOS_PAGE_SIZE;
    } else {
        uint64_t bad[] = { 0, f->arena_lo + 1 + below(r, VOS_PAGE_SIZE - 1), kernel_addr(r), rnd(r) | (1ull << 63) };
        *addr = bad[below(r, ARRAY_LEN(bad))];
        uint64_t lens[] = { 0, VOS_PAGE_SIZE, ~0ull, (uint64_t)1 << (47 + below(r, 17)), rnd(r) | (1ull << 47) };
        *len = lens[below(r, ARRAY_LEN(lens))];
    }
}

static uint64_t gen_hint(struct fz *f, struct rng *r)
{
    uint64_t k = below(r, 100), pages = (f->arena_hi - f->arena_lo) / VOS_PAGE_SIZE;
    if (k < 40)
        return 0;
    if (k < 75)
        return f->arena_lo + below(r, pages) * VOS_PAGE_SIZE;
    unsigned n = f->nmaps;
    if (k < 85 && n)
        return f->maps[below(r, n)].addr;
    if (k < 92)
        return f->arena_lo + below(r, pages * VOS_PAGE_SIZE);       /* misaligned */
    return chance(r, 50) ? kernel_addr(r) : rnd(r);
}

static uint64_t gen_map_len(struct rng *r)
{
    uint64_t k = below(r, 100);
    if (k < 70)
        return (below(r, 16) + 1) * VOS_PAGE_SIZE;
    if (k < 80)
        return 1 + below(r, 3 * VOS_PAGE_SIZE);
    if (k < 85)
        return 0;
    if (k < 92)
        return (uint64_t)(below(r, 64) + 1) << 20;                  /* up to 64 MiB: past the quota */
    return chance(r, 50) ? ~0ull - below(r, VOS_PAGE_SIZE) : rnd(r);
}

static uint64_t pick_id(struct rng *r, const uint64_t *ids, unsigned n, uint64_t own)
{
    uint64_t k = below(r, 100);
    if (k < 70 && n)
        return ids[below(r, n)];
    if (k < 80)
        return own;
    if (k < 90)
        return below(r, 4);
    return rnd(r) | (1ull << 40);
}

/* ---- hostile ELF images ---- */

/* A copy of a real ELF with a few header words broken; returns its length. */
static uint64_t hostile_elf(struct fz *f, struct rng *r)
{
    memcpy(f->elfbuf, f->elf, f->elf_len);
    uint64_t len = f->elf_len, head = MIN(len, 512);
    unsigned n = (unsigned)below(r, 4);
    for (unsigned i = 0; i < n; i++) {
        uint64_t at = below(r, head), k = below(r, 4);
        if (k == 0)
            f->elfbuf[at] = (uint8_t)rnd(r);
        else if (k == 1)
            f->elfbuf[at] ^= (uint8_t)(1u << below(r, 8));
        else if (at + 8 <= head) {
            uint64_t vals[] = { 0, ~0ull, 0x7fffffff, len, len + 1, 1ull << 63, rnd(r), 0x1000 };
            uint64_t v = vals[below(r, ARRAY_LEN(vals))];
            memcpy(&f->elfbuf[at & ~7ull], &v, k == 2 ? 8 : 4);
        }
    }
    if (chance(r, 10))
        len = below(r, len + 1);                                    /* truncated */
    return len;
}

/* argv and capability arrays for SYS_PROCESS_CREATE, in the scratch area. */
static void process_create_args(struct fz *f, struct rng *r, struct call *c)
{
    uint64_t *argv = (uint64_t *)(void *)(f->scratch + 1024), *caps = argv + 64;
    char *strings = (char *)(caps + 64);
    memcpy(strings, "hostile\0-x\0", 11);
    unsigned n = f->npool;
    for (unsigned i = 0; i < 64; i++) {
        argv[i] = chance(r, 90) ? (uint64_t)(uintptr_t)(strings + (i & 1) * 8) : gen_ptr(f, r, 1, 1);
        caps[i] = n && chance(r, 90) ? f->pool[below(r, n)].token : rnd(r);
    }
    if (chance(r, 70)) {
        c->a[0] = (uint64_t)(uintptr_t)f->elfbuf;
        c->a[1] = hostile_elf(f, r);
    }
    if (chance(r, 60)) {
        c->a[2] = (uint64_t)(uintptr_t)argv;
        c->a[3] = below(r, 4);
    }
    if (chance(r, 60)) {
        c->a[4] = (uint64_t)(uintptr_t)caps;
        c->a[5] = below(r, 4);
    }
}

/* SYS_NANOSLEEP's Timespec: short, or malformed (the kernel must refuse it, not sleep for ages).
 * It is always one we wrote, in the call itself (the scratch area is written by
 * other threads' calls), or at an address that cannot be read. */
static void sleep_arg(struct fz *f, struct rng *r, struct call *c)
{
    int64_t *ts = c->duration;
    ts[0] = 0;
    ts[1] = (int64_t)below(r, 200000);
    uint64_t k = below(r, 8); /* tv_sec is unsigned: a "negative" one is a long sleep, not an error */
    if (k == 1)
        ts[1] = 1000000000 + (int64_t)below(r, 1u << 30);
    else if (k == 2)
        ts[1] = -1;
    /* Not arena_hi: a random mapping may lie there, full of words that are long, valid sleeps. */
    uint64_t bad[] = { 0, (uint64_t)(uintptr_t)ts + 1 + below(r, 7), kernel_addr(r),
                       (uint64_t)(uintptr_t)f->scratch + FZ_SCRATCH - 8 };
    c->a[0] = chance(r, 75) ? (uint64_t)(uintptr_t)ts : bad[below(r, ARRAY_LEN(bad))];
}

/* ---- one call ---- */

static uint64_t gen_scalar(struct fz *f, struct rng *r, const struct call *c, const struct conf_arg *a)
{
    if (named(a, "timeout_ns"))
        return gen_timeout(r);
    if (named(a, "length") && c->nr == VOS_SYS_MMAP)
        return gen_map_len(r);
    if (named(a, "addr"))
        return gen_hint(f, r);
    if (named(a, "prot"))
        return gen_flags(r, VOS_PROT_MASK);
    if (named(a, "flags"))
        return gen_flags(r, VOS_MAP_MASK);
    if (named(a, "rights") || named(a, "new_rights") || named(a, "required_rights"))
        return gen_flags(r, VOS_RIGHT_MASK);
    if (named(a, "offset"))
        return chance(r, 60) ? 0 : chance(r, 60) ? below(r, 4) * VOS_PAGE_SIZE : rnd(r) >> below(r, 64);
    if (named(a, "process_id"))                                      /* never start a hostile child */
        return c->nr == VOS_SYS_PROCESS_START || chance(r, 50) ? pick_id(r, f->pids, f->npids, f->own_pid)
                                                               : pick_id(r, f->hostile, f->nhostile, f->own_pid);
    if (named(a, "thread_id"))
        return pick_id(r, f->tids, f->ntids, f->main_tid);
    if (named(a, "exit_code"))
        return with_junk(r, (uint64_t)(int64_t)(int32_t)rnd(r));
    if (named(a, "length"))                                          /* a register message */
        return with_junk(r, below(r, 100) < 90 ? below(r, VOS_IPC_REGISTER_MESSAGE + 1) : rnd(r));
    if (a->fill == CONF_FILL_VALUE)
        return with_junk(r, chance(r, 85) ? below(r, 10) : rnd(r));
    if (named(a, "object_id"))
        return chance(r, 50) ? (below(r, 8) + 1) * VOS_PAGE_SIZE : below(r, 64);
    return chance(r, 50) ? below(r, 64) : rnd(r) >> below(r, 64);
}

/* Fill c's arguments for conf_syscalls[c->idx]. */
static void gen_args(struct fz *f, struct rng *r, struct call *c)
{
    const struct conf_syscall *s = fz_spec(c);
    struct tok *used[CONF_MAX_ARGS] = { 0 };
    unsigned set = 0;
    for (unsigned i = 0; i < s->nargs; i++) {                       /* capabilities first: ids follow them */
        const struct conf_arg *a = &s->args[i];
        if (a->fill == CONF_FILL_CAP) {
            c->a[i] = a->optional && chance(r, 40) ? 0 : gen_cap(f, r, a, &used[i]);
            set |= 1u << i;
        } else if (a->fill == CONF_FILL_BUFFER) {
            uint64_t n = a->length_arg >= 0 ? gen_len(r, a) : 1;
            c->a[i] = gen_ptr(f, r, n * a->elem_size, a->align);
            set |= 1u << i;
            if (a->length_arg >= 0) {
                c->a[a->length_arg] = n;
                set |= 1u << a->length_arg;
            }
        }
    }
    for (unsigned i = 0; i < s->nargs; i++) {
        const struct conf_arg *a = &s->args[i];
        if (set & (1u << i))
            continue;
        if (a->fill == CONF_FILL_OBJECT_ID) {
            struct tok *t = used[a->value];
            c->a[i] = t && chance(r, 85) ? t->id : below(r, 64);
        } else if (a->fill == CONF_FILL_FLAGS)
            c->a[i] = gen_flags(r, a->value);
        else
            c->a[i] = gen_scalar(f, r, c, a);
    }
    if (c->nr == VOS_SYS_MUNMAP || c->nr == VOS_SYS_MPROTECT)
        gen_range(f, r, &c->a[0], &c->a[1]);
    else if (c->nr == VOS_SYS_PROCESS_CREATE)
        process_create_args(f, r, c);
    else if (c->nr == VOS_SYS_NANOSLEEP)
        sleep_arg(f, r, c);
}

void fz_gen(struct fz *f, struct rng *r, struct call *c)
{
    memset(c, 0, sizeof(*c));
    uint64_t k = below(r, 100);
    if (k >= 4) {
        c->idx = (int)below(r, CONF_SYSCALLS);
        c->nr = conf_syscalls[c->idx].nr;
        gen_args(f, r, c);
        return;
    }
    /* A number the spec does not define: a hole, past the table, or a defined one with high bits. */
    uint64_t nrs[] = { below(r, VOS_SYSCALL_TABLE_SIZE + 8), rnd(r),
                       conf_syscalls[below(r, CONF_SYSCALLS)].nr | (1ull << (32 + below(r, 32))), ~0ull };
    c->nr = nrs[below(r, ARRAY_LEN(nrs))];
    c->idx = fz_find(c->nr);
    if (c->idx >= 0)
        gen_args(f, r, c);
    else
        for (unsigned i = 0; i < CONF_MAX_ARGS; i++)
            c->a[i] = rnd(r) >> below(r, 64);
}

/* ---- invoking and checking ---- */

static unsigned arg_registers(void)
{
    unsigned n = 0;
    while (conf_regs_args[n])
        n++;
    return n;
}

int64_t fz_invoke(const struct call *c, uint64_t *ret)
{
    const struct conf_syscall *s = fz_spec(c);
    ret[0] = ret[1] = ret[2] = ret[3] = 0;
    if (s && s->message)
        return conf_invoke((unsigned)c->idx, c->a, ret); /* the stub keeps the message registers straight */
    uint64_t w[CONF_MAX_ARGS], spill[CONF_MAX_ARGS];
    memcpy(w, c->a, sizeof(w));
    unsigned n = arg_registers();
    if (s && s->nargs > n) {                                        /* the overflow rule, mostly honoured */
        for (unsigned i = n - 1; i < s->nargs; i++)
            spill[i - (n - 1)] = c->a[i];
        /* else an address that cannot be read (not a random one: the words
         * there could be a timeout that blocks for ever) */
        w[n - 1] = (c->a[0] & 7) != 7 ? (uint64_t)(uintptr_t)spill : c->a[1] | (1ull << 63);
    }
    return vos_syscall_raw(c->nr, w, ret);
}

int fz_allowed(const struct call *c, int64_t w)
{
    const struct conf_syscall *s = fz_spec(c);
    if (w >= 0)
        return 1;
    if (!s)
        return w == -VOS_ERR_INVALID_SYSCALL;
    for (unsigned i = 0; i < s->nerrors; i++)
        if (w == -s->errors[i])
            return 1;
    return 0;
}

struct fz_ring_entry *fz_record(struct fz *f, unsigned who, const struct call *c)
{
    struct fz_ring_entry *e = &ring->e[ring->next++ % FZ_RING];
    e->seq = f->done;
    e->who = who;
    e->pending = 1;
    e->nr = c->nr;
    memcpy(e->a, c->a, sizeof(e->a));
    return e;
}

void fz_record_end(struct fz_ring_entry *e, int64_t w)
{
    e->w = w;
    e->pending = 0;
}

static const char *name_of(uint64_t nr)
{
    int i = fz_find(nr);
    return i >= 0 ? conf_syscalls[i].name : "?";
}

void fz_ring_print(vos_cap_t console, const struct fz_ring *rg)
{
    vos_printf(console, "vosfuzz: the last calls (t0: the main loop, t1: the racer, tN: the disposable thread N):\n");
    for (uint64_t i = rg->next > FZ_RING ? rg->next - FZ_RING : 0; i < rg->next; i++) {
        const struct fz_ring_entry *e = &rg->e[i % FZ_RING];
        char w[24];
        vos_snprintf(w, sizeof(w), e->pending ? "(no return)" : "%#lx", (unsigned long)e->w);
        vos_printf(console, "vosfuzz:   #%lu t%u %s(%lu)(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = %s\n",
                   (unsigned long)e->seq, e->who, name_of(e->nr), (unsigned long)e->nr, (unsigned long)e->a[0],
                   (unsigned long)e->a[1], (unsigned long)e->a[2], (unsigned long)e->a[3], (unsigned long)e->a[4],
                   (unsigned long)e->a[5], (unsigned long)e->a[6], (unsigned long)e->a[7], w);
    }
}

_Noreturn void fz_fail(struct fz *f, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vos_vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    vos_printf(f->console, "vosfuzz: FAIL: %s (seed %lu, after %lu calls): %s\n", f->role, (unsigned long)f->seed,
               (unsigned long)f->done, msg);
    if (ring->next)
        fz_ring_print(f->console, ring);
    vos_printf(f->console, "vosfuzz: reproduce: the same kernel replays seed %lu exactly under -icount\n",
               (unsigned long)f->seed);
    vos_sys_exit(1);
}

/* Learn from a successful call: new tokens, mappings, dead tokens. */
void fz_harvest(struct fz *f, const struct call *c, int64_t w, const uint64_t *ret)
{
    if (w < 0)
        return;
    const struct tok *parent = NULL;
    for (unsigned i = 0, n = f->npool; i < n; i++)
        if (f->pool[i].token == c->a[0])
            parent = &f->pool[i];
    switch (c->nr) {
    case VOS_SYS_IPC_ENDPOINT_CREATE: fz_pool_add(f, ret[1], VOS_OBJ_ENDPOINT, (uint64_t)w); break;
    case VOS_SYS_IPC_CHANNEL_CREATE: {
        int64_t cap = vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)w, VOS_RIGHT_ALL, f->self);
        fz_pool_add(f, cap > 0 ? (uint64_t)cap : 0, VOS_OBJ_CHANNEL, (uint64_t)w);
        break;
    }
    case VOS_SYS_CAPABILITY_DERIVE:
        fz_pool_add(f, (uint64_t)w, parent ? parent->type : VOS_OBJ_NONE, parent ? parent->id : 0);
        break;
    case VOS_SYS_CAPABILITY_CREATE: fz_pool_add(f, (uint64_t)w, (uint32_t)c->a[0] & 7, c->a[1]); break;
    case VOS_SYS_CAPABILITY_REVOKE: pool_kill(f, c->a[0]); break;
    case VOS_SYS_IPC_REPLY: pool_kill(f, c->a[0]); break;
    case VOS_SYS_IPC_RECEIVE:
        fz_pool_add(f, ret[2], VOS_OBJ_NONE, 0);
        fz_pool_add(f, ret[3], VOS_OBJ_REPLY, 0);
        break;
    case VOS_SYS_IPC_REPLY_RECEIVE_SHORT: fz_pool_add(f, ret[2], VOS_OBJ_REPLY, 0); break;
    case VOS_SYS_MMAP:
        fz_lock();
        if (f->nmaps < FZ_MAPS)
            f->maps[f->nmaps++] = (typeof(f->maps[0])){ (uint64_t)w, (c->a[1] + VOS_PAGE_SIZE - 1) & ~(VOS_PAGE_SIZE - 1) };
        fz_unlock();
        break;
    case VOS_SYS_PROCESS_CREATE:
        fz_lock();
        if (f->nhostile < FZ_IDS)
            f->hostile[f->nhostile++] = (uint64_t)w;
        fz_unlock();
        break;
    default: break;
    }
}
