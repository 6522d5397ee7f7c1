/*
 * Entry from QEMU -kernel or U-Boot booti: both honour the arm64 Linux
 * Image header below, so we run at KERNEL_PHYS with the MMU off, at EL1 or
 * EL2, and x0 = physical address of the device tree.
 */
#include "aarch64.h"

    .section .text.head, "ax"
    .global _start
_start:
    b       primary                     // code0
    .word   0                           // code1
    .quad   KERNEL_PHYS - 0x40000000    // text_offset from the 2 MiB-aligned RAM base
    .quad   _kernel_size                // image_size, bss included
    .quad   2                           // flags: little endian, 4 KiB pages, base near RAM start
    .quad   0, 0, 0
    .ascii  "ARM\x64"
    .word   0

primary:
    msr     daifset, #0xf
    mov     x19, x0
    mrs     x1, CurrentEL
    cmp     x1, #(2 << 2)
    b.ne    at_el1

    // EL2 (virtualization=on, or a firmware that keeps EL2): make EL1 AArch64,
    // give it the physical counter and FP, then drop to it.
    mov     x1, #(1 << 31)
    msr     hcr_el2, x1
    mov     x1, #3
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    mov     x1, #0x33ff
    msr     cptr_el2, x1
    msr     hstr_el2, xzr
    ldr     x1, =SCTLR_RES1
    msr     sctlr_el1, x1
    mov     x1, #0x3c5                  // EL1h, all exceptions masked
    msr     spsr_el2, x1
    adr     x1, at_el1
    msr     elr_el2, x1
    eret

at_el1:
    // The loader does not clear bss (U-Boot leaves RAM dirty).
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b
2:
    // One level-1 table serves TTBR0 (identity, for the instructions right
    // after the MMU comes on) and TTBR1 (DIRECT_BASE + pa): with 39-bit
    // halves both index it by VA[38:30] = PA[38:30].  Entry 0 is the
    // devices, the rest 1 GiB blocks of memory; boot.c replaces it with
    // the final kernel half once it knows where RAM is.
    adrp    x1, aarch64_boot_l1
    ldr     x2, =(PTE_VALID | PTE_ATTR_DEV | PTE_AF | PTE_PXN | PTE_UXN)
    str     x2, [x1]
    ldr     x2, =(PTE_VALID | PTE_ATTR_MEM | PTE_SH_INNER | PTE_AF | PTE_UXN | (1 << 30))
    mov     x3, #1
    mov     x4, #(1 << 30)
3:  str     x2, [x1, x3, lsl #3]
    add     x2, x2, x4
    add     x3, x3, #1
    cmp     x3, #512
    b.lo    3b
    // Written with the MMU off: drop any stale cached copy before walks use it.
    mov     x2, x1
    add     x3, x1, #4096
4:  dc      ivac, x2
    add     x2, x2, #64
    cmp     x2, x3
    b.lo    4b
    dsb     sy

    ldr     x2, =MAIR_VALUE
    msr     mair_el1, x2
    ldr     x2, =TCR_VALUE
    mrs     x3, id_aa64mmfr0_el1
    bfi     x2, x3, #32, #3             // IPS = PARange
    ubfx    x4, x3, #4, #4
    cmp     x4, #2                      // 16-bit ASIDs implemented?
    b.ne    5f
    orr     x2, x2, #TCR_AS
5:  msr     tcr_el1, x2
    msr     ttbr0_el1, x1
    msr     ttbr1_el1, x1
    msr     cpacr_el1, xzr          // FPEN = 00: FP/SIMD traps at EL0 and EL1 until a thread takes it (fp.c)
    tlbi    vmalle1
    dsb     nsh
    isb
    ldr     x2, =SCTLR_VALUE
    msr     sctlr_el1, x2
    isb
    ldr     x2, =high
    br      x2

high:
    adrp    x1, aarch64_kstack_top
    add     x1, x1, :lo12:aarch64_kstack_top
    mov     sp, x1
    adrp    x1, aarch64_vectors
    add     x1, x1, :lo12:aarch64_vectors
    msr     vbar_el1, x1
    isb
    mov     x0, x19
    mov     x29, #0
    mov     x30, #0
    bl      aarch64_boot
6:  wfi
    b       6b
    .ltorg

// void aarch64_set_ttbr1(paddr_t l1): called at its physical address,
// through the boot identity map, so that no TTBR1 entry is in use while
// the kernel half changes under it.
    .global aarch64_set_ttbr1
aarch64_set_ttbr1:
    msr     ttbr1_el1, x0
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
    ret

    .section .bss.boot, "aw", @nobits
    .balign 4096
    .global aarch64_boot_l1
aarch64_boot_l1:
    .space  4096
    .global aarch64_kstack_guard
aarch64_kstack_guard:                   // left unmapped by boot.c
    .space  4096
    .space  16384
    .global aarch64_kstack_top
aarch64_kstack_top:                     // page aligned, for arch_enter_user
    .space  8192
    .global aarch64_panic_stack_top
aarch64_panic_stack_top:
