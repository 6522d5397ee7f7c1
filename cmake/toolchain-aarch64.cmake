set(VOS_TRIPLE aarch64-unknown-elf)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-cross.cmake)
