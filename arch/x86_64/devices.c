/*
 * devices.c — COM1 console, local APIC timer (calibrated against the PIT),
 * TSC clock, CMOS RTC, IOAPIC routing for drivers' lines, power-off.
 */
#include <arch.h>

#include "x86.h"

/* ---- 16550 UART on COM1 ------------------------------------------------ */

#define COM1 0x3f8
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DATA 0x01
#define LSR_THRE 0x20

void uart_init(void)
{
    outb(COM1 + UART_IER, 0);
    outb(COM1 + UART_LCR, 0x80); /* divisor latch: 115200 baud */
    outb(COM1 + 0, 1);
    outb(COM1 + 1, 0);
    outb(COM1 + UART_LCR, 0x03); /* 8N1 */
    outb(COM1 + UART_FCR, 0x07); /* FIFOs on and cleared */
    outb(COM1 + UART_MCR, 0x0b); /* DTR, RTS, and OUT2 which gates the IRQ line */
}

void arch_console_putc(char c)
{
    if (c == '\n')
        arch_console_putc('\r');
    while (!(inb(COM1 + UART_LSR) & LSR_THRE))
        ;
    outb(COM1, (uint8_t)c);
}

void arch_console_uart(struct arch_uart *out)
{
    *out = (struct arch_uart){ "ns16550", true, COM1, 4 }; /* ISA IRQ 4 is IOAPIC input 4 on QEMU's q35 */
}

/* ---- local APIC and IOAPIC -------------------------------------------- */

#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define LVT_MASKED (1u << 16)

#define IOAPIC_PA 0xfec00000ull /* fixed on the PC platforms QEMU models */

static volatile uint32_t *lapic;

static inline uint32_t lapic_read(unsigned reg) { return lapic[reg / 4]; }
static inline void lapic_write(unsigned reg, uint32_t v) { lapic[reg / 4] = v; }

void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

void lapic_init(void)
{
    /* The 8259s would otherwise deliver on exception vectors: move them
     * above everything we use, then mask every line. */
    static const uint8_t icw[] = {0x11, VEC_PIC_BASE, 4, 1};
    static const uint8_t icw2[] = {0x11, VEC_PIC_BASE + 8, 2, 1};
    for (unsigned i = 0; i < 4; i++) {
        outb(i ? 0x21 : 0x20, icw[i]);
        outb(i ? 0xa1 : 0xa0, icw2[i]);
    }
    outb(0x21, 0xff);
    outb(0xa1, 0xff);

    uint64_t base = rdmsr(0x1b);
    wrmsr(0x1b, base | (1 << 11)); /* global enable */
    lapic = arch_phys_to_virt(base & ~0xfffull);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
    lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
    lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
    lapic_write(LAPIC_TIMER_DIV, 0xb); /* divide by 1 */
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
}

/*
 * IOAPIC: input n (GSI n) on vector VEC_IRQ_BASE + n, to this CPU, masked
 * until a driver wants it.  GSIs 0-15 are the ISA lines
 * (edge, active high); 16-23 are PCI INTx (level, active low) on q35.
 */
#define REDIR_MASKED (1u << 16)
#define REDIR_LEVEL_LOW ((1u << 15) | (1u << 13))

static volatile uint32_t *ioapic(void) { return arch_phys_to_virt(IOAPIC_PA); }

static uint32_t redir_low(unsigned gsi)
{
    return (VEC_IRQ_BASE + gsi) | (gsi >= 16 ? REDIR_LEVEL_LOW : 0);
}

static void redir_write(unsigned gsi, uint32_t low)
{
    volatile uint32_t *io = ioapic();
    io[0] = 0x10 + 2 * gsi;
    io[4] = low;
}

bool arch_irq_valid(unsigned line) { return line < IOAPIC_LINES && line != 0 && line != 2; } /* not the PIT's */
void arch_irq_mask(unsigned line) { redir_write(line, redir_low(line) | REDIR_MASKED); }
void arch_irq_unmask(unsigned line) { redir_write(line, redir_low(line)); }
void arch_irq_release(unsigned line) { arch_irq_mask(line); }

/*
 * IOAPIC input gsi fired: masked first, so it cannot fire again until its
 * driver acknowledges.  Then the end of interrupt.  Here, beside the
 * registers, so that the interrupt's path makes no calls for them.
 */
unsigned x86_irq_take(unsigned gsi)
{
    redir_write(gsi, redir_low(gsi) | REDIR_MASKED);
    lapic_eoi();
    return IRQ_LINE(gsi);
}

/* The acknowledgement is arch_irq_unmask's two stores, ready made. */
void arch_irq_ack_prepare(unsigned line, struct arch_irq_ack *ack)
{
    *ack = (struct arch_irq_ack){ ioapic(), 0x10 + 2 * line, redir_low(line) };
}

/* Every IOAPIC input to this CPU, masked: lines are the drivers' (kernel/irq.c). */
void ioapic_init(void)
{
    volatile uint32_t *io = ioapic();
    uint32_t apic_id = lapic_read(LAPIC_ID) >> 24;
    for (unsigned gsi = 0; gsi < IOAPIC_LINES; gsi++) {
        io[0] = 0x10 + 2 * gsi + 1;
        io[4] = apic_id << 24;
        arch_irq_mask(gsi);
    }
}

/*
 * Device registers a driver may map on q35, at the addresses QEMU fixes (no
 * device tree here; PCI devices are found by their drivers on the bus):
 * the PCIe ECAM window and the PCI hole below the IOAPIC (BARs), HPET, and
 * anything above 4 GiB that is not RAM (64-bit BARs); never the IOAPIC or
 * the local APIC.
 */
void x86_device_windows(struct boot_info *bi)
{
    boot_add_window(bi, 0xb0000000ull, IOAPIC_PA - 0xb0000000ull);
    boot_add_window(bi, 0xfed00000ull, 0x100000ull);
    boot_add_window(bi, 0x100000000ull, (1ull << 46) - 0x100000000ull);
}

/* ---- I/O ports ------------------------------------------------------------ */

unsigned arch_ioport_count(void) { return 0x10000; }

/* The kernel's own: the 8259s, the PIT and port 0x61, CMOS, the debug-exit port. */
bool arch_ioport_range_ok(unsigned first, unsigned count)
{
    static const struct { uint16_t lo, hi; } kernel[] = {
        {0x20, 0x21}, {0x40, 0x43}, {0x61, 0x61}, {0x70, 0x71}, {0xa0, 0xa1}, {0xf4, 0xf4},
    };
    for (unsigned i = 0; i < sizeof(kernel) / sizeof(kernel[0]); i++)
        if (first <= kernel[i].hi && first + count > kernel[i].lo)
            return false;
    return first + count <= 0x10000;
}

uint32_t arch_ioport_in(unsigned port, unsigned width)
{
    return width == 1 ? inb((uint16_t)port) : width == 2 ? inw((uint16_t)port) : inl((uint16_t)port);
}

void arch_ioport_out(unsigned port, unsigned width, uint32_t value)
{
    if (width == 1)
        outb((uint16_t)port, (uint8_t)value);
    else if (width == 2)
        outw((uint16_t)port, (uint16_t)value);
    else
        outl((uint16_t)port, value);
}

/* ---- time ------------------------------------------------------------------ */

static uint64_t tsc_boot;
static uint64_t tsc_to_ns;   /* ns per TSC tick, 32.32 fixed point */
static uint64_t ns_to_lapic; /* LAPIC ticks per ns, 32.32 fixed point */

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

uint64_t arch_cycles(void) { return rdtsc(); }

uint64_t arch_time_ns(void)
{
    return (uint64_t)(((unsigned __int128)(rdtsc() - tsc_boot) * tsc_to_ns) >> 32);
}

/* Count TSC and LAPIC ticks across 10 ms of PIT channel 2 (mode 0: its
 * output, readable in port 0x61 bit 5, rises at terminal count). */
void timer_calibrate(void)
{
    const uint16_t pit_count = 11932; /* 1193182 Hz / 100 */
    outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
    outb(0x43, 0xb0);                       /* channel 2, lo/hi byte, mode 0 */
    outb(0x42, pit_count & 0xff);
    outb(0x42, pit_count >> 8);
    lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
    uint64_t t0 = rdtsc();
    while (!(inb(0x61) & 0x20))
        ;
    uint64_t t1 = rdtsc();
    uint32_t lapic_ticks = 0xffffffff - lapic_read(LAPIC_TIMER_CUR);
    lapic_write(LAPIC_TIMER_INIT, 0);

    uint64_t tsc_hz = (t1 - t0) * 100, lapic_hz = (uint64_t)lapic_ticks * 100;
    if (tsc_hz == 0 || lapic_hz == 0)
        panic("timer calibration failed (tsc %lu Hz, lapic %lu Hz)", tsc_hz, lapic_hz);
    tsc_to_ns = (1000000000ull << 32) / tsc_hz;
    ns_to_lapic = (lapic_hz << 32) / 1000000000ull;
    tsc_boot = t0;
    lapic_write(LAPIC_LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
}

void arch_timer_set(uint64_t deadline_ns)
{
    uint64_t now = arch_time_ns();
    uint64_t delta = deadline_ns > now ? deadline_ns - now : 0;
    unsigned __int128 ticks = ((unsigned __int128)delta * ns_to_lapic) >> 32;
    /* Longer waits end early; the kernel rechecks and sets the timer again. */
    uint32_t count = ticks > 0xffffffffu ? 0xffffffffu : ticks ? (uint32_t)ticks : 1;
    lapic_write(LAPIC_TIMER_INIT, count);
}

/* ---- CMOS real-time clock ------------------------------------------------ */

static uint64_t rtc_epoch_s; /* seconds since 1970 when rtc_at_ns was taken */
static uint64_t rtc_at_ns;

static uint8_t cmos(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static bool is_leap(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static uint64_t days_since_1970(unsigned y, unsigned m, unsigned d)
{
    static const uint16_t before_month[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    uint64_t days = 0;
    for (unsigned i = 1970; i < y; i++)
        days += is_leap(i) ? 366 : 365;
    days += before_month[m - 1] + (m > 2 && is_leap(y)) + d - 1;
    return days;
}

void rtc_init(void)
{
    uint8_t r[6], again[6];
    static const uint8_t regs[6] = {0x00, 0x02, 0x04, 0x07, 0x08, 0x09}; /* s m h D M Y */
    /* Read until two reads agree and no update was in progress. */
    for (unsigned tries = 0;; tries++) {
        if (tries == 1000)
            return;
        while (cmos(0x0a) & 0x80)
            ;
        for (unsigned i = 0; i < 6; i++)
            r[i] = cmos(regs[i]);
        for (unsigned i = 0; i < 6; i++)
            again[i] = cmos(regs[i]);
        bool same = true;
        for (unsigned i = 0; i < 6; i++)
            same = same && r[i] == again[i];
        if (same)
            break;
    }
    uint8_t status_b = cmos(0x0b);
    bool pm = !(status_b & 0x02) && (r[2] & 0x80);
    r[2] &= 0x7f;
    if (!(status_b & 0x04)) /* BCD */
        for (unsigned i = 0; i < 6; i++)
            r[i] = (uint8_t)((r[i] >> 4) * 10 + (r[i] & 0x0f));
    if (!(status_b & 0x02)) /* 12-hour clock: 12 AM is 0, 12 PM is 12 */
        r[2] = (uint8_t)(r[2] % 12 + (pm ? 12 : 0));
    unsigned year = 2000 + r[5];
    if (r[4] < 1 || r[4] > 12 || r[3] < 1 || r[3] > 31)
        return;
    rtc_epoch_s = days_since_1970(year, r[4], r[3]) * 86400 + r[2] * 3600u + r[1] * 60u + r[0];
    rtc_at_ns = arch_time_ns();
}

uint64_t arch_realtime_ns(void)
{
    if (!rtc_epoch_s)
        return 0;
    return rtc_epoch_s * 1000000000ull + (arch_time_ns() - rtc_at_ns);
}

/* ---- power --------------------------------------------------------------- */

/* QEMU's isa-debug-exit (iobase 0xf4) exits with (status << 1) | 1. */
_Noreturn void arch_poweroff(int status)
{
    outl(0xf4, (uint32_t)status);
    for (;;)
        __asm__ volatile("cli; hlt");
}
