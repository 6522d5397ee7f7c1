# U-Boot script (boot.scr on the FAT disk, run by bootcmd in uboot-env.txt).  The
# bootargs tell the kernel which path it came by; booti moves the Image to
# its text_offset (RAM base + 0x80000) and passes U-Boot's device tree.
setenv bootargs vos.boot=u-boot
load virtio 0:1 ${kernel_addr_r} kernel.bin
booti ${kernel_addr_r} - ${fdtcontroladdr}
