# host: the kernel core as a host library, driven by the cmocka tests in
# tests/host under ASan + UBSan.  There is no image and no user space:
# "user threads" are host functions on their own stacks (see README.md).
set(VOS_HOST_DIR ${CMAKE_CURRENT_LIST_DIR})

set(VOS_HOST_SANITIZE -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
target_compile_options(vos_kernel_opts INTERFACE ${VOS_HOST_SANITIZE} -g)
target_link_options(vos_kernel_opts INTERFACE ${VOS_HOST_SANITIZE})

# The coverage preset: clang's source-based coverage on everything built
# here (tests/coverage.cmake reports kernel/ from it).
option(VOS_COVERAGE "Instrument the host build for llvm-cov (the coverage target)" OFF)
if(VOS_COVERAGE)
  target_compile_options(vos_kernel_opts INTERFACE -fprofile-instr-generate -fcoverage-mapping)
  target_link_options(vos_kernel_opts INTERFACE -fprofile-instr-generate)
endif()

# The kernel core's objects (kernel/CMakeLists.txt defines vos_kernel_core
# after this file runs; $<TARGET_OBJECTS> is resolved at generate time) plus
# the simulated machine.  A static library, so a test links only the kernel
# files it reaches (kernel_main and its init image are never pulled in).
add_library(vos_kernel_host STATIC
  $<TARGET_OBJECTS:vos_kernel_core>
  ${VOS_HOST_DIR}/machine.c
  ${VOS_HOST_DIR}/cpu.c
  ${VOS_HOST_DIR}/vspace.c
  ${VOS_HOST_DIR}/page.c
  ${VOS_HOST_DIR}/faults.c)
target_link_libraries(vos_kernel_host PUBLIC vos_kernel_opts)
# Tests see the error-list check as the core was built (tests/host/test_dispatch.c tests it).
target_compile_definitions(vos_kernel_host PUBLIC VOS_CHECK_ERRORS=$<BOOL:${VOS_CHECK_ERRORS}>)
# Fault injection (faults.c): every kernel allocation goes through a counter first.
target_link_options(vos_kernel_host INTERFACE
  -Wl,--wrap=frame_alloc -Wl,--wrap=kmem_alloc -Wl,--wrap=kmem_alloc_for)
