/*
 * x86.h — definitions shared by the x86_64 port's C and assembly files.
 */
#pragma once

/* Virtual memory layout (README.md). */
#define KERNEL_VBASE 0xffffffff80000000 /* kernel image: physical 0.. mapped here */
#define DIRECT_BASE 0xffff800000000000  /* all RAM (and the low 4 GiB) mapped here */

/* GDT selectors.  SYSRET derives user CS/SS from STAR[63:48] = GDT_USER_BASE. */
#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_USER_BASE 0x18 /* 32-bit user code slot, unused */
#define GDT_UDATA 0x23     /* 0x20 | RPL 3 */
#define GDT_UCODE 0x2b     /* 0x28 | RPL 3 */
#define GDT_TSS 0x30

/* trap_frame offsets (arch_defs.h) after the general registers (theirs: FRAME_<reg>, syscall_asm.h). */
#define TF_VECTOR 120
#define TF_ERROR 128
#define TF_RIP 136
#define TF_CS 144
#define TF_RFLAGS 152
#define TF_RSP 160
#define TF_SS 168
#define TF_SIZE 176 /* what an IDT entry builds on the stack */
#define TF_FPU 176

/*
 * Frames saved by the syscall instruction (vector >= TF_VEC_SYSCALL) may go
 * back with sysretq.  TF_VEC_FPU_OWNER marks such a frame as pcpu.fpu_owner's,
 * so that the IPC fast path tells who owns the SSE registers from the two
 * vectors it reads anyway (trap.S, "SSE state").
 */
#define TF_VEC_SYSCALL 0x100
#define TF_VEC_FPU_OWNER 0x101

/* Per-CPU block, reached through GS in the kernel. */
#define PCPU_FRAME 0     /* current thread's trap frame */
#define PCPU_KSTACK 8    /* top of the kernel stack */
#define PCPU_SCRATCH 16  /* user rsp during syscall entry */
#define PCPU_FPU_OWNER 24 /* frame whose SSE state is in the registers, or 0 */

/* Interrupt vectors. */
#define VEC_TIMER 0x20
#define VEC_IRQ_BASE 0x30 /* IOAPIC input n (GSI n) on vector VEC_IRQ_BASE + n */
#define IOAPIC_LINES 24
#define VEC_PIC_BASE 0xe0 /* the masked 8259s, moved out of the way */
#define VEC_SPURIOUS 0xff

/* MSRs */
#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define EFER_SCE (1 << 0)
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

#define CR0_PE (1 << 0)
#define CR0_MP (1 << 1)
#define CR0_EM (1 << 2)
#define CR0_TS (1 << 3)
#define CR0_WP (1 << 16)
#define CR0_AM (1 << 18)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_PGE (1 << 7)
#define CR4_OSFXSR (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define CR4_SMEP (1 << 20)
#define CR4_SMAP (1 << 21)
#define CPUID7_EBX_SMEP (1 << 7)
#define CPUID7_EBX_SMAP (1 << 20)

/* Page-table entry bits. */
#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_U 0x4ull
#define PTE_PCD 0x10ull
#define PTE_PS 0x80ull
#define PTE_G 0x100ull
#define PTE_PWT 0x8ull
#define PTE_NONE 0x200ull /* software: mapped with no access (P clear) */
#define PTE_DEVICE 0x400ull /* software: ARCH_PROT_DEVICE (mapped uncached: PCD | PWT) */
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#ifndef __ASSEMBLER__
#include <stdint.h>

#include <arch.h>

struct percpu {
    struct trap_frame *frame;
    uint64_t kstack_top;
    uint64_t scratch;
    struct trap_frame *fpu_owner;
};

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline uint64_t read_cr2(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
static inline uint64_t read_cr3(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
static inline void invlpg(uint64_t va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }
static inline void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* Physical extent of the loaded image (kernel.ld). */
extern char kernel_phys_start[], kernel_phys_end[];

/* setup.c */
extern struct percpu pcpu;
extern uint64_t kernel_pml4; /* PA of the boot-built kernel page table */

/* devices.c */
void uart_init(void);
void lapic_init(void);
void lapic_eoi(void);
void x86_device_windows(struct boot_info *bi); /* devices.c: the q35 device windows */
unsigned x86_irq_take(unsigned gsi); /* IOAPIC input gsi fired: masked, EOI sent; its arch_irq_source */
void timer_calibrate(void);
void rtc_init(void);
void ioapic_init(void);

/* trap.S */
extern char syscall_entry[], idt_stubs[];
#endif
