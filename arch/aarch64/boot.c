/*
 * Early C boot (MMU on, running high), console, power-off and the small
 * amount of device-tree reading the arch needs for itself.
 */
#include <arch.h>
#include "aarch64.h"

static struct boot_info bootinfo;
static char psci_conduit = 'h'; /* QEMU virt without EL3: hvc */

static int contains(const char *s, uint32_t len, const char *word)
{
    for (uint32_t i = 0; i < len && s[i]; i++) {
        uint32_t j = 0;
        while (word[j] && i + j < len && s[i + j] == word[j])
            j++;
        if (!word[j])
            return 1;
    }
    return 0;
}

static void add_reserved(struct boot_info *bi, paddr_t base, uint64_t size)
{
    if (bi->n_reserved < BOOT_MAX_RANGES)
        bi->reserved[bi->n_reserved++] = (struct boot_range){base, size};
}

/*
 * The final kernel half.  The boot table maps every 1 GiB block RWX;
 * this one maps only blocks holding RAM, all PXN, except that the 2 MiB
 * pieces holding the image are split into pages: text read-only and
 * executable, rodata read-only, the rest read-write, but for the guard
 * page below the kernel stack.
 */
#define GIB (1ul << 30)
#define MIB2 (1ul << 21)
#define KERNEL_L3_MAX 8 /* image up to 16 MiB */
#define PTE_MEM (PTE_VALID | PTE_ATTR_MEM | PTE_SH_INNER | PTE_AF | PTE_UXN | PTE_PXN)

static uint64_t kernel_l1[512] __attribute__((aligned(4096)));
static uint64_t kernel_l2[512] __attribute__((aligned(4096)));
static uint64_t kernel_l3[KERNEL_L3_MAX][512] __attribute__((aligned(4096)));

void aarch64_set_ttbr1(paddr_t l1); /* boot.S; must run at its identity address */

static uint64_t image_page(paddr_t pa)
{
    paddr_t start = arch_virt_to_phys(_kernel_start);
    if (pa == arch_virt_to_phys(aarch64_kstack_guard))
        return 0; /* a kernel stack overflow faults instead of corrupting */
    if (pa >= start && pa < arch_virt_to_phys(_etext))
        return pa | (PTE_MEM & ~PTE_PXN) | PTE_TABLE | PTE_AP_RO;
    if (pa >= start && pa < arch_virt_to_phys(_erodata))
        return pa | PTE_MEM | PTE_TABLE | PTE_AP_RO;
    return pa | PTE_MEM | PTE_TABLE;
}

static void build_kernel_map(const struct boot_info *bi)
{
    paddr_t start = arch_virt_to_phys(_kernel_start), end = arch_virt_to_phys(_end);
    paddr_t gib = start & ~(GIB - 1);
    if (end > gib + GIB || (end - (start & ~(MIB2 - 1))) > KERNEL_L3_MAX * MIB2)
        panic("aarch64: kernel image too large for its boot map");

    kernel_l1[0] = aarch64_boot_l1[0]; /* devices */
    for (uint64_t i = 1; i < 512; i++)
        for (unsigned r = 0; r < bi->n_ram; r++)
            if (bi->ram[r].base < (i + 1) * GIB && bi->ram[r].base + bi->ram[r].size > i * GIB)
                kernel_l1[i] = (i * GIB) | PTE_MEM;

    for (uint64_t i = 0; i < 512; i++)
        kernel_l2[i] = (gib + i * MIB2) | PTE_MEM;
    unsigned n = 0;
    for (paddr_t block = start & ~(MIB2 - 1); block < end; block += MIB2, n++) {
        for (uint64_t j = 0; j < 512; j++)
            kernel_l3[n][j] = image_page(block + j * PAGE_SIZE);
        kernel_l2[(block - gib) / MIB2] = arch_virt_to_phys(kernel_l3[n]) | PTE_VALID | PTE_TABLE;
    }
    kernel_l1[gib / GIB] = arch_virt_to_phys(kernel_l2) | PTE_VALID | PTE_TABLE;

    /* Switching tables that map the running code with different block
     * sizes could hit TLB conflicts, so the switch runs from the identity
     * map that TTBR0 still holds. */
    __asm__ volatile("dsb ishst" ::: "memory");
    void (*set_ttbr1)(paddr_t) = (void (*)(paddr_t))arch_virt_to_phys(aarch64_set_ttbr1);
    set_ttbr1(arch_virt_to_phys(kernel_l1));
}

/*
 * PAN on, for good: EL1 may not read or write a page EL0 may access (the
 * kernel reaches user memory only through the direct map, usercopy.h), so
 * a kernel bug that does faults instead of working (docs/porting.md,
 * "Hardware guards").  SPAN = 0 makes every exception entry to EL1 set PAN
 * again; the kernel never clears it.  User pages are also PXN (vspace.c).
 * A CPU without PAN (ARMv8.0, e.g. QEMU's cortex-a72) boots unguarded,
 * saying so.
 */
static void enable_pan(void)
{
    if (!((read_sysreg(id_aa64mmfr1_el1) >> ID_AA64MMFR1_PAN_SHIFT) & 0xf)) {
        kprintf("[kernel] aarch64: this CPU lacks PAN: the kernel's access to user pages is not trapped\n");
        return;
    }
    write_sysreg(sctlr_el1, read_sysreg(sctlr_el1) & ~(uint64_t)SCTLR_SPAN);
    write_sysreg(s3_0_c4_c2_3, PSTATE_PAN); /* the PAN register (msr pan, #1 needs ARMv8.1 to assemble) */
    isb();
}

/* ---- devices, from the device tree ---- */

static struct arch_uart console_uart = { "pl011", false, UART_PA, IRQ_UART }; /* the early console's until then */
static const struct fdt_device *gic;

static bool is_gic(const struct fdt_device *d, bool *v3)
{
    *v3 = fdt_compatible(d, "arm,gic-v3");
    return *v3 || fdt_compatible(d, "arm,cortex-a15-gic") || fdt_compatible(d, "arm,gic-400") ||
           fdt_compatible(d, "arm,cortex-a9-gic") || fdt_compatible(d, "arm,cortex-a7-gic");
}

/* What the kernel drives itself: the GIC and what hangs below it (v2m MSI frames, ITS). */
static bool kernels_device(const struct fdt_device *d)
{
    return fdt_is_path(d, gic->path, sizeof(gic->path)) || fdt_below(d, gic) || fdt_compatible(d, "arm,pl031");
}

/* A device's interrupt: the GIC's three cells (type: 0 SPI, 1 PPI; number; flags) as an INTID. */
static unsigned device_line(const struct fdt_device *d)
{
    if (d->irq_cells != 3 || d->irq[0] > 1)
        return 0;
    return d->irq[1] + (d->irq[0] == 0 ? 32 : 16);
}

/* The GIC, the console's PL011 (/chosen's stdout-path, else the first), the
 * PL031 RTC (the REALTIME clock: 0 without one) and every other device, for
 * init. */
static paddr_t rtc_pa;

static void read_devices(const void *dtb, struct boot_info *bi)
{
    static struct fdt_device devs[BOOT_MAX_DEVICES];
    int n = fdt_read_devices(dtb, devs, BOOT_MAX_DEVICES);
    if (n < 0)
        n = 0; /* (fdt_read_memory has walked it already) */
    uint32_t path_len = 0;
    const char *stdout_path = fdt_prop(dtb, "/chosen", "stdout-path", &path_len);
    const struct fdt_device *uart = NULL;
    bool v3 = false;
    for (int i = 0; i < n; i++) {
        const struct fdt_device *d = &devs[i];
        bool is_v3;
        if (!gic && is_gic(d, &is_v3) && d->n_reg >= 2) {
            gic = d;
            v3 = is_v3;
        }
        if (fdt_compatible(d, "arm,pl031") && d->n_reg && !rtc_pa)
            rtc_pa = d->reg[0].base;
        if (fdt_compatible(d, "arm,pl011") && (!uart || (stdout_path && fdt_is_path(d, stdout_path, path_len))))
            uart = d;
    }
    if (!gic)
        panic("aarch64: the device tree names no GIC");
    aarch64_gic_init(v3, gic->reg[0].base, gic->reg[1].base);
    if (uart)
        console_uart = (struct arch_uart){ "pl011", false, uart->reg[0].base, device_line(uart) };
    fdt_give_devices(bi, devs, (unsigned)n, kernels_device, device_line);
}

void aarch64_boot(paddr_t dtb_pa);
void aarch64_boot(paddr_t dtb_pa)
{
    static uint64_t empty_l1[512] __attribute__((aligned(4096)));
    struct boot_info *bi = &bootinfo;
    const void *dtb = arch_phys_to_virt(dtb_pa);

    if (fdt_read_memory(dtb, bi) != 0)
        panic("aarch64: no usable device tree at %#lx", (unsigned long)dtb_pa);
    /* fdt_read_memory reserved the blob itself; the image (bss, boot
     * tables and stack included) is ours to add. */
    add_reserved(bi, arch_virt_to_phys(_kernel_start), (uint64_t)(_end - _kernel_start));
    build_kernel_map(bi);

    /* The identity map was only for turning the MMU on and the switch
     * above; user address spaces replace this empty one. */
    write_sysreg(ttbr0_el1, arch_virt_to_phys(empty_l1));
    __asm__ volatile("isb; tlbi vmalle1; dsb nsh; isb" ::: "memory");

    uint32_t len;
    const char *args = fdt_prop(dtb, "/chosen", "bootargs", &len);
    bi->boot_path = args && contains(args, len, "vos.boot=u-boot") ? "u-boot" : "direct";
    const char *method = fdt_prop(dtb, "/psci", "method", &len);
    if (method && len == 4 && method[0] == 's' && method[1] == 'm' && method[2] == 'c')
        psci_conduit = 's';

    enable_pan();
    aarch64_asid_init();
    read_devices(dtb, bi);
    aarch64_timer_init(rtc_pa);
    kernel_main(bi);
}

void *arch_phys_to_virt(paddr_t pa)
{
    return (void *)(pa + DIRECT_BASE);
}

paddr_t arch_virt_to_phys(const void *va)
{
    return (paddr_t)va - DIRECT_BASE;
}

/* ---- PL011 ---- */

#define UART_DR 0x00
#define UART_FR 0x18
#define FR_TXFF (1 << 5)

void arch_console_putc(char c)
{
    if (c == '\n')
        arch_console_putc('\r');
    while (MMIO32(console_uart.base + UART_FR) & FR_TXFF)
        ;
    MMIO32(console_uart.base + UART_DR) = (uint8_t)c;
}

void arch_console_uart(struct arch_uart *out)
{
    *out = console_uart;
}

/* ---- power ---- */

_Noreturn void arch_poweroff(int status)
{
    static volatile int tried;

    /* Semihosting SYS_EXIT carries the status to QEMU's exit code.  If
     * semihosting is off, hlt traps, the kernel panics and comes back
     * here: then go straight to PSCI. */
    if (!tried) {
        tried = 1;
        volatile uint64_t block[2] = {0x20026, (uint64_t)(int64_t)status}; /* ADP_Stopped_ApplicationExit */
        register uint64_t x0 __asm__("x0") = 0x18;
        register volatile uint64_t *x1 __asm__("x1") = block;
        __asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    }
    register uint64_t fn __asm__("x0") = 0x84000008; /* PSCI SYSTEM_OFF */
    if (psci_conduit == 's')
        __asm__ volatile("smc #0" : "+r"(fn)::"memory");
    else
        __asm__ volatile("hvc #0" : "+r"(fn)::"memory");
    for (;;)
        __asm__ volatile("wfi");
}
