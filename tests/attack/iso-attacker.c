/*
 * iso-attacker: the hostile process of the isolation suite.  On each
 * request from the suite it tries one way out of its box and replies with
 * an iso_report: how many attempts, how many were not answered with the
 * documented error, and the first such as text.  It never trusts that an
 * attempt failed harmlessly: what would leak is looked for (queued
 * messages, its own region) after every pointer attack.
 *
 * Capabilities (in the suite's order; each also has GRANT, as everything
 * granted at creation does): [0] its command endpoint (READ), [1] region R
 * (READ|DERIVE: the victim maps it read-write), [2] its own region S (every
 * right), [3] its loop endpoint (READ|WRITE|DERIVE), [4] a channel to the
 * loop endpoint (WRITE), [5] the boot files (READ), [6] a region capability
 * the suite revokes before ISO_ATTACK_REVOKED.
 */
#include <vos/vos.h>

#include "attack.h"
#include "conformance_cases.h"

#define ERR(e) (-(int64_t)(e))
#define P VOS_PAGE_SIZE
#define GUARD_NS (5 * 1000000000ull) /* only bounds a broken kernel's block: never reached when it is right */
#define SLOT(t) ((t) & VOS_CAP_SLOT_MASK)
#define GEN1 (1ull << VOS_CAP_GENERATION_SHIFT)

static vos_ep_t cmd, loop_ep;
static vos_chan_t loop_ch;
static vos_cap_t ro, own_region, bootfs_cap, revocable;
static uint64_t ro_id, own_region_id;
static vos_cap_t own[32];
static unsigned nown;
static vos_cap_t cur_reply; /* the token of the request being handled */
static const void *elf;
static uint64_t elf_size;
static const char *const elf_argv[] = { "iso-victim" };
static struct iso_report rep, last;
static _Alignas(64) uint8_t scratch[2 * P];
static _Alignas(64) uint8_t msg[VOS_IPC_MAX_MESSAGE];

/* ---- bookkeeping ---- */

static void expect_in(int64_t got, int64_t want1, int64_t want2, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void expect_in(int64_t got, int64_t want1, int64_t want2, const char *fmt, ...)
{
    rep.attempts++;
    if (got == want1 || got == want2 || rep.wrong++)
        return;
    char head[160];
    va_list ap;
    va_start(ap, fmt);
    vos_vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);
    char want[40];
    if (want1 < 0)
        vos_snprintf(want, sizeof(want), "%s", vos_status_name(want1));
    else
        vos_snprintf(want, sizeof(want), "%ld", (long)want1);
    vos_snprintf(rep.what, sizeof(rep.what), "%s: got %s (%ld), expected %s", head, got < 0 ? vos_status_name(got) : "success",
                 (long)got, want);
}
#define EXPECT(got, want, ...) expect_in((got), (want), (want), __VA_ARGS__)

static void add_own(vos_cap_t t) { own[nown++] = t; }

static int is_own(vos_cap_t t)
{
    for (unsigned i = 0; i < nown; i++)
        if (own[i] == t)
            return 1;
    return t == cur_reply;
}

static uint64_t max_own_slot(void)
{
    uint64_t m = SLOT(cur_reply);
    for (unsigned i = 0; i < nown; i++)
        m = SLOT(own[i]) > m ? SLOT(own[i]) : m;
    return m;
}

/* The first 16 bytes of a secret anywhere in p[0..n): it leaked. */
static int has_secret(const uint8_t *p, uint64_t n)
{
    for (uint64_t j = 0; j + 16 <= n; j++) {
        unsigned t = 0;
        while (t < 16 && p[j + t] == ISO_SECRET_BYTE(t))
            t++;
        if (t == 16)
            return 1;
    }
    return 0;
}

/* Take every message queued at the loop endpoint; how many there were.  Any holding a secret counts as a leak. */
static unsigned drain(void)
{
    unsigned n = 0;
    struct vos_ipc_receive_result r;
    while (vos_sys_ipc_receive(loop_ep.id, msg, sizeof(msg), 0, loop_ep.cap, &r) == 0) {
        n++;
        EXPECT(has_secret(msg, r.message_len), 0, "a queued message holds the victim's secret");
        if (r.reply_token)
            vos_sys_ipc_reply(r.reply_token, "", 0, 0);
    }
    return n;
}

/* Nothing of the victim's in our region S or our scratch buffer. */
static void no_leak(const char *what)
{
    static uint8_t s[2 * P];
    vos_sys_read(own_region, s, sizeof(s), 0);
    EXPECT(has_secret(s, sizeof(s)) || has_secret(scratch, sizeof(scratch)), 0, "%s: the victim's secret leaked", what);
}

/* ---- every pointer argument of every call (the spec's list, gen/tests/conformance_cases.h) ---- */

static vos_cap_t cap_for(const struct conf_arg *x)
{
    if (x->optional)
        return 0;
    if (x->object_mask & (1u << VOS_OBJ_MEMORY)) return own_region;
    if (x->object_mask & (1u << VOS_OBJ_ENDPOINT)) return loop_ep.cap;
    if (x->object_mask & (1u << VOS_OBJ_CHANNEL)) return loop_ch.cap;
    if (x->object_mask & (1u << VOS_OBJ_REPLY)) return cur_reply;
    return 0;
}

static uint64_t id_of(vos_cap_t c)
{
    return c == loop_ep.cap ? loop_ep.id : c == loop_ch.cap ? loop_ch.id : c == own_region ? own_region_id : 0;
}

/* Every argument valid for the attacker (its own objects), as tests/conformance does it. */
static void fill_valid(const struct conf_syscall *s, uint64_t *a)
{
    for (unsigned i = 0; i < s->nargs; i++) {
        const struct conf_arg *x = &s->args[i];
        switch (x->fill) {
        case CONF_FILL_ZERO: a[i] = strcmp(x->name, "timeout_ns") ? 0 : GUARD_NS; break;
        case CONF_FILL_VALUE:
        case CONF_FILL_FLAGS: a[i] = x->value; break;
        case CONF_FILL_BUFFER: a[i] = (uint64_t)(uintptr_t)scratch; break;
        case CONF_FILL_CAP: a[i] = cap_for(x); break;
        case CONF_FILL_OBJECT_ID: a[i] = 0; break;
        }
    }
    for (unsigned i = 0; i < s->nargs; i++)
        if (s->args[i].fill == CONF_FILL_OBJECT_ID)
            a[i] = id_of(a[s->args[i].value]);
}

static void attack_pointer(uint64_t k)
{
    if (k >= CONF_CASES || conf_cases[k].kind != CONF_PTR_NULL) {
        EXPECT(1, 0, "case %lu is no pointer argument", (unsigned long)k);
        return;
    }
    const struct conf_case *c = &conf_cases[k];
    const struct conf_syscall *s = &conf_syscalls[c->syscall];
    const struct conf_arg *x = &s->args[c->arg];
    uint64_t a[CONF_MAX_ARGS] = { 0 }, res[8] = { 0 };
    fill_valid(s, a);
    a[c->arg] = ISO_SECRET_VA;
    if (x->length_arg >= 0) {
        uint64_t n = P / x->elem_size;
        a[x->length_arg] = n > x->max ? x->max : n; /* a page's worth: all of the secret */
    }
    /* The victim's page is no memory of ours: the kernel must not find it through our page tables. */
    EXPECT(vos_sys_mprotect(ISO_SECRET_VA, P, VOS_PROT_READ), ERR(VOS_ERR_INVALID_ADDRESS),
           "set-up: the victim's page address is mapped in the attacker");
    int receives = !strcmp(s->name, "ipc_receive");
    if (receives) /* a message waits, so the receive goes as far as copying it out */
        EXPECT(vos_sys_ipc_send(loop_ch.id, msg, a[x->length_arg], 0, loop_ch.cap), 0, "set-up: send to ourselves");
    int64_t r = conf_invoke(c->syscall, a, res);
    EXPECT(r, ERR(VOS_ERR_INVALID_ADDRESS), "%s(%s = the victim's page)", s->name, x->name);
    unsigned queued = drain();
    if (!receives)
        EXPECT(queued, 0, "%s(%s = the victim's page) queued a message", s->name, x->name);
    no_leak(s->name);
}

/*
 * A raw trap with every argument register set (the stubs always pass their
 * own array for the arguments that do not fit): returns word 0.
 */
static int64_t raw_trap(uint64_t nr, const uint64_t *w, unsigned nregs)
{
#if defined(__riscv)
    EXPECT(nregs, 8, "set-up: riscv64 has 8 argument registers");
    register uint64_t a0 __asm__("a0") = w[0], a1 __asm__("a1") = w[1], a2 __asm__("a2") = w[2];
    register uint64_t a3 __asm__("a3") = w[3], a4 __asm__("a4") = w[4], a5 __asm__("a5") = w[5];
    register uint64_t a6 __asm__("a6") = w[6], t0 __asm__("t0") = w[7], a7 __asm__("a7") = nr;
    __asm__ volatile("ecall"
                     : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6), "+r"(t0)
                     : "r"(a7)
                     : "t1", "t2", "t3", "t4", "t5", "t6", "memory");
    return (int64_t)a0;
#elif defined(__x86_64__)
    EXPECT(nregs, 6, "set-up: x86_64 has 6 argument registers");
    register uint64_t rax __asm__("rax") = nr, rdi __asm__("rdi") = w[0], rsi __asm__("rsi") = w[1];
    register uint64_t rdx __asm__("rdx") = w[2], r10 __asm__("r10") = w[3], r8 __asm__("r8") = w[4];
    register uint64_t r9 __asm__("r9") = w[5];
    __asm__ volatile("syscall"
                     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    return (int64_t)rax;
#else
    (void)nr, (void)w, (void)nregs;
    EXPECT(1, 0, "no call spills its arguments on this arch");
    return 0;
#endif
}

/* The last argument register of a call that has more arguments than registers: the array of the rest. */
static void attack_spill(uint64_t i)
{
    unsigned nregs = 0;
    while (conf_regs_args[nregs])
        nregs++;
    if (i >= CONF_SYSCALLS || conf_syscalls[i].nargs <= nregs) {
        EXPECT(1, 0, "call %lu does not spill", (unsigned long)i);
        return;
    }
    const struct conf_syscall *s = &conf_syscalls[i];
    uint64_t a[CONF_MAX_ARGS] = { 0 }, w[8] = { 0 };
    fill_valid(s, a);
    for (unsigned r = 0; r + 1 < nregs; r++)
        w[r] = a[r];
    w[nregs - 1] = ISO_SECRET_VA;
    EXPECT(raw_trap(s->nr, w, nregs), ERR(VOS_ERR_INVALID_ADDRESS), "%s(its spilled arguments in the victim's page)",
           s->name);
    EXPECT(drain(), 0, "%s with its arguments in the victim's page queued a message", s->name);
    no_leak(s->name);
}

/* process_create's argument strings are pointers inside a pointer. */
static void attack_argv_string(void)
{
    const char *argv[] = { (const char *)(uintptr_t)ISO_SECRET_VA };
    EXPECT(vos_sys_process_create(elf, elf_size, argv, 1, NULL, 0), ERR(VOS_ERR_INVALID_ADDRESS),
           "process_create(argv[0] = the victim's page)");
    const char *argv2[] = { "iso-victim", (const char *)(uintptr_t)(ISO_SECRET_VA + P - 8) };
    EXPECT(vos_sys_process_create(elf, elf_size, argv2, 2, NULL, 0), ERR(VOS_ERR_INVALID_ADDRESS),
           "process_create(argv[1] = the victim's page)");
}

/* ---- tokens it was never given ---- */

/* Every capability operation on token t must fail with `want`. */
static void all_uses(vos_cap_t t, int64_t want, const char *what)
{
    EXPECT(vos_sys_capability_validate(t, 0), want, "validate(%s %#lx)", what, (unsigned long)t);
    EXPECT(vos_sys_capability_derive(t, VOS_RIGHT_READ), want, "derive(%s %#lx)", what, (unsigned long)t);
    EXPECT(vos_sys_capability_revoke(t), want, "revoke(%s %#lx)", what, (unsigned long)t);
    EXPECT(vos_sys_read(t, scratch, 64, 0), want, "read(%s %#lx)", what, (unsigned long)t);
}

static void all_uses_deep(vos_cap_t t, int64_t want, const char *what)
{
    all_uses(t, want, what);
    EXPECT(vos_sys_write(t, scratch, 64, 0), want, "write(%s)", what);
    EXPECT(vos_sys_mmap(0, P, VOS_PROT_READ, VOS_MAP_SHARED, t, 0), want, "mmap(%s)", what);
    EXPECT(vos_sys_ipc_send(loop_ch.id, "x", 1, 0, t), want, "send(channel_cap = %s)", what);
    EXPECT(vos_sys_ipc_send(loop_ch.id, "x", 1, t, loop_ch.cap), want, "send(capability = %s)", what);
    struct vos_ipc_receive_result rr;
    EXPECT(vos_sys_ipc_receive(loop_ep.id, msg, 64, 0, t, &rr), want, "receive(endpoint_cap = %s)", what);
    EXPECT(vos_sys_ipc_reply(t, "x", 1, 0), want, "reply(%s)", what);
    EXPECT(vos_sys_capability_create(VOS_OBJ_ENDPOINT, loop_ep.id, VOS_RIGHT_READ, t), want, "capability_create(parent = %s)", what);
    EXPECT(vos_sys_process_create(elf, elf_size, elf_argv, 1, &t, 1), want, "process_create(granting %s)", what);
    struct vos_ipc_short_message m = { 0, 0, 0, 0, 0, 0, 0, 0 };
    EXPECT(vos_sys_ipc_call_short(t, 8, &m), want, "call_short(%s)", what);
    EXPECT(drain(), 0, "a message was queued with %s", what);
}

static void attack_guessed_slots(uint64_t top)
{
    EXPECT(top > max_own_slot(), 1, "set-up: the victim's slots are no higher than ours");
    for (uint64_t slot = 1; slot <= top; slot++)
        for (uint64_t gen = 0; gen < 4; gen++) {
            vos_cap_t t = slot | gen << VOS_CAP_GENERATION_SHIFT;
            if (!is_own(t))
                all_uses(t, ERR(VOS_ERR_INVALID_CAPABILITY), "guessed token");
        }
}

static void attack_foreign_tokens(const uint64_t *tokens, uint64_t n)
{
    EXPECT(n > 0 && n <= 7, 1, "set-up: no victim tokens");
    for (uint64_t i = 0; i < n && i < 7; i++) {
        EXPECT(SLOT(tokens[i]) > max_own_slot(), 1, "set-up: a victim token's slot is one of ours");
        all_uses_deep(tokens[i], ERR(VOS_ERR_INVALID_CAPABILITY), "the victim's token");
    }
}

/* Right slot, wrong generation; and a slot's old token once the slot is reused. */
static void attack_generation(void)
{
    for (unsigned i = 0; i < nown; i++) {
        vos_cap_t t = own[i];
        all_uses(t + GEN1, ERR(VOS_ERR_INVALID_CAPABILITY), "generation + 1");
        all_uses(t - GEN1, ERR(VOS_ERR_INVALID_CAPABILITY), "generation - 1");
        all_uses(t ^ (1ull << 51), ERR(VOS_ERR_INVALID_CAPABILITY), "generation's top bit");
        all_uses(t | 1ull << 52, ERR(VOS_ERR_INVALID_CAPABILITY), "a reserved bit");
    }
    int64_t d1 = vos_sys_capability_derive(own_region, VOS_RIGHT_READ | VOS_RIGHT_REVOKE);
    EXPECT(d1 > 0, 1, "set-up: derive");
    EXPECT(vos_sys_capability_revoke((vos_cap_t)d1), 0, "set-up: revoke");
    int64_t d2 = vos_sys_capability_derive(own_region, VOS_RIGHT_READ | VOS_RIGHT_REVOKE);
    EXPECT(d2 > 0, 1, "set-up: derive again");
    all_uses_deep((vos_cap_t)d1, ERR(VOS_ERR_INVALID_CAPABILITY), "a freed slot's old token");
    EXPECT(vos_sys_capability_validate((vos_cap_t)d2, VOS_RIGHT_READ | VOS_RIGHT_REVOKE), 0, "the slot's new token");
    EXPECT(vos_sys_capability_revoke((vos_cap_t)d2), 0, "revoke the new token");
}

static void attack_revoked(void)
{
    int64_t d = vos_sys_capability_derive(own_region, VOS_RIGHT_ALL);
    EXPECT(d > 0, 1, "set-up: derive");
    EXPECT(vos_sys_capability_revoke((vos_cap_t)d), 0, "set-up: revoke");
    all_uses_deep((vos_cap_t)d, ERR(VOS_ERR_INVALID_CAPABILITY), "our revoked token");
    all_uses_deep(revocable, ERR(VOS_ERR_INVALID_CAPABILITY), "the token the suite revoked");
}

/* ---- authority it does not have ---- */

static void attack_no_grant(void)
{
    const int64_t denied = ERR(VOS_ERR_PERMISSION_DENIED);
    /* Whatever a process is granted carries GRANT (it was given on): it drops it by deriving. */
    int64_t nogrant = vos_sys_capability_derive(own_region, VOS_RIGHT_ALL & ~VOS_RIGHT_GRANT);
    int64_t ro_nogrant = vos_sys_capability_derive(ro, VOS_RIGHT_READ | VOS_RIGHT_DERIVE);
    EXPECT(nogrant > 0 && ro_nogrant > 0, 1, "set-up: derive");
    add_own((vos_cap_t)ro_nogrant); /* no REVOKE on R: it stays */
    vos_cap_t without[] = { (vos_cap_t)ro_nogrant, (vos_cap_t)nogrant };
    for (unsigned i = 0; i < sizeof(without) / sizeof(without[0]); i++) {
        vos_cap_t t = without[i];
        EXPECT(vos_sys_ipc_send(loop_ch.id, "x", 1, t, loop_ch.cap), denied, "send carrying %#lx", (unsigned long)t);
        struct vos_ipc_call_result cr;
        EXPECT(vos_sys_ipc_call(loop_ch.id, "x", 1, scratch, 64, GUARD_NS, t, loop_ch.cap, &cr), denied,
               "call carrying %#lx", (unsigned long)t);
        EXPECT(vos_sys_ipc_reply(cur_reply, "x", 1, t), denied, "reply carrying %#lx", (unsigned long)t);
        EXPECT(vos_sys_process_create(elf, elf_size, elf_argv, 1, &t, 1), denied, "process_create granting %#lx",
               (unsigned long)t);
    }
    EXPECT(drain(), 0, "a message was queued");
    EXPECT(vos_sys_capability_revoke((vos_cap_t)nogrant), 0, "revoke");
}

static void attack_derive_more(uint64_t victim_pid, uint64_t victim_ep)
{
    const int64_t denied = ERR(VOS_ERR_PERMISSION_DENIED);
    const uint64_t more[] = { VOS_RIGHT_READ | VOS_RIGHT_WRITE, VOS_RIGHT_READ | VOS_RIGHT_EXECUTE,
                              VOS_RIGHT_READ | VOS_RIGHT_REVOKE, VOS_RIGHT_ALL };
    for (unsigned i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
        EXPECT(vos_sys_capability_derive(ro, more[i]), denied, "derive(R, %#lx)", (unsigned long)more[i]);
        EXPECT(vos_sys_capability_create(VOS_OBJ_MEMORY, ro_id, more[i], ro), denied, "capability_create(R, %#lx)",
               (unsigned long)more[i]);
    }
    int64_t child = vos_sys_capability_derive(ro, VOS_RIGHT_READ | VOS_RIGHT_DERIVE);
    EXPECT(child > 0, 1, "derive(R, what it holds)");
    if (child > 0) {
        add_own((vos_cap_t)child); /* no REVOKE on R: it stays */
        EXPECT(vos_sys_capability_derive((vos_cap_t)child, VOS_RIGHT_READ | VOS_RIGHT_WRITE), denied, "derive(R's child, more)");
    }
    EXPECT(vos_sys_capability_derive(loop_ch.cap, VOS_RIGHT_WRITE), denied, "derive without DERIVE");
    EXPECT(vos_sys_capability_create(VOS_OBJ_CHANNEL, loop_ch.id, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT, loop_ch.cap), denied,
           "capability_create from a channel capability without DERIVE");
    EXPECT(vos_sys_capability_create(VOS_OBJ_ENDPOINT, victim_ep, VOS_RIGHT_WRITE, loop_ep.cap), denied,
           "capability_create(the victim's endpoint) from our endpoint");
    EXPECT(vos_sys_capability_create(VOS_OBJ_PROCESS, victim_pid, VOS_RIGHT_READ, loop_ep.cap), denied,
           "capability_create(the victim's process) from our endpoint");
    EXPECT(vos_sys_capability_create(VOS_OBJ_PROCESS, 1, VOS_RIGHT_READ, own_region), denied,
           "capability_create(process 1) from our region");
    EXPECT(vos_sys_capability_validate(ro, VOS_RIGHT_WRITE), denied, "R gained WRITE");
    EXPECT(vos_sys_capability_validate(ro, VOS_RIGHT_READ | VOS_RIGHT_DERIVE), 0, "R lost rights");
}

static void attack_map(void)
{
    const int64_t bad = ERR(VOS_ERR_INVALID_PARAMETER), denied = ERR(VOS_ERR_PERMISSION_DENIED);
    const uint32_t R = VOS_PROT_READ, W = VOS_PROT_WRITE, X = VOS_PROT_EXEC;
    const uint32_t SH = VOS_MAP_SHARED, PR = VOS_MAP_PRIVATE;
    const uint64_t size = ISO_REGION_PAGES * P;
    /* beyond the region */
    EXPECT(vos_sys_mmap(0, size + P, R, SH, ro, 0), bad, "mmap(R, one page too long)");
    EXPECT(vos_sys_mmap(0, size + P, R, PR, ro, 0), bad, "mmap(R private, one page too long)");
    EXPECT(vos_sys_mmap(0, P, R, SH, ro, size), bad, "mmap(R at its end)");
    EXPECT(vos_sys_mmap(0, size, R, SH, ro, P), bad, "mmap(R, offset + length past the end)");
    EXPECT(vos_sys_mmap(0, P, R, SH, ro, 1ull << 62), bad, "mmap(R, huge offset)");
    EXPECT(vos_sys_mmap(0, size, R, SH, ro, (uint64_t)-(int64_t)P), bad, "mmap(R, offset + length wrapping)");
    /* more protection than READ */
    EXPECT(vos_sys_mmap(0, P, R | W, SH, ro, 0), denied, "mmap(R, READ|WRITE)");
    EXPECT(vos_sys_mmap(0, P, R | X, SH, ro, 0), denied, "mmap(R, READ|EXEC)");
    EXPECT(vos_sys_mmap(0, P, R | W, PR, ro, 0), denied, "mmap(R private, READ|WRITE)");
    EXPECT(vos_sys_write(ro, scratch, 8, 0), denied, "write(R)");
    int64_t m = vos_sys_mmap(0, size, R, SH, ro, 0);
    EXPECT(m > 0, 1, "mmap(R, READ)");
    if (m > 0) {
        int same = 1;
        for (uint64_t i = 0; i < size; i++)
            same &= ((const uint8_t *)(uintptr_t)m)[i] == ISO_SECRET_BYTE(i);
        EXPECT(same, 1, "R read through its READ mapping");
        EXPECT(vos_sys_mprotect((uint64_t)m, P, R | W), denied, "mprotect(R's mapping, READ|WRITE)");
        EXPECT(vos_sys_mprotect((uint64_t)m, size, W), denied, "mprotect(R's mapping, WRITE)");
        EXPECT(vos_sys_mprotect((uint64_t)m, P, R | X), denied, "mprotect(R's mapping, READ|EXEC)");
        EXPECT(vos_sys_munmap((uint64_t)m, size), 0, "munmap");
    }
    /* W^X, whatever the capability allows */
    EXPECT(vos_sys_mmap(0, P, W | X, SH, own_region, 0), bad, "mmap(S, WRITE|EXEC)");
    EXPECT(vos_sys_mmap(0, P, R | W | X, PR | VOS_MAP_ANONYMOUS, 0, 0), bad, "mmap(anonymous, READ|WRITE|EXEC)");
    int64_t a = vos_sys_mmap(0, P, R | W, PR | VOS_MAP_ANONYMOUS, 0, 0);
    int64_t s = vos_sys_mmap(0, P, R | X, SH, own_region, 0);
    EXPECT(a > 0 && s > 0, 1, "set-up: mmap");
    EXPECT(vos_sys_mprotect((uint64_t)a, P, W | X), bad, "mprotect(anonymous, WRITE|EXEC)");
    EXPECT(vos_sys_mprotect((uint64_t)a, P, R | W | X), bad, "mprotect(anonymous, READ|WRITE|EXEC)");
    EXPECT(vos_sys_mprotect((uint64_t)s, P, R | W | X), bad, "mprotect(S executable, READ|WRITE|EXEC)");
    vos_sys_munmap((uint64_t)a, P);
    vos_sys_munmap((uint64_t)s, P);
}

static void attack_no_channel(uint64_t victim_ep, vos_cap_t victim_token)
{
    const int64_t inval = ERR(VOS_ERR_INVALID_CAPABILITY);
    struct vos_ipc_call_result cr;
    struct vos_ipc_receive_result rr;
    struct vos_ipc_short_message m = { 0, 0, 0, 0, 0, 0, 0, 0 };
    struct vos_ipc_short_receive_result sr;
    EXPECT(vos_sys_ipc_send(victim_ep, "x", 1, 0, loop_ep.cap), inval, "send(victim endpoint, our endpoint capability)");
    EXPECT(vos_sys_ipc_send(victim_ep, "x", 1, 0, loop_ch.cap), inval, "send(victim endpoint, our channel capability)");
    EXPECT(vos_sys_ipc_send(victim_ep, "x", 1, 0, victim_token), inval, "send(victim endpoint, the victim's token)");
    EXPECT(vos_sys_ipc_call(victim_ep, "x", 1, scratch, 64, GUARD_NS, 0, loop_ep.cap, &cr), inval,
           "call(victim endpoint, our endpoint capability)");
    EXPECT(vos_sys_ipc_call_short(loop_ep.cap, 8, &m), inval, "call_short(our endpoint capability)");
    EXPECT(vos_sys_ipc_call_short(victim_token, 8, &m), inval, "call_short(the victim's token)");
    EXPECT(vos_sys_ipc_channel_create(loop_ep.id, victim_ep, loop_ep.cap, loop_ep.cap), inval,
           "channel_create(to the victim's endpoint, our capability)");
    EXPECT(vos_sys_ipc_channel_create(loop_ep.id, victim_ep, loop_ep.cap, victim_token), inval,
           "channel_create(to the victim's endpoint, the victim's token)");
    EXPECT(vos_sys_ipc_receive(victim_ep, msg, 64, 0, loop_ep.cap, &rr), inval, "receive(victim endpoint, ours)");
    EXPECT(vos_sys_ipc_receive(victim_ep, msg, 64, 0, victim_token, &rr), inval, "receive(victim endpoint, its token)");
    EXPECT(vos_sys_ipc_reply_receive_short(0, victim_token, 0, &m, &sr), inval, "reply_receive_short(its token)");
}

static void attack_join(uint64_t victim_tid)
{
    const int64_t nf = ERR(VOS_ERR_NOT_FOUND);
    vos_thread_t t = { victim_tid, NULL, 0 };
    int32_t code = 0;
    EXPECT(vos_thread_join(&t, 0, &code), nf, "join(the victim's thread)");
    EXPECT(vos_thread_join(&t, GUARD_NS, &code), nf, "join(the victim's thread, waiting)");
    unsigned self = 0;
    for (uint64_t tid = 1; tid <= victim_tid + 8; tid++) {
        vos_thread_t g = { tid, NULL, 0 };
        vos_status_t st = vos_thread_join(&g, 0, &code);
        if (st == ERR(VOS_ERR_INVALID_PARAMETER) && !self++)
            continue; /* our own thread */
        EXPECT(st, nf, "join(thread %lu)", (unsigned long)tid);
    }
}

static void attack_wait(uint64_t victim_pid, uint64_t suite_pid, uint64_t self_pid)
{
    const int64_t denied = ERR(VOS_ERR_PERMISSION_DENIED);
    struct vos_process_exit_info info;
    EXPECT(vos_sys_process_wait(victim_pid, 0, &info), denied, "wait(the victim)");
    EXPECT(vos_sys_process_wait(victim_pid, GUARD_NS, &info), denied, "wait(the victim, waiting)");
    EXPECT(vos_sys_process_wait(suite_pid, 0, &info), denied, "wait(our parent)");
    EXPECT(vos_sys_process_wait(self_pid, 0, &info), denied, "wait(ourselves)");
    EXPECT(vos_sys_process_start(victim_pid), denied, "start(the victim)");
    for (uint64_t pid = 1; pid <= victim_pid + 4; pid++) {
        expect_in(vos_sys_process_wait(pid, 0, &info), denied, ERR(VOS_ERR_NOT_FOUND), "wait(process %lu)", (unsigned long)pid);
        expect_in(vos_sys_process_start(pid), denied, ERR(VOS_ERR_NOT_FOUND), "start(process %lu)", (unsigned long)pid);
    }
}

static void attack_foreign_reply(vos_cap_t token)
{
    EXPECT(SLOT(token) > max_own_slot(), 1, "set-up: the victim's reply token's slot is one of ours");
    EXPECT(vos_sys_ipc_reply(token, "forged", 6, 0), ERR(VOS_ERR_INVALID_CAPABILITY), "reply(the victim's token)");
    EXPECT(vos_sys_capability_validate(token, 0), ERR(VOS_ERR_INVALID_CAPABILITY), "validate(the victim's reply token)");
}

/* ---- the loop ---- */

static int setup(const struct vos_start_info *si)
{
    const struct vos_cap_info *c[7];
    for (unsigned i = 0; i < 7; i++)
        if (!(c[i] = vos_start_cap(si, i)))
            return 20;
    cmd = vos_ep_from(c[0]);
    ro = c[1]->token, ro_id = c[1]->object_id;
    own_region = c[2]->token, own_region_id = c[2]->object_id;
    loop_ep = vos_ep_from(c[3]);
    loop_ch = vos_chan_from(c[4]);
    bootfs_cap = c[5]->token;
    revocable = c[6]->token;
    for (uint64_t i = 0; i < si->cap_count; i++)
        add_own(vos_start_cap(si, i)->token);
    struct vos_bootfs fs;
    if (vos_bootfs_open(&fs, bootfs_cap) || vos_bootfs_find(&fs, elf_argv[0], &elf, &elf_size))
        return 21;
    return 0;
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct vos_start_info *si = vos_start_info();
    int err = setup(si);
    if (err)
        return err;
    static struct iso_request req;
    struct vos_message m;
    while (iso_next_request(cmd, &req, &m)) {
        cur_reply = m.reply.cap;
        rep = (struct iso_report){ ISO_REPORT_MAGIC, 0, 0, "" };
        switch (req.op) {
        case ISO_ATTACK_POINTER: attack_pointer(req.arg[0]); break;
        case ISO_ATTACK_ARGV_STRING: attack_argv_string(); break;
        case ISO_ATTACK_SPILL: attack_spill(req.arg[0]); break;
        case ISO_ATTACK_GUESSED_SLOTS: attack_guessed_slots(req.arg[0]); break;
        case ISO_ATTACK_FOREIGN_TOKENS: attack_foreign_tokens(req.arg, req.arg[7]); break;
        case ISO_ATTACK_GENERATION: attack_generation(); break;
        case ISO_ATTACK_REVOKED: attack_revoked(); break;
        case ISO_ATTACK_NO_GRANT: attack_no_grant(); break;
        case ISO_ATTACK_DERIVE_MORE: attack_derive_more(req.arg[0], req.arg[1]); break;
        case ISO_ATTACK_MAP: attack_map(); break;
        case ISO_ATTACK_NO_CHANNEL: attack_no_channel(req.arg[0], req.arg[1]); break;
        case ISO_ATTACK_JOIN: attack_join(req.arg[0]); break;
        case ISO_ATTACK_WAIT: attack_wait(req.arg[0], req.arg[1], si->pid); break;
        case ISO_ATTACK_FOREIGN_REPLY: attack_foreign_reply(req.arg[0]); break;
        case ISO_ATTACK_SPENT_REPLY:
            rep.attempts = 1;
            EXPECT(vos_sys_ipc_reply(cur_reply, &rep, sizeof(rep), 0), 0, "the first reply");
            last = rep;
            rep = (struct iso_report){ ISO_REPORT_MAGIC, 0, 0, "" };
            EXPECT(vos_sys_ipc_reply(cur_reply, "again", 5, 0), ERR(VOS_ERR_INVALID_CAPABILITY), "reply with a spent token");
            EXPECT(vos_sys_capability_validate(cur_reply, 0), ERR(VOS_ERR_INVALID_CAPABILITY), "validate a spent token");
            last = rep;
            continue;
        case ISO_ATTACK_LAST: rep = last; break;
        case ISO_QUIT: vos_reply(m.reply, &rep, sizeof(rep), (vos_any_t){ 0 }); return 0;
        default: EXPECT(1, 0, "unknown request %lu", (unsigned long)req.op);
        }
        vos_reply(m.reply, &rep, sizeof(rep), (vos_any_t){ 0 });
    }
    return 30;
}
