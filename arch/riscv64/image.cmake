# riscv64 boot images and boot tests (QEMU virt).  Two boot paths:
#   opensbi  OpenSBI fw_jump enters kernel.elf (loaded by QEMU -kernel) at
#            0x80200000.
#   u-boot   OpenSBI runs U-Boot (S-mode); distro boot finds boot.scr on a
#            FAT virtio disk, which loads a FIT image holding the flat kernel
#            and boots it at 0x80200000 + 8.
# See arch/riscv64/README.md.
find_program(VOS_QEMU_RISCV64 qemu-system-riscv64 REQUIRED)
find_program(VOS_MKIMAGE mkimage REQUIRED)
find_program(VOS_MFORMAT mformat REQUIRED)
find_program(VOS_MCOPY mcopy REQUIRED)
find_program(VOS_FDTPUT fdtput REQUIRED)
set(VOS_OPENSBI_FW /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
    CACHE FILEPATH "OpenSBI firmware (fw_jump: enters the next stage at 0x80200000)")
set(VOS_UBOOT_RISCV64 /usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
    CACHE FILEPATH "U-Boot for QEMU virt, S-mode")

# The SiFive test device makes QEMU exit with the guest's status as is.
set(VOS_QEMU_EXIT_0 0)
set(VOS_QEMU_EXIT_1 1)
set(VOS_QEMU_EXIT_2 2)
set(VOS_QEMU_EXIT_3 3)

# -cpu: the default rv64 plus the vector extension at VLEN 128 bits (QEMU's
# default, named so that the figures do not move with it): the kernel clears
# and copies with it (page.c) and user threads get it (vector.c).
set(VOS_RV_QEMU ${VOS_QEMU_RISCV64} -machine virt -cpu rv64,v=true,vext_spec=v1.0,vlen=128 -m 256M -smp 1 -nographic -no-reboot
    -bios ${VOS_OPENSBI_FW})
# The same machine without V: the kernel clears and copies with integer
# stores, and a user vector instruction is an illegal instruction (the
# vector suite's vector-absent test, tests/vector).
set(VOS_RV_QEMU_NO_V ${VOS_QEMU_RISCV64} -machine virt -cpu rv64 -m 256M -smp 1 -nographic -no-reboot
    -bios ${VOS_OPENSBI_FW})
set(VOS_RV_IMAGES ${CMAKE_BINARY_DIR}/images)
file(MAKE_DIRECTORY ${VOS_RV_IMAGES})

# ---- u-boot path: shared pieces -------------------------------------------

# boot.scr, from the script source.
add_custom_command(OUTPUT ${VOS_RV_IMAGES}/boot.scr
  COMMAND ${VOS_MKIMAGE} -q -A riscv -O linux -T script -C none
          -d ${VOS_RISCV64_DIR}/uboot/boot.cmd ${VOS_RV_IMAGES}/boot.scr
  DEPENDS ${VOS_RISCV64_DIR}/uboot/boot.cmd VERBATIM)

# QEMU's own device tree plus /config/bootdelay = 0, which U-Boot honours
# over its built-in 2 s autoboot countdown.  Dumped with the same machine
# options the tests use, so it describes the same machine.
add_custom_command(OUTPUT ${VOS_RV_IMAGES}/virt-uboot.dtb
  COMMAND ${VOS_RV_QEMU} -machine dumpdtb=${VOS_RV_IMAGES}/virt-uboot.dtb
  COMMAND ${VOS_FDTPUT} -c ${VOS_RV_IMAGES}/virt-uboot.dtb /config
  COMMAND ${VOS_FDTPUT} -t u ${VOS_RV_IMAGES}/virt-uboot.dtb /config bootdelay 0
  VERBATIM)

# <kernel>.bin -> <kernel>.itb -> <kernel>-disk.img, built with the kernel.
function(vos_riscv64_uboot_disk kernel)
  set(dir ${VOS_RV_IMAGES}/${kernel})
  set(bin ${dir}/${kernel}.bin)
  file(MAKE_DIRECTORY ${dir})
  set(KERNEL_BIN ${bin})
  configure_file(${VOS_RISCV64_DIR}/uboot/vos.its.in ${dir}/vos.its @ONLY)
  add_custom_command(OUTPUT ${dir}/disk.img
    COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:${kernel}> ${bin}
    COMMAND ${VOS_MKIMAGE} -f ${dir}/vos.its ${dir}/vos.itb
    COMMAND ${CMAKE_COMMAND} -E rm -f ${dir}/disk.img
    COMMAND ${VOS_MFORMAT} -i ${dir}/disk.img -C -T 32768 -h 32 -s 32 :: # 16 MiB
    COMMAND ${VOS_MCOPY} -i ${dir}/disk.img ${dir}/vos.itb ${VOS_RV_IMAGES}/boot.scr ::
    DEPENDS ${kernel} $<TARGET_FILE:${kernel}> ${dir}/vos.its ${VOS_RV_IMAGES}/boot.scr
    VERBATIM)
  add_custom_target(${kernel}-uboot-disk ALL
    DEPENDS ${dir}/disk.img ${VOS_RV_IMAGES}/virt-uboot.dtb)
endfunction()

# ---- QEMU command lines for the two paths ----------------------------------

function(vos_riscv64_cmd_opensbi out kernel)
  set(${out} ${VOS_RV_QEMU} -kernel $<TARGET_FILE:${kernel}> PARENT_SCOPE)
endfunction()

function(vos_riscv64_cmd_opensbi_no_vector out kernel)
  set(${out} ${VOS_RV_QEMU_NO_V} -kernel $<TARGET_FILE:${kernel}> PARENT_SCOPE)
endfunction()

function(vos_riscv64_cmd_uboot out kernel)
  if(NOT TARGET ${kernel}-uboot-disk)
    vos_riscv64_uboot_disk(${kernel})
  endif()
  # readonly: parallel tests may share nothing writable, and U-Boot only reads.
  set(${out} ${VOS_RV_QEMU} -kernel ${VOS_UBOOT_RISCV64} -dtb ${VOS_RV_IMAGES}/virt-uboot.dtb
      -drive file=${VOS_RV_IMAGES}/${kernel}/disk.img,format=raw,if=none,id=disk0,readonly=on
      -device virtio-blk-device,drive=disk0 PARENT_SCOPE)
endfunction()

# What stops the kernel touching user pages (trap.c; boot tests guard-*).
set(VOS_GUARD_read "sstatus.SUM = 0")
set(VOS_GUARD_write "sstatus.SUM = 0")
set(VOS_GUARD_execute "S-mode never executing U pages")
vos_boot_tests_for_path(PATH opensbi COMMAND_FN vos_riscv64_cmd_opensbi)
vos_boot_tests_for_path(PATH u-boot COMMAND_FN vos_riscv64_cmd_uboot)

vos_riscv64_cmd_opensbi(run_cmd kernel)
add_custom_target(run COMMAND ${run_cmd} ${VOS_RUN_DISK_ARGS} DEPENDS kernel USES_TERMINAL VERBATIM
  COMMENT "QEMU virt, OpenSBI -> kernel (Ctrl-A X quits)")
vos_riscv64_cmd_uboot(run_cmd kernel)
add_custom_target(run-uboot COMMAND ${run_cmd} DEPENDS kernel-uboot-disk USES_TERMINAL VERBATIM
  COMMENT "QEMU virt, OpenSBI -> U-Boot -> kernel (Ctrl-A X quits)")
