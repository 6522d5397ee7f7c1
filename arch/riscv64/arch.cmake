# riscv64 (Sv39, S-mode under OpenSBI).  The kernel is built without F/D,
# so the FP registers are always a user thread's; fp.S alone saves and
# loads them (fp.c: lazy switching).  User code is rv64gc, lp64d.
set(VOS_RISCV64_DIR ${CMAKE_CURRENT_LIST_DIR})

target_compile_options(vos_kernel_opts INTERFACE
  -march=rv64imac -mabi=lp64 -mcmodel=medany -mno-relax)
# The kernel's memcpy copies large blocks with the vector unit when there is one (page.c).
target_compile_definitions(vos_kernel_opts INTERFACE VOS_KERNEL_BULK_COPY)
set(VOS_ARCH_KERNEL_SOURCES
  ${VOS_RISCV64_DIR}/entry.S
  ${VOS_RISCV64_DIR}/machine.c
  ${VOS_RISCV64_DIR}/trap.c
  ${VOS_RISCV64_DIR}/vm.c
  ${VOS_RISCV64_DIR}/page.c
  ${VOS_RISCV64_DIR}/page.S
  ${VOS_RISCV64_DIR}/fp.S
  ${VOS_RISCV64_DIR}/fp.c
  ${VOS_RISCV64_DIR}/vector.S
  ${VOS_RISCV64_DIR}/vector.c)
set(VOS_ARCH_LINKER_SCRIPT ${VOS_RISCV64_DIR}/kernel.ld)

target_compile_options(vos_user_opts INTERFACE -march=rv64gc -mabi=lp64d -mno-relax)
set(VOS_ARCH_CRT0 ${PROJECT_SOURCE_DIR}/libsys/arch/riscv64/crt0.S)
