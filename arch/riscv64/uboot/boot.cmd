# U-Boot script (boot.scr on the FAT disk), found by distro boot.  The
# kernel gets U-Boot's own device tree, with U-Boot's /chosen fix-ups.
load ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} vos.itb
bootm ${kernel_addr_r} - ${fdtcontroladdr}
