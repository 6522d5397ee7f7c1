# aarch64: EL1 kernel in the TTBR1 half, QEMU virt.  See README.md.
set(_a ${CMAKE_CURRENT_LIST_DIR})

# No FP/SIMD in the kernel's code: the FP/SIMD registers always hold a user
# thread's state, switched lazily (fp.c); fp.S alone saves and loads them.
target_compile_options(vos_kernel_opts INTERFACE -mgeneral-regs-only -mcmodel=small)
target_include_directories(vos_kernel_opts INTERFACE ${_a})

set(VOS_ARCH_KERNEL_SOURCES
  ${_a}/boot.S ${_a}/entry.S ${_a}/boot.c ${_a}/trap.c ${_a}/timer.c ${_a}/vspace.c
  ${_a}/page.c ${_a}/fp.S ${_a}/fp.c)
set(VOS_ARCH_LINKER_SCRIPT ${_a}/linker.ld)
set(VOS_ARCH_CRT0 ${PROJECT_SOURCE_DIR}/libsys/arch/aarch64/crt0.S)
