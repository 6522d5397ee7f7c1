/*
 * test_drivers.c — the capability rules of the driver objects (docs/abi.md,
 * "Drivers") on the simulated machine: interrupt lines minted from the
 * interrupt control, bound, fired (host_user_irq), acknowledged, derived,
 * revoked and released by a dying holder; device memory carved from the
 * device-memory pool, refused over RAM, mapped only shared, never
 * executable, never copied by the kernel, unmapped when its last capability
 * goes; DMA regions; I/O port ranges.
 */
#include <stdarg.h>
#include <string.h>

#include "harness.h"
#include "ioport.h"
#include "irq.h"
#include "memobj.h"

#define LINE 7
#define BADGE 0xb0b0ull
#define RW (VOS_PROT_READ | VOS_PROT_WRITE)
#define DEV_RIGHTS (VOS_RIGHT_ALL & ~VOS_RIGHT_EXECUTE)

static int reached;
static vos_cap_t t_control, t_devpool, t_pool, t_ports;
static struct memobj *pool, *devpool;
static struct ioport *ports;

/* A process holding what init holds, whose one thread runs fn to its end, which it must reach. */
static struct process *driver_process(const char *name, host_user_fn *fn)
{
    long err = 0;
    if (!pool)
        pool = memobj_new_pool(16ull << 20, &err); /* kept for good, like init's */
    if (!devpool)
        devpool = devmem_pool();
    if (!ports)
        ports = ioport_root();
    assert_non_null(pool);
    assert_non_null(devpool);
    assert_non_null(ports);
    struct process *p = hh_process(name);
    t_control = hh_grant(p, irq_control(), VOS_RIGHT_ALL);
    t_devpool = hh_grant(p, &devpool->obj, DEV_RIGHTS);
    t_pool = hh_grant(p, &pool->obj, VOS_RIGHT_ALL);
    t_ports = hh_grant(p, &ports->obj, DEV_RIGHTS);
    hh_thread(p, fn, 0);
    return p;
}

static void run(const char *name, host_user_fn *fn)
{
    reached = 0;
    hh_start(driver_process(name, fn));
    hh_run();
    assert_int_equal(reached, 1);
}

static int64_t mint(uint64_t line, uint64_t rights) { return vos_sys_capability_create(VOS_OBJ_IRQ, line, rights, t_control); }

static int64_t endpoint(void)
{
    struct vos_endpoint_create_result ep;
    UCHECK_EQ(vos_sys_ipc_endpoint_create(&ep), 0);
    return (int64_t)ep.capability;
}

/* The notification is there now: sender IRQ_SENDER, the 8-byte badge. */
static void expect_irq(int64_t ep, uint64_t badge)
{
    uint64_t got = 0;
    struct vos_ipc_receive_result r;
    UCHECK_EQ(vos_sys_ipc_receive(hh_cap(current->proc, (vos_cap_t)ep)->obj->id, &got, sizeof(got), 0, (vos_cap_t)ep, &r), 0);
    UCHECK_EQ(r.sender, VOS_IRQ_SENDER);
    UCHECK_EQ(r.message_len, 8);
    UCHECK_EQ(r.capability, 0);
    UCHECK_EQ(r.reply_token, 0);
    UCHECK_EQ(got, badge);
}

static void expect_none(int64_t ep)
{
    uint64_t got;
    struct vos_ipc_receive_result r;
    UCHECK_ERR(vos_sys_ipc_receive(hh_cap(current->proc, (vos_cap_t)ep)->obj->id, &got, sizeof(got), 0, (vos_cap_t)ep, &r),
               VOS_ERR_TIMEOUT);
}

/* ---- interrupt lines ---- */

static void irq_rules_user(uint64_t arg)
{
    (void)arg;
    UCHECK_ERR(mint(0, VOS_RIGHT_ALL), VOS_ERR_NOT_FOUND);
    UCHECK_ERR(mint(HOST_IRQ_LINES, VOS_RIGHT_ALL), VOS_ERR_NOT_FOUND);
    UCHECK_ERR(mint(1ull << 40, VOS_RIGHT_ALL), VOS_ERR_NOT_FOUND);
    int64_t irq = mint(LINE, VOS_RIGHT_ALL);
    UCHECK(irq > 0);
    UCHECK(irq_line_held(LINE) && host_irq_masked(LINE)); /* held, masked until bound */
    UCHECK_ERR(mint(LINE, VOS_RIGHT_ALL), VOS_ERR_ALREADY_EXISTS);
    /* Made from the control only (elsewhere object_id is an object's id, as for any type), and
     * with no more rights than it has. */
    UCHECK(vos_sys_capability_create(VOS_OBJ_IRQ, LINE + 1, VOS_RIGHT_ALL, t_pool) < 0);
    UCHECK(!irq_line_held(LINE + 1));
    int64_t weak = vos_sys_capability_derive(t_control, VOS_RIGHT_DERIVE | VOS_RIGHT_READ);
    UCHECK(weak > 0);
    UCHECK_ERR(vos_sys_capability_create(VOS_OBJ_IRQ, LINE + 1, VOS_RIGHT_ALL, (vos_cap_t)weak), VOS_ERR_PERMISSION_DENIED);
    int64_t ep = endpoint();
    int64_t ro = vos_sys_capability_derive((vos_cap_t)irq, VOS_RIGHT_READ);
    int64_t wo = vos_sys_capability_derive((vos_cap_t)irq, VOS_RIGHT_WRITE);
    UCHECK(ro > 0 && wo > 0);
    UCHECK_ERR(vos_sys_capability_derive((vos_cap_t)ro, VOS_RIGHT_READ | VOS_RIGHT_WRITE), VOS_ERR_PERMISSION_DENIED);
    UCHECK_ERR(vos_sys_irq_bind((vos_cap_t)wo, (vos_cap_t)ep, BADGE), VOS_ERR_PERMISSION_DENIED);
    UCHECK_ERR(vos_sys_irq_ack((vos_cap_t)ro), VOS_ERR_PERMISSION_DENIED);
    /* An endpoint without WRITE cannot take a line. */
    int64_t ep_ro = vos_sys_capability_derive((vos_cap_t)ep, VOS_RIGHT_READ);
    UCHECK_ERR(vos_sys_irq_bind((vos_cap_t)ro, (vos_cap_t)ep_ro, BADGE), VOS_ERR_PERMISSION_DENIED);
    UCHECK_EQ(vos_sys_irq_bind((vos_cap_t)ro, (vos_cap_t)ep, BADGE), 0);
    UCHECK(!host_irq_masked(LINE));
    UCHECK_ERR(vos_sys_irq_bind((vos_cap_t)irq, (vos_cap_t)ep, BADGE), VOS_ERR_ALREADY_EXISTS);
    /* Fired: masked, pending once; acknowledged: unmasked. */
    host_user_irq(LINE);
    UCHECK(host_irq_masked(LINE));
    host_user_irq(LINE); /* masked: nothing */
    expect_irq(ep, BADGE);
    expect_none(ep);
    UCHECK_EQ(vos_sys_irq_ack((vos_cap_t)wo), 0);
    UCHECK(!host_irq_masked(LINE));
    host_user_irq(LINE);
    expect_irq(ep, BADGE);
    /* Revoking the root: every capability goes, the line is masked, unbound and free. */
    UCHECK_EQ(vos_sys_irq_ack((vos_cap_t)wo), 0);
    UCHECK(!host_irq_masked(LINE));
    UCHECK_EQ(vos_sys_capability_revoke((vos_cap_t)irq), 0);
    UCHECK_ERR(vos_sys_irq_ack((vos_cap_t)wo), VOS_ERR_INVALID_CAPABILITY);
    UCHECK(!irq_line_held(LINE) && host_irq_masked(LINE));
    irq = mint(LINE, VOS_RIGHT_ALL);
    UCHECK(irq > 0);
    host_user_irq(LINE); /* masked: never reaches ep */
    expect_none(ep);
    reached = 1;
}

static void test_irq_rules(void **state)
{
    (void)state;
    run("irq", irq_rules_user);
    assert_false(irq_line_held(LINE)); /* the process is gone, and its capability with it */
}

/* A line fired while unbound is kept until bound; a second line on the same endpoint has its own badge. */
static void irq_pending_user(uint64_t arg)
{
    (void)arg;
    int64_t a = mint(LINE, VOS_RIGHT_ALL), b = mint(LINE + 1, VOS_RIGHT_ALL), ep = endpoint();
    UCHECK(a > 0 && b > 0);
    UCHECK_EQ(vos_sys_irq_ack((vos_cap_t)a), 0); /* unmasked, unbound */
    host_user_irq(LINE);
    expect_none(ep);
    UCHECK_EQ(vos_sys_irq_bind((vos_cap_t)b, (vos_cap_t)ep, 2), 0);
    UCHECK_EQ(vos_sys_irq_bind((vos_cap_t)a, (vos_cap_t)ep, 1), 0);
    host_user_irq(LINE + 1);
    expect_irq(ep, 2); /* pending lines in the order they were bound: b's first */
    expect_irq(ep, 1);
    expect_none(ep);
    /* Unbinding masks and drops what is pending. */
    UCHECK_EQ(vos_sys_irq_ack((vos_cap_t)b), 0);
    host_user_irq(LINE + 1);
    UCHECK_EQ(vos_sys_irq_bind((vos_cap_t)b, 0, 0), 0);
    UCHECK(host_irq_masked(LINE + 1));
    expect_none(ep);
    /* The endpoint's death unbinds the other. */
    UCHECK_EQ(vos_sys_capability_revoke((vos_cap_t)ep), 0);
    ep = endpoint();
    UCHECK_EQ(vos_sys_irq_bind((vos_cap_t)a, (vos_cap_t)ep, 3), 0);
    reached = 1;
}

static void test_irq_pending_until_bound(void **state)
{
    (void)state;
    run("pending", irq_pending_user);
}

/* A receiver waiting on the endpoint gets the notification at once (and runs first). */
static int64_t waiting_ep;
static uint64_t waiter_got;

static void waiter(uint64_t arg)
{
    (void)arg;
    struct vos_ipc_receive_result r;
    uint64_t got = 0;
    UCHECK_EQ(vos_sys_ipc_receive(hh_cap(current->proc, (vos_cap_t)waiting_ep)->obj->id, &got, sizeof(got),
                                  VOS_TIMEOUT_INFINITE, (vos_cap_t)waiting_ep, &r), 0);
    UCHECK_EQ(r.sender, VOS_IRQ_SENDER);
    waiter_got = got;
    vos_sys_thread_exit(0);
}

static void irq_waiting_user(uint64_t arg)
{
    (void)arg;
    int64_t irq = mint(LINE, VOS_RIGHT_ALL);
    waiting_ep = endpoint();
    UCHECK_EQ(vos_sys_irq_bind((vos_cap_t)irq, (vos_cap_t)waiting_ep, BADGE), 0);
    hh_thread(current->proc, waiter, 0);
    vos_sys_yield(); /* the waiter blocks in its receive */
    host_user_irq(LINE);
    UCHECK_EQ(waiter_got, BADGE); /* it ran before we did again */
    reached = 1;
}

static void test_irq_waiting_receiver(void **state)
{
    (void)state;
    run("waiting", irq_waiting_user);
}

/* A driver dying with an unacknowledged line leaves it masked, and free for the next. */
static void crash_user(uint64_t arg)
{
    (void)arg;
    int64_t irq = mint(LINE, VOS_RIGHT_ALL), ep = endpoint();
    UCHECK_EQ(vos_sys_irq_bind((vos_cap_t)irq, (vos_cap_t)ep, BADGE), 0);
    host_user_irq(LINE);
    reached = 1;
    host_user_exception(VOS_EXIT_ILLEGAL_INSTRUCTION, 0);
}

static void test_irq_driver_dies(void **state)
{
    (void)state;
    run("crash", crash_user);
    assert_false(irq_line_held(LINE));
    assert_true(host_irq_masked(LINE));
    run("irq", irq_rules_user); /* the line is everybody's again */
}

/* ---- device memory ---- */

static void devmem_user(uint64_t arg)
{
    (void)arg;
    uint64_t base = HOST_DEVICE_BASE;
    int64_t dev = vos_sys_capability_create(VOS_OBJ_DEVICE_MEMORY, base | 1, DEV_RIGHTS, t_devpool); /* 2 pages */
    UCHECK(dev > 0);
    UCHECK_EQ(vos_sys_memory_physical((vos_cap_t)dev, PAGE_SIZE + 12), base + PAGE_SIZE + 12);
    UCHECK_ERR(vos_sys_memory_physical((vos_cap_t)dev, 2 * PAGE_SIZE), VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(vos_sys_memory_physical(t_devpool, 0), VOS_ERR_NOT_SUPPORTED);
    /* RAM, outside the device window, EXECUTE, from the RAM pool or through a range: refused. */
    UCHECK_ERR(vos_sys_capability_create(VOS_OBJ_DEVICE_MEMORY, HOST_PHYS_BASE, DEV_RIGHTS, t_devpool), VOS_ERR_PERMISSION_DENIED);
    UCHECK_ERR(vos_sys_capability_create(VOS_OBJ_DEVICE_MEMORY, base + HOST_DEVICE_SIZE - PAGE_SIZE + 1, DEV_RIGHTS, t_devpool),
               VOS_ERR_PERMISSION_DENIED);
    UCHECK_ERR(vos_sys_capability_create(VOS_OBJ_DEVICE_MEMORY, ~0xfffull, DEV_RIGHTS, t_devpool), VOS_ERR_PERMISSION_DENIED);
    UCHECK_ERR(vos_sys_capability_create(VOS_OBJ_DEVICE_MEMORY, base, VOS_RIGHT_ALL, t_devpool), VOS_ERR_PERMISSION_DENIED);
    UCHECK(vos_sys_capability_create(VOS_OBJ_DEVICE_MEMORY, base, DEV_RIGHTS, t_pool) < 0);
    UCHECK(vos_sys_capability_create(VOS_OBJ_DEVICE_MEMORY, base, DEV_RIGHTS, (vos_cap_t)dev) < 0);
    UCHECK(vos_sys_capability_create(VOS_OBJ_MEMORY, PAGE_SIZE, DEV_RIGHTS, t_devpool) < 0);
    /* Mapped shared only, never executable. */
    UCHECK_ERR(vos_sys_mmap(0, PAGE_SIZE, VOS_PROT_READ | VOS_PROT_EXEC, VOS_MAP_SHARED, (vos_cap_t)dev, 0),
               VOS_ERR_PERMISSION_DENIED);
    UCHECK_ERR(vos_sys_mmap(0, PAGE_SIZE, VOS_PROT_READ, VOS_MAP_PRIVATE, (vos_cap_t)dev, 0), VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(vos_sys_mmap(0, PAGE_SIZE, VOS_PROT_READ, VOS_MAP_SHARED | VOS_MAP_ANONYMOUS, t_devpool, 0),
               VOS_ERR_INVALID_PARAMETER);
    int64_t va = vos_sys_mmap(0, 2 * PAGE_SIZE, RW, VOS_MAP_SHARED, (vos_cap_t)dev, 0);
    UCHECK(va > 0);
    paddr_t pa;
    unsigned prot;
    UCHECK(arch_vspace_lookup(&current->proc->vspace.arch, (uaddr_t)va + PAGE_SIZE, &pa, &prot));
    UCHECK_EQ(pa, base + PAGE_SIZE);
    UCHECK_EQ(prot, RW | ARCH_PROT_DEVICE);
    UCHECK_EQ(vos_sys_mprotect((uint64_t)va, PAGE_SIZE, VOS_PROT_READ), 0); /* stays device memory */
    UCHECK(arch_vspace_lookup(&current->proc->vspace.arch, (uaddr_t)va, NULL, &prot));
    UCHECK_EQ(prot, VOS_PROT_READ | ARCH_PROT_DEVICE);
    UCHECK_ERR(vos_sys_mprotect((uint64_t)va, PAGE_SIZE, VOS_PROT_READ | VOS_PROT_EXEC), VOS_ERR_PERMISSION_DENIED);
    /* Never a buffer the kernel copies to or from. */
    int64_t region = vos_sys_capability_create(VOS_OBJ_MEMORY, PAGE_SIZE, VOS_RIGHT_ALL, t_pool);
    UCHECK_ERR(vos_sys_read((vos_cap_t)region, (void *)(uintptr_t)(va + PAGE_SIZE), 4, 0), VOS_ERR_INVALID_ADDRESS);
    UCHECK_ERR(vos_sys_write((vos_cap_t)region, (void *)(uintptr_t)(va + PAGE_SIZE), 4, 0), VOS_ERR_INVALID_ADDRESS);
    /* A child capability going changes nothing; the last going unmaps it. */
    int64_t child = vos_sys_capability_derive((vos_cap_t)dev, VOS_RIGHT_READ | VOS_RIGHT_DERIVE);
    int64_t grandchild = vos_sys_capability_derive((vos_cap_t)child, VOS_RIGHT_READ);
    UCHECK(grandchild > 0);
    /* Reaching a descendant needs REVOKE; deleting one's own leaf does not. */
    UCHECK_EQ(vos_sys_capability_revoke((vos_cap_t)child), hh_err(VOS_ERR_PERMISSION_DENIED));
    UCHECK_EQ(vos_sys_capability_revoke((vos_cap_t)grandchild), 0);
    UCHECK_EQ(vos_sys_capability_revoke((vos_cap_t)child), 0);
    UCHECK(arch_vspace_lookup(&current->proc->vspace.arch, (uaddr_t)va + PAGE_SIZE, NULL, NULL));
    UCHECK_EQ(vos_sys_capability_revoke((vos_cap_t)dev), 0);
    UCHECK(!arch_vspace_lookup(&current->proc->vspace.arch, (uaddr_t)va + PAGE_SIZE, NULL, NULL));
    UCHECK_EQ(vos_sys_munmap((uint64_t)va, 2 * PAGE_SIZE), 0); /* a hole now: fine */
    reached = 1;
}

static void test_device_memory(void **state)
{
    (void)state;
    run("devmem", devmem_user);
}

/* ---- DMA memory ---- */

static void dma_user(uint64_t arg)
{
    (void)arg;
    uint64_t used = current->proc->mem_used;
    int64_t dma = vos_sys_capability_create(VOS_OBJ_MEMORY, 5 * PAGE_SIZE | VOS_MEMORY_CONTIGUOUS, VOS_RIGHT_ALL, t_pool);
    UCHECK(dma > 0);
    UCHECK(current->proc->mem_used >= used + 5 * PAGE_SIZE); /* charged like any region */
    int64_t base = vos_sys_memory_physical((vos_cap_t)dma, 0);
    UCHECK(base > 0 && base % PAGE_SIZE == 0);
    for (uint64_t off = 0; off < 5 * PAGE_SIZE; off += 777)
        UCHECK_EQ(vos_sys_memory_physical((vos_cap_t)dma, off), (uint64_t)base + off);
    /* Any region tells its frames' addresses too; a pool has none. */
    int64_t region = vos_sys_capability_create(VOS_OBJ_MEMORY, 2 * PAGE_SIZE, VOS_RIGHT_ALL, t_pool);
    UCHECK(vos_sys_memory_physical((vos_cap_t)region, PAGE_SIZE) > 0);
    UCHECK_ERR(vos_sys_memory_physical(t_pool, 0), VOS_ERR_NOT_SUPPORTED);
    int64_t ro = vos_sys_capability_derive((vos_cap_t)dma, VOS_RIGHT_WRITE);
    UCHECK_ERR(vos_sys_memory_physical((vos_cap_t)ro, 0), VOS_ERR_PERMISSION_DENIED);
    /* Bytes written are the bytes at that physical address. */
    char bytes[4] = { 'd', 'm', 'a', '!' };
    UCHECK_EQ(vos_sys_write((vos_cap_t)dma, bytes, 4, 3 * PAGE_SIZE + 1), 4);
    UCHECK(memcmp((char *)arch_phys_to_virt((paddr_t)base + 3 * PAGE_SIZE + 1), "dma!", 4) == 0);
    UCHECK_ERR(vos_sys_capability_create(VOS_OBJ_MEMORY, (VOS_DMA_MAX_REGION + 1) | VOS_MEMORY_CONTIGUOUS, VOS_RIGHT_ALL, t_pool),
               VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(vos_sys_capability_create(VOS_OBJ_MEMORY, VOS_MEMORY_CONTIGUOUS, VOS_RIGHT_ALL, t_pool), VOS_ERR_INVALID_PARAMETER);
    UCHECK_EQ(vos_sys_capability_revoke((vos_cap_t)dma), 0);
    UCHECK_EQ(vos_sys_capability_revoke((vos_cap_t)region), 0);
    /* Freed: the same run is handed out again. */
    int64_t again = vos_sys_capability_create(VOS_OBJ_MEMORY, 5 * PAGE_SIZE | VOS_MEMORY_CONTIGUOUS, VOS_RIGHT_ALL, t_pool);
    UCHECK_EQ(vos_sys_memory_physical((vos_cap_t)again, 0), (uint64_t)base);
    reached = 1;
}

static void test_dma_memory(void **state)
{
    (void)state;
    run("dma", dma_user);
}

/* ---- I/O ports ---- */

static void ioport_user(uint64_t arg)
{
    (void)arg;
    int64_t io = vos_sys_capability_create(VOS_OBJ_IO_PORT, 0x3f8 | 8ull << VOS_IO_PORT_COUNT_SHIFT, DEV_RIGHTS, t_ports);
    UCHECK(io > 0);
    uint32_t v = 0x12345678;
    UCHECK_EQ(vos_sys_write((vos_cap_t)io, &v, 4, 4), 4);
    v = 0;
    UCHECK_EQ(vos_sys_read((vos_cap_t)io, &v, 4, 4), 4);
    UCHECK_EQ(v, 0x12345678);
    UCHECK_ERR(vos_sys_read((vos_cap_t)io, &v, 4, 5), VOS_ERR_INVALID_PARAMETER);  /* past the range */
    UCHECK_ERR(vos_sys_read((vos_cap_t)io, &v, 3, 0), VOS_ERR_INVALID_PARAMETER);  /* no such width */
    UCHECK_ERR(vos_sys_read((vos_cap_t)io, &v, 1, 8), VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(vos_sys_capability_create(VOS_OBJ_IO_PORT, 0x3f0 | 16ull << VOS_IO_PORT_COUNT_SHIFT, DEV_RIGHTS, (vos_cap_t)io),
               VOS_ERR_PERMISSION_DENIED); /* beyond its parent */
    UCHECK_ERR(vos_sys_capability_create(VOS_OBJ_IO_PORT, 0x20 | 1ull << VOS_IO_PORT_COUNT_SHIFT, DEV_RIGHTS, t_ports),
               VOS_ERR_PERMISSION_DENIED); /* the kernel's */
    UCHECK_ERR(vos_sys_capability_create(VOS_OBJ_IO_PORT, 0x3f8, DEV_RIGHTS, t_ports), VOS_ERR_INVALID_PARAMETER); /* count 0 */
    UCHECK_ERR(vos_sys_read(t_ports, &v, 1, 0x21), VOS_ERR_PERMISSION_DENIED); /* the root reaches no kernel port */
    int64_t ro = vos_sys_capability_derive((vos_cap_t)io, VOS_RIGHT_READ);
    UCHECK_ERR(vos_sys_write((vos_cap_t)ro, &v, 1, 0), VOS_ERR_PERMISSION_DENIED);
    reached = 1;
}

static void test_io_ports(void **state)
{
    (void)state;
    run("ioport", ioport_user);
}

/* ---- devices from a device tree (kernel/fdt.c) and the windows they make (devmem.c) ---- */

static bool is_plic_for_test(const struct fdt_device *d) { return fdt_compatible(d, "riscv,plic0"); }
static unsigned line_for_test(const struct fdt_device *d) { return d->irq_cells ? d->irq[0] : 0; }

/* A flattened device tree written by hand: the structure block, then the strings. */
struct dtb {
    uint8_t st[4096], str[512], blob[8192];
    uint32_t n_st, n_str;
};

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void dt_word(struct dtb *d, uint32_t v)
{
    put32(d->st + d->n_st, v);
    d->n_st += 4;
}

static void dt_node(struct dtb *d, const char *name)
{
    dt_word(d, 1);
    size_t n = strlen(name) + 1;
    memcpy(d->st + d->n_st, name, n);
    d->n_st += (uint32_t)((n + 3) & ~3u);
}

static void dt_end(struct dtb *d) { dt_word(d, 2); }

static void dt_prop(struct dtb *d, const char *name, const void *val, uint32_t len)
{
    dt_word(d, 3);
    dt_word(d, len);
    dt_word(d, d->n_str);
    size_t n = strlen(name) + 1;
    memcpy(d->str + d->n_str, name, n);
    d->n_str += (uint32_t)n;
    memcpy(d->st + d->n_st, val, len);
    d->n_st += (len + 3) & ~3u;
}

static void dt_cells(struct dtb *d, const char *name, int n, ...)
{
    uint8_t v[64];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        put32(v + 4 * i, va_arg(ap, uint32_t));
    va_end(ap);
    dt_prop(d, name, v, 4 * (uint32_t)n);
}

static void dt_string(struct dtb *d, const char *name, const char *s, uint32_t len) { dt_prop(d, name, s, len); }

static const void *dt_finish(struct dtb *d)
{
    dt_word(d, 9);
    uint32_t off_rsv = 40, off_st = off_rsv + 16, off_str = off_st + d->n_st, total = off_str + d->n_str;
    memset(d->blob, 0, sizeof(d->blob));
    put32(d->blob, 0xd00dfeed);
    put32(d->blob + 4, total);
    put32(d->blob + 8, off_st);
    put32(d->blob + 12, off_str);
    put32(d->blob + 16, off_rsv);
    put32(d->blob + 20, 17);
    put32(d->blob + 32, d->n_str);
    put32(d->blob + 36, d->n_st);
    memcpy(d->blob + off_st, d->st, d->n_st);
    memcpy(d->blob + off_str, d->str, d->n_str);
    return d->blob;
}

/* QEMU virt (riscv64) in small, and what a careless or hostile tree can hold. */
static const void *virt_like_tree(struct dtb *d)
{
    memset(d, 0, sizeof(*d));
    dt_node(d, "");
    dt_cells(d, "#address-cells", 1, 2);
    dt_cells(d, "#size-cells", 1, 2);
    dt_node(d, "chosen");
    dt_string(d, "stdout-path", "/soc/serial@10000000:115200", 28);
    dt_end(d);
    dt_node(d, "memory@80000000");
    dt_string(d, "device_type", "memory", 7);
    dt_cells(d, "reg", 4, 0, 0x80000000, 0, 0x8000000);
    dt_end(d);
    dt_node(d, "cpus");
    dt_cells(d, "#address-cells", 1, 1);
    dt_cells(d, "#size-cells", 1, 0);
    dt_node(d, "cpu@0");
    dt_string(d, "compatible", "riscv", 6);
    dt_cells(d, "reg", 1, 0);
    dt_end(d);
    dt_end(d);
    dt_node(d, "soc");
    dt_cells(d, "#address-cells", 1, 2);
    dt_cells(d, "#size-cells", 1, 2);
    dt_string(d, "compatible", "simple-bus", 11);
    dt_node(d, "plic@c000000");
    dt_string(d, "compatible", "sifive,plic-1.0.0\0riscv,plic0", 30);
    dt_cells(d, "reg", 4, 0, 0xc000000, 0, 0x600000);
    dt_cells(d, "riscv,ndev", 1, 95);
    dt_end(d);
    dt_node(d, "serial@10000000");
    dt_cells(d, "interrupts", 1, 10);
    dt_string(d, "compatible", "ns16550a", 9);
    dt_cells(d, "reg", 4, 0, 0x10000000, 0, 0x100);
    dt_end(d);
    dt_node(d, "virtio_mmio@10001000");
    dt_cells(d, "interrupts", 1, 1);
    dt_cells(d, "reg", 4, 0, 0x10001000, 0, 0x1000);
    dt_string(d, "compatible", "virtio,mmio", 12);
    dt_end(d);
    dt_node(d, "gone@10002000"); /* disabled: not a device */
    dt_string(d, "compatible", "virtio,mmio", 12);
    dt_cells(d, "reg", 4, 0, 0x10002000, 0, 0x1000);
    dt_string(d, "status", "disabled", 9);
    dt_end(d);
    dt_node(d, "many@20000000"); /* more ranges than are kept */
    dt_string(d, "compatible", "many", 5);
    dt_cells(d, "#address-cells", 1, 2);
    dt_cells(d, "#size-cells", 1, 2);
    for (int i = 0; i < 3; i++)
        dt_cells(d, "reg", 16, 0, 0x20000000, 0, 0x1000, 0, 0x20001000, 0, 0x1000, 0, 0x20002000, 0, 0x1000, 0,
                 0x20003000, 0, 0x1000);
    dt_node(d, "a-child-whose-name-is-far-too-long-for-any-path-to-be-kept-whole@30000000");
    dt_string(d, "compatible", "long", 5);
    dt_cells(d, "reg", 4, 0, 0x30000000, 0, 0x1000);
    dt_end(d);
    dt_end(d);
    dt_end(d);
    dt_node(d, "pcie@30000000"); /* an ECAM window and, through ranges, its BAR windows */
    dt_string(d, "compatible", "pci-host-ecam-generic", 22);
    dt_cells(d, "#address-cells", 1, 3);
    dt_cells(d, "#size-cells", 1, 2);
    dt_cells(d, "reg", 4, 0, 0x30000000, 0, 0x10000000);
    dt_cells(d, "ranges", 7, 0x2000000, 0, 0x40000000, 0, 0x40000000, 0, 0x40000000);
    dt_end(d);
    dt_end(d);
    return dt_finish(d);
}

static void test_device_tree(void **state)
{
    (void)state;
    static struct dtb d;
    static struct fdt_device devs[16];
    const void *dtb = virt_like_tree(&d);
    int n = fdt_read_devices(dtb, devs, 16);
    /* As their nodes end: plic, serial, virtio, many's long child, many, pcie; no bus without
     * registers, no memory, cpu or disabled node. */
    assert_int_equal(n, 6);
    const struct fdt_device *plic = &devs[0], *uart = &devs[1], *virtio = &devs[2], *child = &devs[3], *many = &devs[4],
                            *pcie = &devs[5];
    assert_string_equal(plic->path, "/soc/plic@c000000");
    assert_true(fdt_compatible(plic, "riscv,plic0") && fdt_compatible(plic, "sifive,plic-1.0.0"));
    assert_false(fdt_compatible(plic, "riscv"));
    assert_int_equal(plic->reg[0].base, 0xc000000);
    assert_int_equal(plic->reg[0].size, 0x600000);
    uint32_t len;
    const void *ndev = fdt_prop(dtb, plic->path, "riscv,ndev", &len);
    assert_non_null(ndev);
    assert_int_equal(fdt_be32(ndev), 95);
    const char *out = fdt_prop(dtb, "/chosen", "stdout-path", &len);
    assert_true(fdt_is_path(uart, out, len) && !fdt_is_path(virtio, out, len));
    assert_int_equal(uart->irq_cells, 1);
    assert_int_equal(uart->irq[0], 10);
    assert_int_equal(virtio->reg[0].base, 0x10001000);
    assert_int_equal(many->n_reg, ARRAY_SIZE(many->reg)); /* 12 given, 8 kept */
    assert_true(fdt_below(plic, &(struct fdt_device){ .path = "/soc" }) && !fdt_below(many, plic));
    assert_int_equal(strlen(child->path), sizeof(child->path) - 1); /* cut to fit */
    assert_true(fdt_below(child, many));
    assert_int_equal(pcie->n_reg, 2);
    assert_int_equal(pcie->reg[1].base, 0x40000000);
    assert_int_equal(pcie->reg[1].size, 0x40000000);

    /* What the devices become: windows (whole pages, merged where they touch) and init's list. */
    static struct boot_info bi;
    memset(&bi, 0, sizeof(bi));
    fdt_give_devices(&bi, devs, (unsigned)n, is_plic_for_test, line_for_test);
    assert_int_equal(bi.n_dev, 5);
    assert_string_equal(bi.dev[0].compatible, "ns16550a");
    assert_int_equal(bi.dev[0].base, 0x10000000);
    assert_int_equal(bi.dev[0].line, 10);
    assert_string_equal(bi.dev[1].compatible, "virtio,mmio");
    assert_int_equal(bi.dev[1].line, 1);
    /* serial and virtio are one window, many's four pages another, the long child, pcie's ECAM
     * and its BAR window a third; the PLIC none */
    assert_int_equal(bi.n_windows, 3);
    for (unsigned i = 0; i < bi.n_windows; i++) {
        paddr_t b = bi.windows[i].base;
        assert_true(b == 0x10000000 || b == 0x20000000 || b == 0x30000000);
        assert_int_equal(bi.windows[i].size, b == 0x10000000 ? 0x2000 : b == 0x20000000 ? 0x4000 : 0x50000000);
    }

    /* A blob cut short, or not a blob: an error, nothing read past it. */
    put32(d.blob + 36, 1u << 30);
    assert_int_equal(fdt_read_devices(dtb, devs, 16), -1);
    put32(d.blob, 0);
    assert_int_equal(fdt_read_devices(dtb, devs, 16), -1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_irq_rules, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_irq_pending_until_bound, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_irq_waiting_receiver, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_irq_driver_dies, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_device_memory, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_dma_memory, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_io_ports, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_device_tree, hh_setup, hh_teardown),
    };
    hh_select(argc, argv);
    return cmocka_run_group_tests_name("drivers", tests, NULL, NULL);
}
