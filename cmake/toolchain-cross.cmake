# Shared part of the three cross toolchains: clang + ld.lld, freestanding.
# Included by cmake/toolchain-<arch>.cmake after it sets VOS_TRIPLE.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_C_COMPILER clang)
set(CMAKE_ASM_COMPILER clang)
set(CMAKE_C_COMPILER_TARGET ${VOS_TRIPLE})
set(CMAKE_ASM_COMPILER_TARGET ${VOS_TRIPLE})
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
# -nostdlibinc: the compiler's own headers (stddef.h, stdint.h ...) and the
# ones a build names (newlib's, libsys/CMakeLists.txt), never the host's
# /usr/include, which would otherwise be searched for a header the platform lacks.
set(_vos_cross_flags "-nostdlibinc")
# Every target is ELF, but clang 14 does not say so for x86_64-unknown-elf:
# define __ELF__ where the compiler does not (newlib's headers test it).
execute_process(COMMAND clang --target=${VOS_TRIPLE} -dM -E -x c /dev/null
                OUTPUT_VARIABLE _vos_predefined ERROR_QUIET)
if(NOT _vos_predefined MATCHES "#define __ELF__ ")
  string(APPEND _vos_cross_flags " -D__ELF__=1")
endif()
set(CMAKE_C_FLAGS_INIT "-ffreestanding -fno-builtin -fno-stack-protector -fno-pic -nostdlib ${_vos_cross_flags}")
set(CMAKE_ASM_FLAGS_INIT "-fno-pic ${_vos_cross_flags}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld -nostdlib -static -Wl,--build-id=none -Wno-unused-command-line-argument")
find_program(VOS_LLVM_OBJCOPY NAMES llvm-objcopy llvm-objcopy-14 REQUIRED)
find_program(VOS_LLVM_AR NAMES llvm-ar llvm-ar-14 REQUIRED)
set(CMAKE_AR ${VOS_LLVM_AR} CACHE FILEPATH "ar" FORCE)
set(CMAKE_OBJCOPY ${VOS_LLVM_OBJCOPY} CACHE FILEPATH "objcopy" FORCE)
