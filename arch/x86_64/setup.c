/*
 * setup.c — from x86_setup() (called by boot.S in long mode on the boot
 * stack) to kernel_main(): memory map, final page tables, GDT/TSS/IDT,
 * syscall MSRs and devices.
 */
#include <arch.h>

#include "x86.h"

struct percpu pcpu;
uint64_t kernel_pml4;
extern char boot_stack_top[];

static struct boot_info bi;

/* ---- Multiboot information ------------------------------------------- */

struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
    uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
};

struct mb_mmap_entry {
    uint32_t size; /* of the rest of the entry */
    uint64_t base, length;
    uint32_t type;
} __attribute__((packed));

struct mb_module {
    uint32_t start, end, string, reserved;
};

#define LOW_LIMIT 0x100000ull /* leave the first MiB (BIOS, VGA) alone */

static void add_range(struct boot_range *r, unsigned *n, uint64_t base, uint64_t size)
{
    if (size && *n < BOOT_MAX_RANGES)
        r[(*n)++] = (struct boot_range){base, size};
}

static void add_ram(uint64_t base, uint64_t len)
{
    uint64_t end = base + len;
    if (base < LOW_LIMIT)
        base = LOW_LIMIT;
    if (end > base)
        add_range(bi.ram, &bi.n_ram, base, end - base);
}

/* Copies everything out of the Multiboot structures: the memory after the
 * kernel image that holds them becomes page tables right after. */
static void read_multiboot(uint32_t magic, uint64_t mbi_pa)
{
    if (magic != 0x2badb002)
        panic("not started by a Multiboot loader (magic %#x)", magic);
    const struct mb_info *mb = arch_phys_to_virt(mbi_pa);
    if (mb->flags & (1u << 6)) {
        uint64_t p = mb->mmap_addr, end = p + mb->mmap_length;
        while (p < end) {
            const struct mb_mmap_entry *e = arch_phys_to_virt(p);
            if (e->type == 1)
                add_ram(e->base, e->length);
            p += e->size + 4;
        }
    } else if (mb->flags & 1) {
        add_ram(LOW_LIMIT, (uint64_t)mb->mem_upper * 1024);
    }
    if (mb->flags & (1u << 3)) {
        const struct mb_module *m = arch_phys_to_virt(mb->mods_addr);
        for (uint32_t i = 0; i < mb->mods_count; i++)
            add_range(bi.reserved, &bi.n_reserved, m[i].start, m[i].end - m[i].start);
    }
    if (bi.n_ram == 0)
        panic("Multiboot reported no usable RAM");
}

/* ---- page tables --------------------------------------------------------- */

/*
 * Tables built before the frame allocator exists come from just past the
 * image; the boot tables map the first GiB at DIRECT_BASE, which covers it.
 */
static uint64_t early_next;

static uint64_t *early_table(uint64_t *pa_out)
{
    uint64_t pa = early_next;
    early_next += PAGE_SIZE;
    uint64_t *t = arch_phys_to_virt(pa);
    for (unsigned i = 0; i < 512; i++)
        t[i] = 0;
    *pa_out = pa;
    return t;
}

#define GIB (1ull << 30)
#define MIB2 (1ull << 21)

/*
 * Kernel half: every PML4 slot 256-511 gets its PDPT now, so user PML4s
 * that copy these slots see any later kernel mapping.  The direct map covers
 * all RAM and at least the low 4 GiB (LAPIC, IOAPIC) with 2 MiB global
 * pages; the image is the first GiB of physical memory at KERNEL_VBASE.
 */
static void build_kernel_tables(void)
{
    uint64_t top = 4 * GIB;
    for (unsigned i = 0; i < bi.n_ram; i++)
        if (bi.ram[i].base + bi.ram[i].size > top)
            top = bi.ram[i].base + bi.ram[i].size;
    top = (top + GIB - 1) & ~(GIB - 1);

    early_next = ((uint64_t)kernel_phys_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    uint64_t pml4_pa, pa;
    uint64_t *pml4 = early_table(&pml4_pa);
    for (unsigned i = 256; i < 512; i++) {
        early_table(&pa);
        pml4[i] = pa | PTE_P | PTE_W;
    }

    for (uint64_t gib = 0; gib < top; gib += GIB) {
        uint64_t va = DIRECT_BASE + gib;
        uint64_t *pdpt = arch_phys_to_virt(pml4[(va >> 39) & 511] & PTE_ADDR);
        uint64_t *pd = early_table(&pa);
        pdpt[(va >> 30) & 511] = pa | PTE_P | PTE_W;
        for (unsigned j = 0; j < 512; j++) {
            uint64_t frame = gib + j * MIB2;
            uint64_t e = frame | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
            if (frame >= 0xfe000000ull && frame < 4 * GIB) /* local/IO APIC */
                e |= PTE_PCD;
            pd[j] = e;
        }
    }

    uint64_t *pdpt = arch_phys_to_virt(pml4[511] & PTE_ADDR);
    uint64_t *pd = early_table(&pa);
    pdpt[(KERNEL_VBASE >> 30) & 511] = pa | PTE_P | PTE_W;
    for (unsigned j = 0; j < 512; j++)
        pd[j] = (j * MIB2) | PTE_P | PTE_W | PTE_PS | PTE_G;

    /* The whole image, the early tables and the boot stack are off-limits. */
    add_range(bi.reserved, &bi.n_reserved, (uint64_t)kernel_phys_start,
              early_next - (uint64_t)kernel_phys_start);
    kernel_pml4 = pml4_pa;
    write_cr3(kernel_pml4); /* drops the identity map */
}

/* ---- segments, interrupts, syscalls ---------------------------------- */

struct tss {
    uint32_t reserved0;
    uint64_t rsp0, rsp1, rsp2, reserved1, ist[7], reserved2;
    uint16_t reserved3, iomap_base;
} __attribute__((packed));

struct idt_entry {
    uint16_t offset_lo, selector;
    uint8_t ist, type;
    uint16_t offset_mid;
    uint32_t offset_hi, reserved;
};

struct desc_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static struct tss tss;
/* #DF gets its own stack so a kernel stack overflow still reaches panic. */
static uint8_t df_stack[4096] __attribute__((aligned(16)));
static struct idt_entry idt[256];
static uint64_t gdt[8] = {
    0,
    0x00af9a000000ffff, /* 0x08 kernel code, 64-bit */
    0x00cf92000000ffff, /* 0x10 kernel data */
    0,                  /* 0x18 32-bit user code: never used */
    0x00cff2000000ffff, /* 0x20 user data */
    0x00affa000000ffff, /* 0x28 user code, 64-bit */
    0, 0,               /* 0x30 TSS (two slots) */
};

static void load_segments(void)
{
    uint64_t base = (uint64_t)&tss, limit = sizeof tss - 1;
    tss.rsp0 = (uint64_t)boot_stack_top;
    tss.ist[0] = (uint64_t)(df_stack + sizeof df_stack);
    tss.iomap_base = sizeof tss; /* no I/O bitmap: user port access faults */
    gdt[6] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
             ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
    gdt[7] = base >> 32;

    struct desc_ptr gp = {sizeof gdt - 1, (uint64_t)gdt};
    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "mov %2, %%ds\n\t"
                     "mov %2, %%es\n\t"
                     "mov %2, %%ss\n\t"
                     "ltr %w3"
                     :
                     : "m"(gp), "i"(GDT_KCODE), "r"(GDT_KDATA), "r"(GDT_TSS)
                     : "rax", "memory");

    for (unsigned v = 0; v < 256; v++) {
        uint64_t a = (uint64_t)idt_stubs + 16 * v;
        /* int3 may come from user mode; everything else only by the CPU. */
        uint8_t type = v == 3 ? 0xee : 0x8e;
        idt[v] = (struct idt_entry){(uint16_t)a, GDT_KCODE, v == 8 ? 1 : 0, type, (uint16_t)(a >> 16),
                                    (uint32_t)(a >> 32), 0};
    }
    struct desc_ptr ip = {sizeof idt - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" ::"m"(ip));

    pcpu.kstack_top = (uint64_t)boot_stack_top;
    wrmsr(MSR_GS_BASE, (uint64_t)&pcpu);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    wrmsr(MSR_STAR, (uint64_t)GDT_USER_BASE << 48 | (uint64_t)GDT_KCODE << 32);
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_SFMASK, 0x44700); /* AC, NT, DF, IF, TF */
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

/*
 * SMEP and SMAP: ring 0 may not execute or touch a user page (the kernel
 * reaches user memory only through the direct map, usercopy.h), so a kernel
 * bug that does faults instead of working (docs/porting.md, "Hardware
 * guards").  SMAP is off while RFLAGS.AC = 1, a flag user code may set:
 * SFMASK clears it on syscall and trap.S's trap_common on every other entry
 * from ring 3.  A CPU without them boots unguarded, saying so.
 */
static uint64_t guard_bits(void)
{
    uint32_t r[4];
    cpuid(0, r);
    if (r[0] >= 7)
        cpuid(7, r);
    else
        r[1] = 0;
    uint64_t bits = (r[1] & CPUID7_EBX_SMEP ? CR4_SMEP : 0) | (r[1] & CPUID7_EBX_SMAP ? CR4_SMAP : 0);
    if (bits != (CR4_SMEP | CR4_SMAP))
        kprintf("[kernel] x86_64: this CPU lacks%s%s: the kernel's access to user pages is not trapped\n",
                bits & CR4_SMEP ? "" : " SMEP", bits & CR4_SMAP ? "" : " SMAP");
    return bits;
}

/* User code may use SSE; the kernel is built without it and touches those
 * registers only to switch them lazily (TS: nobody owns them yet, trap.S).
 * AM lets user code that sets RFLAGS.AC get #AC.  Global pages keep the
 * kernel half across CR3 loads. */
static void enable_cpu_features(void)
{
    uint64_t cr0, cr4;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 & ~(uint64_t)CR0_EM) | CR0_MP | CR0_AM;
    __asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_PGE | guard_bits();
    __asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
    __asm__ volatile("fninit");
    __asm__ volatile("mov %0, %%cr0" ::"r"(cr0 | CR0_TS));
}

_Noreturn void x86_setup(uint32_t magic, uint32_t mbi_pa);

_Noreturn void x86_setup(uint32_t magic, uint32_t mbi_pa)
{
    uart_init();
    read_multiboot(magic, mbi_pa);
    build_kernel_tables();
    enable_cpu_features();
    load_segments();
    lapic_init();
    timer_calibrate();
    rtc_init();
    ioapic_init();
    x86_device_windows(&bi);
    bi.boot_path = "multiboot";
    kernel_main(&bi);
}
