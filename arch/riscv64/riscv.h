/* Private to arch/riscv64: CSR access, Sv39 and QEMU virt constants. */
#pragma once

#include <stdint.h>

/* Every physical address below DIRECT_MAP_SIZE is mapped at PA + KERNEL_VOFF
 * (gigapages, built in entry.S); the kernel image is linked inside it. */
#define KERNEL_VOFF 0xffffffc000000000ull
#define DIRECT_MAP_GIB 64
#define DIRECT_MAP_SIZE ((uint64_t)DIRECT_MAP_GIB << 30)

/* QEMU virt devices (physical). */
#define VIRT_TEST 0x100000ull
#define VIRT_RTC 0x101000ull
#define VIRT_PLIC 0xc000000ull
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
/* What a thread that does not own the FP registers runs with (fp.c); the owner adds FS. */
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
int riscv_plic_claim(void);
void riscv_plic_complete(int irq);
unsigned riscv_plic_take(void);   /* the arch_irq_source of the pending line, masked unless the console's */

/* vm.c */
void riscv_vm_init(void);

/* fp.c: lazy user floating point. */
bool riscv_fp_trap(const struct trap_frame *f);    /* FS was Off: maybe a first FP use */
_Noreturn void riscv_fp_take(struct trap_frame *f); /* make f the FP owner and enter it */

/* page.c: use the vector unit for arch_page_zero if the device tree has it. */
void riscv_page_init(const void *dtb);
