/*
 * test_drivers.c — the capability rules of the driver objects (docs/abi.md,
 * "Drivers") on the simulated machine: interrupt lines minted from the
 * interrupt control, bound, fired (host_user_irq), acknowledged, derived,
 * revoked and released by a dying holder; device memory carved from the
 * device-memory pool, refused over RAM, mapped only shared, never
 * executable, never copied by the kernel, unmapped when its last capability
 * goes; DMA regions; I/O port ranges.
 */
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
    };
    hh_select(argc, argv);
    return cmocka_run_group_tests_name("drivers", tests, NULL, NULL);
}
