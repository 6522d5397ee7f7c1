/* The first user program, embedded in the kernel image (VOS_INIT_PATH is set
 * by kernel/CMakeLists.txt).  The kernel loads it as an ELF like any other. */
    .section .rodata.init_image, "a"
    .balign 16
    .global init_image_start
init_image_start:
    .incbin VOS_INIT_PATH
    .global init_image_end
init_image_end:
