/* Private to arch/riscv64: CSR access, Sv39 and QEMU virt constants. */
#pragma once

#include <stdint.h>

/* Every physical address below DIRECT_MAP_SIZE is mapped at PA + KERNEL_VOFF
 * (gigapages, built in entry.S); the kernel image is linked inside it. */
#define KERNEL_VOFF 0xffffffc000000000ull
#define DIRECT_MAP_GIB 64
#define DIRECT_MAP_SIZE ((uint64_t)DIRECT_MAP_GIB << 30)

/* QEMU virt devices (physical) the kernel uses without looking: power-off,
 * the clock, and the early console's UART until the device tree is read
 * (machine.c; docs/porting.md).  The PLIC and the UART come from the tree. */
#define VIRT_TEST 0x100000ull
#define VIRT_UART 0x10000000ull
#define VIRT_UART_IRQ 10
#define VIRT_RAM_BASE 0x80000000ull

#define SSTATUS_SIE (1ul << 1)
#define SSTATUS_SPIE (1ul << 5)
#define SSTATUS_SPP (1ul << 8)
#define SSTATUS_FS (3ul << 13)
#define SSTATUS_SUM (1ul << 18) /* S-mode may touch U pages: never set (trap.c) */
#define SSTATUS_MXR (1ul << 19)
#define SSTATUS_UXL64 (2ul << 32)
#define SSTATUS_VS_BITS (3ul << 9)
/* What a thread that owns neither the FP registers nor the vector unit runs with (fp.c, vector.c); owners add FS, VS. */
#define SSTATUS_USER (SSTATUS_SPIE | SSTATUS_UXL64)
#define SATP_PPN ((1ull << 44) - 1)
#define SIE_STIE (1ul << 5)
#define SIE_SEIE (1ul << 9)
#define SIP_STIP (1ul << 5)
#define SIP_SEIP (1ul << 9)

#define SATP_SV39 (8ull << 60)

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_U (1ul << 4)
#define PTE_G (1ul << 5)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define PTE_NOACCESS (1ul << 8) /* software bit: mapped with prot 0, V clear */
#define PTE_DEVICE (1ul << 9)   /* software bit: ARCH_PROT_DEVICE (QEMU virt's PMAs make device space uncached) */

#define csr_read(csr) ({ uint64_t v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" ::"r"((uint64_t)(v)) : "memory")
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" ::"r"((uint64_t)(v)) : "memory")
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" ::"r"((uint64_t)(v)) : "memory")

static inline volatile void *mmio(uint64_t pa)
{
    return (volatile void *)(pa + KERNEL_VOFF);
}

/* machine.c */
void riscv_timer_ack(void);
unsigned riscv_plic_take(void);   /* the arch_irq_source of the pending line, claimed: in service until acknowledged */

/* vm.c */
void riscv_vm_init(void);

/* fp.c: lazy user floating point. */
bool riscv_fp_trap(const struct trap_frame *f);    /* FS was Off: maybe a first FP use */
_Noreturn void riscv_fp_take(struct trap_frame *f); /* make f the FP owner and enter it */

/* vector.c: lazy user vector state; the kernel borrows the unit (page.c) only after riscv_v_borrow. */
void riscv_v_init(bool has_vector);
extern size_t riscv_vstate_size;                              /* 0: user threads have no V */

/*
 * An illegal-instruction trap: take the vector unit for f?  Yes for a
 * vector instruction while f does not own it: OP-V (the arithmetic and
 * vsetvl*), LOAD-FP/STORE-FP with a vector width (0, 5, 6, 7: scalar FP
 * uses 1..4), and the vector CSRs (vstart, vxsat, vxrm, vcsr, vl, vtype,
 * vlenb).  The instruction is in tval (QEMU and most harts report it); a
 * hart that reports 0 gets the FP unit first (fp.c) and the vector unit on
 * the instruction's next trap: one trap too many, never a wrong one.
 * Inline and decoding first, so that an FP first use pays a few
 * instructions for it.
 */
bool riscv_v_csr_insn(uint64_t insn); /* vector.c: a CSR instruction on a vector CSR? */
static inline bool riscv_v_trap(const struct trap_frame *f, uint64_t tval)
{
    switch (tval & 0x7f) {
    case 0x57:
        break;
    case 0x07:
    case 0x27:
        if (((tval >> 12) & 7) - 1 < 4)
            return false; /* a scalar FP load or store */
        break;
    case 0x73:
        if (!riscv_v_csr_insn(tval))
            return false;
        break;
    default:
        if (tval || !(f->status & SSTATUS_FS))
            return false;
    }
    return riscv_vstate_size && !(f->status & SSTATUS_VS_BITS);
}
_Noreturn void riscv_v_take(struct trap_frame *f);             /* make f the vector owner and enter it */
void riscv_v_release(struct trap_frame *f);                   /* f's thread is gone: forget and free its state */
extern struct trap_frame *riscv_v_owner;
void riscv_v_borrow_slow(void); /* page.S, before it uses the unit, if riscv_v_owner: the owner's state goes home */

/* page.c: use the vector unit for arch_page_zero if the device tree has it. */
void riscv_page_init(const void *dtb);
