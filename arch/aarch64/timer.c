/*
 * The GIC (v2, or v3 with `-M virt,gic-version=3`: the device tree says
 * which, and where: boot.c), the generic timer (virtual, PPI 27), the PMU
 * cycle counter, the PL031 real-time clock and idling.
 *
 * Both versions share the distributor, where SPIs are routed, masked and
 * unmasked (drivers' lines).  The CPU interface differs: v2's is memory
 * mapped (GICC), v3's is system registers (ICC_*), and v3's private
 * interrupts (the timer's PPI) are enabled at this CPU's redistributor.
 */
#include <arch.h>
#include "aarch64.h"

#define GICD_CTLR 0x000
#define GICD_ISENABLER 0x100
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10
#define GIC_SPURIOUS 1023
#define GICD_IGROUPR 0x080
#define GICD_IROUTER 0x6000
#define GICR_WAKER 0x14
#define GICR_SGI 0x10000

/* The v3 CPU interface (generic encodings: any assembler takes them). */
#define ICC_IAR1 "s3_0_c12_c12_0"
#define ICC_EOIR1 "s3_0_c12_c12_1"
#define ICC_PMR "s3_0_c4_c6_0"
#define ICC_SRE "s3_0_c12_c12_5"
#define ICC_IGRPEN1 "s3_0_c12_c12_7"

static bool gic_v3;
static paddr_t gicd, gicc, gicr; /* distributor; v2's CPU interface; v3's redistributor of CPU 0 (its SGI/PPI frame 64 KiB on) */

/* Priority and target (CPU 0) of SPI irq: once, at boot. */
static void gic_route(unsigned irq)
{
    volatile uint8_t *prio = (volatile uint8_t *)&MMIO32(gicd + GICD_IPRIORITYR);
    prio[irq] = 0x80;
    if (!gic_v3) {
        volatile uint8_t *target = (volatile uint8_t *)&MMIO32(gicd + GICD_ITARGETSR);
        target[irq] = 1; /* CPU 0 */
        return;
    }
    MMIO32(gicd + GICD_IGROUPR + 4 * (irq / 32)) |= 1u << (irq % 32); /* group 1 */
    *(volatile uint64_t *)(DIRECT_BASE + gicd + GICD_IROUTER + 8 * irq) = 0; /* affinity 0.0.0.0 */
}

/* The timer's PPI: v2 at the distributor, v3 at this CPU's redistributor (group 1). */
static void gic_enable_timer(void)
{
    if (!gic_v3) {
        ((volatile uint8_t *)&MMIO32(gicd + GICD_IPRIORITYR))[IRQ_VTIMER] = 0x80;
        MMIO32(gicd + GICD_ISENABLER) = 1u << IRQ_VTIMER;
        return;
    }
    ((volatile uint8_t *)&MMIO32(gicr + GICR_SGI + GICD_IPRIORITYR))[IRQ_VTIMER] = 0x80;
    MMIO32(gicr + GICR_SGI + GICD_IGROUPR) = ~0u;
    MMIO32(gicr + GICR_SGI + GICD_ISENABLER) = 1u << IRQ_VTIMER;
}

static void gic_v3_cpu_init(void)
{
    MMIO32(gicr + GICR_WAKER) &= ~2u; /* ProcessorSleep off ... */
    while (MMIO32(gicr + GICR_WAKER) & 4u) /* ... and wait until its children are awake */
        ;
    uint64_t sre;
    __asm__ volatile("mrs %0, " ICC_SRE : "=r"(sre));
    __asm__ volatile("msr " ICC_SRE ", %0; isb" ::"r"(sre | 1));
    __asm__ volatile("msr " ICC_PMR ", %0" ::"r"(0xfful));
    __asm__ volatile("msr " ICC_IGRPEN1 ", %0; isb" ::"r"(1ul));
}

/* The GIC the device tree describes: v3 (regs: distributor, redistributors) or v2 (distributor, CPU interface). */
void aarch64_gic_init(bool v3, paddr_t dist, paddr_t cpu_or_redist)
{
    gic_v3 = v3;
    gicd = dist;
    if (v3)
        gicr = cpu_or_redist;
    else
        gicc = cpu_or_redist;
    if (gic_v3) {
        MMIO32(gicd + GICD_CTLR) = (1u << 4) | (1u << 1); /* affinity routing, group 1 on */
        gic_v3_cpu_init();
    } else {
        MMIO32(gicd + GICD_CTLR) = 1;
        MMIO32(gicc + GICC_PMR) = 0xff;
        MMIO32(gicc + GICC_CTLR) = 1;
    }
    for (unsigned spi = 32; arch_irq_valid(spi); spi++) { /* every SPI to CPU 0, masked until wanted */
        arch_irq_mask(spi);
        gic_route(spi);
    }
    gic_enable_timer();
    kprintf("[kernel] aarch64: GICv%d, distributor at %#lx\n", gic_v3 ? 3 : 2, (unsigned long)gicd);
}

static unsigned gic_ack(void)
{
    uint64_t iar;
    if (!gic_v3)
        return MMIO32(gicc + GICC_IAR);
    __asm__ volatile("mrs %0, " ICC_IAR1 : "=r"(iar));
    return (unsigned)iar;
}

static void gic_eoi(unsigned iar)
{
    if (!gic_v3)
        MMIO32(gicc + GICC_EOIR) = iar;
    else
        __asm__ volatile("msr " ICC_EOIR1 ", %0; isb" ::"r"((uint64_t)iar));
}

/*
 * Acknowledge the pending interrupt and silence its source; returns the
 * arch_irq_source, or 0 if nothing was pending.
 */
static unsigned irq_take(void)
{
    unsigned iar = gic_ack(), irq = iar & 0x3ff;
    unsigned source = IRQ_OTHER;
    if (irq == GIC_SPURIOUS)
        return 0;
    if (irq == IRQ_VTIMER) {
        aarch64_timer_stop(); /* one-shot: the line is level, stop it asserting */
        source = IRQ_TIMER;
    } else if (irq >= 32) {
        arch_irq_mask(irq); /* a driver's line: quiet until it acknowledges */
        source = IRQ_LINE(irq);
    }
    gic_eoi(iar);
    return source;
}

/* ---- lines for drivers: SPIs, masked and unmasked at the distributor ---- */

#define GICD_TYPER 0x004
#define GICD_ICENABLER 0x180

bool arch_irq_valid(unsigned line)
{
    unsigned lines = 32 * ((MMIO32(gicd + GICD_TYPER) & 0x1f) + 1);
    return line >= 32 && line < lines && line < 1020;
}

void arch_irq_mask(unsigned line)
{
    MMIO32(gicd + GICD_ICENABLER + 4 * (line / 32)) = 1u << (line % 32);
}

void arch_irq_unmask(unsigned line)
{
    MMIO32(gicd + GICD_ISENABLER + 4 * (line / 32)) = 1u << (line % 32); /* priority and target: set at boot */
}

void arch_irq_release(unsigned line)
{
    arch_irq_mask(line);
}

/* The acknowledgement is arch_irq_unmask's store, ready made. */
void arch_irq_ack_prepare(unsigned line, struct arch_irq_ack *ack)
{
    *ack = (struct arch_irq_ack){ &MMIO32(gicd + GICD_ISENABLER + 4 * (line / 32)), 1u << (line % 32) };
}

unsigned arch_ioport_count(void) { return 0; }
bool arch_ioport_range_ok(unsigned first, unsigned count) { (void)first; (void)count; return false; }
uint32_t arch_ioport_in(unsigned port, unsigned width) { (void)port; (void)width; return 0; }
void arch_ioport_out(unsigned port, unsigned width, uint32_t value) { (void)port; (void)width; (void)value; }

_Noreturn void aarch64_irq_lower(struct trap_frame *f);
_Noreturn void aarch64_irq_lower(struct trap_frame *f)
{
    unsigned source = irq_take();
    if (!source)
        arch_enter_user(f);
    kernel_entry_interrupt(f, source);
}

void arch_idle_wait(void)
{
    __asm__ volatile("dsb sy; wfi" ::: "memory");
    unsigned source = irq_take();
    if (source >= IRQ_LINE_BASE)
        irq_fire(source - IRQ_LINE_BASE); /* the timer the kernel checks after this */
}

/* ---- time ---- */

#define NS 1000000000ull

static uint64_t freq, cnt0, has_pmu, rtc_base_ns;

static uint64_t counter(void)
{
    isb();
    return read_sysreg(cntvct_el0);
}

void aarch64_timer_init(paddr_t rtc_pa)
{
    freq = read_sysreg(cntfrq_el0);
    cnt0 = counter();
    aarch64_timer_stop();

    /* PMU present (ID_AA64DFR0_EL1.PMUVer neither 0 nor IMPDEF)? */
    uint64_t pmuver = (read_sysreg(id_aa64dfr0_el1) >> 8) & 0xf;
    if (pmuver != 0 && pmuver != 0xf) {
        write_sysreg(pmccfiltr_el0, 0); /* count at EL0 and EL1 */
        write_sysreg(pmcntenset_el0, 1ul << 31);
        write_sysreg(pmcr_el0, read_sysreg(pmcr_el0) | 1 | 4); /* enable, reset cycle counter */
        write_sysreg(pmuserenr_el0, 1 << 2); /* EL0 may read PMCCNTR, nothing else */
        isb();
        has_pmu = 1;
    }
    /* User code may read CNTVCT_EL0 (as on Linux) for timing and benchmarks. */
    write_sysreg(cntkctl_el1, 1 << 1);

    /* PL031: PrimeCell peripheral ID 0x031 says it is there. */
    if (rtc_pa && (MMIO32(rtc_pa + 0xfe0) & 0xff) == 0x31 && (MMIO32(rtc_pa + 0xfe4) & 0xf) == 0)
        rtc_base_ns = MMIO32(rtc_pa + 0x000) * NS - arch_time_ns();
}

void aarch64_timer_stop(void)
{
    write_sysreg(cntv_ctl_el0, 0);
    isb();
}

/* Counter ticks <-> ns without 128-bit division (freq < 2^34). */
uint64_t arch_time_ns(void)
{
    uint64_t t = counter() - cnt0;
    return t / freq * NS + t % freq * NS / freq;
}

void arch_timer_set(uint64_t deadline_ns)
{
    uint64_t s = deadline_ns / NS;
    if (s > (~0ull - cnt0) / freq - 1) { /* never */
        aarch64_timer_stop();
        return;
    }
    uint64_t ticks = s * freq + deadline_ns % NS * freq / NS;
    write_sysreg(cntv_cval_el0, cnt0 + ticks);
    write_sysreg(cntv_ctl_el0, 1);
    isb();
}

uint64_t arch_cycles(void)
{
    if (!has_pmu)
        return counter();
    isb();
    return read_sysreg(pmccntr_el0);
}

uint64_t arch_realtime_ns(void)
{
    return rtc_base_ns ? rtc_base_ns + arch_time_ns() : 0;
}
