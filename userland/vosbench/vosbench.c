/*
 * vosbench: guest-instruction costs of the kernel's basic operations.
 *
 * Run by the `bench` target of each preset as the first process of
 * kernel-bench, under `qemu -icount shift=0`, where vos_cycles() counts
 * instructions exactly, so every figure is the same on every run.  Each
 * figure is the median-free plain average of a loop, minus the cost of the
 * empty loop, rounded down.  Results are printed as
 * "bench: <operation>: <N> instructions" and recorded in docs/performance.md.
 *
 *   vosbench              the benchmarks (as init)
 *   vosbench yield N         child mode: yield N times, then exit
 *   vosbench ipcserver       child mode, caps: endpoint (READ).  Answer every
 *                            call with the request's bytes until a call of
 *                            length 0; then the same on the register path
 *                            (SYS_IPC_REPLY_RECEIVE_SHORT) until a call of
 *                            length 0; then the same again, with one
 *                            floating-point operation a message, until a
 *                            call of length 0, then exit
 *   vosbench vserver         riscv64, caps: endpoint (READ).  The register
 *                            echo with one vector operation a message, until
 *                            a call of length 0
 */
#include <stdlib.h>
#include <string.h>

#include <vos/libsys.h>
#include <vos/syscalls.h>

#define ROUNDS 2000

static vos_cap_t console, pool, bootfs_cap, self_cap;
static struct vos_bootfs fs;
static uint64_t loop_cost;

static void report(const char *what, uint64_t total, uint64_t n)
{
    uint64_t per = total / n;
    per = per > loop_cost ? per - loop_cost : 0;
    vos_printf(console, "bench: %s: %lu instructions\n", what, (unsigned long)per);
}

static uint64_t time_empty_loop(void)
{
    uint64_t t0 = vos_cycles();
    for (volatile int i = 0; i < ROUNDS; i++)
        ;
    return (vos_cycles() - t0) / ROUNDS;
}

static void bench_null(const char *label)
{
    uint64_t args[8] = { 0 }, ret[4];
    uint64_t t0 = vos_cycles();
    for (volatile int i = 0; i < ROUNDS; i++)
        vos_syscall_raw(1000, args, ret); /* an unknown number: trap, dispatch, error, return */
    report(label, vos_cycles() - t0, ROUNDS);
}

static void bench_validate(const char *label)
{
    uint64_t t0 = vos_cycles();
    for (volatile int i = 0; i < ROUNDS; i++)
        vos_sys_capability_validate(console, VOS_RIGHT_WRITE);
    report(label, vos_cycles() - t0, ROUNDS);
}

static void bench_map_touch_unmap(void)
{
    uint64_t t0 = vos_cycles();
    for (volatile int i = 0; i < ROUNDS; i++) {
        int64_t a = vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE,
                                 VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, VOS_CAP_NULL, 0);
        *(volatile char *)(uintptr_t)a = 1;
        vos_sys_munmap((uint64_t)a, VOS_PAGE_SIZE);
    }
    report("mmap + touch + munmap (4 KiB)", vos_cycles() - t0, ROUNDS);
}

/* Two processes alternating SYS_YIELD: each of our yields is two switches. */
static void bench_process_switch(void)
{
    const void *data;
    uint64_t size;
    if (vos_bootfs_find(&fs, "vosbench", &data, &size))
        return;
    const char *argv[] = { "vosbench", "yield", "100000000" };
    int64_t pid = vos_sys_process_create(data, size, argv, 3, NULL, 0);
    vos_sys_process_start((uint64_t)pid);
    vos_sys_yield(); /* let it start */
    uint64_t t0 = vos_cycles();
    for (volatile int i = 0; i < ROUNDS; i++)
        vos_sys_yield();
    report("context switch (2 processes yielding, per switch)", (vos_cycles() - t0) / 2, ROUNDS);
    /* The child cannot be stopped from outside; it ends when its count runs out,
     * so the benchmark ends by powering off with it still runnable. */
    (void)pid;
}

/* Threads yielding in a ring: with n threads each of our yields is n switches. */
static volatile int stop_spinners;

static void spinner(uint64_t arg)
{
    (void)arg;
    while (!stop_spinners)
        vos_sys_yield();
    vos_sys_thread_exit(0);
}

static void bench_thread_switch(unsigned nthreads)
{
    uint64_t stack_size = 4096;
    uint8_t *stacks = (uint8_t *)(uintptr_t)vos_sys_mmap(0, nthreads * stack_size, VOS_PROT_READ | VOS_PROT_WRITE,
                                                          VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    static int64_t tids[1000];
    stop_spinners = 0;
    for (unsigned i = 0; i + 1 < nthreads; i++)
        tids[i] = vos_sys_thread_create((uint64_t)(uintptr_t)spinner, (uint64_t)(uintptr_t)(stacks + i * stack_size),
                                        stack_size, 0);
    vos_sys_yield();
    unsigned rounds = nthreads > 10 ? 20 : ROUNDS;
    uint64_t t0 = vos_cycles();
    for (volatile unsigned i = 0; i < rounds; i++)
        vos_sys_yield();
    uint64_t total = vos_cycles() - t0;
    stop_spinners = 1;
    for (unsigned i = 0; i + 1 < nthreads; i++)
        vos_sys_thread_join((uint64_t)tids[i], VOS_TIMEOUT_INFINITE, &(int32_t){ 0 });
    vos_sys_munmap((uint64_t)(uintptr_t)stacks, nthreads * stack_size);
    char label[80];
    vos_snprintf(label, sizeof(label), "context switch (%u runnable threads, per switch)", nthreads);
    report(label, total / nthreads, rounds);
}

/*
 * A payload in the page the client shares with the server (zero-copy):
 * {offset, length, check} in three message words.  The server reads the
 * bytes in place and answers check = first word ^ last word, or ~0 for a
 * range outside the page.
 */
#define SHARED_REQUEST_LEN 24
static uint64_t shared_check(const uint8_t *page, uint64_t offset, uint64_t length)
{
    if (length < 8 || offset > VOS_PAGE_SIZE || length > VOS_PAGE_SIZE - offset || (offset | length) % 8)
        return ~0ull;
    return *(const uint64_t *)(page + offset) ^ *(const uint64_t *)(page + offset + length - 8);
}

/* One floating-point operation (a load, an add, a store), the same in client and server. */
static volatile double fp_sink;
/* Out of line, so that no FP instruction of it (the constant's load) moves out of a measured stretch. */
static __attribute__((noinline)) void fp_op(void) { fp_sink += 1.0; }

/* The child side of bench_ipc: receive, reply with the same bytes, repeat. */
static int ipc_server(const struct vos_cap_info *ep, const struct vos_cap_info *shared)
{
    int64_t page = 0; /* mapped at the first shared request, so the pointer calls' figures see no extra region */
    static _Alignas(4096) uint8_t buf[VOS_IPC_MAX_MESSAGE]; /* page-aligned: a copy is page to page, whatever the layout */
    for (;;) {
        struct vos_ipc_receive_result r;
        if (vos_sys_ipc_receive(ep->object_id, buf, sizeof(buf), VOS_TIMEOUT_INFINITE, ep->token, &r) ||
            !r.reply_token)
            return 10;
        vos_sys_ipc_reply(r.reply_token, buf, r.message_len, 0);
        if (r.message_len == 0)
            break;
    }
    /*
     * The register path: the reply and the next receive are one call.  m
     * never has its address taken (shared_check gets its words), so the
     * compiler keeps the words in the message registers from one call to
     * the next, as a server written for this path would.
     */
    struct vos_ipc_short_message m;
    struct vos_ipc_short_receive_result sr = { 0, 0, 0 };
    for (;;) {
        if (vos_sys_ipc_reply_receive_short(sr.reply_token, ep->token, sr.message_len, &m, &sr) || !sr.reply_token)
            return 11;
        if (sr.message_len == 0)
            break;
        if (sr.message_len == SHARED_REQUEST_LEN) {
            if (!page && (page = vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ, VOS_MAP_SHARED, shared->token, 0)) <= 0)
                return 13;
            m.w2 = shared_check((const uint8_t *)(uintptr_t)page, m.w0, m.w1);
        }
    }
    /* The register path again, each message also using the FP unit (the client does too). */
    for (sr.message_len = 0;;) {
        if (vos_sys_ipc_reply_receive_short(sr.reply_token, ep->token, sr.message_len, &m, &sr) || !sr.reply_token)
            return 11;
        if (sr.message_len == 0)
            return vos_sys_ipc_reply(sr.reply_token, &sr, 0, 0) ? 12 : 0; /* not &m: its words stay in registers */
        fp_sink += 1.0;
    }
}

/*
 * n register round trips of 64 bytes each way: the client sends back what
 * the server answered.  w's address is never taken, so the compiler keeps
 * the words in the message registers from one call to the next, as the
 * server does (ipc_server): the figure is the cost of the round trip, not
 * of copying a struct in and out.  Returns the calls that failed.
 */
static __attribute__((noinline)) uint64_t register_round_trips(vos_cap_t ch, struct vos_ipc_short_message *m,
                                                                unsigned n)
{
    struct vos_ipc_short_message w = *m;
    uint64_t errors = 0;
    for (volatile unsigned i = 0; i < n; i++) /* the empty loop's form: its cost is subtracted */
        errors += vos_sys_ipc_call_short(ch, 64, &w) != 64;
    *m = w;
    return errors;
}

/* register_round_trips with one FP operation a round on this side (the server has one too). */
static __attribute__((noinline)) uint64_t register_round_trips_fp(vos_cap_t ch, struct vos_ipc_short_message *m,
                                                                   unsigned n)
{
    struct vos_ipc_short_message w = *m;
    uint64_t errors = 0;
    for (volatile unsigned i = 0; i < n; i++) {
        fp_sink += 1.0;
        errors += vos_sys_ipc_call_short(ch, 64, &w) != 64;
    }
    *m = w;
    return errors;
}

/*
 * Call/reply round trips to a server process that echoes the request
 * (set up as tests/ipc/ipctest.c does: an endpoint, a channel to it, a
 * capability to the channel made from our process capability, the server
 * holding READ on the endpoint).  Both processes' user code is included.
 */
static void bench_ipc(void)
{
    const void *data;
    uint64_t size;
    struct vos_endpoint_create_result ep = { 0, 0 };
    if (vos_bootfs_find(&fs, "vosbench", &data, &size) || vos_sys_ipc_endpoint_create(&ep))
        return;
    int64_t ch = vos_sys_ipc_channel_create(ep.endpoint_id, ep.endpoint_id, ep.capability, ep.capability);
    int64_t ch_cap = ch > 0 ? vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)ch, VOS_RIGHT_WRITE, self_cap) : -1;
    int64_t rd = vos_sys_capability_derive(ep.capability, VOS_RIGHT_READ | VOS_RIGHT_GRANT);
    int64_t shared = vos_sys_capability_create(VOS_OBJ_MEMORY, VOS_PAGE_SIZE, VOS_RIGHT_ALL, pool);
    if (ch_cap <= 0 || rd <= 0 || shared <= 0) {
        vos_puts(console, "bench: IPC set-up failed\n");
        return;
    }
    const char *argv[] = { "vosbench", "ipcserver" };
    vos_cap_t give[] = { (uint64_t)rd, (uint64_t)shared };
    int64_t pid = vos_sys_process_create(data, size, argv, 2, give, 2);
    if (pid <= 0 || vos_sys_process_start((uint64_t)pid)) {
        vos_printf(console, "bench: IPC server did not start (%ld)\n", (long)pid);
        return;
    }

    static _Alignas(4096) uint8_t req[VOS_IPC_MAX_MESSAGE], resp[VOS_IPC_MAX_MESSAGE];
    static const uint64_t sizes[] = { 64, VOS_IPC_MAX_MESSAGE };
    static const char *const labels[] = { "IPC call/reply round trip (64 B)", "IPC call/reply round trip (4 KiB)" };
    for (unsigned k = 0; k < 2; k++) {
        struct vos_ipc_call_result cr;
        /* warm up (the server reaches its receive; caches and reply objects settle) */
        for (unsigned i = 0; i < 10; i++)
            vos_sys_ipc_call((uint64_t)ch, req, sizes[k], resp, sizeof(resp), VOS_TIMEOUT_INFINITE, 0,
                             (uint64_t)ch_cap, &cr);
        uint64_t errors = 0;
        uint64_t t0 = vos_cycles();
        for (volatile int i = 0; i < ROUNDS; i++)
            errors += vos_sys_ipc_call((uint64_t)ch, req, sizes[k], resp, sizeof(resp), VOS_TIMEOUT_INFINITE, 0,
                                       (uint64_t)ch_cap, &cr) != 0;
        uint64_t total = vos_cycles() - t0;
        if (errors || cr.response_len != sizes[k])
            vos_printf(console, "bench: %s: %lu calls failed\n", labels[k], (unsigned long)errors);
        report(labels[k], total, ROUNDS);
    }
    struct vos_ipc_call_result cr;
    vos_sys_ipc_call((uint64_t)ch, req, 0, resp, sizeof(resp), VOS_TIMEOUT_INFINITE, 0, (uint64_t)ch_cap, &cr);

    /* The register fast path: the same echo, the 64 bytes in the message registers both ways. */
    const char *label = "IPC register call/reply round trip (64 B, SYS_IPC_CALL_SHORT)";
    struct vos_ipc_short_message m = { 1, 2, 3, 4, 5, 6, 7, 8 };
    for (unsigned i = 0; i < 10; i++)
        vos_sys_ipc_call_short((uint64_t)ch_cap, 64, &m);
    uint64_t t0 = vos_cycles();
    uint64_t errors = register_round_trips((uint64_t)ch_cap, &m, ROUNDS);
    uint64_t total = vos_cycles() - t0;
    if (errors || m.w0 != 1 || m.w7 != 8)
        vos_printf(console, "bench: %s: %lu calls failed\n", label, (unsigned long)errors);
    report(label, total, ROUNDS);

    /*
     * Zero-copy: 4 KiB in the shared page, named by a register call; the
     * server reads the bytes where they are and answers.  Nothing is copied.
     */
    label = "IPC 4 KiB round trip through a shared page (zero-copy, SYS_IPC_CALL_SHORT)";
    int64_t page = vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, (uint64_t)shared, 0);
    if (page <= 0) {
        vos_printf(console, "bench: %s: the shared page did not map (%ld), failed\n", label, (long)page);
        return;
    }
    uint64_t *words = (uint64_t *)(uintptr_t)page;
    for (unsigned i = 0; i < VOS_PAGE_SIZE / 8; i++)
        words[i] = 0x0123456789abcdefull * (i + 1);
    uint64_t want = words[0] ^ words[VOS_PAGE_SIZE / 8 - 1];
    struct vos_ipc_short_message d = { 0, VOS_PAGE_SIZE, 0, 0, 0, 0, 0, 0 };
    vos_sys_ipc_call_short((uint64_t)ch_cap, SHARED_REQUEST_LEN, &d); /* the server maps it */
    errors = 0;
    t0 = vos_cycles();
    for (volatile int i = 0; i < ROUNDS; i++)
        errors += vos_sys_ipc_call_short((uint64_t)ch_cap, SHARED_REQUEST_LEN, &d) != SHARED_REQUEST_LEN;
    total = vos_cycles() - t0;
    if (errors || d.w2 != want)
        vos_printf(console, "bench: %s: %lu calls failed\n", label, (unsigned long)errors);
    report(label, total, ROUNDS);
    vos_sys_ipc_call_short((uint64_t)ch_cap, 0, &m);

    /*
     * The register round trip again, client and server each using the FP
     * unit once a message: each side's first FP instruction after the
     * switch traps, saves the other's state and loads its own (docs/abi.md).
     * The operation itself costs a few instructions on each side.
     */
    label = "IPC register call/reply round trip (64 B), client and server using FP";
    for (unsigned i = 0; i < 10; i++) {
        fp_sink += 1.0;
        vos_sys_ipc_call_short((uint64_t)ch_cap, 64, &m);
    }
    t0 = vos_cycles();
    errors = register_round_trips_fp((uint64_t)ch_cap, &m, ROUNDS);
    total = vos_cycles() - t0;
    if (errors || m.w0 != 1 || m.w7 != 8)
        vos_printf(console, "bench: %s: %lu calls failed\n", label, (unsigned long)errors);
    report(label, total, ROUNDS);
    vos_sys_ipc_call_short((uint64_t)ch_cap, 0, &m);
    struct vos_process_exit_info info;
    vos_sys_process_wait((uint64_t)pid, VOS_TIMEOUT_INFINITE, &info);
}

/*
 * A thread's first FP instruction while another thread owns the unit: the
 * trap, the owner's state saved, its own loaded, the instruction again.
 * Measured in the new thread around one FP operation, minus the same
 * operation measured again right after (no trap then); we own the unit
 * before each thread starts.
 */
static volatile uint64_t first_use_cost;

typedef void unit_op_t(void);

/* In the new thread: arg is the operation (fp_op, v_op), called through a register both times. */
static void first_use(uint64_t arg)
{
    unit_op_t *op = (unit_op_t *)(uintptr_t)arg;
    uint64_t t0 = vos_cycles();
    op();
    uint64_t t1 = vos_cycles();
    op();
    uint64_t t2 = vos_cycles();
    first_use_cost += (t1 - t0) - (t2 - t1);
    vos_sys_thread_exit(0);
}

/* A thread's first instruction on a unit (op uses it; unit names it in the row). */
static void bench_first_use(unit_op_t *op, const char *unit)
{
    enum { THREADS = 20 };
    uint8_t *stack = (uint8_t *)(uintptr_t)vos_sys_mmap(0, 4096, VOS_PROT_READ | VOS_PROT_WRITE,
                                                         VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    first_use_cost = 0;
    for (unsigned i = 0; i < THREADS; i++) {
        op(); /* the unit is ours */
        int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)first_use, (uint64_t)(uintptr_t)stack, 4096,
                                            (uint64_t)(uintptr_t)op);
        int32_t code;
        vos_sys_thread_join((uint64_t)tid, VOS_TIMEOUT_INFINITE, &code);
    }
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 4096);
    vos_printf(console, "bench: first %s instruction of a thread (another owns the unit): %lu instructions\n", unit,
               (unsigned long)(first_use_cost / THREADS));
}

/*
 * Interrupts (docs/abi.md, "Drivers"): the console UART's transmitter-empty
 * interrupt, which turning on in its interrupt-enable register raises at
 * once (riscv64 ns16550, QEMU: at 0x10000000, line 10; aarch64 PL011 TXIM,
 * INTID 33; x86_64 COM1's IER through an I/O port capability, GSI 4), where
 * the kernel's uart= argument says it is.
 *
 * Latency: a driver thread waits in SYS_IPC_RECEIVE on the endpoint the
 * line is bound to; the benchmark thread reads the counter and raises the
 * line; the driver reads the counter first thing after its receive
 * returns, lowers the line and acknowledges it, and waits again.  Reported
 * less the cost of the counter reads and of the raising itself (on x86_64 a
 * SYS_WRITE to a port, measured on the UART's scratch register).
 */
static uint64_t irq_uart_base; /* the UART the kernel names in uart=DRIVER,KIND,BASE,LINE (docs/drivers.md) */
static unsigned irq_uart_line;
#define IRQ_ROUNDS 500

#if defined(__x86_64__)
static vos_cap_t irq_ports;
#else
static volatile void *irq_uart;
#endif
static vos_cap_t irq_cap;
static uint64_t irq_ep_id, irq_t0, irq_total;
static vos_cap_t irq_ep;
static volatile int irq_rounds_left;

static inline void irq_source(int on)
{
#if defined(__riscv)
    ((volatile uint8_t *)irq_uart)[1] = on ? 0x03 : 0x01; /* IER: receive (the kernel's) + THRI */
#elif defined(__aarch64__)
    ((volatile uint32_t *)irq_uart)[0x38 / 4] = on ? 0x30 : 0x10; /* IMSC: RX (the kernel's) + TX */
#else
    uint8_t v = on ? 0x03 : 0x01;
    vos_sys_write(irq_ports, &v, 1, 1);
#endif
}

static void irq_driver(uint64_t arg)
{
    (void)arg;
    struct vos_ipc_receive_result r;
    uint64_t badge;
    while (irq_rounds_left > 0) {
        if (vos_sys_ipc_receive(irq_ep_id, &badge, sizeof(badge), VOS_TIMEOUT_INFINITE, irq_ep, &r) < 0)
            break;
        irq_total += vos_cycles() - irq_t0;
        irq_rounds_left--;
        irq_source(0);
        vos_sys_irq_ack(irq_cap);
    }
    vos_sys_thread_exit(0);
}

static int irq_setup(const struct vos_start_info *si)
{
    const char *const *argv = (const char *const *)(uintptr_t)si->argv, *uart = NULL;
    for (uint64_t i = 1; i < si->argc; i++)
        if (!strncmp(argv[i], "uart=", 5))
            uart = argv[i];
    const char *base = uart ? strchr(uart, ',') : NULL;
    base = base ? strchr(base + 1, ',') : NULL;
    if (!base)
        return -1;
    char *end;
    irq_uart_base = strtoull(base + 1, &end, 0);
    if (*end != ',')
        return -1;
    irq_uart_line = (unsigned)strtoul(end + 1, NULL, 0);
    vos_cap_t control = vos_start_find_cap(si, VOS_OBJ_IRQ_CONTROL);
    vos_cap_t devpool = vos_start_find_cap(si, VOS_OBJ_DEVICE_MEMORY);
    int64_t irq = vos_sys_capability_create(VOS_OBJ_IRQ, irq_uart_line, VOS_RIGHT_ALL, control);
    struct vos_endpoint_create_result ep;
    if (irq < 0 || vos_sys_ipc_endpoint_create(&ep) < 0)
        return -1;
    irq_cap = (vos_cap_t)irq;
    irq_ep = ep.capability;
    irq_ep_id = ep.endpoint_id;
#if defined(__x86_64__)
    vos_cap_t all = vos_start_find_cap(si, VOS_OBJ_IO_PORT);
    int64_t io = vos_sys_capability_create(VOS_OBJ_IO_PORT, irq_uart_base | 8ull << VOS_IO_PORT_COUNT_SHIFT,
                                           VOS_RIGHT_READ | VOS_RIGHT_WRITE, all);
    if (io < 0)
        return -1;
    irq_ports = (vos_cap_t)io;
    (void)devpool;
#else
    int64_t dev = vos_sys_capability_create(VOS_OBJ_DEVICE_MEMORY, irq_uart_base, VOS_RIGHT_READ | VOS_RIGHT_WRITE, devpool);
    int64_t va = dev < 0 ? dev : vos_sys_mmap(0, 4096, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, (vos_cap_t)dev, 0);
    if (va < 0)
        return -1;
    irq_uart = (volatile void *)(uintptr_t)va;
#endif
    return vos_sys_irq_bind(irq_cap, irq_ep, 1) < 0 ? -1 : 0;
}

static void bench_irq(const struct vos_start_info *si)
{
    if (irq_setup(si)) {
        vos_puts(console, "bench: interrupts: setup failed\n");
        return;
    }
    /* The acknowledgement alone, the line unmasked each time. */
    uint64_t t0 = vos_cycles();
    for (volatile int i = 0; i < ROUNDS; i++)
        vos_sys_irq_ack(irq_cap);
    report("SYS_IRQ_ACK (the line unmasked)", vos_cycles() - t0, ROUNDS);

    /* What raising the line costs the raiser, and the counter reads. */
    uint64_t raise = 0;
#if defined(__x86_64__)
    t0 = vos_cycles();
    for (volatile int i = 0; i < ROUNDS; i++) {
        uint8_t v = 0;
        vos_sys_write(irq_ports, &v, 1, 7); /* the scratch register: the same path, no interrupt */
    }
    raise = (vos_cycles() - t0) / ROUNDS - loop_cost;
#endif
    t0 = vos_cycles();
    uint64_t t1 = vos_cycles();
    uint64_t counter = t1 - t0;

    uint8_t *stack = (uint8_t *)(uintptr_t)vos_sys_mmap(0, 4096, VOS_PROT_READ | VOS_PROT_WRITE,
                                                         VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    irq_rounds_left = IRQ_ROUNDS;
    irq_total = 0;
    int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)irq_driver, (uint64_t)(uintptr_t)stack, 4096, 0);
    vos_sys_yield(); /* the driver waits in its receive from now on */
    int missed = 0;
    for (int i = 0; i < IRQ_ROUNDS && !missed; i++) {
        irq_t0 = vos_cycles();
        irq_source(1); /* the driver runs now, and waits again before we go on */
        for (int spin = 0; irq_rounds_left != IRQ_ROUNDS - i - 1; spin++)
            if (spin == 100) { /* it did not: a lost interrupt (reported, not waited for forever) */
                missed = i + 1;
                break;
            } else {
                vos_sys_yield();
            }
    }
    if (missed) {
        vos_printf(console, "bench: interrupt latency: round %d lost its interrupt\n", missed);
        irq_rounds_left = 0;
        irq_source(1);
    }
    int32_t code;
    vos_sys_thread_join((uint64_t)tid, VOS_TIMEOUT_INFINITE, &code);
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 4096);
    uint64_t per = irq_total / IRQ_ROUNDS;
    per = per > counter + raise ? per - counter - raise : 0;
    vos_printf(console, "bench: interrupt latency, line raised to the first instruction of the driver waiting in "
                        "SYS_IPC_RECEIVE: %lu instructions%s\n",
               (unsigned long)per, irq_rounds_left ? " (rounds missing)" : "");
    irq_source(0);
    vos_sys_capability_revoke(irq_cap); /* the kernel console has its line back */
}

#if defined(__riscv)
/*
 * riscv64's vector unit (V), which user threads get where the CPU has it
 * (the bench machine does: arch/riscv64/image.cmake): one vector
 * operation, spelled as words so that vosbench stays rv64gc (docs/abi.md,
 * "Vector state"):
 *   0x0d8072d7  vsetvli t0, zero, e64, m1, ta, ma
 *   0x0210b0d7  vadd.vi v1, v1, 1
 */
static __attribute__((noinline)) void v_op(void)
{
    __asm__ volatile(".word 0x0d8072d7\n.word 0x0210b0d7" ::: "t0", "memory");
}

/* The vector server (`vosbench vserver`, caps: endpoint READ): the register echo with one vector operation a message. */
static int vector_server(const struct vos_cap_info *ep)
{
    struct vos_ipc_short_message m;
    struct vos_ipc_short_receive_result sr = { 0, 0, 0 };
    for (;;) {
        if (vos_sys_ipc_reply_receive_short(sr.reply_token, ep->token, sr.message_len, &m, &sr) || !sr.reply_token)
            return 11;
        if (sr.message_len == 0)
            return vos_sys_ipc_reply(sr.reply_token, &sr, 0, 0) ? 12 : 0;
        v_op();
    }
}

static __attribute__((noinline)) uint64_t register_round_trips_v(vos_cap_t ch, struct vos_ipc_short_message *m,
                                                                  unsigned n)
{
    struct vos_ipc_short_message w = *m;
    uint64_t errors = 0;
    for (volatile unsigned i = 0; i < n; i++) {
        v_op();
        errors += vos_sys_ipc_call_short(ch, 64, &w) != 64;
    }
    *m = w;
    return errors;
}

/* The register round trip with both sides using V (as the FP one of bench_ipc), before the yielding child exists. */
static void bench_vector_ipc(void)
{
    const void *data;
    uint64_t size;
    struct vos_endpoint_create_result ep = { 0, 0 };
    if (vos_bootfs_find(&fs, "vosbench", &data, &size) || vos_sys_ipc_endpoint_create(&ep))
        return;
    int64_t ch = vos_sys_ipc_channel_create(ep.endpoint_id, ep.endpoint_id, ep.capability, ep.capability);
    int64_t ch_cap = ch > 0 ? vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)ch, VOS_RIGHT_WRITE, self_cap) : -1;
    int64_t rd = vos_sys_capability_derive(ep.capability, VOS_RIGHT_READ | VOS_RIGHT_GRANT);
    const char *argv[] = { "vosbench", "vserver" };
    vos_cap_t give[] = { (uint64_t)rd };
    int64_t pid = ch_cap > 0 && rd > 0 ? vos_sys_process_create(data, size, argv, 2, give, 1) : -1;
    if (pid <= 0 || vos_sys_process_start((uint64_t)pid)) {
        vos_printf(console, "bench: IPC vector server did not start (%ld)\n", (long)pid);
        return;
    }
    const char *label = "IPC register call/reply round trip (64 B), client and server using the vector unit";
    struct vos_ipc_short_message m = { 1, 2, 3, 4, 5, 6, 7, 8 };
    for (unsigned i = 0; i < 10; i++) {
        v_op();
        vos_sys_ipc_call_short((uint64_t)ch_cap, 64, &m);
    }
    uint64_t t0 = vos_cycles();
    uint64_t errors = register_round_trips_v((uint64_t)ch_cap, &m, ROUNDS);
    uint64_t total = vos_cycles() - t0;
    if (errors || m.w0 != 1 || m.w7 != 8)
        vos_printf(console, "bench: %s: %lu calls failed\n", label, (unsigned long)errors);
    report(label, total, ROUNDS);
    vos_sys_ipc_call_short((uint64_t)ch_cap, 0, &m);
    struct vos_process_exit_info info;
    vos_sys_process_wait((uint64_t)pid, VOS_TIMEOUT_INFINITE, &info);
}
#endif

static void hold_capabilities(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (vos_sys_capability_derive(console, VOS_RIGHT_WRITE) < 0) {
            vos_printf(console, "bench: could only derive %u capabilities\n", i);
            return;
        }
}

int main(int argc, char **argv)
{
    const struct vos_start_info *si = vos_start_info();
    if (argc == 3 && !strcmp(argv[1], "yield")) {
        for (long n = 0, max = 100000000; n < max; n++)
            vos_sys_yield();
        return 0;
    }
#if defined(__riscv)
    if (argc == 2 && !strcmp(argv[1], "vserver") && si->cap_count >= 1)
        return vector_server((const struct vos_cap_info *)(uintptr_t)si->caps);
#endif
    if (argc == 2 && !strcmp(argv[1], "ipcserver") && si->cap_count >= 2)
        return ipc_server((const struct vos_cap_info *)(uintptr_t)si->caps,
                          (const struct vos_cap_info *)(uintptr_t)si->caps + 1);
    console = vos_start_find_cap(si, VOS_OBJ_DEVICE);
    pool = vos_start_find_pool(si);
    bootfs_cap = vos_start_find_bootfs(si);
    self_cap = vos_start_find_cap(si, VOS_OBJ_PROCESS);
    if (!console || !bootfs_cap || vos_bootfs_open(&fs, bootfs_cap))
        return 100;
    loop_cost = time_empty_loop();
    vos_printf(console, "bench: empty loop: %lu instructions per round (subtracted)\n", (unsigned long)loop_cost);

    hold_capabilities(10 - (unsigned)si->cap_count); /* 10 in all, to compare with 100,000 */
    bench_null("null syscall round trip (10 capabilities held)");
    bench_validate("SYS_CAPABILITY_VALIDATE (10 capabilities held)");
    bench_map_touch_unmap();
    bench_thread_switch(2);
    bench_thread_switch(1000);
    hold_capabilities(100000);
    bench_null("null syscall round trip (100,000 capabilities held)");
    bench_validate("SYS_CAPABILITY_VALIDATE (100,000 capabilities held)");
    bench_ipc(); /* before the yielding child exists: it would take turns with the server */
#if defined(__riscv)
    bench_vector_ipc();
#endif
    bench_process_switch();
    bench_first_use(fp_op, "FP");
#if defined(__riscv)
    bench_first_use(v_op, "vector");
#endif
    bench_irq(si);
    vos_puts(console, "bench: done\n");
    return 0;
}
