# aarch64 images and boot tests.  See README.md for the two boot paths.
#   direct  QEMU -kernel <k>.bin (arm64 Image format, entered at EL1)
#   u-boot  QEMU -bios u-boot.bin with our environment in flash bank 1
#           (no autoboot delay, so console input cannot stop it); bootcmd
#           sources boot.scr from a FAT virtio disk, which booti's <k>.bin
find_program(VOS_QEMU_AARCH64 qemu-system-aarch64 REQUIRED)
find_program(VOS_MKIMAGE mkimage REQUIRED)
find_program(VOS_MFORMAT mformat REQUIRED)
find_program(VOS_MCOPY mcopy REQUIRED)
find_program(VOS_MKENVIMAGE mkenvimage REQUIRED)
find_program(VOS_TRUNCATE truncate REQUIRED)
set(VOS_UBOOT_AARCH64 /usr/lib/u-boot/qemu_arm64/u-boot.bin CACHE FILEPATH "U-Boot for QEMU virt arm64")

# Semihosting SYS_EXIT hands the guest status straight to QEMU.
set(VOS_QEMU_EXIT_0 0)
set(VOS_QEMU_EXIT_1 1)
set(VOS_QEMU_EXIT_2 2)
set(VOS_QEMU_EXIT_3 3)

# -cpu: cortex-a76 (ARMv8.2) has PAN, the hardware guard of boot.c; cortex-a72 (ARMv8.0) does not.
set(VOS_QEMU_BASE ${VOS_QEMU_AARCH64} -machine virt -cpu cortex-a76 -m 256M -nographic
    -semihosting-config enable=on,target=native)

set(_img ${CMAKE_BINARY_DIR}/images)
file(MAKE_DIRECTORY ${_img})

add_custom_command(OUTPUT ${_img}/boot.scr
  COMMAND ${VOS_MKIMAGE} -q -A arm64 -O linux -T script -C none
          -d ${CMAKE_CURRENT_LIST_DIR}/boot.cmd ${_img}/boot.scr
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/boot.cmd VERBATIM)

# U-Boot's environment lives at the start of the second 64 MiB flash bank.
add_custom_command(OUTPUT ${_img}/uboot-env.img
  COMMAND ${VOS_MKENVIMAGE} -s 0x40000 -o ${_img}/uboot-env.img ${CMAKE_CURRENT_LIST_DIR}/uboot-env.txt
  COMMAND ${VOS_TRUNCATE} -s 64M ${_img}/uboot-env.img
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/uboot-env.txt VERBATIM)

# <kernel>.bin: the ELF's loadable bytes from KERNEL_PHYS on, Image header first.
function(vos_aarch64_bin kernel)
  if(NOT TARGET ${kernel}-bin)
    add_custom_command(OUTPUT ${_img}/${kernel}.bin
      COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:${kernel}> ${_img}/${kernel}.bin
      DEPENDS ${kernel} VERBATIM)
    add_custom_target(${kernel}-bin ALL DEPENDS ${_img}/${kernel}.bin)
  endif()
endfunction()

function(vos_aarch64_direct out kernel)
  vos_aarch64_bin(${kernel})
  set(${out} ${VOS_QEMU_BASE} -kernel ${_img}/${kernel}.bin PARENT_SCOPE)
endfunction()

# <kernel>-uboot.img: unpartitioned FAT (U-Boot reads it as virtio 0:1).
function(vos_aarch64_uboot out kernel)
  vos_aarch64_bin(${kernel})
  set(disk ${_img}/${kernel}-uboot.img)
  add_custom_command(OUTPUT ${disk}
    COMMAND ${CMAKE_COMMAND} -E rm -f ${disk}
    COMMAND ${VOS_MFORMAT} -i ${disk} -C -T 32768 -h 32 -s 32 ::
    COMMAND ${VOS_MCOPY} -i ${disk} ${_img}/boot.scr ::boot.scr
    COMMAND ${VOS_MCOPY} -i ${disk} ${_img}/${kernel}.bin ::kernel.bin
    DEPENDS ${_img}/boot.scr ${_img}/${kernel}.bin ${_img}/uboot-env.img VERBATIM)
  add_custom_target(${kernel}-uboot ALL DEPENDS ${disk})
  set(${out} ${VOS_QEMU_BASE} -bios ${VOS_UBOOT_AARCH64}
      -drive if=pflash,unit=1,file=${_img}/uboot-env.img,format=raw,readonly=on
      -drive if=none,file=${disk},format=raw,id=hd0,readonly=on
      -device virtio-blk-device,drive=hd0 PARENT_SCOPE)
endfunction()

# What stops the kernel touching user pages (boot.c, vspace.c; boot tests guard-*).
set(VOS_GUARD_read PAN)
set(VOS_GUARD_write PAN)
set(VOS_GUARD_execute PXN)
vos_boot_tests_for_path(PATH direct COMMAND_FN vos_aarch64_direct)
vos_boot_tests_for_path(PATH u-boot COMMAND_FN vos_aarch64_uboot)

# virt's GIC is v2 unless asked: the drivers suite and the console's boot
# once more on a GICv3 (timer.c tells them apart; the kernel says which).
foreach(what boot drivers)
  if(what STREQUAL "boot")
    vos_aarch64_direct(_v3_cmd kernel)
    set(_v3_expect ${VOS_EXPECT_INIT_OK})
    set(_v3_input INPUT ${VOS_SHELL_TESTS}/eof.txt)
  else()
    vos_aarch64_direct(_v3_cmd kernel-drivers)
    list(APPEND _v3_cmd -device virtio-rng-device)
    set(_v3_expect "\\[  PASSED  \\] [0-9]+ test" "drivers: done, 0 failed")
    set(_v3_input)
  endif()
  list(TRANSFORM _v3_cmd REPLACE "^virt$" "virt,gic-version=3")
  vos_boot_test(NAME ${what}-gicv3-direct EXIT 0 TIMEOUT 600 ${_v3_input}
                EXPECT "aarch64: GICv3" ${_v3_expect}
                REJECT "\\[  FAILED  \\]" "\\[kernel\\] BUG" COMMAND ${_v3_cmd})
endforeach()

vos_aarch64_direct(_run_cmd kernel)
add_custom_target(run COMMAND ${_run_cmd} ${VOS_RUN_DISK_ARGS} DEPENDS kernel-bin USES_TERMINAL VERBATIM)
