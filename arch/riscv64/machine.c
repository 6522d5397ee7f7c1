/*
 * riscv64 on QEMU virt: early boot in C, console (ns16550), PLIC, timer
 * (SBI TIME), RTC (goldfish) and power-off (SiFive test device).
 */
#include <arch.h>

#include "riscv.h"

extern char __kernel_start[], __kernel_end[];

static uint64_t timebase_hz = 10000000; /* QEMU virt; the DTB says for sure */
static uint64_t boot_ticks;
static uint64_t plic_context;
static volatile uint32_t *plic_enable, *plic_claim; /* our context's enable bits and claim/complete register */
static paddr_t plic_base;                          /* from the device tree, as the UART's: */
static unsigned plic_sources;                      /* the PLIC's sources are 1 .. plic_sources - 1 */
static struct arch_uart console_uart = { "ns16550", false, VIRT_UART, VIRT_UART_IRQ }; /* the early console's until then */

/* ---- console ---------------------------------------------------------- */

#define UART_THR 0
#define UART_LSR 5
#define LSR_THRE 0x20

static inline volatile uint8_t *uart(int reg)
{
    return (volatile uint8_t *)mmio(console_uart.base) + reg;
}

void arch_console_putc(char c)
{
    if (c == '\n')
        arch_console_putc('\r');
    while (!(*uart(UART_LSR) & LSR_THRE))
        ;
    *uart(UART_THR) = (uint8_t)c;
}

void arch_console_uart(struct arch_uart *out)
{
    *out = console_uart;
}

/* ---- PLIC: lines for drivers ------------------------------------------ */

/*
 * The device tree says where the PLIC is and how many sources it has
 * (riscv,ndev; QEMU virt: 95, virtio-mmio 1..8, the UART 10, the RTC 11,
 * PCIe 32..35).  Every source has priority 1 from boot, so our context's
 * enable bit alone decides whether a line can reach us.
 *
 * A driver's line is enabled from its binding until nobody holds it.  What
 * keeps it quiet between its firing and its driver's acknowledgement is the
 * PLIC itself: its gateway forwards no new request from a source that was
 * claimed and not yet completed.  So the kernel claims and does not
 * complete, and the acknowledgement is the completion, one store of the
 * source number (arch_irq_ack); nothing needs masking on the way in or
 * unmasking on the way out.  The PLIC ignores a completion for a source
 * not enabled for the context: a line is therefore completed (while still
 * enabled) before it is disabled, when it is released.
 */
#define PLIC_ENABLE(ctx) (0x2000 + 0x80 * (ctx))

static inline volatile uint32_t *plic(uint64_t off)
{
    return (volatile uint32_t *)mmio(plic_base + off);
}

static void plic_enable_line(unsigned line, bool on)
{
    if (on)
        plic_enable[line / 32] |= 1u << (line % 32);
    else
        plic_enable[line / 32] &= ~(1u << (line % 32));
}

bool arch_irq_valid(unsigned line)
{
    return line >= 1 && line < plic_sources;
}

void arch_irq_ack_prepare(unsigned line, struct arch_irq_ack *ack)
{
    *ack = (struct arch_irq_ack){ plic_claim, line };
}

/* Unbound: a line not in service may fire once more (the kernel keeps it pending), then it is in service. */
void arch_irq_mask(unsigned line)
{
    (void)line;
}

void arch_irq_unmask(unsigned line)
{
    plic_enable_line(line, true);
}

void arch_irq_release(unsigned line)
{
    plic_enable_line(line, true); /* a completion counts only for an enabled source */
    *plic_claim = line;
    plic_enable_line(line, false);
}

/* Claim the pending line, which stays in service until its driver acknowledges; the arch_irq_source, or 0. */
unsigned riscv_plic_take(void)
{
    unsigned line = *plic_claim;
    return line ? IRQ_LINE(line) : 0;
}

unsigned arch_ioport_count(void) { return 0; }
bool arch_ioport_range_ok(unsigned first, unsigned count) { (void)first; (void)count; return false; }
uint32_t arch_ioport_in(unsigned port, unsigned width) { (void)port; (void)width; return 0; }
void arch_ioport_out(unsigned port, unsigned width, uint32_t value) { (void)port; (void)width; (void)value; }

static void plic_init(uint64_t hartid)
{
    plic_context = 2 * hartid + 1; /* QEMU virt: M- and S-mode context per hart */
    plic_enable = plic(PLIC_ENABLE(plic_context));
    plic_claim = plic(0x200004 + 0x1000 * plic_context);
    for (unsigned line = 1; line < plic_sources; line++) {
        *plic(4 * line) = 1;
        plic_enable_line(line, false);
    }
    *plic(0x200000 + 0x1000 * plic_context) = 0;
    csr_set(sie, SIE_SEIE);
}

/* ---- power -------------------------------------------------------------- */

/*
 * The SiFive test device and the goldfish RTC are the kernel's: the device
 * tree names them (read_devices); until then, and on a machine whose tree
 * names no test device, power-off uses QEMU virt's address, as the early
 * console does; without an RTC the REALTIME clock reads 0.
 */
static paddr_t test_pa = VIRT_TEST, rtc_pa;

_Noreturn void arch_poweroff(int status)
{
    volatile uint32_t *test = mmio(test_pa);
    *test = status == 0 ? 0x5555 : 0x3333 | (uint32_t)status << 16;
    for (;;)
        __asm__ volatile("wfi");
}

/* ---- time ------------------------------------------------------------- */

static inline uint64_t rdtime(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

uint64_t arch_cycles(void)
{
    uint64_t c;
    __asm__ volatile("rdcycle %0" : "=r"(c));
    return c;
}

/* Split so neither product overflows 64 bits for any realistic timebase. */
static uint64_t ticks_to_ns(uint64_t t)
{
    return t / timebase_hz * 1000000000ull + t % timebase_hz * 1000000000ull / timebase_hz;
}

static uint64_t ns_to_ticks(uint64_t ns)
{
    return ns / 1000000000ull * timebase_hz + ns % 1000000000ull * timebase_hz / 1000000000ull;
}

uint64_t arch_time_ns(void)
{
    return ticks_to_ns(rdtime() - boot_ticks);
}

uint64_t arch_realtime_ns(void)
{
    if (!rtc_pa)
        return 0;
    volatile uint32_t *rtc = mmio(rtc_pa);
    uint64_t lo = rtc[0]; /* reading TIME_LOW latches TIME_HIGH */
    uint64_t hi = rtc[1];
    return hi << 32 | lo;
}

static void sbi_set_timer(uint64_t stime)
{
    register uint64_t a0 __asm__("a0") = stime;
    register uint64_t a6 __asm__("a6") = 0;          /* sbi_set_timer */
    register uint64_t a7 __asm__("a7") = 0x54494d45; /* "TIME" */
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a6), "r"(a7) : "a1", "memory");
}

void arch_timer_set(uint64_t deadline_ns)
{
    uint64_t t = ns_to_ticks(deadline_ns);
    sbi_set_timer(t > UINT64_MAX - boot_ticks ? UINT64_MAX : t + boot_ticks);
}

void riscv_timer_ack(void)
{
    sbi_set_timer(UINT64_MAX); /* clears sip.STIP until re-armed */
}

void arch_idle_wait(void)
{
    /* wfi wakes on any pending enabled interrupt even with sstatus.SIE = 0;
     * acknowledge here since we never take it. */
    __asm__ volatile("wfi");
    uint64_t sip = csr_read(sip);
    if (sip & SIP_STIP)
        riscv_timer_ack();
    if (sip & SIP_SEIP) {
        unsigned source = riscv_plic_take();
        if (source >= IRQ_LINE_BASE)
            irq_fire(source - IRQ_LINE_BASE);
    }
}

/* ---- boot --------------------------------------------------------------- */

/* The timer's frequency: /cpus/timebase-frequency, or 0. */
static uint32_t fdt_timebase(const uint8_t *dtb)
{
    uint32_t len;
    const void *v = fdt_prop(dtb, "/cpus", "timebase-frequency", &len);
    return v && len == 4 ? fdt_be32(v) : 0;
}

/* ---- devices, from the device tree ------------------------------------- */

static bool is_plic(const struct fdt_device *d)
{
    return fdt_compatible(d, "riscv,plic0") || fdt_compatible(d, "sifive,plic-1.0.0");
}

/* What the kernel drives itself: the PLIC, the CLINT (its timer is the SBI's), the power-off device. */
static bool kernels_device(const struct fdt_device *d)
{
    return is_plic(d) || fdt_compatible(d, "riscv,clint0") || fdt_compatible(d, "sifive,clint0") ||
           fdt_compatible(d, "sifive,test0") || fdt_compatible(d, "syscon") || fdt_compatible(d, "google,goldfish-rtc");
}

/* A device's interrupt: one cell, the PLIC source. */
static unsigned device_line(const struct fdt_device *d)
{
    return d->irq_cells == 1 ? d->irq[0] : 0;
}

/*
 * The PLIC, the console's UART (/chosen's stdout-path, else the first
 * 16550), the test device and the RTC, and every other device, for init
 * (fdt_give_devices).  The early
 * console wrote to VIRT_UART until now.
 */
static void read_devices(const void *dtb, struct boot_info *bi)
{
    static struct fdt_device devs[BOOT_MAX_DEVICES];
    int n = fdt_read_devices(dtb, devs, BOOT_MAX_DEVICES);
    uint32_t path_len = 0, len;
    const char *stdout_path = fdt_prop(dtb, "/chosen", "stdout-path", &path_len);
    const struct fdt_device *uart = NULL;
    for (int i = 0; i < n; i++) {
        const struct fdt_device *d = &devs[i];
        if (is_plic(d) && !plic_base) {
            plic_base = d->reg[0].base;
            const void *ndev = fdt_prop(dtb, d->path, "riscv,ndev", &len);
            plic_sources = ndev && len == 4 ? fdt_be32(ndev) + 1 : 0;
        }
        if (fdt_compatible(d, "sifive,test0") && d->n_reg)
            test_pa = d->reg[0].base;
        if (fdt_compatible(d, "google,goldfish-rtc") && d->n_reg && !rtc_pa)
            rtc_pa = d->reg[0].base;
        bool is_16550 = fdt_compatible(d, "ns16550a") || fdt_compatible(d, "ns16550");
        if (is_16550 && (!uart || (stdout_path && fdt_is_path(d, stdout_path, path_len))))
            uart = d;
    }
    if (!plic_base || plic_sources < 2)
        panic("riscv64: the device tree names no PLIC");
    if (plic_sources > ARCH_IRQ_LINES)
        plic_sources = ARCH_IRQ_LINES;
    if (uart)
        console_uart = (struct arch_uart){ "ns16550", false, uart->reg[0].base, device_line(uart) };
    fdt_give_devices(bi, devs, n < 0 ? 0 : (unsigned)n, kernels_device, device_line);
}

static void reserve(struct boot_info *bi, paddr_t base, uint64_t size)
{
    if (bi->n_reserved < BOOT_MAX_RANGES)
        bi->reserved[bi->n_reserved++] = (struct boot_range){ base, size };
}

_Noreturn void riscv_boot(uint64_t hartid, paddr_t dtb_pa, uint64_t from_uboot);

_Noreturn void riscv_boot(uint64_t hartid, paddr_t dtb_pa, uint64_t from_uboot)
{
    static struct boot_info bi;
    const uint8_t *dtb = arch_phys_to_virt(dtb_pa);

    boot_ticks = rdtime();
    /* Keep SPP = 0, SPIE = 1 for good: see arch_enter_user in entry.S. */
    /* FS = Off: no thread owns the FP registers yet (fp.c). */
    /* SUM = 0, whatever the firmware left: the hardware guard (trap.c). */
    csr_clear(sstatus, SSTATUS_SPP | SSTATUS_SIE | SSTATUS_FS | SSTATUS_SUM | SSTATUS_MXR);
    csr_set(sstatus, SSTATUS_SPIE);
    csr_set(sie, SIE_STIE);
    riscv_timer_ack();
    /* User programs may read cycle, time and instret (benchmarks). */
    csr_write(scounteren, 7);

    bi.boot_path = from_uboot ? "u-boot" : "opensbi";
    if (dtb_pa == 0 || dtb_pa >= DIRECT_MAP_SIZE || fdt_read_memory(dtb, &bi) != 0)
        panic("riscv64: no usable device tree at %#lx", (unsigned long)dtb_pa);
    for (unsigned i = 0; i < bi.n_ram; i++) { /* only the direct map is usable */
        struct boot_range *r = &bi.ram[i];
        if (r->base >= DIRECT_MAP_SIZE)
            r->size = 0;
        else if (r->size > DIRECT_MAP_SIZE - r->base)
            r->size = DIRECT_MAP_SIZE - r->base;
    }
    uint32_t tb = fdt_timebase(dtb);
    if (tb)
        timebase_hz = tb;

    /* Firmware (OpenSBI) sits below our load address by convention, even
     * if its device tree forgot to say so. */
    paddr_t kstart = arch_virt_to_phys(__kernel_start), kend = arch_virt_to_phys(__kernel_end);
    if (kstart > VIRT_RAM_BASE)
        reserve(&bi, VIRT_RAM_BASE, kstart - VIRT_RAM_BASE);
    reserve(&bi, kstart, kend - kstart); /* fdt_read_memory reserved the DTB */

    riscv_vm_init();
    riscv_page_init(dtb);
    read_devices(dtb, &bi);
    plic_init(hartid);
    kernel_main(&bi);
}
