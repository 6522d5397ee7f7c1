/*
 * boot.S — Multiboot (v1) entry.  The loader leaves us in 32-bit protected
 * mode, paging off, EAX = magic, EBX = info.  We map the first GiB three
 * times (identity for this code, the direct map, the kernel image at -2 GiB),
 * enter long mode, and call x86_setup() on the high-half boot stack.
 * setup.c then builds the real page tables.
 */
#include "x86.h"

#define MB_MAGIC 0x1badb002
#define MB_FLAGS ((1 << 1) | (1 << 16)) /* want memory map; header has load addresses */

    .section .boot, "awx"
    .code32
    .balign 4
    /* QEMU refuses ELF64 kernels, so the image is a flat binary and these
     * address fields (all physical, from kernel.ld) tell it where to go. */
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long mb_header             /* header_addr */
    .long kernel_phys_start     /* load_addr */
    .long kernel_load_end       /* load_end_addr */
    .long kernel_phys_end       /* bss_end_addr */
    .long _start32              /* entry_addr */

    .global _start32
_start32:
    cli
    cmp $0x2badb002, %eax
    jne boot_fail
    mov %eax, %edi
    mov %ebx, %esi

    /* Long mode and NX are required. */
    mov $0x80000001, %eax
    cpuid
    bt $29, %edx
    jnc boot_fail
    bt $20, %edx
    jnc boot_fail

    movl $boot_pdpt_low + 3, boot_pml4
    movl $boot_pdpt_low + 3, boot_pml4 + 256 * 8
    movl $boot_pdpt_high + 3, boot_pml4 + 511 * 8
    movl $boot_pd + 3, boot_pdpt_low
    movl $boot_pd + 3, boot_pdpt_high + 510 * 8
    xor %ecx, %ecx
    mov $0x83, %eax                 /* present, writable, 2 MiB */
1:  mov %eax, boot_pd(, %ecx, 8)
    add $0x200000, %eax
    inc %ecx
    cmp $512, %ecx
    jne 1b

    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $MSR_EFER, %ecx
    rdmsr
    or $(EFER_LME | EFER_NXE), %eax
    wrmsr
    mov %cr0, %eax
    or $(CR0_PG | CR0_PE | CR0_WP), %eax
    mov %eax, %cr0
    lgdt boot_gdt_ptr
    ljmp $GDT_KCODE, $long_entry

boot_fail:                          /* power off with the "panic" status */
    mov $3, %eax
    mov $0xf4, %dx
    outl %eax, %dx
2:  hlt
    jmp 2b

    .code64
long_entry:
    mov $GDT_KDATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    movabs $high_entry, %rax
    jmp *%rax

    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08: 64-bit ring-0 code */
    .quad 0x00cf92000000ffff        /* 0x10: ring-0 data */
boot_gdt_ptr:
    .word boot_gdt_ptr - boot_gdt - 1
    .long boot_gdt

    .balign 4096
boot_pml4:      .fill 4096, 1, 0
boot_pdpt_low:  .fill 4096, 1, 0
boot_pdpt_high: .fill 4096, 1, 0
boot_pd:        .fill 4096, 1, 0

    .text
high_entry:
    mov %edi, %r12d                 /* zero-extends magic and info */
    mov %esi, %r13d
    /* The loader may not have cleared .bss. */
    movabs $__bss_start, %rdi
    movabs $__bss_end, %rcx
    sub %rdi, %rcx
    xor %eax, %eax
    rep stosb
    movabs $boot_stack_top, %rsp
    mov %r12, %rdi
    mov %r13, %rsi
    call x86_setup
    ud2

    .bss
    .balign 16
    .global boot_stack_top
boot_stack:
    .skip 32768
boot_stack_top:
