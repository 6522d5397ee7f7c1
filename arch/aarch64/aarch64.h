/*
 * Private to arch/aarch64: memory map, descriptor bits, register helpers.
 * Included by both C and assembly.
 */
#pragma once

/* Constants shared with assembly, which takes no integer suffixes. */
#ifdef __ASSEMBLER__
#define UL(x) x
#else
#define UL(x) x##ul
#endif

/* Physical RAM and every device are visible at DIRECT_BASE + pa. */
#define DIRECT_BASE UL(0xffffff8000000000)
#define KERNEL_PHYS 0x40080000 /* where the Image header puts us */

/* QEMU virt: the early console's UART until the device tree is read (boot.c;
 * docs/porting.md), and the clock.  The GIC and the UART come from the tree. */
#define UART_PA 0x09000000

#define IRQ_VTIMER 27 /* PPI 11 */
#define IRQ_UART 33   /* SPI 1 */

/* Translation descriptor bits (4 KiB granule). */
#define PTE_VALID (1 << 0)
#define PTE_TABLE (1 << 1) /* at level 3: "page" */
#define PTE_ATTR_DEV (0 << 2)  /* MAIR index 0: Device-nGnRnE */
#define PTE_ATTR_MEM (1 << 2)  /* MAIR index 1: Normal write-back */
#define PTE_AP_EL0 (1 << 6)    /* EL0 may access */
#define PTE_AP_RO (1 << 7)     /* read-only at every level */
#define PTE_SH_INNER (3 << 8)
#define PTE_AF (1 << 10)
#define PTE_NG (1 << 11)       /* tagged with the ASID */
#define PTE_PXN (UL(1) << 53)
#define PTE_UXN (UL(1) << 54)
#define PTE_SW_SHIFT 55        /* software bits 55..58: the VOS_PROT_* given */

#define MAIR_VALUE 0xff00 /* attr0 Device-nGnRnE, attr1 Normal WB RW-allocate */

/* T0SZ = T1SZ = 25: 39-bit halves, walks start at level 1, 4 KiB granule,
 * inner-shareable write-back walks.  IPS and AS are filled in at boot. */
#define TCR_VALUE ((25 << 0) | (1 << 8) | (1 << 10) | (3 << 12) | (0 << 14) | \
                   (25 << 16) | (1 << 24) | (1 << 26) | (3 << 28) | (UL(2) << 30))
#define TCR_AS (UL(1) << 36)

/* M, C, SA0, I, nTWI, nTWE, UCT plus the ARMv8.0 RES1 bits; no data
 * alignment checking, EL0 may not touch DAIF or cache maintenance.  No SA
 * at EL1: SP_EL1 points at a trap frame while user code runs (entry.S). */
#define SCTLR_RES1 ((1 << 29) | (1 << 28) | (1 << 23) | (1 << 22) | (1 << 20) | (1 << 11))
#define SCTLR_VALUE (SCTLR_RES1 | (1 << 0) | (1 << 2) | (1 << 4) | \
                     (1 << 12) | (1 << 15) | (1 << 16) | (1 << 18))

/* PAN (ARMv8.1): with SPAN = 0 every exception taken to EL1 sets
 * PSTATE.PAN, so EL1 data accesses to EL0-accessible pages fault. */
#define SCTLR_SPAN (1 << 23)
#define PSTATE_PAN (1 << 22)
#define ID_AA64MMFR1_PAN_SHIFT 20

#ifndef __ASSEMBLER__
#include <stdint.h>

#define MMIO32(pa) (*(volatile uint32_t *)(DIRECT_BASE + (pa)))

#define read_sysreg(r) ({ uint64_t _v; __asm__ volatile("mrs %0, " #r : "=r"(_v)); _v; })
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" ::"r"((uint64_t)(v)))
#define isb() __asm__ volatile("isb" ::: "memory")

extern uint64_t aarch64_boot_l1[512]; /* TTBR1 (and the boot TTBR0) table */
extern char _kernel_start[], _etext[], _erodata[], _end[];
extern char aarch64_kstack_guard[];

/* fp.c: lazy user FP/SIMD.  The owner runs with FPEN = 11, everyone else with 00. */
#define CPACR_FPEN (UL(3) << 20)
struct trap_frame;
_Noreturn void aarch64_fp_take(struct trap_frame *f); /* make f the FP/SIMD owner and enter it */

void aarch64_gic_init(bool v3, paddr_t dist, paddr_t cpu_or_redist);
void aarch64_timer_init(paddr_t rtc_pa); /* rtc_pa: the PL031, 0 for none */
void aarch64_timer_stop(void);
void aarch64_asid_init(void);
#endif
