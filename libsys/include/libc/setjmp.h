/* setjmp.h — libsys's C runtime (libsys/arch/<arch>/setjmp.S): the callee-saved
 * registers, the stack pointer and the return address.  That includes the
 * callee-saved FP registers: riscv64 lp64d fs0-fs11 (26 words in all),
 * aarch64 d8-d15 (21 words); x86_64's SysV ABI keeps no XMM register (8). */
#pragma once

typedef unsigned long jmp_buf[26];
typedef unsigned long sigjmp_buf[26];

int setjmp(jmp_buf env) __attribute__((returns_twice));
_Noreturn void longjmp(jmp_buf env, int val);
