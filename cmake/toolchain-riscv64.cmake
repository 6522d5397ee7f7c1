set(VOS_TRIPLE riscv64-unknown-elf)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-cross.cmake)
