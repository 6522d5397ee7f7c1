set(VOS_TRIPLE x86_64-unknown-elf)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-cross.cmake)
