# x86_64: kernel linked in the top 2 GiB (-mcmodel=kernel), no red zone
# (interrupts in kernel mode push onto the current stack), no FP/SIMD
# registers in the kernel (user SSE state is therefore never disturbed by it).
# -fomit-frame-pointer: the bare-metal target keeps frame pointers by
# default; dropping them keeps the null syscall within its instruction budget
# (gdb still unwinds through .debug_frame).
set(VOS_X86_KERNEL_CFLAGS
  -mcmodel=kernel -mno-red-zone -mno-mmx -mno-sse -mno-sse2 -mno-80387
  -fno-asynchronous-unwind-tables -fomit-frame-pointer)
target_compile_options(vos_kernel_opts INTERFACE "$<$<COMPILE_LANGUAGE:C>:${VOS_X86_KERNEL_CFLAGS}>")

set(_x86 ${CMAKE_CURRENT_LIST_DIR})
set(VOS_ARCH_KERNEL_SOURCES
  ${_x86}/boot.S
  ${_x86}/trap.S
  ${_x86}/setup.c
  ${_x86}/trap.c
  ${_x86}/vspace.c
  ${_x86}/devices.c
  ${_x86}/page.c)
set(VOS_ARCH_LINKER_SCRIPT ${_x86}/kernel.ld)
set(VOS_ARCH_CRT0 ${PROJECT_SOURCE_DIR}/libsys/arch/x86_64/crt0.S)

target_compile_options(vos_user_opts INTERFACE
  $<$<COMPILE_LANGUAGE:C>:-fno-asynchronous-unwind-tables>)
