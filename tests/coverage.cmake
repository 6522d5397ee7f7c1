# The `coverage` target (coverage preset, VOS_COVERAGE=ON): line and branch
# coverage of kernel/ from the host tests (tests/host, the conformance
# suite on the host) and the host fuzzer's corpus replayed (tests/fuzz),
# with llvm-14's llvm-profdata and llvm-cov.  Writes
#   <build>/coverage/index.html   the annotated sources
#   <build>/coverage.txt          llvm-cov's per-file table (lines, branches, ...)
find_program(VOS_LLVM_PROFDATA NAMES llvm-profdata-14 llvm-profdata REQUIRED)
find_program(VOS_LLVM_COV NAMES llvm-cov-14 llvm-cov REQUIRED)

get_property(programs GLOBAL PROPERTY VOS_HOST_PROGRAMS)
set(objects) # llvm-cov: the first binary plain, the others after -object
foreach(p IN LISTS programs)
  if(objects)
    list(APPEND objects -object)
  endif()
  list(APPEND objects $<TARGET_FILE:${p}>)
endforeach()
set(profiles ${CMAKE_BINARY_DIR}/profiles)
set(profdata ${CMAKE_BINARY_DIR}/coverage.profdata)
set(kernel_dir ${PROJECT_SOURCE_DIR}/kernel)

add_custom_target(coverage
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${profiles} ${CMAKE_BINARY_DIR}/coverage
  # Every host test but the ones that are not about the kernel (the generator's, the ABI-break
  # builds) and the fuzz campaign (not reproducible coverage; its corpus is replayed instead).
  COMMAND ${CMAKE_COMMAND} -E env LLVM_PROFILE_FILE=${profiles}/%p-%m.profraw
          ${CMAKE_CTEST_COMMAND} --test-dir ${CMAKE_BINARY_DIR} -j2 -E "^(codegen|codegen-rebuild|abi-breaks|softfloat|fuzz_host_campaign)$"
  COMMAND sh -c "$0 merge -sparse -o $1 $2/*.profraw" ${VOS_LLVM_PROFDATA} ${profdata} ${profiles}
  COMMAND ${VOS_LLVM_COV} show -format=html -show-branches=count -output-dir=${CMAKE_BINARY_DIR}/coverage
          -instr-profile=${profdata} ${objects} ${kernel_dir}
  COMMAND sh -c "$0 \"$@\" > ${CMAKE_BINARY_DIR}/coverage.txt" ${VOS_LLVM_COV} report -instr-profile=${profdata} ${objects} ${kernel_dir}
  COMMAND ${CMAKE_COMMAND} -E cat ${CMAKE_BINARY_DIR}/coverage.txt
  DEPENDS ${programs}
  USES_TERMINAL VERBATIM
  COMMENT "Coverage of kernel/ (HTML: ${CMAKE_BINARY_DIR}/coverage/index.html)")
