# x86_64 images: QEMU's Multiboot loader refuses ELF64, so each kernel ELF
# is turned into a flat binary (llvm-objcopy -O binary, laid out by physical
# address) whose Multiboot header carries the load addresses (flag bit 16).

# isa-debug-exit: writing v to port 0xf4 exits QEMU with (v << 1) | 1.
set(VOS_QEMU_EXIT_0 1)
set(VOS_QEMU_EXIT_1 3)
set(VOS_QEMU_EXIT_2 5)
set(VOS_QEMU_EXIT_3 7)

find_program(VOS_QEMU_X86_64 qemu-system-x86_64 REQUIRED)

set(VOS_X86_QEMU_ARGS
  -machine q35 -cpu max -m 256M -no-reboot
  -device isa-debug-exit,iobase=0xf4,iosize=0x04)

# <kernel target>.bin, rebuilt whenever the ELF is (part of "all").
function(x86_flat_binary target out)
  set(bin ${CMAKE_BINARY_DIR}/${target}.bin)
  if(NOT TARGET ${target}-bin)
    add_custom_command(OUTPUT ${bin}
      COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:${target}> ${bin}
      DEPENDS ${target} $<TARGET_FILE:${target}>
      COMMENT "Flat Multiboot image ${target}.bin"
      VERBATIM)
    add_custom_target(${target}-bin ALL DEPENDS ${bin})
  endif()
  set(${out} ${bin} PARENT_SCOPE)
endfunction()

function(x86_multiboot_cmd out target)
  x86_flat_binary(${target} bin)
  set(${out} ${VOS_QEMU_X86_64} ${VOS_X86_QEMU_ARGS}
      -display none -monitor none -serial stdio -kernel ${bin} PARENT_SCOPE)
endfunction()

# Interactive boot (Ctrl-A x quits).  QEMU's exit status 1 is the guest's
# "success", so translate it back for make/ninja.
x86_flat_binary(kernel kernel_bin)
add_custom_target(run
  COMMAND sh -c "\"$@\"; s=$?; echo \"[run] QEMU exit status $s\"; [ $s -eq 1 ]" run
          ${VOS_QEMU_X86_64} ${VOS_X86_QEMU_ARGS} -nographic -kernel ${kernel_bin} ${VOS_RUN_DISK_ARGS}
  DEPENDS kernel-bin USES_TERMINAL VERBATIM)

# What stops the kernel touching user pages (setup.c; boot tests guard-*).
set(VOS_GUARD_read SMAP)
set(VOS_GUARD_write SMAP)
set(VOS_GUARD_execute SMEP)
vos_boot_tests_for_path(PATH multiboot COMMAND_FN x86_multiboot_cmd)
