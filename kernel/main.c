/*
 * main.c — from the arch's early boot to the first process.
 *
 * The kernel hands init every authority it has: the console, all the
 * memory left after boot, and init's own process.  From then on policy is
 * init's business.
 */
#include "device.h"
#include "elf.h"
#include "ioport.h"
#include "ipc.h"
#include "irq.h"
#include "memobj.h"
#include "memory.h"
#include "process.h"

extern const uint8_t init_image_start[], init_image_end[];
extern const uint8_t bootfs_image_start[], bootfs_image_end[];

static void grant_root(struct process *p, struct object *obj, uint64_t rights)
{
    if (cap_insert(&p->cspace, obj, rights, NULL, NULL))
        panic("cannot give init its capabilities");
}

void kernel_main(struct boot_info *bi)
{
    kprintf("\nVeridianOS %s on %s (boot: %s)\n", VOS_VERSION, ARCH_NAME, bi->boot_path ? bi->boot_path : "?");
    frame_init(bi);
    dma_init();      /* first: it wants the frames in their boot order */
    devmem_init(bi);
    kprintf("[kernel] %lu KiB of RAM free in %u range(s)\n", (unsigned long)(frame_free_count() * PAGE_SIZE / 1024),
            bi->n_ram);
    sched_init();

    long err;
    struct process *init = process_new("init", NULL, &err);
    if (!init)
        panic("no memory for init");
    grant_root(init, &console_device()->obj, VOS_RIGHT_ALL);
    struct memobj *pool = memobj_new_pool(frame_free_count() * PAGE_SIZE, &err);
    if (!pool)
        panic("no memory for the memory pool");
    grant_root(init, &pool->obj, VOS_RIGHT_ALL);
    object_put(&pool->obj); /* init's capability holds it now */
    grant_root(init, &init->obj, VOS_RIGHT_ALL);

    /* The boot files, read-only: programs init can start. */
    uint64_t bootfs_len = (uint64_t)(bootfs_image_end - bootfs_image_start);
    if (bootfs_len) {
        struct memobj *bootfs = memobj_new_region(bootfs_image_start, bootfs_len, &err);
        if (!bootfs)
            panic("no memory for the boot files");
        grant_root(init, &bootfs->obj, VOS_RIGHT_READ | VOS_RIGHT_EXECUTE | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE);
        object_put(&bootfs->obj);
    }

    /* What drivers need (docs/abi.md, "Drivers"): never executable device memory. */
    grant_root(init, irq_control(), VOS_RIGHT_ALL);
    struct memobj *devmem = devmem_pool();
    if (!devmem)
        panic("no memory for the device-memory pool");
    grant_root(init, &devmem->obj, VOS_RIGHT_ALL & ~VOS_RIGHT_EXECUTE);
    object_put(&devmem->obj);
    struct ioport *ports = ioport_root();
    if (ports) {
        grant_root(init, &ports->obj, VOS_RIGHT_ALL & ~VOS_RIGHT_EXECUTE);
        object_put(&ports->obj);
    }

    /*
     * Init may hold exactly the memory left now, less what the kernel's
     * own tables for capabilities in flight may take later (ipc.c): so the
     * kernel never takes what a quota promised.
     */
    init->mem_limit = init->mem_used + frame_free_count() * PAGE_SIZE - ipc_transit_reserve();

    /* init's arguments: its name, the UART for the console server, the devices (docs/drivers.md). */
    struct arch_uart uart;
    arch_console_uart(&uart);
    static char args[64 + BOOT_MAX_DEVICES * 80];
    int args_len = vos_snprintf(args, sizeof(args), "init%cuart=%s,%s,%#lx,%u", 0, uart.driver,
                                uart.ports ? "port" : "mmio", (unsigned long)uart.base, uart.line);
    for (unsigned i = 0; i < bi->n_dev; i++) {
        const struct boot_device *d = &bi->dev[i];
        args_len += 1 + vos_snprintf(args + args_len + 1, sizeof(args) - (size_t)args_len - 1, "dev=%#lx,%#lx,%u,%s",
                                     (unsigned long)d->base, (unsigned long)d->size, d->line, d->compatible);
    }
    struct elf_source image = { .kernel = init_image_start, .len = (uint64_t)(init_image_end - init_image_start) };
    err = process_load(init, &image, args, (uint64_t)args_len + 1, 2 + bi->n_dev);
    if (err)
        panic("cannot load init: %s", vos_error_name(err));
    process_start_threads(init);
    sched_tick(); /* start the time slices */
    sched_return_to_user();
}
