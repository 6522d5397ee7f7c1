# Runs codegen/ on spec/ for one architecture.  Every spec file, template and
# generator module is a real dependency, so editing any of them and rebuilding
# regenerates exactly what depends on it.
#
#   vos_codegen(ARCH <arch>) defines
#     VOS_GEN_DIR           <build>/gen
#     VOS_GEN_INCLUDE_DIR   <build>/gen/include   (vos/abi.h, vos/syscalls.h)
#     VOS_GEN_KERNEL_DIR    <build>/gen/kernel    (dispatch table, shims, prototypes)
#     VOS_GEN_KERNEL_SOURCES
#     target vos_codegen    (everything generated)
function(vos_codegen)
  cmake_parse_arguments(G "" "ARCH" "" ${ARGN})
  set(src ${PROJECT_SOURCE_DIR})
  set(out ${PROJECT_BINARY_DIR}/gen)
  file(GLOB spec_files CONFIGURE_DEPENDS ${src}/spec/*.yaml)
  file(GLOB gen_files CONFIGURE_DEPENDS ${src}/codegen/*.py ${src}/codegen/templates/*.j2)
  set(outputs
    ${out}/include/vos/abi.h
    ${out}/include/vos/syscalls.h
    ${out}/kernel/syscall_handlers.h
    ${out}/kernel/syscall_frame.h
    ${out}/kernel/syscall_table.c
    ${out}/kernel/syscall_asm.h
    ${out}/kernel/syscall_shims.c
    ${out}/docs/syscalls.md
    ${out}/tests/conformance_cases.h)
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${VOS_PYTHON} ${src}/codegen/vosgen.py --spec ${src}/spec --arch ${G_ARCH} --out ${out}
    DEPENDS ${spec_files} ${gen_files}
    COMMENT "Generating ABI, dispatch, shims, stubs and docs from spec/ (${G_ARCH})"
    VERBATIM)
  add_custom_target(vos_codegen ALL DEPENDS ${outputs})
  set(VOS_GEN_DIR ${out} PARENT_SCOPE)
  set(VOS_GEN_INCLUDE_DIR ${out}/include PARENT_SCOPE)
  set(VOS_GEN_KERNEL_DIR ${out}/kernel PARENT_SCOPE)
  set(VOS_GEN_KERNEL_SOURCES ${out}/kernel/syscall_table.c ${out}/kernel/syscall_shims.c PARENT_SCOPE)
endfunction()
