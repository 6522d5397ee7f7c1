/*
 * conformance.c — the ABI-conformance suite (cmocka), run as the first
 * process of a kernel in QEMU on every architecture (kernel-conformance).
 *
 * Every test is named "<syscall>.<what>" (or "abi.<what>" for whole-ABI
 * properties), so tools/conformance-table.py can turn cmocka's console
 * output into the per-syscall table.  Three kinds of tests:
 *   - generated: the capability and user-pointer error cases of every
 *     argument of every syscall (gen/tests/conformance_cases.h, from the
 *     spec), run through the generated stubs with every other argument valid;
 *   - hand-written: a happy path per syscall, the errors that need a
 *     situation (timeouts, BufferTooSmall, NotFound ...), unknown numbers,
 *     argument marshalling (a sentinel per position, including the spilled
 *     ones) and the return encoding;
 *   - layouts: every ABI struct field against the spec.
 * Tests marked [IPC] need the IPC objects (kernel/endpoint.c); until they
 * land the kernel answers NotSupported and those tests fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vos/abi.h>
#include <vos/syscalls.h>
#include "conformance.h"
#include "conformance_cases.h"
#ifdef CONF_HOST
#include "conformance_host.h" /* cmocka's assertions, for test bodies running as user threads */
#else
#include <vos/libsys.h>
#endif

static int32_t joined; /* what SYS_THREAD_JOIN collected (its stub narrows the i32 into it) */

#define ERR(e) (-(int64_t)(e))
#define KERNEL_ADDR 0xffff800000001000ull
#define NS_PER_S 1000000000ull
/* Waits for things that end at once or within a second: the bound only keeps a broken ABI from hanging the suite. */
#define GUARD_NS (30 * NS_PER_S)

/* ---- the environment: initial capabilities and objects made once ---- */

static vos_cap_t console, pool, self_cap, region;
static uint64_t self_pid, console_id, pool_id, region_id;
static vos_cap_t endpoint_cap, channel_cap, reply_cap;
static uint64_t endpoint_id, channel_id;
static uint8_t *scratch; /* 3 pages of user memory, 64-byte aligned */
/* The driver objects (docs/abi.md, "Drivers"): from what the kernel gives init, where the suite has it. */
static vos_cap_t irq_control, devmem_pool, irq_cap;

#ifdef CONF_HOST
/* On the host, only memory the harness mapped is user memory: literals are copied there. */
static uint8_t *ustrings;
static size_t ustrings_used;

static const void *ubytes(const void *p, size_t n)
{
    assert_true(ustrings_used + n <= VOS_PAGE_SIZE);
    uint8_t *d = ustrings + ustrings_used;
    memcpy(d, p, n);
    ustrings_used += (n + 15) & ~(size_t)15;
    return d;
}
#define U(s) ((const char *)ubytes((s), sizeof(s)))
#define USER_MEMORY_IS_HOST_MEMORY 0 /* mmap'd pages are not at host addresses */

/* A thread's entry point must lie in executable memory of the process. */
static void make_executable(void (*fn)(uint64_t))
{
    uint64_t page = (uint64_t)(uintptr_t)fn & ~(uint64_t)(VOS_PAGE_SIZE - 1);
    vos_sys_mmap(page, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_EXEC, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_FIXED, 0, 0);
}

void conf_set_environment(vos_cap_t con, uint64_t con_id, vos_cap_t pl, uint64_t pl_id, vos_cap_t self, uint64_t pid,
                          uint8_t *user_scratch, uint8_t *user_strings)
{
    console = con, console_id = con_id, pool = pl, pool_id = pl_id, self_cap = self, self_pid = pid;
    scratch = user_scratch;
    ustrings = user_strings;
    ustrings_used = 0;
    region = endpoint_cap = channel_cap = reply_cap = 0;
    region_id = endpoint_id = channel_id = 0;
    irq_control = devmem_pool = irq_cap = 0;
}

void conf_set_driver_caps(vos_cap_t control, vos_cap_t devmem)
{
    irq_control = control, devmem_pool = devmem;
}
#else
static struct vos_bootfs bootfs;
static _Alignas(64) uint8_t scratch_pages[3 * VOS_PAGE_SIZE];
static const void *ubytes(const void *p, size_t n) { (void)n; return p; }
#define U(s) (s)
#define USER_MEMORY_IS_HOST_MEMORY 1
static void make_executable(void (*fn)(uint64_t)) { (void)fn; }
#endif

static uint64_t object_id_of(vos_cap_t cap)
{
    if (cap == console) return console_id;
    if (cap == pool) return pool_id;
    if (cap == self_cap) return self_pid;
    if (cap == region) return region_id;
    if (cap == endpoint_cap) return endpoint_id;
    if (cap == channel_cap) return channel_id;
    return 0;
}

/* The capability with every right to an object of a type in mask (0 if the test has none). */
static vos_cap_t cap_for(uint32_t mask)
{
    static const struct { uint64_t type; vos_cap_t *cap; } order[] = {
        { VOS_OBJ_MEMORY, &region }, { VOS_OBJ_DEVICE, &console }, { VOS_OBJ_PROCESS, &self_cap },
        { VOS_OBJ_ENDPOINT, &endpoint_cap }, { VOS_OBJ_CHANNEL, &channel_cap }, { VOS_OBJ_REPLY, &reply_cap },
        { VOS_OBJ_IRQ, &irq_cap }, { VOS_OBJ_DEVICE_MEMORY, &devmem_pool }, { VOS_OBJ_IRQ_CONTROL, &irq_control },
    };
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if ((mask & (1u << order[i].type)) && *order[i].cap)
            return *order[i].cap;
    return VOS_CAP_NULL;
}

/* A capability to an object whose type is not in mask. */
static vos_cap_t cap_not_in(uint32_t mask)
{
    if (!(mask & (1u << VOS_OBJ_PROCESS))) return self_cap;
    if (!(mask & (1u << VOS_OBJ_DEVICE))) return console;
    if (!(mask & (1u << VOS_OBJ_MEMORY))) return region;
    return VOS_CAP_NULL;
}

/* Two pages that were mapped and are not any more (nothing may be mapped before it is used). */
static uint64_t fresh_unmapped(void)
{
    int64_t m = vos_sys_mmap(0, 2 * VOS_PAGE_SIZE, VOS_PROT_READ, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE, 0, 0);
    assert_true(m > 0);
    assert_int_equal(vos_sys_munmap((uint64_t)m, 2 * VOS_PAGE_SIZE), 0);
    return (uint64_t)m;
}

static vos_cap_t derive(vos_cap_t parent, uint64_t rights)
{
    int64_t r = vos_sys_capability_derive(parent, rights);
    assert_true(r > 0);
    return (vos_cap_t)r;
}

static void *map_anon(uint64_t len)
{
    int64_t r = vos_sys_mmap(0, len, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    assert_false(VOS_IS_ERROR((uint64_t)r));
    return (void *)(uintptr_t)r;
}

/*
 * Bytes in memory the kernel's IPC may check against the process's mappings
 * (call and reply check their buffers up front).  In the guest any user
 * memory is such; on the host target memory the harness mapped is not, and
 * mmap'd memory is not at a host address, so the bytes go there by way of
 * the test region.
 */
static const void *ipc_bytes(const char *s, size_t n)
{
#ifdef CONF_HOST
    uint8_t *m = map_anon(VOS_PAGE_SIZE);
    assert_int_equal(vos_sys_write(region, ubytes(s, n), n, 0), (int64_t)n);
    assert_int_equal(vos_sys_read(region, m, n, 0), (int64_t)n);
    return m;
#else
    (void)n;
    return s;
#endif
}

static volatile int64_t ipc_thread_result = 1;
static volatile int ipc_go;
static int64_t ipc_receive_result = 1; /* host: 1 when the channel is ready for the caller thread, -1 when there is none */

/* Entry of a helper thread: realigns the stack on x86_64 whatever the kernel did (thread_create.entry_stack_alignment tests that). */
#if defined(__x86_64__) && !defined(CONF_HOST)
#define HELPER_THREAD __attribute__((force_align_arg_pointer))
#else
#define HELPER_THREAD
#endif

HELPER_THREAD void conf_ipc_caller(uint64_t arg)
{
    (void)arg;
    while (!ipc_go)
        vos_sys_yield();
    if (ipc_go < 0)
        vos_sys_thread_exit(0);
    /* buffers in scratch: on the host target a created thread's stack is no user memory */
    char *req = (char *)scratch + 2 * VOS_PAGE_SIZE + 512, *resp = (char *)scratch;
    memcpy(req, "ping", 4);
    struct vos_ipc_call_result res;
    /* room for any reply the tests make (a page): a reply is then never too big for it */
    int64_t r = vos_sys_ipc_call(channel_id, req, 4, resp, VOS_PAGE_SIZE, VOS_TIMEOUT_INFINITE, 0, channel_cap, &res);
    ipc_thread_result = r;
    vos_sys_thread_exit(0);
}

/*
 * Endpoint, channel and a reply token, when the kernel has IPC.  The token
 * comes from a call by a second thread (never replied to, so it stays
 * valid).  In the guest that thread is created here; on the host target the
 * runner creates it (a created thread's stack is no user memory there, and
 * ipc_call's stub puts its spilled arguments on the stack).
 */
static void make_ipc_objects_steps(void);

static void make_ipc_objects(void)
{
    ipc_go = 0;
    reply_cap = 0;
    make_ipc_objects_steps();
    if (!reply_cap)
        ipc_go = -1;
}

static void make_ipc_objects_steps(void)
{
    struct vos_endpoint_create_result ep;
    if (vos_sys_ipc_endpoint_create(&ep) != 0)
        return;
    endpoint_id = ep.endpoint_id;
    endpoint_cap = ep.capability;
    int64_t ch = vos_sys_ipc_channel_create(endpoint_id, endpoint_id, endpoint_cap, endpoint_cap);
    if (ch <= 0)
        return;
    channel_id = (uint64_t)ch;
    int64_t c = vos_sys_capability_create(VOS_OBJ_CHANNEL, channel_id, VOS_RIGHT_ALL, self_cap);
    if (c <= 0)
        return;
    channel_cap = (vos_cap_t)c;
#ifndef CONF_HOST
    uint8_t *stack = map_anon(16384);
    int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)conf_ipc_caller, (uint64_t)(uintptr_t)stack, 16384, 0);
    if (tid <= 0)
        return;
#endif
    ipc_go = 1;
    /* mmap'd: a receive that waits checks its buffer against the process's mappings (on the host
       target, memory the harness mapped is none) */
    char *buf = map_anon(VOS_PAGE_SIZE);
    struct vos_ipc_receive_result rr;
    /* The call is queued at once when IPC works; the bound only keeps a broken kernel from hanging the suite. */
    ipc_receive_result = vos_sys_ipc_receive(endpoint_id, buf, 64, 10 * NS_PER_S, endpoint_cap, &rr);
    if (ipc_receive_result == 0)
        reply_cap = rr.reply_token;
}

/* Objects every test may use: a one-page region and (with IPC) an endpoint, a channel and a reply token. */
void conf_make_objects(void)
{
    int64_t r = vos_sys_capability_create(VOS_OBJ_MEMORY, VOS_PAGE_SIZE, VOS_RIGHT_ALL, pool);
    region = r > 0 ? (vos_cap_t)r : 0;
    /* An interrupt line: the first free one (which lines exist is the machine's business). */
    for (uint64_t line = 1; irq_control && !irq_cap && line < 1024; line++) {
        int64_t q = vos_sys_capability_create(VOS_OBJ_IRQ, line, VOS_RIGHT_ALL, irq_control);
        irq_cap = q > 0 ? (vos_cap_t)q : 0;
    }
    make_ipc_objects();
}

#ifndef CONF_HOST
static void setup_environment(const struct vos_start_info *si)
{
    scratch = scratch_pages;
    console = vos_start_find_cap(si, VOS_OBJ_DEVICE);
    pool = vos_start_find_pool(si);
    self_cap = vos_start_find_cap(si, VOS_OBJ_PROCESS);
    self_pid = si->pid;
    irq_control = vos_start_find_cap(si, VOS_OBJ_IRQ_CONTROL);
    devmem_pool = vos_start_find_cap(si, VOS_OBJ_DEVICE_MEMORY);
    const struct vos_cap_info *caps = (const struct vos_cap_info *)(uintptr_t)si->caps;
    for (uint64_t i = 0; i < si->cap_count; i++) {
        if (caps[i].token == console) console_id = caps[i].object_id;
        if (caps[i].token == pool) pool_id = caps[i].object_id;
    }
    vos_cap_t fs = vos_start_find_bootfs(si);
    if (fs)
        vos_bootfs_open(&bootfs, fs);
    conf_make_objects();
}
#endif

/* ---- generated cases ---- */

/* Every argument valid; caps_for[] records which capability each capability argument got. */
static void fill_valid(const struct conf_syscall *s, uint64_t *a)
{
    for (unsigned i = 0; i < s->nargs; i++) {
        const struct conf_arg *x = &s->args[i];
        switch (x->fill) {
        case CONF_FILL_ZERO: a[i] = 0; break;
        case CONF_FILL_VALUE:
        case CONF_FILL_FLAGS: a[i] = x->value; break;
        case CONF_FILL_BUFFER: a[i] = (uint64_t)(uintptr_t)scratch; break;
        case CONF_FILL_CAP: a[i] = cap_for(x->object_mask); break;
        case CONF_FILL_OBJECT_ID: a[i] = 0; break; /* after the capabilities */
        }
    }
    for (unsigned i = 0; i < s->nargs; i++)
        if (s->args[i].fill == CONF_FILL_OBJECT_ID)
            a[i] = object_id_of(a[s->args[i].value]);
}

static const char *type_names(uint32_t mask)
{
    static char buf[160];
    buf[0] = 0;
    for (unsigned t = 1; t < VOS_OBJ_COUNT; t++)
        if (mask & (1u << t)) {
            strcat(buf, buf[0] ? "|" : "");
            strcat(buf, vos_object_type_name(t));
        }
    return buf;
}

static void run_case(void **state)
{
    const struct conf_case *c = *state;
    const struct conf_syscall *s = &conf_syscalls[c->syscall];
    const struct conf_arg *x = &s->args[c->arg];
    uint64_t a[CONF_MAX_ARGS] = { 0 }, res[8] = { 0 };
    fill_valid(s, a);
    /* The arguments before this one (and this one, for rights and forgery) need real capabilities. */
    for (unsigned i = 0; i < s->nargs && (i <= c->arg || c->kind == CONF_PTR_UNMAPPED); i++) {
        const struct conf_arg *y = &s->args[i];
        int needed = i < c->arg ? !y->optional
                                : (c->kind == CONF_CAP_FORGED || c->kind == CONF_CAP_MISSING_RIGHT);
        if (c->kind == CONF_PTR_UNMAPPED) /* reaches the handler: every argument must pass the shim */
            needed = !y->optional;
        if (y->fill == CONF_FILL_CAP && needed && !a[i])
            fail_msg("no capability to %s for %s.%s: the kernel has no such objects yet [IPC]", type_names(y->object_mask),
                     s->name, y->name);
    }
    switch (c->kind) {
    case CONF_CAP_NULL: a[c->arg] = VOS_CAP_NULL; break;
    case CONF_CAP_FORGED: assert_int_not_equal(a[c->arg], 0); a[c->arg] |= 1ull << 60; break;
    case CONF_CAP_UNUSED_SLOT: a[c->arg] = 0xffffeull; break; /* slot 0xffffe, generation 0 */
    case CONF_CAP_STALE: { /* a freed slot: lookup fails before the type matters */
        vos_cap_t child = derive(region, VOS_RIGHT_ALL);
        assert_int_equal(vos_sys_capability_revoke(child), 0);
        a[c->arg] = child;
        break;
    }
    case CONF_CAP_WRONG_TYPE: a[c->arg] = cap_not_in(x->object_mask); break;
    case CONF_CAP_MISSING_RIGHT:
        assert_int_not_equal(a[c->arg], 0); /* [IPC] until there are endpoints and channels */
    {
        int64_t d = vos_sys_capability_derive(a[c->arg], VOS_RIGHT_ALL & ~c->right);
        if (VOS_IS_ERROR((uint64_t)d) && conf_syscalls[c->syscall].args[c->arg].object_mask == (1u << VOS_OBJ_REPLY)) {
            /* reply tokens are single-use and cannot be derived: no token can lack the right */
            print_message("cannot be provoked: capability_derive of a reply token returns %" PRId64 "\n", d);
            skip();
        }
        assert_true(d > 0);
        a[c->arg] = (uint64_t)d;
        break;
    }
    case CONF_PTR_NULL: a[c->arg] = 0; break;
    case CONF_PTR_KERNEL: a[c->arg] = KERNEL_ADDR; break;
    case CONF_PTR_UNMAPPED: a[c->arg] = fresh_unmapped(); break;
    case CONF_PTR_MISALIGNED: a[c->arg] = (uint64_t)(uintptr_t)scratch + 1; break;
    case CONF_LEN_OVERSIZE: a[x->length_arg] = x->max + 1; break;
    case CONF_FLAGS_UNKNOWN:
    case CONF_ENUM_UNKNOWN:
    case CONF_INT_UPPER_BITS: a[c->arg] = c->right; break;
    }
    if (x->fill == CONF_FILL_BUFFER && x->length_arg >= 0 && c->kind != CONF_LEN_OVERSIZE) {
        /* a page's worth (one element at least), so the pointer is used */
        uint64_t n = VOS_PAGE_SIZE / x->elem_size;
        a[x->length_arg] = n > x->max ? x->max : n;
    }
    if (c->kind == CONF_CAP_WRONG_TYPE || c->kind == CONF_CAP_NULL || c->kind == CONF_CAP_STALE)
        assert_int_not_equal(a[c->arg] != 0 || c->kind == CONF_CAP_NULL, 0);
    int64_t r = conf_invoke(c->syscall, a, res);
    assert_int_equal(r, ERR(c->expect));
}

/* ---- unknown numbers, marshalling, return encoding ---- */

static void invalid_numbers(void **state)
{
    (void)state;
    static const uint64_t numbers[] = { 0, 7, 19, 43, 1023, 1ull << 63, ~0ull, 0x10000000001ull };
    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        uint64_t args[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, ret[4] = { 0 };
        int64_t r = vos_syscall_raw(numbers[i], args, ret);
        assert_int_equal(r, ERR(VOS_ERR_INVALID_SYSCALL));
        assert_true(VOS_IS_ERROR(ret[0]));
        assert_int_equal(VOS_ERROR_OF(ret[0]), VOS_ERR_INVALID_SYSCALL);
    }
}

/* The errors every listed syscall can be made to return are in its spec list. */
static int error_listed(unsigned idx, int64_t word0)
{
    if (!VOS_IS_ERROR((uint64_t)word0))
        return 1;
    for (unsigned i = 0; i < conf_syscalls[idx].nerrors; i++)
        if (ERR(conf_syscalls[idx].errors[i]) == word0)
            return 1;
    return 0;
}

static void generated_errors_listed(void **state)
{
    (void)state;
    for (size_t i = 0; i < CONF_CASES; i++)
        assert_true(error_listed(conf_cases[i].syscall, ERR(conf_cases[i].expect)));
}

/* A distinct sentinel in each position: every position is checked by the kernel on its own. */
static void marshal_write(void **state)
{
    (void)state;
    /* write(cap, buffer, count, offset): each argument's own error names it. */
    assert_int_equal(vos_sys_write(0x5a5a5ull | (1ull << 61), U("x"), 1, 0), ERR(VOS_ERR_INVALID_CAPABILITY));
    assert_int_equal(vos_sys_write(console, (void *)KERNEL_ADDR, 1, 0), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_write(console, U("x"), 0x100001, 0), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_write(console, U("abc\n"), 4, 0x123456789ull), 4); /* offset ignored by the console */
    /* region: the offset arrives intact (bytes land exactly there) */
    assert_int_equal(vos_sys_write(region, U("Q"), 1, 0xabc), 1);
    char b[2] = { 0, 0 };
    assert_int_equal(vos_sys_read(region, b, 1, 0xabc), 1);
    assert_int_equal(b[0], 'Q');
    assert_int_equal(vos_sys_read(region, b, 1, 0xabb), 1);
    assert_int_equal(b[0], 0);
}

static void marshal_mmap(void **state)
{
    (void)state;
    /* six arguments: addr (FIXED) , length, prot, flags, capability, offset */
    uint64_t addr = 0x7f0000000ull;
    int64_t r = vos_sys_mmap(addr, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE,
                             VOS_MAP_SHARED | VOS_MAP_FIXED, region, 0);
    assert_int_equal(r, (int64_t)addr);
    assert_int_equal(vos_sys_write(region, U("M"), 1, 77), 1);
    if (USER_MEMORY_IS_HOST_MEMORY)
        assert_int_equal(((volatile char *)(uintptr_t)addr)[77], 'M'); /* the very frames of the region */
    assert_int_equal(vos_sys_munmap(addr, VOS_PAGE_SIZE), 0);
    assert_int_equal(vos_sys_mmap(0, VOS_PAGE_SIZE, 8, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ, 1u << 7, 0, 0), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ, VOS_MAP_SHARED, console, 0), ERR(VOS_ERR_INVALID_CAPABILITY));
    /* offset (6th) inside the region is fine, past it is not */
    assert_int_equal(vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ, VOS_MAP_SHARED, region, VOS_PAGE_SIZE),
                     ERR(VOS_ERR_INVALID_PARAMETER));
}

/* ipc_call has 8 arguments: x86_64 and the host spill the last ones to memory (riscv64 and aarch64 have 8 registers). */
static void marshal_ipc_call_spill(void **state)
{
    (void)state;
    char resp[8];
    struct vos_ipc_call_result res;
    /* Arguments 1-6 valid (no buffers: lengths 0); the 7th and 8th carry the faults. */
    assert_int_equal(vos_sys_ipc_call(1, NULL, 0, resp, 0, 0, 0, 0, &res), ERR(VOS_ERR_INVALID_CAPABILITY));        /* 8th null */
    assert_int_equal(vos_sys_ipc_call(1, NULL, 0, resp, 0, 0, 1ull << 60, 0, &res), ERR(VOS_ERR_INVALID_CAPABILITY)); /* 7th forged */
    vos_cap_t no_grant = derive(console, VOS_RIGHT_READ);
    assert_int_equal(vos_sys_ipc_call(1, NULL, 0, resp, 0, 0, no_grant, 0, &res), ERR(VOS_ERR_PERMISSION_DENIED));   /* 7th lacks GRANT */
    assert_int_equal(vos_sys_ipc_call(1, NULL, 0, resp, 0, 0, 0, console, &res), ERR(VOS_ERR_INVALID_CAPABILITY));   /* 8th: no CHANNEL */
    /* the 5th (response_len, in a register) over the maximum is found before the spilled ones are looked at */
    assert_int_equal(vos_sys_ipc_call(1, NULL, 0, resp, 0x1001, 0, 0, 0, &res), ERR(VOS_ERR_INVALID_PARAMETER));
}

/* [IPC] with a real channel: the spilled channel_cap without WRITE is PermissionDenied. */
static void marshal_ipc_call_spill_rights(void **state)
{
    (void)state;
    assert_int_not_equal(channel_cap, 0);
    char resp[8];
    struct vos_ipc_call_result res;
    vos_cap_t ro = derive(channel_cap, VOS_RIGHT_READ);
    assert_int_equal(vos_sys_ipc_call(channel_id, U("x"), 1, resp, sizeof(resp), 0, 0, ro, &res), ERR(VOS_ERR_PERMISSION_DENIED));
    /* the channel id (1st) must match the spilled capability */
    assert_int_equal(vos_sys_ipc_call(channel_id + 1000, U("x"), 1, resp, sizeof(resp), 0, 0, channel_cap, &res),
                     ERR(VOS_ERR_INVALID_CAPABILITY));
}

/* exit_code is an i32: a register with stray upper bits is refused (the raw path shows it). */
static void exit_i32(void **state)
{
    (void)state;
    uint64_t args[8] = { 0x100000000ull, 0, 0, 0, 0, 0, 0, 0 }, ret[4];
    assert_int_equal(vos_syscall_raw(VOS_SYS_EXIT, args, ret), ERR(VOS_ERR_INVALID_PARAMETER));
    args[0] = 0x80000000ull; /* -2^31 not sign-extended */
    assert_int_equal(vos_syscall_raw(VOS_SYS_EXIT, args, ret), ERR(VOS_ERR_INVALID_PARAMETER));
}

static void thread_exit_i32(void **state)
{
    (void)state;
    uint64_t args[8] = { 0xffffffff00000001ull, 0, 0, 0, 0, 0, 0, 0 }, ret[4];
    assert_int_equal(vos_syscall_raw(VOS_SYS_THREAD_EXIT, args, ret), ERR(VOS_ERR_INVALID_PARAMETER));
}

static void return_encoding(void **state)
{
    (void)state;
    uint64_t args[8] = { VOS_CLOCK_MONOTONIC, 0, 0, 0, 0, 0, 0, 0 }, ret[4] = { 0 };
    /* clock_get returns tv_sec in word 0 and tv_nsec in word 1 (docs/abi.md) */
    assert_int_equal(vos_syscall_raw(VOS_SYS_CLOCK_GET, args, ret), (int64_t)ret[0]);
    assert_false(VOS_IS_ERROR(ret[0]));
    assert_true(ret[0] < 1000000ull);   /* seconds since boot */
    assert_true(ret[1] < NS_PER_S);     /* nanoseconds */
    struct vos_timespec t;
    assert_int_equal(vos_sys_clock_get(VOS_CLOCK_MONOTONIC, &t), 0);
    assert_true(t.tv_nsec < NS_PER_S);
    assert_true(t.tv_sec * NS_PER_S + t.tv_nsec >= ret[0] * NS_PER_S + ret[1]);
    /* the struct the stub fills agrees with the documented word order: the seconds match */
    assert_true(ret[0] <= t.tv_sec && t.tv_sec - ret[0] <= 1);
    /* an error: bit 63 set, the negated code */
    args[0] = 99;
    assert_int_equal(vos_syscall_raw(VOS_SYS_CLOCK_GET, args, ret), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_true(ret[0] >> 63);
    assert_int_equal(ret[0], (uint64_t)-(int64_t)VOS_ERR_INVALID_PARAMETER);
    /* a call returning nothing returns 0 */
    assert_int_equal(vos_syscall_raw(VOS_SYS_YIELD, args, ret), 0);
    /* a scalar result has bit 63 clear */
    args[0] = region; args[1] = VOS_RIGHT_READ;
    int64_t c = vos_syscall_raw(VOS_SYS_CAPABILITY_DERIVE, args, ret);
    assert_true(c > 0);
    assert_false(ret[0] >> 63);
}

/* ---- struct layouts ---- */

static void struct_layouts(void **state)
{
    (void)state;
    for (size_t i = 0; i < CONF_FIELDS; i++) {
        const struct conf_field *f = &conf_fields[i];
        if (f->offset != f->spec_offset || f->size != f->spec_size || f->struct_size != f->spec_struct_size)
            fail_msg("%s.%s: at %zu size %zu (struct %zu), spec says %zu size %zu (struct %zu)", f->strct, f->field,
                     f->offset, f->size, f->struct_size, f->spec_offset, f->spec_size, f->spec_struct_size);
    }
}

/* ---- happy paths and situational errors, per syscall ---- */

#ifndef CONF_HOST
/* Start userland/hello from the boot file system with argv; its pid. */
static int64_t spawn_hello(const char *const *argv, uint64_t argc, const vos_cap_t *caps, uint64_t ncaps)
{
    const void *data;
    uint64_t size;
    assert_int_equal(vos_bootfs_find(&bootfs, "hello", &data, &size), 0);
    int64_t pid = vos_sys_process_create(data, size, argv, argc, caps, ncaps);
    assert_true(pid > 0);
    return pid;
}

/* process_create, process_start, process_wait and exit: a child's negative exit code. */
static void process_happy(void **state)
{
    (void)state;
    static const char *const argv[] = { "hello", "exit", "-7" };
    int64_t pid = spawn_hello(argv, 3, NULL, 0);
    struct vos_process_exit_info info;
    assert_int_equal(vos_sys_process_wait((uint64_t)pid, 0, &info), ERR(VOS_ERR_TIMEOUT)); /* not started */
    assert_int_equal(vos_sys_process_start((uint64_t)pid), 0);
    assert_int_equal(vos_sys_process_start((uint64_t)pid), ERR(VOS_ERR_BUSY));
    assert_int_equal(vos_sys_process_wait((uint64_t)pid, GUARD_NS, &info), 0);
    assert_int_equal(info.pid, (uint64_t)pid);
    assert_int_equal(info.reason, VOS_EXIT_CODE);
    assert_int_equal(info.code, -7);
    assert_int_equal(info.address, 0);
    assert_int_equal(vos_sys_process_wait((uint64_t)pid, 0, &info), ERR(VOS_ERR_NOT_FOUND)); /* reaped */
}

/* process_wait's three result words, raw; a timeout while the child sleeps. */
static void process_wait_words(void **state)
{
    (void)state;
    static const char *const argv[] = { "hello", "sleep", "999" }; /* ~1 s (hello takes < 1 s): ample margin for the timeouts below */
    int64_t pid = spawn_hello(argv, 3, &console, 1);
    assert_int_equal(vos_sys_process_start((uint64_t)pid), 0);
    struct vos_process_exit_info info;
    assert_int_equal(vos_sys_process_wait((uint64_t)pid, 0, &info), ERR(VOS_ERR_TIMEOUT));
    assert_int_equal(vos_sys_process_wait((uint64_t)pid, 1000, &info), ERR(VOS_ERR_TIMEOUT));
    uint64_t args[8] = { (uint64_t)pid, GUARD_NS, 0, 0, 0, 0, 0, 0 }, ret[4] = { 0 };
    assert_int_equal(vos_syscall_raw(VOS_SYS_PROCESS_WAIT, args, ret), pid);
    assert_int_equal(ret[0], (uint64_t)pid);
    assert_int_equal(ret[1], VOS_EXIT_CODE);
    assert_int_equal(ret[2], 0);
}

/* A capability granted to a child arrives (hello caps exits with their number). */
static void process_create_grants(void **state)
{
    (void)state;
    static const char *const argv[] = { "hello", "caps" };
    vos_cap_t grant[2] = { console, region };
    int64_t pid = spawn_hello(argv, 2, grant, 2);
    assert_int_equal(vos_sys_process_start((uint64_t)pid), 0);
    struct vos_process_exit_info info;
    assert_int_equal(vos_sys_process_wait((uint64_t)pid, GUARD_NS, &info), 0);
    assert_int_equal(info.reason, VOS_EXIT_CODE);
    assert_int_equal(info.code, 2);
}
#else
/* The host target runs no ELF programs: the process tests need a guest. */
static void process_happy(void **state) { (void)state; skip(); }
static void process_wait_words(void **state) { (void)state; skip(); }
static void process_create_grants(void **state) { (void)state; skip(); }
#endif

static void read_happy(void **state)
{
    (void)state;
    struct vos_pool_info info;
    assert_int_equal(vos_sys_read(pool, &info, sizeof(info), 0), (int64_t)sizeof(info));
    assert_true(info.total_bytes > 0 && info.free_bytes > 0);
    char b[4];
    assert_int_equal(vos_sys_read(region, b, sizeof(b), VOS_PAGE_SIZE), 0); /* at the end: 0 bytes */
    vos_cap_t wo = derive(region, VOS_RIGHT_WRITE);
    assert_int_equal(vos_sys_read(wo, b, sizeof(b), 0), ERR(VOS_ERR_PERMISSION_DENIED));
}

static void write_happy(void **state)
{
    (void)state;
    assert_int_equal(vos_sys_write(console, U("conformance: write\n"), 19, 0), 19);
    assert_int_equal(vos_sys_write(region, U("hello"), 5, VOS_PAGE_SIZE - 2), 2); /* clipped at the end */
    assert_int_equal(vos_sys_write(console, NULL, 0, 0), 0);                  /* length 0 accepts any pointer */
}

static void mmap_happy(void **state)
{
    (void)state;
    int64_t r = vos_sys_mmap(0, 2 * VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    assert_true(r > 0);
    assert_int_equal(r % VOS_PAGE_SIZE, 0);
    if (USER_MEMORY_IS_HOST_MEMORY) {
        uint8_t *p = (uint8_t *)(uintptr_t)r;
        assert_int_equal(p[100], 0);
        p[VOS_PAGE_SIZE + 1] = 9;
    }
    assert_int_equal(vos_sys_mmap((uint64_t)r, VOS_PAGE_SIZE, VOS_PROT_READ, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_FIXED, 0, 0),
                     ERR(VOS_ERR_ALREADY_EXISTS));
    assert_int_equal(vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_WRITE | VOS_PROT_EXEC, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0),
                     ERR(VOS_ERR_INVALID_PARAMETER)); /* W^X */
    assert_int_equal(vos_sys_munmap((uint64_t)r, 2 * VOS_PAGE_SIZE), 0);
}

static void munmap_happy(void **state)
{
    (void)state;
    void *p = map_anon(VOS_PAGE_SIZE);
    assert_int_equal(vos_sys_munmap((uint64_t)(uintptr_t)p, VOS_PAGE_SIZE), 0);
    assert_int_equal(vos_sys_munmap((uint64_t)(uintptr_t)p, VOS_PAGE_SIZE), 0); /* holes are fine */
    assert_int_equal(vos_sys_munmap((uint64_t)(uintptr_t)p + 1, VOS_PAGE_SIZE), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_munmap(KERNEL_ADDR, VOS_PAGE_SIZE), ERR(VOS_ERR_INVALID_ADDRESS));
}

static void mprotect_happy(void **state)
{
    (void)state;
    uint8_t *p = map_anon(VOS_PAGE_SIZE);
    if (USER_MEMORY_IS_HOST_MEMORY)
        p[0] = 1;
    assert_int_equal(vos_sys_mprotect((uint64_t)(uintptr_t)p, VOS_PAGE_SIZE, VOS_PROT_READ), 0);
    if (USER_MEMORY_IS_HOST_MEMORY)
        assert_int_equal(p[0], 1);
    assert_int_equal(vos_sys_mprotect((uint64_t)(uintptr_t)p, VOS_PAGE_SIZE, 8), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_mprotect((uint64_t)(uintptr_t)p + 1, VOS_PAGE_SIZE, VOS_PROT_READ), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_mprotect(fresh_unmapped(), VOS_PAGE_SIZE, VOS_PROT_READ), ERR(VOS_ERR_INVALID_ADDRESS));
    /* a read-only region mapping cannot become writable */
    vos_cap_t ro = derive(region, VOS_RIGHT_READ);
    int64_t m = vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ, VOS_MAP_SHARED, ro, 0);
    assert_true(m > 0);
    assert_int_equal(vos_sys_mprotect((uint64_t)m, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE), ERR(VOS_ERR_PERMISSION_DENIED));
    vos_sys_munmap((uint64_t)m, VOS_PAGE_SIZE);
    vos_sys_munmap((uint64_t)(uintptr_t)p, VOS_PAGE_SIZE);
}

static void ipc_endpoint_create_happy(void **state) /* [IPC] */
{
    (void)state;
    struct vos_endpoint_create_result ep;
    assert_int_equal(vos_sys_ipc_endpoint_create(&ep), 0);
    assert_true(ep.endpoint_id > 0);
    assert_true(ep.capability != 0);
    assert_int_equal(vos_sys_capability_validate(ep.capability, VOS_RIGHT_ALL), 0);
    uint64_t args[8] = { 0 }, ret[4];
    assert_false(VOS_IS_ERROR((uint64_t)vos_syscall_raw(VOS_SYS_IPC_ENDPOINT_CREATE, args, ret)));
    assert_int_equal(ret[0], ep.endpoint_id + 1); /* word 0: the id; ids count up */
    assert_int_equal(vos_sys_capability_validate(ret[1], VOS_RIGHT_ALL), 0); /* word 1: the capability */
}

static void ipc_channel_create_happy(void **state) /* [IPC] */
{
    (void)state;
    assert_int_not_equal(endpoint_cap, 0);
    int64_t ch = vos_sys_ipc_channel_create(endpoint_id, endpoint_id, endpoint_cap, endpoint_cap);
    assert_true(ch > 0);
    assert_int_equal(vos_sys_ipc_channel_create(endpoint_id + 999, endpoint_id, endpoint_cap, endpoint_cap),
                     ERR(VOS_ERR_INVALID_CAPABILITY)); /* the capability does not name endpoint1 */
}

static void ipc_send_receive_happy(void **state) /* [IPC] */
{
    (void)state;
    assert_int_not_equal(channel_cap, 0);
    assert_int_equal(vos_sys_ipc_send(channel_id, U("hello"), 5, 0, channel_cap), 0);
    char small[2], buf[16];
    struct vos_ipc_receive_result rr;
    memset(&rr, 0, sizeof(rr));
    assert_int_equal(vos_sys_ipc_receive(endpoint_id, small, sizeof(small), 0, endpoint_cap, &rr), ERR(VOS_ERR_BUFFER_TOO_SMALL));
    assert_int_equal(rr.message_len, 5); /* the needed length, in word 1 */
    assert_int_equal(vos_sys_ipc_receive(endpoint_id, buf, sizeof(buf), 0, endpoint_cap, &rr), 0);
    assert_int_equal(rr.message_len, 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(rr.sender, self_pid);
    assert_int_equal(rr.reply_token, 0);
}

static void ipc_receive_timeout(void **state) /* [IPC] */
{
    (void)state;
    assert_int_not_equal(endpoint_cap, 0);
    char *buf = map_anon(VOS_PAGE_SIZE); /* see make_ipc_objects_steps */
    struct vos_ipc_receive_result rr;
    assert_int_equal(vos_sys_ipc_receive(endpoint_id, buf, 8, 0, endpoint_cap, &rr), ERR(VOS_ERR_TIMEOUT));
    assert_int_equal(vos_sys_ipc_receive(endpoint_id, buf, 8, 1000000, endpoint_cap, &rr), ERR(VOS_ERR_TIMEOUT));
}

static void ipc_call_timeout(void **state) /* [IPC] */
{
    (void)state;
    assert_int_not_equal(channel_cap, 0);
    char *resp = map_anon(VOS_PAGE_SIZE); /* see make_ipc_objects_steps */
    struct vos_ipc_call_result res;
    assert_int_equal(vos_sys_ipc_call(channel_id, ipc_bytes("x", 1), 1, resp, 8, 0, 0, channel_cap, &res), ERR(VOS_ERR_TIMEOUT));
}

static volatile int64_t server_result = 1;

/* Receives one call into the page at arg and replies with 64 bytes of it. */
HELPER_THREAD static void ipc_server(uint64_t arg)
{
    char *page = (char *)(uintptr_t)arg;
    struct vos_ipc_receive_result rr;
    int64_t r = vos_sys_ipc_receive(endpoint_id, page, 64, GUARD_NS, endpoint_cap, &rr);
    if (r == 0)
        r = vos_sys_ipc_reply(rr.reply_token, page, 64, 0);
    server_result = r;
    vos_sys_thread_exit(0);
}

/* The register path's server: n + 1 receives, replying to each with every word plus one. */
HELPER_THREAD static void short_server(uint64_t n)
{
    struct vos_ipc_short_message m;
    struct vos_ipc_short_receive_result r = { 0, 0, 0 };
    uint64_t len = 0;
    int64_t err = 0;
    for (uint64_t i = 0; i <= n && !err; i++) {
        err = vos_sys_ipc_reply_receive_short(r.reply_token, endpoint_cap, len, &m, &r);
        if (!err && i == n)
            err = vos_sys_ipc_reply(r.reply_token, &m, 0, 0); /* the last one: answered the general way */
        uint64_t *w = &m.w0;
        for (unsigned j = 0; j < 8; j++)
            w[j]++;
        len = r.message_len;
    }
    server_result = err;
    vos_sys_thread_exit(0);
}

/* SYS_IPC_CALL_SHORT to SYS_IPC_REPLY_RECEIVE_SHORT: the words travel in registers, both ways. */
static void ipc_short_round_trips(void **state) /* [IPC] */
{
    (void)state;
    assert_int_not_equal(channel_cap, 0);
    enum { N = 100 };
    uint8_t *stack = map_anon(16384);
    make_executable(short_server);
    server_result = 1;
    int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)short_server, (uint64_t)(uintptr_t)stack, 16384, N);
    assert_true(tid > 0);
    for (uint64_t i = 0; i < N; i++) {
        uint64_t len = i * 8 % 72; /* 0, 8, ... 64 */
        struct vos_ipc_short_message m;
        uint64_t *w = &m.w0;
        for (unsigned j = 0; j < 8; j++)
            w[j] = i * 10 + j;
        assert_int_equal(vos_sys_ipc_call_short(channel_cap, len, &m), (int64_t)len);
        for (unsigned j = 0; j < len / 8; j++)
            assert_int_equal(w[j], i * 10 + j + 1);
    }
    struct vos_ipc_short_message m = { 0, 0, 0, 0, 0, 0, 0, 0 };
    assert_int_equal(vos_sys_ipc_call_short(channel_cap, 0, &m), 0);
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, GUARD_NS, &joined), 0);
    assert_int_equal(server_result, 0);
    assert_int_equal(vos_sys_ipc_call_short(channel_cap, VOS_IPC_REGISTER_MESSAGE + 1, &m),
                     ERR(VOS_ERR_INVALID_PARAMETER));
}

/* A response bigger than the caller's buffer: BufferTooSmall, and the needed length in word 1. */
static void ipc_call_too_small(void **state) /* [IPC] */
{
    (void)state;
    assert_int_not_equal(channel_cap, 0);
    uint8_t *page = map_anon(VOS_PAGE_SIZE), *stack = map_anon(16384);
    make_executable(ipc_server);
    int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)ipc_server, (uint64_t)(uintptr_t)stack, 16384,
                                        (uint64_t)(uintptr_t)page);
    assert_true(tid > 0);
    char *resp = map_anon(VOS_PAGE_SIZE);
    struct vos_ipc_call_result res = { .capability = 77, .response_len = 0 };
    assert_int_equal(vos_sys_ipc_call(channel_id, ipc_bytes("q", 1), 1, resp, 8, GUARD_NS, 0, channel_cap, &res),
                     ERR(VOS_ERR_BUFFER_TOO_SMALL));
    assert_int_equal(res.response_len, 64);
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, GUARD_NS, &joined), 0);
}

static void ipc_reply_happy(void **state) /* [IPC] */
{
    (void)state;
    if (!reply_cap)
        fail_msg("no reply token: ipc_receive returned %" PRId64 ", the calling thread's ipc_call %" PRId64 " (1: not yet)",
                 ipc_receive_result, (int64_t)ipc_thread_result);
    const void *pong = ipc_bytes("pong", 4);
    assert_int_equal(vos_sys_ipc_reply(reply_cap, pong, 4, 0), 0);
    assert_int_equal(vos_sys_ipc_reply(reply_cap, pong, 4, 0), ERR(VOS_ERR_INVALID_CAPABILITY)); /* single use */
}

static void process_create_errors(void **state)
{
    (void)state;
    static const uint8_t not_elf[64] = { 'n', 'o', 't' };
    const void *image = ubytes(not_elf, sizeof(not_elf));
    assert_int_equal(vos_sys_process_create(image, sizeof(not_elf), NULL, 0, NULL, 0), ERR(VOS_ERR_INVALID_PARAMETER));
    /* a capability to grant without GRANT */
    vos_cap_t nogrant = derive(console, VOS_RIGHT_WRITE);
    assert_int_equal(vos_sys_process_create(image, sizeof(not_elf), NULL, 0, &nogrant, 1), ERR(VOS_ERR_PERMISSION_DENIED));
}

static void process_start_wait_errors(void **state)
{
    (void)state;
    struct vos_process_exit_info info;
    assert_int_equal(vos_sys_process_start(999999), ERR(VOS_ERR_NOT_FOUND));
    assert_int_equal(vos_sys_process_wait(999999, 0, &info), ERR(VOS_ERR_NOT_FOUND));
    assert_int_equal(vos_sys_process_start(self_pid), ERR(VOS_ERR_PERMISSION_DENIED)); /* not our child */
    assert_int_equal(vos_sys_process_wait(self_pid, 0, &info), ERR(VOS_ERR_PERMISSION_DENIED));
}

static volatile uint64_t thread_seen;

static void thread_body(uint64_t arg)
{
    thread_seen = arg;
    vos_sys_thread_exit((int32_t)(arg & 0xff) - 100);
}

static void thread_blocker(uint64_t arg)
{
    /* in scratch: on the host target a created thread's stack is no user memory */
    struct vos_timespec *ts = (struct vos_timespec *)(void *)(scratch + 2 * VOS_PAGE_SIZE);
    ts->tv_sec = arg / 1000; /* arg: milliseconds */
    ts->tv_nsec = arg % 1000 * 1000000;
    vos_sys_nanosleep(ts);
    vos_sys_thread_exit(3);
}
/*
 * ---- signed results (docs/abi.md, "Return values") ----
 * An exit code is an i32 carried zero-extended: word 0 of SYS_THREAD_JOIN
 * (and word 2 of SYS_PROCESS_WAIT) has bit 63 clear whatever the code, so
 * -3 never reads as the error NotFound, and the stubs narrow it back.
 */
static const int32_t signed_codes[] = { 0, 1, -1, -3, INT32_MIN, INT32_MAX };
#define SIGNED_CODES (sizeof(signed_codes) / sizeof(signed_codes[0]))

#ifdef CONF_HOST
/* The child process on the host: its code is host code (hh_make_image); argv[1] is the code. */
static void exit_child(uint64_t start_info)
{
    struct vos_start_info si;
    host_user_read(start_info, &si, sizeof(si));
    uint64_t arg;
    host_user_read(si.argv + 8, &arg, sizeof(arg));
    char digits[16] = { 0 };
    for (size_t i = 0; i + 1 < sizeof(digits); i++) {
        host_user_read(arg + i, &digits[i], 1);
        if (!digits[i])
            break;
    }
    vos_sys_exit((int32_t)strtol(digits, NULL, 10));
}

/* A started child that exits with code; its pid. */
static int64_t spawn_exit(int32_t code)
{
    struct hh_elf_image image;
    hh_make_image(&image, exit_child);
    memcpy(scratch, &image, sizeof(image)); /* user memory */
    char digits[16];
    snprintf(digits, sizeof(digits), "%" PRId32, code);
    const char *argv[2] = { U("exit"), ubytes(digits, strlen(digits) + 1) };
    int64_t pid = vos_sys_process_create(scratch, sizeof(image), ubytes(argv, sizeof(argv)), 2, NULL, 0);
    assert_true(pid > 0);
    assert_int_equal(vos_sys_process_start((uint64_t)pid), 0);
    return pid;
}
#else
static int64_t spawn_exit(int32_t code)
{
    char digits[16];
    snprintf(digits, sizeof(digits), "%" PRId32, code);
    const char *const argv[] = { "hello", "exit", digits };
    int64_t pid = spawn_hello(argv, 3, NULL, 0);
    assert_int_equal(vos_sys_process_start((uint64_t)pid), 0);
    return pid;
}
#endif

static void process_wait_signed_codes(void **state)
{
    (void)state;
    for (size_t i = 0; i < SIGNED_CODES; i++) {
        int32_t code = signed_codes[i];
        int64_t pid = spawn_exit(code);
        struct vos_process_exit_info info;
        memset(&info, 0xa5, sizeof(info));
        assert_int_equal(vos_sys_process_wait((uint64_t)pid, GUARD_NS, &info), 0);
        assert_int_equal(info.pid, (uint64_t)pid);
        assert_int_equal(info.reason, VOS_EXIT_CODE);
        if (info.code != code)
            fail_msg("exit code %" PRId32 " came back as %" PRId32, code, info.code);
        assert_int_equal(info.address, 0);
        /* The words themselves: the code zero-extended in word 2, word 3 (a fault's address) 0. */
        pid = spawn_exit(code);
        uint64_t args[8] = { (uint64_t)pid, GUARD_NS, 0, 0, 0, 0, 0, 0 }, ret[4] = { 0, 0, 0, 1 };
        assert_int_equal(vos_syscall_raw(VOS_SYS_PROCESS_WAIT, args, ret), pid);
        assert_int_equal(ret[1], VOS_EXIT_CODE);
        assert_int_equal(ret[2], (uint64_t)(uint32_t)code);
        assert_int_equal(ret[3], 0);
    }
}

__attribute__((noinline)) static void thread_exit_with(uint64_t code)
{
    vos_sys_thread_exit((int32_t)code);
}

static void thread_join_signed_codes(void **state)
{
    (void)state;
    uint8_t *stack = map_anon(16384);
    make_executable(thread_exit_with);
    for (size_t i = 0; i < SIGNED_CODES; i++) {
        int32_t code = signed_codes[i];
        int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)thread_exit_with, (uint64_t)(uintptr_t)stack, 16384,
                                            (uint32_t)code);
        assert_true(tid > 0);
        int32_t got = 12345;
        assert_int_equal(vos_sys_thread_join((uint64_t)tid, GUARD_NS, &got), 0);
        if (got != code)
            fail_msg("exit code %" PRId32 " came back as %" PRId32, code, got);
        /* Joined once: a second join is the error NotFound, which no exit code looks like. */
        assert_int_equal(vos_sys_thread_join((uint64_t)tid, 0, &got), ERR(VOS_ERR_NOT_FOUND));
        /* Word 0 itself: the code zero-extended, bit 63 clear. */
        tid = vos_sys_thread_create((uint64_t)(uintptr_t)thread_exit_with, (uint64_t)(uintptr_t)stack, 16384,
                                    (uint32_t)code);
        assert_true(tid > 0);
        uint64_t args[8] = { (uint64_t)tid, GUARD_NS, 0, 0, 0, 0, 0, 0 }, ret[4];
        assert_int_equal(vos_syscall_raw(VOS_SYS_THREAD_JOIN, args, ret), (uint64_t)(uint32_t)code);
        assert_false(VOS_IS_ERROR(ret[0]));
    }
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 16384);
}

static volatile uint64_t entry_frame_misalignment = 99;

/* The C ABI's stack alignment at a function's entry: its frame is 16-byte aligned. */
__attribute__((noinline)) static void thread_align_body(uint64_t arg)
{
    entry_frame_misalignment = (uintptr_t)__builtin_frame_address(0) & 15;
    vos_sys_thread_exit((int32_t)arg);
}

static void thread_entry_alignment(void **state)
{
    (void)state;
    uint8_t *stack = map_anon(16384);
    make_executable(thread_align_body);
    int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)thread_align_body, (uint64_t)(uintptr_t)stack, 16384, 5);
    assert_true(tid > 0);
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, GUARD_NS, &joined), 0);
    assert_int_equal(joined, 5);
    if (entry_frame_misalignment)
        fail_msg("a new thread's frame is at %" PRIu64 " mod 16: its entry stack breaks the C ABI "
                 "(x86_64: rsp must be 8 mod 16 at a function's entry)", (uint64_t)entry_frame_misalignment);
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 16384);
}

static void thread_create_join_happy(void **state)
{
    (void)state;
    uint8_t *stack = map_anon(16384);
    uint64_t sentinel = 0x1122334455667708ull;
    make_executable(thread_body);
    int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)thread_body, (uint64_t)(uintptr_t)stack, 16384, sentinel);
    assert_true(tid > 0);
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, VOS_TIMEOUT_INFINITE, &joined), 0); /* negative i32 */
    assert_int_equal(joined, (int64_t)(int32_t)(8 - 100));
    assert_int_equal(thread_seen, sentinel); /* the 4th argument arrived whole */
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, 0, &joined), ERR(VOS_ERR_NOT_FOUND));
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 16384);
}

static void thread_join_timeout(void **state)
{
    (void)state;
    uint8_t *stack = map_anon(16384);
    make_executable(thread_blocker);
    int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)thread_blocker, (uint64_t)(uintptr_t)stack, 16384, 1000);
    /* the sleeper sleeps 1 s: ample margin for the 0 and 1 µs timeouts below, even on a loaded host */
    assert_true(tid > 0);
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, 0, &joined), ERR(VOS_ERR_TIMEOUT));
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, 1000, &joined), ERR(VOS_ERR_TIMEOUT));
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, GUARD_NS, &joined), 0);
    assert_int_equal(joined, 3);
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 16384);
}

static void thread_errors(void **state)
{
    (void)state;
    uint8_t *stack = map_anon(16384);
    assert_int_equal(vos_sys_thread_create(0x10, (uint64_t)(uintptr_t)stack, 16384, 0), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_thread_create((uint64_t)(uintptr_t)thread_body, fresh_unmapped(), 8192, 0), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_thread_join(999999, 0, &joined), ERR(VOS_ERR_NOT_FOUND));
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 16384);
}

static void capability_create_happy(void **state)
{
    (void)state;
    int64_t r = vos_sys_capability_create(VOS_OBJ_MEMORY, VOS_PAGE_SIZE, VOS_RIGHT_READ | VOS_RIGHT_REVOKE, pool);
    assert_true(r > 0);
    assert_int_equal(vos_sys_capability_validate((vos_cap_t)r, VOS_RIGHT_READ), 0);
    assert_int_equal(vos_sys_capability_create(VOS_OBJ_COUNT, 1, VOS_RIGHT_READ, pool), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_capability_create(VOS_OBJ_MEMORY, VOS_PAGE_SIZE, 1ull << 6, pool), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_capability_create(VOS_OBJ_PROCESS, 999999, VOS_RIGHT_READ, self_cap), ERR(VOS_ERR_NOT_FOUND));
    assert_int_equal(vos_sys_capability_revoke((vos_cap_t)r), 0);
}

static void capability_derive_happy(void **state)
{
    (void)state;
    vos_cap_t c = derive(region, VOS_RIGHT_READ | VOS_RIGHT_DERIVE);
    assert_int_equal(vos_sys_capability_validate(c, VOS_RIGHT_READ), 0);
    assert_int_equal(vos_sys_capability_validate(c, VOS_RIGHT_WRITE), ERR(VOS_ERR_PERMISSION_DENIED));
    assert_int_equal(vos_sys_capability_derive(c, VOS_RIGHT_READ | VOS_RIGHT_WRITE), ERR(VOS_ERR_PERMISSION_DENIED));
    assert_int_equal(vos_sys_capability_derive(c, 1ull << 40), ERR(VOS_ERR_INVALID_PARAMETER));
}

static void capability_revoke_happy(void **state)
{
    (void)state;
    vos_cap_t parent = derive(region, VOS_RIGHT_ALL);
    vos_cap_t child = derive(parent, VOS_RIGHT_READ);
    assert_int_equal(vos_sys_capability_revoke(parent), 0);
    assert_int_equal(vos_sys_capability_validate(child, 0), ERR(VOS_ERR_INVALID_CAPABILITY));
    assert_int_equal(vos_sys_capability_validate(parent, 0), ERR(VOS_ERR_INVALID_CAPABILITY));
}

static void capability_validate_happy(void **state)
{
    (void)state;
    assert_int_equal(vos_sys_capability_validate(console, VOS_RIGHT_ALL), 0);
    assert_int_equal(vos_sys_capability_validate(console, 1ull << 50), ERR(VOS_ERR_INVALID_PARAMETER));
}

static void clock_get_happy(void **state)
{
    (void)state;
    struct vos_timespec t0, t1, rt;
    assert_int_equal(vos_sys_clock_get(VOS_CLOCK_MONOTONIC, &t0), 0);
    assert_int_equal(vos_sys_clock_get(VOS_CLOCK_MONOTONIC, &t1), 0);
    assert_true(t1.tv_sec * NS_PER_S + t1.tv_nsec >= t0.tv_sec * NS_PER_S + t0.tv_nsec);
    int64_t r = vos_sys_clock_get(VOS_CLOCK_REALTIME, &rt);
    assert_true(r == ERR(VOS_ERR_NOT_SUPPORTED) || (r == 0 && rt.tv_sec > 1600000000ull));
    /* CLOCK_IDLE (extension): the CPU idles while the only thread sleeps */
    struct vos_timespec i0, i1, nap = { .tv_sec = 0, .tv_nsec = 1000000 };
    assert_int_equal(vos_sys_clock_get(VOS_CLOCK_IDLE, &i0), 0);
    assert_int_equal(vos_sys_nanosleep(&nap), 0);
    assert_int_equal(vos_sys_clock_get(VOS_CLOCK_IDLE, &i1), 0);
    assert_true(i1.tv_nsec < NS_PER_S);
    assert_true(i1.tv_sec * NS_PER_S + i1.tv_nsec > i0.tv_sec * NS_PER_S + i0.tv_nsec);
    assert_int_equal(vos_sys_clock_get(VOS_CLOCK_IDLE + 1, &rt), ERR(VOS_ERR_INVALID_PARAMETER));
}

static void nanosleep_happy(void **state)
{
    (void)state;
    struct vos_timespec t0, t1, nap = { .tv_sec = 0, .tv_nsec = 1000000 };
    assert_int_equal(vos_sys_clock_get(VOS_CLOCK_MONOTONIC, &t0), 0);
    assert_int_equal(vos_sys_nanosleep(&nap), 0);
    assert_int_equal(vos_sys_clock_get(VOS_CLOCK_MONOTONIC, &t1), 0);
    assert_true(t1.tv_sec * NS_PER_S + t1.tv_nsec >= t0.tv_sec * NS_PER_S + t0.tv_nsec + 1000000);
    struct vos_timespec bad = { .tv_sec = 0, .tv_nsec = NS_PER_S };
    assert_int_equal(vos_sys_nanosleep(&bad), ERR(VOS_ERR_INVALID_PARAMETER));
}

static void yield_happy(void **state)
{
    (void)state;
    assert_int_equal(vos_sys_yield(), 0);
}

/*
 * Registers a syscall must keep (docs/abi.md): every one but the results
 * and the arch's declared clobbers, whether the call returns at once (the
 * kernel's short path leaves callee-saved registers in the CPU) or the
 * thread is switched away from and back (they must reach its frame).
 * regs_syscall(nr, out) loads a sentinel (0x5e00 + the register's number)
 * into each, traps with number nr and stores what comes back into out[],
 * in the order of kept_regs[].
 */
#ifndef CONF_HOST
struct kept_reg {
    const char *name;
    unsigned num;  /* the sentinel is 0x5e00 + num; ~0u: holds the syscall number */
};
#if defined(__riscv)
static const struct kept_reg kept_regs[] = {
    { "ra", 1 }, { "gp", 3 }, { "tp", 4 }, { "s0", 8 }, { "s1", 9 }, { "a4", 14 }, { "a5", 15 },
    { "a6", 16 }, { "a7", ~0u }, { "s2", 18 }, { "s3", 19 }, { "s4", 20 }, { "s5", 21 }, { "s6", 22 },
    { "s7", 23 }, { "s8", 24 }, { "s9", 25 }, { "s10", 26 }, { "s11", 27 },
};
__attribute__((naked)) static void regs_syscall(uint64_t nr, uint64_t *out)
{
    __asm__ volatile(
        "addi sp, sp, -128\n sd ra, 0(sp)\n sd gp, 8(sp)\n sd tp, 16(sp)\n sd s0, 24(sp)\n sd s1, 32(sp)\n"
        "sd s2, 40(sp)\n sd s3, 48(sp)\n sd s4, 56(sp)\n sd s5, 64(sp)\n sd s6, 72(sp)\n sd s7, 80(sp)\n"
        "sd s8, 88(sp)\n sd s9, 96(sp)\n sd s10, 104(sp)\n sd s11, 112(sp)\n sd a1, 120(sp)\n"
        "mv a7, a0\n li ra, 0x5e01\n li gp, 0x5e03\n li tp, 0x5e04\n li s0, 0x5e08\n li s1, 0x5e09\n"
        "li a4, 0x5e0e\n li a5, 0x5e0f\n li a6, 0x5e10\n li s2, 0x5e12\n li s3, 0x5e13\n li s4, 0x5e14\n"
        "li s5, 0x5e15\n li s6, 0x5e16\n li s7, 0x5e17\n li s8, 0x5e18\n li s9, 0x5e19\n li s10, 0x5e1a\n"
        "li s11, 0x5e1b\n"
        "ecall\n"
        "ld t0, 120(sp)\n sd ra, 0(t0)\n sd gp, 8(t0)\n sd tp, 16(t0)\n sd s0, 24(t0)\n sd s1, 32(t0)\n"
        "sd a4, 40(t0)\n sd a5, 48(t0)\n sd a6, 56(t0)\n sd a7, 64(t0)\n sd s2, 72(t0)\n sd s3, 80(t0)\n"
        "sd s4, 88(t0)\n sd s5, 96(t0)\n sd s6, 104(t0)\n sd s7, 112(t0)\n sd s8, 120(t0)\n sd s9, 128(t0)\n"
        "sd s10, 136(t0)\n sd s11, 144(t0)\n"
        "ld ra, 0(sp)\n ld gp, 8(sp)\n ld tp, 16(sp)\n ld s0, 24(sp)\n ld s1, 32(sp)\n ld s2, 40(sp)\n"
        "ld s3, 48(sp)\n ld s4, 56(sp)\n ld s5, 64(sp)\n ld s6, 72(sp)\n ld s7, 80(sp)\n ld s8, 88(sp)\n"
        "ld s9, 96(sp)\n ld s10, 104(sp)\n ld s11, 112(sp)\n addi sp, sp, 128\n ret\n");
}
#elif defined(__aarch64__)
static const struct kept_reg kept_regs[] = {
    { "x4", 4 }, { "x5", 5 }, { "x6", 6 }, { "x7", 7 }, { "x8", ~0u }, { "x9", 9 }, { "x10", 10 },
    { "x11", 11 }, { "x12", 12 }, { "x13", 13 }, { "x14", 14 }, { "x15", 15 }, { "x16", 16 },
    { "x17", 17 }, { "x18", 18 }, { "x19", 19 }, { "x20", 20 }, { "x21", 21 }, { "x22", 22 },
    { "x23", 23 }, { "x24", 24 }, { "x25", 25 }, { "x26", 26 }, { "x27", 27 }, { "x28", 28 },
    { "x29", 29 }, { "x30", 30 },
};
__attribute__((naked)) static void regs_syscall(uint64_t nr, uint64_t *out)
{
    __asm__ volatile(
        "stp x29, x30, [sp, #-112]!\n stp x19, x20, [sp, #16]\n stp x21, x22, [sp, #32]\n"
        "stp x23, x24, [sp, #48]\n stp x25, x26, [sp, #64]\n stp x27, x28, [sp, #80]\n str x1, [sp, #96]\n"
        "mov x8, x0\n mov x4, #0x5e04\n mov x5, #0x5e05\n mov x6, #0x5e06\n mov x7, #0x5e07\n"
        "mov x9, #0x5e09\n mov x10, #0x5e0a\n mov x11, #0x5e0b\n mov x12, #0x5e0c\n mov x13, #0x5e0d\n"
        "mov x14, #0x5e0e\n mov x15, #0x5e0f\n mov x16, #0x5e10\n mov x17, #0x5e11\n mov x18, #0x5e12\n"
        "mov x19, #0x5e13\n mov x20, #0x5e14\n mov x21, #0x5e15\n mov x22, #0x5e16\n mov x23, #0x5e17\n"
        "mov x24, #0x5e18\n mov x25, #0x5e19\n mov x26, #0x5e1a\n mov x27, #0x5e1b\n mov x28, #0x5e1c\n"
        "mov x29, #0x5e1d\n mov x30, #0x5e1e\n"
        "svc #0\n"
        "ldr x1, [sp, #96]\n stp x4, x5, [x1]\n stp x6, x7, [x1, #16]\n stp x8, x9, [x1, #32]\n"
        "stp x10, x11, [x1, #48]\n stp x12, x13, [x1, #64]\n stp x14, x15, [x1, #80]\n"
        "stp x16, x17, [x1, #96]\n stp x18, x19, [x1, #112]\n stp x20, x21, [x1, #128]\n"
        "stp x22, x23, [x1, #144]\n stp x24, x25, [x1, #160]\n stp x26, x27, [x1, #176]\n"
        "stp x28, x29, [x1, #192]\n str x30, [x1, #208]\n"
        "ldp x19, x20, [sp, #16]\n ldp x21, x22, [sp, #32]\n ldp x23, x24, [sp, #48]\n"
        "ldp x25, x26, [sp, #64]\n ldp x27, x28, [sp, #80]\n ldp x29, x30, [sp], #112\n ret\n");
}
#elif defined(__x86_64__)
static const struct kept_reg kept_regs[] = {
    { "rbx", 3 }, { "rbp", 5 }, { "rsi", 6 }, { "rdi", 7 }, { "r9", 9 },
    { "r12", 12 }, { "r13", 13 }, { "r14", 14 }, { "r15", 15 },
};
__attribute__((naked)) static void regs_syscall(uint64_t nr, uint64_t *out)
{
    __asm__ volatile(
        "push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n push %rsi\n"
        "mov %rdi, %rax\n mov $0x5e03, %ebx\n mov $0x5e05, %ebp\n mov $0x5e06, %esi\n mov $0x5e07, %edi\n"
        "mov $0x5e09, %r9d\n mov $0x5e0c, %r12d\n mov $0x5e0d, %r13d\n mov $0x5e0e, %r14d\n mov $0x5e0f, %r15d\n"
        "syscall\n"
        "mov (%rsp), %rcx\n mov %rbx, 0(%rcx)\n mov %rbp, 8(%rcx)\n mov %rsi, 16(%rcx)\n mov %rdi, 24(%rcx)\n"
        "mov %r9, 32(%rcx)\n mov %r12, 40(%rcx)\n mov %r13, 48(%rcx)\n mov %r14, 56(%rcx)\n mov %r15, 64(%rcx)\n"
        "add $8, %rsp\n pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n ret\n");
}
#endif

static void check_kept_registers(uint64_t nr, const char *how)
{
    uint64_t out[sizeof(kept_regs) / sizeof(kept_regs[0])];
    memset(out, 0, sizeof(out));
    regs_syscall(nr, out);
    for (size_t i = 0; i < sizeof(kept_regs) / sizeof(kept_regs[0]); i++) {
        uint64_t want = kept_regs[i].num == ~0u ? nr : 0x5e00 + kept_regs[i].num;
        if (out[i] != want)
            fail_msg("%s is %#" PRIx64 " after a syscall that %s; it was %#" PRIx64, kept_regs[i].name, out[i], how,
                     want);
    }
}

static volatile int spin_stop;

HELPER_THREAD static void spinner_body(uint64_t arg)
{
    (void)arg;
    while (!spin_stop)
        vos_sys_yield();
    vos_sys_thread_exit(0);
}

static void registers_kept_at_once(void **state)
{
    (void)state;
    check_kept_registers(1023, "returns at once (an unknown number)"); /* abi.unknown_numbers: 1023 is none */
}

static void registers_kept_across_switch(void **state)
{
    (void)state;
    uint8_t *stack = map_anon(16384);
    make_executable(spinner_body);
    spin_stop = 0;
    int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)spinner_body, (uint64_t)(uintptr_t)stack, 16384, 0);
    assert_true(tid > 0);
    /* Each yield runs the spinner in between, whose own registers the kernel restores. */
    for (int i = 0; i < 3; i++)
        check_kept_registers(VOS_SYS_YIELD, "switched to another thread and back (SYS_YIELD)");
    spin_stop = 1;
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, GUARD_NS, &joined), 0);
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 16384);
}

/*
 * The register contract of the two message syscalls (docs/abi.md, the
 * register fast path; spec/arch.yaml message, message_args, returns,
 * message_clobbers, clobbers) across the kernel's IPC fast path
 * (kernel/ipc_fast.c, docs/ipc.md): a client thread calls with
 * SYS_IPC_CALL_SHORT a server thread of the same priority that waits in
 * SYS_IPC_REPLY_RECEIVE_SHORT, so every call after the server's first
 * receive switches straight to the server and every reply-receive straight
 * back (the last reply goes by SYS_IPC_REPLY, the general path, into the
 * same registers).  fp_trap(in, out) loads every general register it can
 * from in[] (indexed by register number: the message words, the arguments
 * and number, and a marker of the thread's own in every other one), traps,
 * and stores every register into out[].  Each side's markers carry its own
 * tag in their top 16 bits, the round and the register number in their
 * low bits.  After each trap, on each side:
 *   (a) every kept register (neither message, result nor clobbered) holds
 *       this thread's own marker of this round;
 *   (b) the message registers hold exactly the words the peer sent (the
 *       server answers every word plus one), and the results are right;
 *   (c) no register of message_clobbers or clobbers (that is not a result
 *       of this call) holds a value of the peer's: one of its markers, of
 *       any round, or one of its capability tokens (x86_64's rsi, rdx and
 *       r10 never hold a marker: the server's arguments are there).
 * Each side stores what every trap gave back, and both are checked once
 * the exchange is over (the server cannot fail a cmocka test from its own
 * thread, and a client that stopped calling would leave it waiting); the
 * client's test reports the client's first failure, the server's test the
 * server's.  Not on the host target, as for the kept-register tests
 * above: its trap (vos_host_trap) is a C call that copies only the
 * argument and result words, so there is no register file to check.
 */
#if defined(__riscv)
enum { FP_NREGS = 32 };
static const char *const fp_names[FP_NREGS] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};
static int fp_settable(unsigned r) { return r != 0 && r != 2; } /* zero; sp (kept: fp_trap returns through it) */
__attribute__((naked)) static void fp_trap(const uint64_t *in, uint64_t *out)
{
    __asm__ volatile(
        "addi sp, sp, -144\n sd ra, 0(sp)\n sd gp, 8(sp)\n sd tp, 16(sp)\n sd s0, 24(sp)\n sd s1, 32(sp)\n"
        "sd s2, 40(sp)\n sd s3, 48(sp)\n sd s4, 56(sp)\n sd s5, 64(sp)\n sd s6, 72(sp)\n sd s7, 80(sp)\n"
        "sd s8, 88(sp)\n sd s9, 96(sp)\n sd s10, 104(sp)\n sd s11, 112(sp)\n sd a1, 120(sp)\n"
        ".irp n, 1,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "ld x\\n, 8*\\n(a0)\n"
        ".endr\n"
        "ld a0, 80(a0)\n"
        "ecall\n"
        "sd t0, 128(sp)\n ld t0, 120(sp)\n"
        ".irp n, 1,3,4,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "sd x\\n, 8*\\n(t0)\n"
        ".endr\n"
        "ld t1, 128(sp)\n sd t1, 40(t0)\n"
        "ld ra, 0(sp)\n ld gp, 8(sp)\n ld tp, 16(sp)\n ld s0, 24(sp)\n ld s1, 32(sp)\n ld s2, 40(sp)\n"
        "ld s3, 48(sp)\n ld s4, 56(sp)\n ld s5, 64(sp)\n ld s6, 72(sp)\n ld s7, 80(sp)\n ld s8, 88(sp)\n"
        "ld s9, 96(sp)\n ld s10, 104(sp)\n ld s11, 112(sp)\n addi sp, sp, 144\n ret\n");
}
#elif defined(__aarch64__)
enum { FP_NREGS = 31 };
static const char *const fp_names[FP_NREGS] = {
    "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
    "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30",
};
static int fp_settable(unsigned r) { (void)r; return 1; }        /* sp is kept: fp_trap returns through it */
__attribute__((naked)) static void fp_trap(const uint64_t *in, uint64_t *out)
{
    __asm__ volatile(
        "stp x29, x30, [sp, #-112]!\n stp x19, x20, [sp, #16]\n stp x21, x22, [sp, #32]\n"
        "stp x23, x24, [sp, #48]\n stp x25, x26, [sp, #64]\n stp x27, x28, [sp, #80]\n str x1, [sp, #96]\n"
        ".irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30\n"
        "ldr x\\n, [x0, #8*\\n]\n"
        ".endr\n"
        "ldr x0, [x0]\n"
        "svc #0\n"
        "str x0, [sp, #104]\n ldr x0, [sp, #96]\n"
        ".irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30\n"
        "str x\\n, [x0, #8*\\n]\n"
        ".endr\n"
        "ldr x1, [sp, #104]\n str x1, [x0]\n"
        "ldp x19, x20, [sp, #16]\n ldp x21, x22, [sp, #32]\n ldp x23, x24, [sp, #48]\n"
        "ldp x25, x26, [sp, #64]\n ldp x27, x28, [sp, #80]\n ldp x29, x30, [sp], #112\n ret\n");
}
#elif defined(__x86_64__)
enum { FP_NREGS = 16 };
static const char *const fp_names[FP_NREGS] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};
static int fp_settable(unsigned r) { return r != 4; }            /* rsp is kept: fp_trap returns through it */
__attribute__((naked)) static void fp_trap(const uint64_t *in, uint64_t *out)
{
    __asm__ volatile(
        "push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n push %rsi\n sub $8, %rsp\n"
        "mov 0(%rdi), %rax\n mov 8(%rdi), %rcx\n mov 16(%rdi), %rdx\n mov 24(%rdi), %rbx\n mov 40(%rdi), %rbp\n"
        "mov 48(%rdi), %rsi\n mov 64(%rdi), %r8\n mov 72(%rdi), %r9\n mov 80(%rdi), %r10\n mov 88(%rdi), %r11\n"
        "mov 96(%rdi), %r12\n mov 104(%rdi), %r13\n mov 112(%rdi), %r14\n mov 120(%rdi), %r15\n mov 56(%rdi), %rdi\n"
        "syscall\n"
        "mov %rax, (%rsp)\n mov 8(%rsp), %rax\n"
        "mov %rcx, 8(%rax)\n mov %rdx, 16(%rax)\n mov %rbx, 24(%rax)\n mov %rbp, 40(%rax)\n mov %rsi, 48(%rax)\n"
        "mov %rdi, 56(%rax)\n mov %r8, 64(%rax)\n mov %r9, 72(%rax)\n mov %r10, 80(%rax)\n mov %r11, 88(%rax)\n"
        "mov %r12, 96(%rax)\n mov %r13, 104(%rax)\n mov %r14, 112(%rax)\n mov %r15, 120(%rax)\n"
        "mov (%rsp), %rcx\n mov %rcx, 0(%rax)\n"
        "add $16, %rsp\n pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n ret\n");
}
#endif

#define FP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The register roles, from spec/arch.yaml through the generated
 * conformance_cases.h, as indices into fp_names: the test states no
 * register rule of its own.  Every settable register that is neither a
 * message register nor destroyed by these calls (message_clobbers,
 * clobbers) nor one of their results is kept.
 */
static unsigned fp_number, fp_args[3], fp_returns[CONF_MESSAGE_RESULTS], fp_message[8];
static unsigned fp_kept[FP_NREGS], fp_nkept, fp_clobbers[FP_NREGS], fp_nclobbers;

static unsigned fp_index(const char *name)
{
    for (unsigned r = 0; r < FP_NREGS; r++)
        if (!strcmp(fp_names[r], name))
            return r;
    fail_msg("spec/arch.yaml names register %s, which this test does not know", name);
    return 0;
}

/* r among the first n names of a NULL-terminated list. */
static int fp_listed(const char *const *list, unsigned n, unsigned r)
{
    for (unsigned i = 0; i < n && list[i]; i++)
        if (fp_index(list[i]) == r)
            return 1;
    return 0;
}

static void fp_roles(void)
{
    fp_number = fp_index(conf_regs_number);
    for (unsigned i = 0; i < 3; i++)
        fp_args[i] = fp_index(conf_regs_message_args[i]);
    for (unsigned i = 0; i < CONF_MESSAGE_RESULTS; i++)
        fp_returns[i] = fp_index(conf_regs_returns[i]);
    for (unsigned j = 0; j < 8; j++)
        fp_message[j] = fp_index(conf_regs_message[j]);
    fp_nkept = fp_nclobbers = 0;
    for (unsigned r = 0; r < FP_NREGS; r++) {
        if (!fp_settable(r) || fp_listed(conf_regs_message, ~0u, r))
            continue;
        if (fp_listed(conf_regs_message_clobbers, ~0u, r) || fp_listed(conf_regs_clobbers, ~0u, r))
            fp_clobbers[fp_nclobbers++] = r;
        else if (!fp_listed(conf_regs_returns, CONF_MESSAGE_RESULTS, r))
            fp_kept[fp_nkept++] = r;
    }
}
enum { FP_ROUNDS = 8 };                 /* rounds 0..FP_ROUNDS; the last is answered by SYS_IPC_REPLY */
#define FP_CLIENT_TAG 0xc1e7u
#define FP_SERVER_TAG 0x5e7eu
#define FP_ANY_TOKEN (~0ull)            /* a result that is a fresh capability token: nonzero, no error */

struct fp_side {
    const char *who;
    unsigned tag, peer_tag;
    char failure[240]; /* the first failed check, or "" */
};
static struct fp_side fp_client = { "client (SYS_IPC_CALL_SHORT)", FP_CLIENT_TAG, FP_SERVER_TAG, "" };
static struct fp_side fp_server = { "server (SYS_IPC_REPLY_RECEIVE_SHORT)", FP_SERVER_TAG, FP_CLIENT_TAG, "" };
/* What each trap gave back, per round; checked after the exchange (see fp_exchange). */
static uint64_t fp_client_out[FP_ROUNDS + 1][FP_NREGS], fp_server_out[FP_ROUNDS + 1][FP_NREGS];
/* The server's capabilities: its endpoint (READ, derived by it), then the reply token of each round. */
static uint64_t fp_server_caps[FP_ROUNDS + 2];
static volatile int64_t fp_server_result;

static uint64_t fp_marker(unsigned tag, unsigned round, unsigned reg)
{
    return (uint64_t)tag << 48 | (uint64_t)0xa11 << 20 | (uint64_t)round << 8 | reg;
}

/* Word j of the client's request in round r (the server answers it plus one). */
static uint64_t fp_word(unsigned round, unsigned j) { return (uint64_t)0x3e55 << 48 | (uint64_t)round << 16 | j << 8; }

static void fp_record(struct fp_side *s, unsigned round, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fp_record(struct fp_side *s, unsigned round, const char *fmt, ...)
{
    if (s->failure[0])
        return;
    int n = snprintf(s->failure, sizeof(s->failure), "%s, round %u: ", s->who, round);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->failure + n, sizeof(s->failure) - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Every settable register: a marker of this side's, then the message words, arguments and number. */
static void fp_fill(uint64_t *in, const struct fp_side *s, unsigned round, uint64_t nr, const uint64_t *args,
                    unsigned nargs, const uint64_t *words)
{
    for (unsigned r = 0; r < FP_NREGS; r++)
        in[r] = fp_settable(r) ? fp_marker(s->tag, round, r) : 0;
    for (unsigned j = 0; j < 8; j++)
        in[fp_message[j]] = words[j];
    for (unsigned i = 0; i < nargs; i++)
        in[fp_args[i]] = args[i];
    in[fp_number] = nr;
}

static int fp_is_result(unsigned r, unsigned nresults)
{
    for (unsigned i = 0; i < nresults; i++)
        if (fp_returns[i] == r)
            return 1;
    return 0;
}

/* A value of the peer's: one of its markers (any round) or one of its capability tokens. */
static int fp_peers(const struct fp_side *s, uint64_t v, const uint64_t *peer_caps, unsigned npeer)
{
    for (unsigned i = 0; i < npeer; i++)
        if (peer_caps[i] && v == peer_caps[i])
            return 1;
    return v >> 48 == s->peer_tag;
}

/* Checks (a), (b) and (c) above for what one trap gave back; records the first failure. */
static void fp_check(struct fp_side *s, unsigned round, const uint64_t *out, const uint64_t *words,
                     const uint64_t *results, unsigned nresults, const uint64_t *peer_caps, unsigned npeer)
{
    for (unsigned i = 0; i < fp_nkept; i++) {
        unsigned r = fp_kept[i];
        if (out[r] != fp_marker(s->tag, round, r))
            fp_record(s, round, "kept register %s is %#" PRIx64 ", not its own %#" PRIx64 "%s", fp_names[r], out[r],
                      fp_marker(s->tag, round, r),
                      fp_peers(s, out[r], peer_caps, npeer) ? " (a value of the peer's)" : "");
    }
    for (unsigned j = 0; j < 8; j++) {
        unsigned r = fp_message[j];
        if (out[r] != words[j])
            fp_record(s, round, "message register %s (w%u) is %#" PRIx64 ", the peer sent %#" PRIx64, fp_names[r], j,
                      out[r], words[j]);
    }
    for (unsigned i = 0; i < nresults; i++) {
        unsigned r = fp_returns[i];
        if (results[i] == FP_ANY_TOKEN ? !out[r] || VOS_IS_ERROR(out[r]) || fp_peers(s, out[r], peer_caps, npeer)
                                       : out[r] != results[i])
            fp_record(s, round, "result %u in %s is %#" PRIx64 ", want %#" PRIx64, i, fp_names[r], out[r],
                      results[i]);
    }
    for (unsigned i = 0; i < fp_nclobbers; i++) {
        unsigned r = fp_clobbers[i];
        if (!fp_is_result(r, nresults) && fp_peers(s, out[r], peer_caps, npeer))
            fp_record(s, round, "clobbered register %s is %#" PRIx64 ", a value of the peer's", fp_names[r], out[r]);
    }
}

/*
 * The server, on an endpoint capability (all rights) that it derives its own
 * READ capability from: rounds 0..FP_ROUNDS by reply-receive (the first
 * receives only), then the last reply by SYS_IPC_REPLY.  Neither side looks
 * at the other's capability tokens until the exchange is over: a value of
 * a thread's own that the kernel saves and gives back to it (a register
 * message_clobbers allows to hold one) is then never one of the peer's.
 */
HELPER_THREAD static void fp_server_body(uint64_t ep_cap)
{
    uint64_t in[FP_NREGS], words[8] = { 0 }, token = 0;
    int64_t e = vos_sys_capability_derive(ep_cap, VOS_RIGHT_READ);
    if (e <= 0) {
        fp_record(&fp_server, 0, "capability_derive (READ) of the endpoint failed: %" PRId64, e);
        e = (int64_t)ep_cap; /* serve anyway: the client's calls do not wait forever */
    }
    fp_server_caps[0] = (uint64_t)e;
    for (unsigned round = 0;; round++) {
        uint64_t *out = fp_server_out[round];
        uint64_t args[3] = { token, (uint64_t)e, round ? VOS_IPC_REGISTER_MESSAGE : 0 };
        fp_fill(in, &fp_server, round, VOS_SYS_IPC_REPLY_RECEIVE_SHORT, args, 3, words);
        fp_trap(in, out);
        if (VOS_IS_ERROR(out[fp_returns[0]])) { /* the client then waits for good: its boot test times out */
            fp_server_result = (int64_t)out[fp_returns[0]];
            vos_sys_thread_exit(1);
        }
        token = out[fp_returns[2]];
        fp_server_caps[1 + round] = token;
        for (unsigned j = 0; j < 8; j++)
            words[j] = out[fp_message[j]] + 1; /* derived from what arrived: a wrong word reaches the client too */
        if (round == FP_ROUNDS)
            break;
    }
    fp_server_result = vos_sys_ipc_reply(token, words, VOS_IPC_REGISTER_MESSAGE, 0);
    vos_sys_thread_exit(0);
}

/* A fresh endpoint and channel, the server thread, FP_ROUNDS + 1 calls, then both sides' checks. */
static void fp_exchange(void)
{
    fp_roles();
    fp_client.failure[0] = fp_server.failure[0] = 0;
    memset(fp_client_out, 0, sizeof(fp_client_out));
    memset(fp_server_out, 0, sizeof(fp_server_out));
    memset(fp_server_caps, 0, sizeof(fp_server_caps));
    fp_server_result = 1;
    struct vos_endpoint_create_result ep;
    assert_int_equal(vos_sys_ipc_endpoint_create(&ep), 0);
    int64_t ch = vos_sys_ipc_channel_create(ep.endpoint_id, ep.endpoint_id, ep.capability, ep.capability);
    assert_true(ch > 0);
    int64_t wcap = vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)ch, VOS_RIGHT_WRITE, self_cap);
    assert_true(wcap > 0);
    uint8_t *stack = map_anon(16384);
    make_executable(fp_server_body);
    int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)fp_server_body, (uint64_t)(uintptr_t)stack, 16384,
                                        ep.capability);
    assert_true(tid > 0);
    vos_sys_yield(); /* the server reaches its first receive: then even the first call may find it waiting */
    uint64_t in[FP_NREGS];
    for (unsigned round = 0; round <= FP_ROUNDS; round++) {
        uint64_t words[8], args[2] = { (uint64_t)wcap, VOS_IPC_REGISTER_MESSAGE };
        for (unsigned j = 0; j < 8; j++)
            words[j] = fp_word(round, j);
        fp_fill(in, &fp_client, round, VOS_SYS_IPC_CALL_SHORT, args, 2, words);
        fp_trap(in, fp_client_out[round]);
    }
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, GUARD_NS, &joined), 0);
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 16384);
    if (fp_server_result != 0)
        fp_record(&fp_server, FP_ROUNDS, "the server ended with %" PRId64, fp_server_result);
    uint64_t client_cap = (uint64_t)wcap;
    for (unsigned round = 0; round <= FP_ROUNDS; round++) {
        uint64_t req[8], resp[8];
        for (unsigned j = 0; j < 8; j++)
            req[j] = fp_word(round, j), resp[j] = req[j] + 1;
        uint64_t client_results[1] = { VOS_IPC_REGISTER_MESSAGE };
        uint64_t server_results[3] = { self_pid, VOS_IPC_REGISTER_MESSAGE, FP_ANY_TOKEN };
        fp_check(&fp_client, round, fp_client_out[round], resp, client_results, 1, fp_server_caps,
                 FP_ARRAY_LEN(fp_server_caps));
        fp_check(&fp_server, round, fp_server_out[round], req, server_results, 3, &client_cap, 1);
    }
}

static void fast_path_registers_call(void **state) /* [IPC] */
{
    (void)state;
    fp_exchange();
    if (fp_client.failure[0])
        fail_msg("%s", fp_client.failure);
}

static void fast_path_registers_reply_receive(void **state) /* [IPC] */
{
    (void)state;
    fp_exchange();
    if (fp_server.failure[0])
        fail_msg("%s", fp_server.failure);
}

/*
 * The FP/SIMD registers across syscalls (spec/arch.yaml fp, fp_control,
 * fp_clobbers; docs/abi.md, "Floating point and SIMD"): every one the spec
 * does not declare clobbered comes back as it was, whether the call returns
 * at once, switches to a thread that uses the unit itself and back, copies
 * large messages (the kernel's bulk copy must not borrow them unsaved), or
 * goes through the IPC fast path to a server that uses them too.
 * fpu_around(fn, in, out) loads every FP/SIMD data register and the
 * control/status registers from in[], calls fn (integer code only: it makes
 * the syscall), and stores them all into out[]; words FPU_DATA.. are the
 * control registers, in fpu_control_names order.  Not on the host target
 * (no register file, as for the tests above).
 */
#if defined(__riscv)
enum { FPU_DATA = 32, FPU_WORDS_PER_REG = 1 };
static const char *const fpu_prefix = "f";
static const char *const fpu_control_names[] = { "fcsr", NULL };
static const uint64_t fpu_control_values[] = { 1 << 5 | 0x15 }; /* frm RTZ, flags NV OF NX */
__attribute__((naked)) static void fpu_around(void (*fn)(void), const uint64_t *in, uint64_t *out)
{
    __asm__ volatile(
        "addi sp, sp, -128\n sd ra, 0(sp)\n sd s0, 8(sp)\n sd s1, 16(sp)\n"
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11\n fsd fs\\n, 24+8*\\n(sp)\n .endr\n"
        "mv s0, a2\n frcsr s1\n"
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "fld f\\n, 8*\\n(a1)\n .endr\n"
        "ld t0, 256(a1)\n fscsr t0\n"
        "jalr a0\n"
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "fsd f\\n, 8*\\n(s0)\n .endr\n"
        "frcsr t0\n sd t0, 256(s0)\n fscsr s1\n"
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11\n fld fs\\n, 24+8*\\n(sp)\n .endr\n"
        "ld ra, 0(sp)\n ld s0, 8(sp)\n ld s1, 16(sp)\n addi sp, sp, 128\n ret\n");
}
#elif defined(__aarch64__)
enum { FPU_DATA = 64, FPU_WORDS_PER_REG = 2 };
static const char *const fpu_prefix = "v";
static const char *const fpu_control_names[] = { "fpcr", "fpsr", NULL };
static const uint64_t fpu_control_values[] = { 3 << 22, 0x1f }; /* RMode RZ; IOC DZC OFC UFC IXC */
__attribute__((naked)) static void fpu_around(void (*fn)(void), const uint64_t *in, uint64_t *out)
{
    __asm__ volatile(
        "stp x29, x30, [sp, #-112]!\n stp x19, x20, [sp, #16]\n stp x21, x22, [sp, #32]\n"
        "stp d8, d9, [sp, #48]\n stp d10, d11, [sp, #64]\n stp d12, d13, [sp, #80]\n stp d14, d15, [sp, #96]\n"
        "mov x19, x2\n mrs x20, fpcr\n mrs x21, fpsr\n"
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n ldr q\\n, [x1, #16*\\n]\n .endr\n"
        "add x11, x1, #512\n ldp x9, x10, [x11]\n msr fpcr, x9\n msr fpsr, x10\n"
        "blr x0\n"
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n str q\\n, [x19, #16*\\n]\n .endr\n"
        "mrs x9, fpcr\n mrs x10, fpsr\n add x11, x19, #512\n stp x9, x10, [x11]\n msr fpcr, x20\n msr fpsr, x21\n"
        "ldp d8, d9, [sp, #48]\n ldp d10, d11, [sp, #64]\n ldp d12, d13, [sp, #80]\n ldp d14, d15, [sp, #96]\n"
        "ldp x21, x22, [sp, #32]\n ldp x19, x20, [sp, #16]\n ldp x29, x30, [sp], #112\n ret\n");
}
#elif defined(__x86_64__)
enum { FPU_DATA = 32, FPU_WORDS_PER_REG = 2 };
static const char *const fpu_prefix = "xmm";
static const char *const fpu_control_names[] = { "mxcsr", NULL };
static const uint64_t fpu_control_values[] = { 0x7fa1 }; /* all masked, RC toward zero, flags IE PE */
__attribute__((naked)) static void fpu_around(void (*fn)(void), const uint64_t *in, uint64_t *out)
{
    __asm__ volatile(
        "push %rbx\n push %rbp\n sub $24, %rsp\n mov %rdx, %rbx\n stmxcsr (%rsp)\n"
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n movdqu 16*\\n(%rsi), %xmm\\n\n .endr\n"
        "ldmxcsr 256(%rsi)\n"
        "call *%rdi\n"
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n movdqu %xmm\\n, 16*\\n(%rbx)\n .endr\n"
        "stmxcsr 256(%rbx)\n ldmxcsr (%rsp)\n"
        "add $24, %rsp\n pop %rbp\n pop %rbx\n ret\n");
}
#endif

enum { FPU_CONTROL = FP_ARRAY_LEN(fpu_control_values), FPU_WORDS = FPU_DATA + FPU_CONTROL };

/* The words of the register the spec calls name: its first and how many; 0 words if unknown. */
static unsigned fpu_words_of(const char *name, unsigned *first)
{
    size_t n = strlen(fpu_prefix);
    if (!strncmp(name, fpu_prefix, n) && name[n] >= '0' && name[n] <= '9') {
        unsigned r = 0;
        for (const char *p = name + n; *p >= '0' && *p <= '9'; p++)
            r = r * 10 + (unsigned)(*p - '0');
        *first = r * FPU_WORDS_PER_REG;
        return *first < FPU_DATA ? FPU_WORDS_PER_REG : 0;
    }
    for (unsigned i = 0; fpu_control_names[i]; i++)
        if (!strcmp(name, fpu_control_names[i])) {
            *first = FPU_DATA + i;
            return 1;
        }
    return 0;
}

/* Which words hold registers the spec says every syscall keeps. */
static int fpu_kept[FPU_WORDS];

static void fpu_roles(void)
{
    memset(fpu_kept, 0, sizeof(fpu_kept));
    const char *const *lists[] = { conf_regs_fp, conf_regs_fp_control };
    for (unsigned l = 0; l < 2; l++)
        for (const char *const *r = lists[l]; *r; r++) {
            unsigned first, n = fpu_words_of(*r, &first);
            if (!n)
                fail_msg("spec/arch.yaml names FP register %s, which this test does not know", *r);
            for (unsigned w = 0; w < n; w++)
                fpu_kept[first + w] = 1;
        }
    for (const char *const *r = conf_regs_fp_clobbers; *r; r++) {
        unsigned first, n = fpu_words_of(*r, &first);
        for (unsigned w = 0; w < n; w++)
            fpu_kept[first + w] = 0;
    }
}

static void fpu_fill(uint64_t *in, unsigned tag, unsigned round)
{
    for (unsigned w = 0; w < FPU_DATA; w++)
        in[w] = (uint64_t)tag << 48 | (uint64_t)0xf9 << 32 | round << 16 | w;
    for (unsigned c = 0; c < FPU_CONTROL; c++)
        in[FPU_DATA + c] = fpu_control_values[c];
}

/* The first kept word that changed, described into msg; 0 if none did. */
static int fpu_changed(const uint64_t *in, const uint64_t *out, char *msg, size_t size)
{
    for (unsigned w = 0; w < FPU_WORDS; w++)
        if (fpu_kept[w] && in[w] != out[w]) {
            if (w < FPU_DATA)
                snprintf(msg, size, "%s%u (word %u) is %#" PRIx64 ", was %#" PRIx64, fpu_prefix,
                         w / FPU_WORDS_PER_REG, w % FPU_WORDS_PER_REG, out[w], in[w]);
            else
                snprintf(msg, size, "%s is %#" PRIx64 ", was %#" PRIx64, fpu_control_names[w - FPU_DATA], out[w], in[w]);
            return 1;
        }
    return 0;
}

static void fpu_check(unsigned tag, unsigned round, void (*fn)(void), const char *how)
{
    uint64_t in[FPU_WORDS], out[FPU_WORDS];
    char msg[160];
    fpu_fill(in, tag, round);
    memset(out, 0, sizeof(out));
    fpu_around(fn, in, out);
    if (fpu_changed(in, out, msg, sizeof(msg)))
        fail_msg("after a syscall that %s, round %u: %s", how, round, msg);
}

static void fpu_unknown_syscall(void)
{
    uint64_t out[FP_ARRAY_LEN(kept_regs)];
    regs_syscall(1023, out); /* abi.unknown_numbers: 1023 is none */
}

static void fpu_registers_kept_at_once(void **state)
{
    (void)state;
    fpu_roles();
    for (unsigned round = 0; round < 3; round++)
        fpu_check(0xc1e7, round, fpu_unknown_syscall, "returns at once (an unknown number)");
}

/* A thread of the same priority that uses the FP unit between our yields. */
static volatile int fpu_spin_stop;
static char fpu_spinner_failure[160];

static void fpu_yield(void) { vos_sys_yield(); }

HELPER_THREAD static void fpu_spinner_body(uint64_t arg)
{
    (void)arg;
    uint64_t in[FPU_WORDS], out[FPU_WORDS];
    for (unsigned round = 0; !fpu_spin_stop; round++) {
        fpu_fill(in, 0x5e7e, round);
        fpu_around(fpu_yield, in, out);
        if (!fpu_spinner_failure[0])
            fpu_changed(in, out, fpu_spinner_failure, sizeof(fpu_spinner_failure));
    }
    vos_sys_thread_exit(0);
}

static void fpu_registers_kept_across_switch(void **state)
{
    (void)state;
    fpu_roles();
    uint8_t *stack = map_anon(16384);
    make_executable(fpu_spinner_body);
    fpu_spin_stop = 0;
    fpu_spinner_failure[0] = 0;
    int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)fpu_spinner_body, (uint64_t)(uintptr_t)stack, 16384, 0);
    assert_true(tid > 0);
    /* Each yield runs the spinner, which takes the unit (our state saved) and gives it back on our next use. */
    for (unsigned round = 0; round < 4; round++)
        fpu_check(0xc1e7, round, fpu_yield, "switched to a thread using FP and back (SYS_YIELD)");
    fpu_spin_stop = 1;
    int32_t code;
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, GUARD_NS, &code), 0);
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 16384);
    if (fpu_spinner_failure[0])
        fail_msg("the other thread, after SYS_YIELD: %s", fpu_spinner_failure);
}

/* A message the kernel copies in and out in bulk (at least 256 bytes each way). */
enum { FPU_COPY_LEN = 1024 };
static _Alignas(64) uint8_t fpu_send_buf[FPU_COPY_LEN], fpu_recv_buf[FPU_COPY_LEN];
static uint64_t fpu_ep_id, fpu_ep_cap, fpu_ch_id, fpu_ch_cap;
static volatile int64_t fpu_copy_result;

static void fpu_send_receive(void)
{
    struct vos_ipc_receive_result r;
    int64_t e = vos_sys_ipc_send(fpu_ch_id, fpu_send_buf, FPU_COPY_LEN, 0, fpu_ch_cap);
    if (!e)
        e = vos_sys_ipc_receive(fpu_ep_id, fpu_recv_buf, FPU_COPY_LEN, 0, fpu_ep_cap, &r);
    fpu_copy_result = e;
}

static void fpu_make_channel(void)
{
    struct vos_endpoint_create_result ep;
    assert_int_equal(vos_sys_ipc_endpoint_create(&ep), 0);
    int64_t ch = vos_sys_ipc_channel_create(ep.endpoint_id, ep.endpoint_id, ep.capability, ep.capability);
    assert_true(ch > 0);
    int64_t wcap = vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)ch, VOS_RIGHT_WRITE, self_cap);
    assert_true(wcap > 0);
    fpu_ep_id = ep.endpoint_id, fpu_ep_cap = ep.capability, fpu_ch_id = (uint64_t)ch, fpu_ch_cap = (uint64_t)wcap;
}

static void fpu_registers_kept_across_copies(void **state)
{
    (void)state;
    fpu_roles();
    fpu_make_channel();
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned i = 0; i < FPU_COPY_LEN; i++)
            fpu_send_buf[i] = (uint8_t)(i * 7 + round), fpu_recv_buf[i] = 0;
        fpu_copy_result = 1;
        fpu_check(0xc1e7, round, fpu_send_receive, "copies 1 KiB in and out (SYS_IPC_SEND, SYS_IPC_RECEIVE)");
        assert_int_equal(fpu_copy_result, 0);
        assert_memory_equal(fpu_send_buf, fpu_recv_buf, FPU_COPY_LEN);
    }
}

/* The register fast path: client and server threads each with their own FP values around every message syscall. */
enum { FPU_FAST_ROUNDS = 8 };
static struct vos_ipc_short_message fpu_msg_client, fpu_msg_server;
static struct vos_ipc_short_receive_result fpu_rr;
static volatile int64_t fpu_call_result, fpu_rr_result;
static char fpu_server_failure[160];

static void fpu_call_short(void) { fpu_call_result = vos_sys_ipc_call_short(fpu_ch_cap, 8, &fpu_msg_client); }
static void fpu_reply_receive_short(void)
{
    fpu_rr_result = vos_sys_ipc_reply_receive_short(fpu_rr.reply_token, fpu_ep_cap, fpu_rr.reply_token ? 8 : 0,
                                                    &fpu_msg_server, &fpu_rr);
}

HELPER_THREAD static void fpu_server_body(uint64_t arg)
{
    (void)arg;
    uint64_t in[FPU_WORDS], out[FPU_WORDS];
    for (unsigned round = 0; round <= FPU_FAST_ROUNDS; round++) {
        fpu_fill(in, 0x5e7e, round);
        fpu_around(fpu_reply_receive_short, in, out);
        if (fpu_rr_result)
            break;
        if (!fpu_server_failure[0])
            fpu_changed(in, out, fpu_server_failure, sizeof(fpu_server_failure));
        fpu_msg_server.w0++;
    }
    if (!fpu_rr_result)
        vos_sys_ipc_reply(fpu_rr.reply_token, &fpu_msg_server, 8, 0);
    vos_sys_thread_exit(0);
}

static void fpu_registers_across_fast_path(void **state) /* [IPC] */
{
    (void)state;
    fpu_roles();
    fpu_make_channel();
    fpu_server_failure[0] = 0;
    fpu_rr.reply_token = 0;
    fpu_rr_result = 1;
    uint8_t *stack = map_anon(16384);
    make_executable(fpu_server_body);
    int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)fpu_server_body, (uint64_t)(uintptr_t)stack, 16384, 0);
    assert_true(tid > 0);
    vos_sys_yield(); /* the server reaches its first receive */
    for (unsigned round = 0; round <= FPU_FAST_ROUNDS; round++) {
        fpu_msg_client.w0 = round;
        fpu_check(0xc1e7, round, fpu_call_short, "called a server using FP (SYS_IPC_CALL_SHORT)");
        assert_int_equal(fpu_call_result, 8);
        assert_int_equal(fpu_msg_client.w0, round + 1);
    }
    int32_t code;
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, GUARD_NS, &code), 0);
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 16384);
    if (fpu_server_failure[0])
        fail_msg("the server, after SYS_IPC_REPLY_RECEIVE_SHORT: %s", fpu_server_failure);
}
#endif

#define T(name, fn) { name, fn, NULL, NULL, NULL }

static const struct CMUnitTest fixed_tests[] = {
    T("abi.unknown_numbers", invalid_numbers),
    T("abi.generated_errors_listed", generated_errors_listed),
    T("abi.return_encoding", return_encoding),
    T("abi.struct_layouts", struct_layouts),
    T("exit.i32_upper_bits", exit_i32),
    T("thread_exit.i32_upper_bits", thread_exit_i32),
    T("thread_exit.code_reaches_join", thread_create_join_happy),
    T("exit.child_code_negative", process_happy),
    T("process_create.grants", process_create_grants),
    T("process_wait.timeout_and_words", process_wait_words),
    T("read.happy", read_happy),
    T("write.happy", write_happy),
    T("write.marshalling", marshal_write),
    T("mmap.happy", mmap_happy),
    T("mmap.marshalling", marshal_mmap),
    T("munmap.happy", munmap_happy),
    T("mprotect.happy", mprotect_happy),
    T("ipc_endpoint_create.happy [IPC]", ipc_endpoint_create_happy),
    T("ipc_channel_create.happy [IPC]", ipc_channel_create_happy),
    T("ipc_send.happy_and_receive_too_small [IPC]", ipc_send_receive_happy),
    T("ipc_receive.timeout [IPC]", ipc_receive_timeout),
    T("ipc_call.spilled_arguments", marshal_ipc_call_spill),
    T("ipc_call.spilled_rights [IPC]", marshal_ipc_call_spill_rights),
    T("ipc_call.timeout [IPC]", ipc_call_timeout),
    T("ipc_call.buffer_too_small [IPC]", ipc_call_too_small),
    T("ipc_call_short.register_round_trips [IPC]", ipc_short_round_trips),
    T("process_create.errors", process_create_errors),
    T("process_start.errors", process_start_wait_errors),
    T("thread_create.happy_exit_code_to_join", thread_create_join_happy),
    T("thread_join.timeout", thread_join_timeout),
    T("thread_join.signed_exit_codes", thread_join_signed_codes),
    T("process_wait.signed_exit_codes", process_wait_signed_codes),
    T("thread_create.errors", thread_errors),
    T("thread_create.entry_stack_alignment", thread_entry_alignment),
    T("capability_create.happy", capability_create_happy),
    T("capability_derive.happy", capability_derive_happy),
    T("capability_revoke.happy", capability_revoke_happy),
    T("capability_validate.happy", capability_validate_happy),
    T("clock_get.happy", clock_get_happy),
    T("nanosleep.happy", nanosleep_happy),
    T("yield.happy", yield_happy),
#ifndef CONF_HOST
    T("abi.registers_kept_returning_at_once", registers_kept_at_once),
    T("abi.registers_kept_across_a_switch", registers_kept_across_switch),
    T("ipc_call_short.registers_across_the_fast_path [IPC]", fast_path_registers_call),
    T("ipc_reply_receive_short.registers_across_the_fast_path [IPC]", fast_path_registers_reply_receive),
    T("abi.fp_registers_kept_returning_at_once", fpu_registers_kept_at_once),
    T("abi.fp_registers_kept_across_a_switch", fpu_registers_kept_across_switch),
    T("abi.fp_registers_kept_across_copies", fpu_registers_kept_across_copies),
    T("ipc_call_short.fp_registers_across_the_fast_path [IPC]", fpu_registers_across_fast_path),
#endif
};

/* After the generated cases: they use the shared reply token, which this one consumes. */
static const struct CMUnitTest tail_tests[] = {
    T("ipc_reply.happy [IPC]", ipc_reply_happy),
};

/* Every test: the fixed ones, one per generated case, then the tail. */
struct CMUnitTest *conf_tests(size_t *count)
{
    size_t nfixed = sizeof(fixed_tests) / sizeof(fixed_tests[0]), ntail = sizeof(tail_tests) / sizeof(tail_tests[0]);
    size_t n = nfixed + CONF_CASES + ntail;
    struct CMUnitTest *tests = calloc(n, sizeof(*tests));
    if (!tests)
        return NULL;
    memcpy(tests, fixed_tests, sizeof(fixed_tests));
    for (size_t i = 0; i < CONF_CASES; i++) {
        tests[nfixed + i].name = conf_cases[i].what;
        tests[nfixed + i].test_func = run_case;
        tests[nfixed + i].initial_state = (void *)(uintptr_t)&conf_cases[i];
    }
    memcpy(tests + nfixed + CONF_CASES, tail_tests, sizeof(tail_tests));
    *count = n;
    return tests;
}

#ifndef CONF_HOST
int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct vos_start_info *si = vos_start_info();
    setup_environment(si);
    printf("conformance: %zu generated cases, %zu fixed tests, %zu struct fields\n", CONF_CASES,
           sizeof(fixed_tests) / sizeof(fixed_tests[0]) + sizeof(tail_tests) / sizeof(tail_tests[0]), CONF_FIELDS);
    size_t n;
    struct CMUnitTest *tests = conf_tests(&n);
    if (!tests) {
        printf("conformance: cannot allocate the test list (malloc on SYS_MMAP failed)\n");
        return 2;
    }
    int failed = _cmocka_run_group_tests("conformance", tests, n, NULL, NULL);
    printf("conformance: done, %d failed\n", failed);
    return failed ? 1 : 0;
}
#endif
