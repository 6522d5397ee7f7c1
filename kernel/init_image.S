/* The first user program, embedded in the kernel image (VOS_INIT_PATH is set
 * by kernel/CMakeLists.txt).  The kernel loads it as an ELF like any other. */
    .section .rodata.init_image, "a"
    .balign 16
    .global init_image_start
init_image_start:
    .incbin VOS_INIT_PATH
    .global init_image_end
init_image_end:

/* The boot file system (tools/mkbootfs.py), offered to init as a read-only
 * memory region.  VOS_BOOTFS_PATH may name an empty file. */
    .section .rodata.bootfs_image, "a"
    .balign 16
    .global bootfs_image_start
bootfs_image_start:
    .incbin VOS_BOOTFS_PATH
    .global bootfs_image_end
bootfs_image_end:
