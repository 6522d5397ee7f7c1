/* setjmp.h — libsys's C runtime (libsys/arch/<arch>/setjmp.S): the callee-saved
 * integer registers, the stack pointer and the return address.  User code has
 * no callee-saved FP state (riscv64 lp64, aarch64 -mgeneral-regs-only). */
#pragma once

typedef unsigned long jmp_buf[16];
typedef unsigned long sigjmp_buf[16];

int setjmp(jmp_buf env) __attribute__((returns_twice));
_Noreturn void longjmp(jmp_buf env, int val);
