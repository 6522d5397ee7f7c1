# Helpers for arch/<arch>/image.cmake: boot tests that run QEMU through
# tools/qemu-test.py and check the console and QEMU's exit status.
#
# Guest power-off statuses (kernel/main.c, docs/porting.md):
#   0 first process exited with code 0     1 it exited with another code
#   2 it was killed by a fault              3 kernel panic
# Each arch maps them to QEMU's exit status with VOS_QEMU_EXIT_<n>, which its
# image.cmake sets before calling these functions.

set(VOS_QEMU_TEST ${PROJECT_SOURCE_DIR}/tools/qemu-test.py)

# The disk `run` attaches (tools/run.sh sets it; docs/storage.md): a raw FAT
# image on a modern virtio block device, which init gives the virtio-blk
# driver: virtio-mmio on riscv64 and aarch64 `virt`, virtio-pci (no legacy
# interface) on x86_64 `q35`.  Empty: no disk (the RAM disk then).
# VOS_DISK_DEVICE_ARGS: the device, on the drive with id `vdisk`.
set(VOS_RUN_DISK "" CACHE FILEPATH "Disk image for the run target (a FAT16/FAT32 raw image; empty: none)")
if(VOS_ARCH STREQUAL "x86_64")
  set(VOS_DISK_DEVICE_ARGS -device virtio-blk-pci,drive=vdisk,disable-legacy=on)
else()
  set(VOS_DISK_DEVICE_ARGS -global virtio-mmio.force-legacy=false -device virtio-blk-device,drive=vdisk)
endif()
set(VOS_RUN_DISK_ARGS)
if(VOS_RUN_DISK)
  set(VOS_RUN_DISK_ARGS -drive file=${VOS_RUN_DISK},format=raw,if=none,id=vdisk ${VOS_DISK_DEVICE_ARGS})
endif()

# What a good boot of the default init prints, in order: init starts the
# console server and the shell (userland/init); the boot test feeds the shell
# only the end of input (Ctrl-D, userland/shell/tests/eof.txt), so it exits 0
# and init powers off with status 0.
set(VOS_SHELL_TESTS ${PROJECT_SOURCE_DIR}/userland/shell/tests)
include(${VOS_SHELL_TESTS}/session.cmake) # VOS_EXPECT_SHELL_SESSION
include(${VOS_SHELL_TESTS}/storage.cmake) # VOS_EXPECT_STORAGE_SESSION
set(VOS_EXPECT_INIT_OK
  "VeridianOS shell"
  "vos> "
  "shell: end of input"
  "init: shell exited with code 0. powering off"
  "\\[kernel\\] process 1 \\(init\\) exited with code 0")

# What each fault kernel (userland/faults) must report.
set(VOS_EXPECT_FAULT_unmapped "killed: page fault .*at 0x0*10 ")
set(VOS_EXPECT_FAULT_kernel   "killed: page fault .*at 0xf")
set(VOS_EXPECT_FAULT_readonly "killed: protection fault \\(write\\)")
set(VOS_EXPECT_FAULT_illegal  "killed: illegal instruction")

# vos_boot_test(NAME <test> EXIT <guest status 0-3> [INPUT <file>] [TIMEOUT <s>]
#               [PANICS] EXPECT <regex>... [REJECT <regex>...] COMMAND <qemu argv>...)
# A kernel panic fails the test unless PANICS says it is the point.
function(vos_boot_test)
  cmake_parse_arguments(T "PANICS" "NAME;EXIT;INPUT;TIMEOUT" "EXPECT;REJECT;COMMAND" ${ARGN})
  set(args)
  foreach(rx IN LISTS T_EXPECT)
    list(APPEND args --expect ${rx})
  endforeach()
  foreach(rx IN LISTS T_REJECT)
    list(APPEND args --reject ${rx})
  endforeach()
  if(T_INPUT)
    list(APPEND args --input ${T_INPUT})
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  if(NOT T_PANICS)
    list(APPEND args --reject "PANIC")
  endif()
  add_test(NAME ${T_NAME}
           COMMAND ${VOS_PYTHON} ${VOS_QEMU_TEST} --exit ${VOS_QEMU_EXIT_${T_EXIT}}
                   --timeout ${T_TIMEOUT} --log ${CMAKE_BINARY_DIR}/logs/${T_NAME}.log
                   ${args} -- ${T_COMMAND})
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/logs)
endfunction()

# vos_shell_session_test(<path> <banner regex> <command fn>): boot the default
# image with userland/shell/tests/session.txt on the serial input (help, ps,
# caps, every demo, bad commands, poweroff) and check the shell's answers.
# Least privilege: the shell's `caps` must show nothing of the UART (no
# device, device_memory, io_port, irq or irq_control capability).
function(vos_shell_session_test path banner command_fn)
  cmake_language(CALL ${command_fn} cmd kernel)
  vos_boot_test(NAME shell-${path} EXIT 0 TIMEOUT 300 INPUT ${VOS_SHELL_TESTS}/session.txt
                EXPECT ${banner} ${VOS_EXPECT_SHELL_SESSION}
                REJECT "FAIL" "still alive" "setting up:" "wrong answer" "^0x[0-9a-f]+ +(device|io_port|irq)"
                COMMAND ${cmd})
endfunction()

# vos_boot_tests_for_path(PATH <boot path name> COMMAND_FN <function>)
# Adds, for one boot path, the init test and one test per fault kind.
# <function>(<out var> <kernel target>) must set <out var> to the QEMU argv
# (adding whatever image-building dependencies it needs).
function(vos_boot_tests_for_path)
  cmake_parse_arguments(P "" "PATH;COMMAND_FN" "" ${ARGN})
  set(banner "VeridianOS [0-9.]+ on ${VOS_ARCH} \\(boot: ${P_PATH}\\)")
  cmake_language(CALL ${P_COMMAND_FN} cmd kernel)
  vos_boot_test(NAME boot-${P_PATH} EXIT 0 INPUT ${VOS_SHELL_TESTS}/eof.txt
                EXPECT ${banner} ${VOS_EXPECT_INIT_OK} COMMAND ${cmd})
  # The user-mode syscall suite runs on the arch's first boot path.
  get_property(utest_added GLOBAL PROPERTY VOS_UTEST_ADDED)
  if(NOT utest_added)
    set_property(GLOBAL PROPERTY VOS_UTEST_ADDED TRUE)
    # The scripted shell session on the default image (vos_shell_session_test below).
    vos_shell_session_test(${P_PATH} "${banner}" ${P_COMMAND_FN})
    cmake_language(CALL ${P_COMMAND_FN} cmd kernel)
    # The file commands over the whole storage stack (docs/storage.md).
    vos_boot_test(NAME storage-${P_PATH} EXIT 0 TIMEOUT 300 INPUT ${VOS_SHELL_TESTS}/storage.txt
                  EXPECT ${banner} ${VOS_EXPECT_STORAGE_SESSION} REJECT "PANIC" "FAIL" "I/O error" COMMAND ${cmd})
    # The console server dies (console-faulty faults on a request, mid-session)
    # and init starts it again; the shell carries on with what it was typed.
    cmake_language(CALL ${P_COMMAND_FN} cmd kernel-console-restart)
    vos_boot_test(NAME console-restart-${P_PATH} EXIT 0 TIMEOUT 300 INPUT ${VOS_SHELL_TESTS}/restart.txt
                  EXPECT ${banner} "vos> echo before the fault" "^before the fault"
                         "\\[kernel\\] process 2 \\(console-faulty\\) killed: page fault"
                         "init: console server \\(pid 2\\) killed: page fault at 0x8. restarted as pid [0-9]+"
                         "vos> echo after the restart" "^after the restart" "hello"
                         "\\[pid [0-9]+ hello exited with code 0\\]"
                         "shell: powering off" "init: shell exited with code 0. powering off"
                  REJECT "shell: end of input" "\\[kernel\\] BUG"
                  COMMAND ${cmd})
    # Typed input is not dropped: 60 lines (6 KiB, more than the console
    # server's ring and the UART's FIFO together) fed at once, each echoed and
    # answered whole and in order (userland/shell/tests/burst.txt).
    set(burst)
    foreach(i RANGE 0 59)
      if(i LESS 10)
        set(i 0${i})
      endif()
      list(APPEND burst "^burst line ${i} (abcdefghijklmnopqrstuvwxyz0123456789){2} end ${i}\\r?$")
    endforeach()
    cmake_language(CALL ${P_COMMAND_FN} cmd kernel)
    vos_boot_test(NAME console-burst-${P_PATH} EXIT 0 TIMEOUT 300 INPUT ${VOS_SHELL_TESTS}/burst.txt
                  EXPECT ${banner} ${burst} "shell: powering off" "init: shell exited with code 0. powering off"
                  REJECT "shell: unknown command" "shell: end of input"
                  COMMAND ${cmd})
    # Memory exhaustion and quotas (userland/memtest), the first process of its own kernel.
    cmake_language(CALL ${P_COMMAND_FN} cmd kernel-memtest)
    vos_boot_test(NAME memtest-${P_PATH} EXIT 0 TIMEOUT 600
                  EXPECT ${banner} "memtest: starting" "memtest: [0-9]+ passed, 0 failed"
                         "\\[kernel\\] process 1 \\(init\\) exited with code 0"
                  REJECT "memtest: FAIL" "\\[kernel\\] BUG"
                  COMMAND ${cmd})
    # The C library and Lua (tests/libc, tests/lua, docs/userland.md), from the
    # shell: libctest's suite and the arguments it was given, Lua's suite (its
    # whole output is then compared with tests/lua/suite.expected) and Lua's
    # interactive prompt, left with Ctrl-D.
    cmake_language(CALL ${P_COMMAND_FN} cmd kernel)
    vos_boot_test(NAME libc-${P_PATH} EXIT 0 TIMEOUT 600 INPUT ${PROJECT_SOURCE_DIR}/tests/libc/session.txt
                  EXPECT ${banner} "libctest: argc=4 argv: \\[libctest\\] \\[one\\] \\[two\\] \\[--three=3\\]\\s"
                         "libctest: [0-9]+ passed, 0 failed" "libctest: atexit handler ran"
                         "libctest: this line has no newline. exit.. flushes it\\[pid [0-9]+ libctest exited with code 0\\]"
                         "lua suite: done" "\\[pid [0-9]+ lua exited with code 0\\]"
                         "> print.6 . 7.\\s" "^42\\s" "^1 2 3 \\s" "\\[pid [0-9]+ lua exited with code 0\\]"
                  REJECT "libctest: FAIL" COMMAND ${cmd})
    add_test(NAME lua-output-${P_PATH}
             COMMAND ${VOS_PYTHON} ${PROJECT_SOURCE_DIR}/tests/lua/compare.py --log ${CMAKE_BINARY_DIR}/logs/libc-${P_PATH}.log
                     --expected ${PROJECT_SOURCE_DIR}/tests/lua/suite.expected)
    set_tests_properties(lua-output-${P_PATH} PROPERTIES DEPENDS libc-${P_PATH})
    # The syscall fuzzer (userland/vosfuzz, docs/reliability.md): a few seeds,
    # deterministic under -icount; the `fuzz` target runs the long campaign.
    cmake_language(CALL ${P_COMMAND_FN} cmd kernel-vosfuzz)
    vos_boot_test(NAME vosfuzz-${P_PATH} EXIT 0 TIMEOUT 600
                  EXPECT ${banner} "vosfuzz: starting" "vosfuzz: done: [0-9]+ calls .*, 0 failed"
                         "\\[kernel\\] process 1 \\(init\\) exited with code 0"
                  REJECT "vosfuzz: FAIL" "\\[kernel\\] BUG"
                  COMMAND ${cmd} -icount shift=0,sleep=off)
    cmake_language(CALL ${P_COMMAND_FN} cmd kernel-vosfuzz-campaign)
    add_custom_target(fuzz
      COMMAND ${VOS_PYTHON} ${VOS_QEMU_TEST} --exit ${VOS_QEMU_EXIT_0} --timeout 36000 --reject "vosfuzz: FAIL"
              --reject PANIC --expect "vosfuzz: done: [0-9]+ calls .*, 0 failed"
              --log ${CMAKE_BINARY_DIR}/fuzz.log -- ${cmd} -icount shift=0,sleep=off
      USES_TERMINAL VERBATIM)
    foreach(image kernel-vosfuzz-campaign kernel-vosfuzz-campaign-bin) # the ELF, and the flat image some arches boot
      if(TARGET ${image})
        add_dependencies(fuzz ${image})
      endif()
    endforeach()
    # The ABI-conformance suite (tests/conformance, cmocka in the guest): passes
    # only when cmocka reports 0 failed; the second test writes the per-syscall
    # table <build>/conformance.md from its log (tools/conformance-table.py).
    cmake_language(CALL ${P_COMMAND_FN} cmd kernel-conformance)
    vos_boot_test(NAME conformance-${P_PATH} EXIT 0 TIMEOUT 600
                  EXPECT ${banner} "\\[  PASSED  \\] [0-9]+ test" "conformance: done, 0 failed"
                  REJECT "\\[  FAILED  \\]"
                  COMMAND ${cmd})
    add_test(NAME conformance-table-${P_PATH}
             COMMAND ${VOS_PYTHON} ${PROJECT_SOURCE_DIR}/tools/conformance-table.py --spec ${PROJECT_SOURCE_DIR}/spec
                     --arch ${VOS_ARCH} --log ${CMAKE_BINARY_DIR}/logs/conformance-${P_PATH}.log
                     --out ${CMAKE_BINARY_DIR}/conformance.md)
    set_tests_properties(conformance-table-${P_PATH} PROPERTIES DEPENDS conformance-${P_PATH})
    # The hardware guards (tests/guard/probe.c): a kernel read, write and
    # execute of a user page each trap and panic, naming the guard that
    # stopped them (VOS_GUARD_<access>, set by the arch's image.cmake).
    foreach(access IN LISTS VOS_GUARD_ACCESSES)
      cmake_language(CALL ${P_COMMAND_FN} cmd kernel-guard-${access})
      vos_boot_test(NAME guard-${access}-${P_PATH} EXIT 3 PANICS
                    EXPECT ${banner} "guard: trapping into the kernel" "guard: kernel ${access} of user address 0x[0-9a-f]+, which must fault"
                           "PANIC: kernel ${access} of user address 0x[0-9a-f]+ stopped by ${VOS_GUARD_${access}}"
                           "powering off, status 3"
                    REJECT "did not fault" COMMAND ${cmd})
    endforeach()
    # The cmocka suites in the guest, each the first process of its own kernel:
    # the syscalls (tests/utest), IPC (tests/ipc), isolation and exhaustion
    # (tests/attack, docs/reliability.md), drivers (tests/drivers; docs/abi.md,
    # "Drivers").  Each passes only when cmocka reports no failure and the
    # suite exits 0.
    foreach(suite utest ipctest isolation exhaustion drivers)
      cmake_language(CALL ${P_COMMAND_FN} cmd kernel-${suite})
      if(suite STREQUAL "drivers" AND VOS_ARCH STREQUAL "x86_64")
        list(APPEND cmd -device virtio-rng-pci,disable-legacy=on) # a device doing DMA (modern virtio-pci)
      elseif(suite STREQUAL "drivers")
        list(APPEND cmd -device virtio-rng-device) # a device doing DMA (virtio-mmio)
      endif()
      vos_boot_test(NAME ${suite}-${P_PATH} EXIT 0 TIMEOUT 600
                    EXPECT ${banner} "\\[  PASSED  \\] [0-9]+ test" "${suite}: done, 0 failed"
                    REJECT "\\[  FAILED  \\]" "\\[kernel\\] BUG"
                    COMMAND ${cmd})
    endforeach()
    # The storage suite (tests/storage, cmocka in the guest; docs/storage.md).
    cmake_language(CALL ${P_COMMAND_FN} cmd kernel-storage)
    vos_boot_test(NAME storage-suite-${P_PATH} EXIT 0 TIMEOUT 300
                  EXPECT ${banner} "\\[  PASSED  \\] [0-9]+ test" "storage: done, 0 failed"
                  REJECT "\\[  FAILED  \\]" "\\[kernel\\] BUG" COMMAND ${cmd})
    # init restarts a file server that died; the data flushed before is intact.
    cmake_language(CALL ${P_COMMAND_FN} restart_cmd kernel-storage-restart)
    vos_boot_test(NAME storage-restart-${P_PATH} EXIT 0 TIMEOUT 300 INPUT ${VOS_SHELL_TESTS}/storage-restart.txt
                  EXPECT ${banner} "vos> cat kept.txt" "^flushed before the crash"
                         "init: fsserver-faulty .pid [0-9]+. killed: [^.]*. restarted as pid [0-9]+"
                         "cat: /.crash: no file system"
                         "cat kept.txt" "^flushed before the crash" "vos> ls" "after.txt +6 bytes"
                  REJECT "PANIC" "not restarted" COMMAND ${restart_cmd})
    # The disk round trip with the host's FAT tools, through the virtio-blk
    # driver (virtio-mmio; virtio-pci on x86_64).
    cmake_language(CALL ${P_COMMAND_FN} disk_cmd kernel)
    string(REPLACE ";" " " disk_device "${VOS_DISK_DEVICE_ARGS}")
    add_test(NAME storage-disk-${P_PATH}
             COMMAND ${VOS_PYTHON} ${PROJECT_SOURCE_DIR}/tests/storage/disk_test.py
                     --work ${CMAKE_BINARY_DIR}/disk-test-${P_PATH} --qemu-test ${VOS_QEMU_TEST}
                     --exit ${VOS_QEMU_EXIT_0} --device "${disk_device}" -- ${disk_cmd})
    # Its storage-bench lines, instruction-exact: build/<preset>/storage-bench.log
    # (the RAM disk), then the same through virtio-blk on a FAT16 image with
    # 4 KiB clusters like the RAM disk's (`run fscheck bench` in the shell of
    # the default kernel): build/<preset>/storage-bench-virtio.log
    # (docs/performance.md, "Storage").
    list(APPEND cmd -icount shift=0)
    cmake_language(CALL ${P_COMMAND_FN} virtio_cmd kernel)
    set(bench_disk ${CMAKE_BINARY_DIR}/storage-bench-disk.img)
    add_custom_target(bench-storage
      COMMAND ${VOS_PYTHON} ${VOS_QEMU_TEST} --exit ${VOS_QEMU_EXIT_0} --timeout 900 --expect "storage: done, 0 failed"
              --log ${CMAKE_BINARY_DIR}/storage-bench.log -- ${cmd}
      COMMAND ${CMAKE_COMMAND} -E rm -f ${bench_disk}
      COMMAND mkfs.fat -F 16 -s 8 -C ${bench_disk} 65536
      COMMAND ${VOS_PYTHON} ${VOS_QEMU_TEST} --exit ${VOS_QEMU_EXIT_0} --timeout 900
              --input ${PROJECT_SOURCE_DIR}/tests/storage/bench-virtio.txt
              --expect "virtio-blk: 65536 KiB" --expect "fscheck: bench ok" --reject "PANIC"
              --log ${CMAKE_BINARY_DIR}/storage-bench-virtio.log
              -- ${virtio_cmd} -icount shift=0 -drive file=${bench_disk},format=raw,if=none,id=vdisk ${VOS_DISK_DEVICE_ARGS}
      USES_TERMINAL VERBATIM)
    foreach(image kernel-storage kernel-storage-bin kernel kernel-bin)
      if(TARGET ${image})
        add_dependencies(bench-storage ${image})
      endif()
    endforeach()
    # Benchmarks: instruction-exact under -icount shift=0 (docs/performance.md).
    cmake_language(CALL ${P_COMMAND_FN} cmd kernel-bench)
    list(APPEND cmd -icount shift=0)
    add_custom_target(bench
      COMMAND ${VOS_PYTHON} ${VOS_QEMU_TEST} --exit ${VOS_QEMU_EXIT_0} --timeout 900 --expect "bench: done"
              --log ${CMAKE_BINARY_DIR}/bench.log -- ${cmd}
      USES_TERMINAL VERBATIM)
    foreach(image kernel-bench kernel-bench-bin) # the ELF, and the flat image some arches boot
      if(TARGET ${image})
        add_dependencies(bench ${image})
      endif()
    endforeach()
    # The benchmark program must keep working; its figures are not asserted.
    vos_boot_test(NAME bench-runs-${P_PATH} EXIT 0 TIMEOUT 900
                  EXPECT ${banner} "bench: null syscall" "bench: IPC call/reply round trip .4 KiB.: [0-9]+ instructions"
                         "bench: IPC 4 KiB round trip through a shared page [^:]*: [0-9]+ instructions"
                         "bench: done" REJECT "bench: IPC .*(failed|did not start)" COMMAND ${cmd})
  endif()
  foreach(kind IN LISTS VOS_FAULT_KINDS)
    cmake_language(CALL ${P_COMMAND_FN} cmd kernel-fault-${kind})
    vos_boot_test(NAME fault-${kind}-${P_PATH} EXIT 2
                  EXPECT ${banner} "\\[kernel\\] process 1 \\(init\\) ${VOS_EXPECT_FAULT_${kind}}"
                         "powering off, status 2"
                  COMMAND ${cmd})
  endforeach()
endfunction()
