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

/* ---- console ---------------------------------------------------------- */

#define UART_RBR 0
#define UART_THR 0
#define UART_IER 1
#define UART_LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20

static inline volatile uint8_t *uart(int reg)
{
    return (volatile uint8_t *)mmio(VIRT_UART) + reg;
}

void arch_console_putc(char c)
{
    if (c == '\n')
        arch_console_putc('\r');
    while (!(*uart(UART_LSR) & LSR_THRE))
        ;
    *uart(UART_THR) = (uint8_t)c;
}

int arch_console_getc(void)
{
    if (!(*uart(UART_LSR) & LSR_DR))
        return -1;
    return *uart(UART_RBR);
}

/* ---- PLIC: the UART's receive interrupt, and lines for drivers -------- */

/*
 * QEMU virt's PLIC has sources 1..95 (VIRT_IRQCHIP_NUM_SOURCES - 1):
 * virtio-mmio 1..8, the UART 10, the RTC 11, PCIe 32..35.  A line is
 * enabled in our context's enable bits when unmasked; every source has
 * priority 1 from boot, so the enable bit alone decides.
 */
#define PLIC_SOURCES 96
#define PLIC_ENABLE(ctx) (0x2000 + 0x80 * (ctx))

static inline volatile uint32_t *plic(uint64_t off)
{
    return (volatile uint32_t *)mmio(VIRT_PLIC + off);
}

int riscv_plic_claim(void)
{
    return (int)*plic_claim;
}

void riscv_plic_complete(int irq)
{
    if (irq)
        *plic_claim = (uint32_t)irq;
}

bool arch_irq_valid(unsigned line)
{
    return line >= 1 && line < PLIC_SOURCES;
}

void arch_irq_mask(unsigned line)
{
    plic_enable[line / 32] &= ~(1u << (line % 32));
}

void arch_irq_unmask(unsigned line)
{
    plic_enable[line / 32] |= 1u << (line % 32);
}

unsigned arch_console_irq_line(void) { return VIRT_UART_IRQ; }

/*
 * Claim the pending line: the console's (not held by a driver) is
 * completed at once, since the line stays high until the kernel drains
 * the UART; any other is masked first, so it cannot fire again until its
 * driver acknowledges.  Returns the arch_irq_source, or 0 for none.
 */
unsigned riscv_plic_take(void)
{
    int irq = riscv_plic_claim();
    if (!irq)
        return 0;
    unsigned line = (unsigned)irq;
    bool console = line == VIRT_UART_IRQ && !irq_line_held(line);
    if (!console)
        arch_irq_mask(line);
    riscv_plic_complete(irq);
    return console ? IRQ_CONSOLE : IRQ_LINE(line);
}

/* Device registers a driver may map: below RAM, but not the PLIC, the CLINT or the test device. */
bool arch_device_range_ok(paddr_t pa, uint64_t size)
{
    paddr_t end = pa + size;
    bool plic = pa < VIRT_PLIC + 0x4000000 && end > VIRT_PLIC;
    bool clint = pa < 0x2010000 && end > 0x2000000;
    bool test = pa < VIRT_TEST + 0x1000 && end > VIRT_TEST;
    return end <= VIRT_RAM_BASE && pa >= 0x1000 && !plic && !clint && !test;
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
    for (unsigned line = 1; line < PLIC_SOURCES; line++) {
        *plic(4 * line) = 1;
        arch_irq_mask(line);
    }
    arch_irq_unmask(VIRT_UART_IRQ);
    *plic(0x200000 + 0x1000 * plic_context) = 0;
    *uart(UART_IER) = 1; /* received data available */
    csr_set(sie, SIE_SEIE);
}

/* ---- power -------------------------------------------------------------- */

_Noreturn void arch_poweroff(int status)
{
    volatile uint32_t *test = mmio(VIRT_TEST);
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
    volatile uint32_t *rtc = mmio(VIRT_RTC);
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
            irq_fire(source - IRQ_LINE_BASE); /* the console the kernel polls after this */
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
    plic_init(hartid);
    kernel_main(&bi);
}
