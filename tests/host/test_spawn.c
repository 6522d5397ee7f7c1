/*
 * test_spawn.c — SYS_PROCESS_CREATE / START / WAIT with real ELF images
 * (hh_make_image: one segment over a host function's page, which is the
 * entry point).
 */
#include <string.h>

#include "elf.h"
#include "harness.h"
#include "memory.h"
#include "vspace.h"

static int reached;

/* ---- the children (entry: a0 is the StartInfo's address, in kernel-mapped memory) ---- */

static void child_main(uint64_t start_info)
{
    struct vos_start_info si;
    host_user_read(start_info, &si, sizeof(si));
    UCHECK_EQ(si.argc, 2);
    UCHECK_EQ(si.cap_count, 1);
    uint64_t argv1;
    char arg[8] = { 0 };
    host_user_read(si.argv + 8, &argv1, sizeof(argv1));
    host_user_read(argv1, arg, 2);
    struct vos_cap_info cap;
    host_user_read(si.caps, &cap, sizeof(cap));
    UCHECK_EQ(cap.object_type, VOS_OBJ_DEVICE);
    /* The message must be in this process's memory: the unused part of its (kernel-mapped) stack. */
    char msg[] = "child says hi\n";
    uint64_t buf = start_info - 256;
    host_user_write(buf, msg, sizeof(msg));
    UCHECK_EQ(vos_sys_write(cap.token, (const void *)(uintptr_t)buf, sizeof(msg) - 1, 0), sizeof(msg) - 1);
    vos_sys_exit(arg[0] - '0');
}

static void faulting_child(uint64_t start_info)
{
    (void)start_info;
    host_user_page_fault(0x20, VOS_PROT_READ);
}

static vos_cap_t console;

static void orphan_child(uint64_t start_info)
{
    struct vos_start_info si;
    struct vos_cap_info cap;
    host_user_read(start_info, &si, sizeof(si));
    host_user_read(si.caps, &cap, sizeof(cap));
    for (int i = 0; i < 3; i++)
        UCHECK_EQ(vos_sys_yield(), 0); /* the parent exits meanwhile */
    char msg[] = "orphan done\n";
    uint64_t buf = start_info - 256;
    host_user_write(buf, msg, sizeof(msg));
    UCHECK_EQ(vos_sys_write(cap.token, (const void *)(uintptr_t)buf, sizeof(msg) - 1, 0), sizeof(msg) - 1);
}

static void short_parent(uint64_t images)
{
    struct hh_elf_image *img = (struct hh_elf_image *)(uintptr_t)images;
    hh_make_image(img, orphan_child);
    vos_cap_t caps[1] = { console }; /* on the stack: user memory, unlike the global */
    UCHECK_ERR(vos_sys_process_create(img, sizeof(*img), NULL, 0, &console, 1), VOS_ERR_INVALID_ADDRESS);
    int64_t pid = vos_sys_process_create(img, sizeof(*img), NULL, 0, caps, 1);
    UCHECK(pid > 0);
    UCHECK_EQ(vos_sys_process_start((vos_pid_t)pid), 0);
    struct vos_process_exit_info info;
    UCHECK_ERR(vos_sys_process_wait(hh_root()->obj.id, 0, &info), VOS_ERR_PERMISSION_DENIED); /* not its child */
    UCHECK_ERR(vos_sys_process_wait(1ull << 40, 0, &info), VOS_ERR_NOT_FOUND);
    reached = 1;
    vos_sys_exit(0);
}

static void parent_main(uint64_t images)
{
    struct hh_elf_image *img = (struct hh_elf_image *)(uintptr_t)images, *bad = img + 1;
    hh_make_image(img, child_main);
    hh_make_image(bad, child_main);
    bad->eh.machine = 3; /* EM_386: not this machine */
    char name[] = "bin/child", code[] = "7";
    const char *argv[] = { name, code };
    vos_cap_t caps[] = { console };

    UCHECK_ERR(vos_sys_process_create(bad, sizeof(*bad), argv, 2, caps, 1), VOS_ERR_INVALID_PARAMETER);
    vos_cap_t weak = (vos_cap_t)vos_sys_capability_derive(console, VOS_RIGHT_WRITE);
    UCHECK_ERR(vos_sys_process_create(img, sizeof(*img), argv, 2, &weak, 1), VOS_ERR_PERMISSION_DENIED);
    int64_t pid = vos_sys_process_create(img, sizeof(*img), argv, 2, caps, 1);
    UCHECK(pid > 0);
    struct vos_process_exit_info info;
    UCHECK_ERR(vos_sys_process_wait((vos_pid_t)pid, 0, &info), VOS_ERR_TIMEOUT); /* not even started */
    UCHECK_EQ(vos_sys_process_start((vos_pid_t)pid), 0);
    UCHECK_ERR(vos_sys_process_start((vos_pid_t)pid), VOS_ERR_BUSY);
    UCHECK_EQ(vos_sys_process_wait((vos_pid_t)pid, VOS_TIMEOUT_INFINITE, &info), 0);
    UCHECK_EQ(info.pid, pid);
    UCHECK_EQ(info.reason, VOS_EXIT_CODE);
    UCHECK_EQ(info.code, 7);
    UCHECK_ERR(vos_sys_process_wait((vos_pid_t)pid, 0, &info), VOS_ERR_NOT_FOUND); /* reaped */

    hh_make_image(img, faulting_child);
    pid = vos_sys_process_create(img, sizeof(*img), argv, 1, NULL, 0);
    UCHECK(pid > 0);
    UCHECK_EQ(vos_sys_process_start((vos_pid_t)pid), 0);
    UCHECK_EQ(vos_sys_process_wait((vos_pid_t)pid, VOS_TIMEOUT_INFINITE, &info), 0);
    UCHECK_EQ(info.reason, VOS_EXIT_PAGE_FAULT);
    UCHECK_EQ(info.address, 0x20);
    reached = 1;
}

static void test_create_start_wait(void **state)
{
    (void)state;
    reached = 0;
    struct process *p = hh_process("parent");
    console = hh_grant(p, hh_console(), VOS_RIGHT_ALL);
    void *images = hh_umem(p, 2 * sizeof(struct hh_elf_image), VOS_PROT_READ | VOS_PROT_WRITE);
    hh_thread(p, parent_main, (uint64_t)(uintptr_t)images);
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
    assert_non_null(strstr(host_console_text(), "child says hi\n"));
    assert_non_null(strstr(host_console_text(), "(child) killed: page fault"));
}

static void run_parent(void)
{
    struct process *p = hh_process("parent");
    console = hh_grant(p, hh_console(), VOS_RIGHT_ALL);
    void *images = hh_umem(p, 2 * sizeof(struct hh_elf_image), VOS_PROT_READ | VOS_PROT_WRITE);
    hh_thread(p, parent_main, (uint64_t)(uintptr_t)images);
    hh_start(p);
    hh_run();
    hh_finish();
}

/* Children created, loaded, failed, run, killed and reaped give back every frame. */
static void test_children_leave_no_frames(void **state)
{
    (void)state;
    run_parent(); /* first: kernel object caches grow to what this needs */
    uint64_t before = frame_free_count();
    reached = 0;
    run_parent();
    assert_int_equal(reached, 1);
    assert_int_equal(frame_free_count(), before);
}

static void run_short_parent(void)
{
    struct process *p = hh_process("short-parent");
    console = hh_grant(p, hh_console(), VOS_RIGHT_ALL);
    void *image = hh_umem(p, sizeof(struct hh_elf_image), VOS_PROT_READ | VOS_PROT_WRITE);
    hh_thread(p, short_parent, (uint64_t)(uintptr_t)image);
    hh_start(p);
    hh_run();
    assert_int_equal(hh_run_until_idle(), HOST_STOP_IDLE); /* the orphan finishes on its own */
    hh_finish();
}

/* A child outlives its parent, runs to its end and is freed with nobody to reap it. */
static void test_orphan_runs_on(void **state)
{
    (void)state;
    run_short_parent();
    uint64_t before = frame_free_count();
    host_console_clear();
    reached = 0;
    run_short_parent();
    assert_int_equal(reached, 1);
    assert_string_equal(host_console_text(), "orphan done\n");
    assert_int_equal(frame_free_count(), before);
}

/* ---- hostile images: every check of kernel/elf.c, one at a time ---- */

struct two_segments {
    struct hh_elf_image img;
    struct elf64_phdr second; /* right after the first program header */
};

static void pt_load_twice(struct two_segments *t) { t->img.eh.phnum = 2; t->second = t->img.ph; }
static void bad_magic(struct two_segments *t) { t->img.eh.ident[1] = 'L'; }
static void elf32(struct two_segments *t) { t->img.eh.ident[4] = 1; }
static void big_endian(struct two_segments *t) { t->img.eh.ident[5] = 2; }
static void bad_version(struct two_segments *t) { t->img.eh.ident[6] = 0; }
static void shared_object(struct two_segments *t) { t->img.eh.type = 3; }
static void other_machine(struct two_segments *t) { t->img.eh.machine = 3; }
static void bad_phentsize(struct two_segments *t) { t->img.eh.phentsize = 32; }
static void no_phdrs(struct two_segments *t) { t->img.eh.phnum = 0; }
static void too_many_phdrs(struct two_segments *t) { t->img.eh.phnum = 65; }
static void phoff_beyond(struct two_segments *t) { t->img.eh.phoff = sizeof(*t) + 1; }
static void phdrs_beyond(struct two_segments *t) { t->img.eh.phnum = 3; }
static void not_load(struct two_segments *t) { t->img.ph.type = 2; } /* skipped: then no entry */
static void empty_segment(struct two_segments *t) { t->img.ph.memsz = 0; }
static void filesz_over_memsz(struct two_segments *t) { t->img.ph.filesz = t->img.ph.memsz + 1; }
static void huge_segment(struct two_segments *t) { t->img.ph.memsz = (64ull << 20) + 1; }
static void offset_beyond(struct two_segments *t) { t->img.ph.offset = sizeof(*t) + 1; }
static void filesz_beyond(struct two_segments *t) { t->img.ph.filesz = sizeof(*t); t->img.ph.offset = 8; }
static void page_zero(struct two_segments *t) { t->img.ph.vaddr = 0; }
static void in_stack_area(struct two_segments *t) { t->img.ph.vaddr = USER_STACK_TOP - USER_STACK_SIZE; }
/* Under 64 MiB, executable, the entry inside: only the stack-area check refuses it. */
static void into_stack_area(struct two_segments *t)
{
    t->img.ph.vaddr = USER_STACK_TOP - USER_STACK_SIZE - PAGE_SIZE;
    t->img.ph.memsz = 2 * PAGE_SIZE;
    t->img.eh.entry = t->img.ph.vaddr;
}
static void writable_code(struct two_segments *t) { t->img.ph.flags = 7; }
static void entry_outside(struct two_segments *t) { t->img.eh.entry = t->img.ph.vaddr + t->img.ph.memsz; }
static void entry_below(struct two_segments *t) { t->img.eh.entry = t->img.ph.vaddr - 1; }
static void entry_not_exec(struct two_segments *t) { t->img.ph.flags = 4; }

static const struct hostile {
    const char *name;
    void (*mutate)(struct two_segments *t);
    uint64_t len;       /* 0: the whole buffer */
    int64_t error;
} hostile[] = {
    { "overlapping segments", pt_load_twice, 0, VOS_ERR_INVALID_PARAMETER },
    { "bad magic", bad_magic, 0, VOS_ERR_INVALID_PARAMETER },
    { "32-bit", elf32, 0, VOS_ERR_INVALID_PARAMETER },
    { "big-endian", big_endian, 0, VOS_ERR_INVALID_PARAMETER },
    { "bad version", bad_version, 0, VOS_ERR_INVALID_PARAMETER },
    { "ET_DYN", shared_object, 0, VOS_ERR_INVALID_PARAMETER },
    { "other machine", other_machine, 0, VOS_ERR_INVALID_PARAMETER },
    { "phentsize", bad_phentsize, 0, VOS_ERR_INVALID_PARAMETER },
    { "no program headers", no_phdrs, 0, VOS_ERR_INVALID_PARAMETER },
    { "65 program headers", too_many_phdrs, 0, VOS_ERR_INVALID_PARAMETER },
    { "phoff beyond the image", phoff_beyond, 0, VOS_ERR_INVALID_PARAMETER },
    { "headers beyond the image", phdrs_beyond, 0, VOS_ERR_INVALID_PARAMETER },
    { "header cut short", NULL, 10, VOS_ERR_INVALID_PARAMETER },
    { "no PT_LOAD", not_load, 0, VOS_ERR_INVALID_PARAMETER },
    { "empty segment", empty_segment, 0, VOS_ERR_INVALID_PARAMETER },
    { "filesz > memsz", filesz_over_memsz, 0, VOS_ERR_INVALID_PARAMETER },
    { "segment over 64 MiB", huge_segment, 0, VOS_ERR_INVALID_PARAMETER },
    { "offset beyond the image", offset_beyond, 0, VOS_ERR_INVALID_PARAMETER },
    { "data beyond the image", filesz_beyond, 0, VOS_ERR_INVALID_PARAMETER },
    { "page zero", page_zero, 0, VOS_ERR_INVALID_PARAMETER },
    { "in the stack area", in_stack_area, 0, VOS_ERR_INVALID_PARAMETER },
    { "reaching the stack area", into_stack_area, 0, VOS_ERR_INVALID_PARAMETER },
    { "writable and executable", writable_code, 0, VOS_ERR_INVALID_PARAMETER },
    { "entry past the segment", entry_outside, 0, VOS_ERR_INVALID_PARAMETER },
    { "entry before the segment", entry_below, 0, VOS_ERR_INVALID_PARAMETER },
    { "entry not executable", entry_not_exec, 0, VOS_ERR_INVALID_PARAMETER },
};

static uint64_t hostile_frames_lost;

static void try_hostile(struct two_segments *t)
{
    for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
        memset(t, 0, sizeof(*t));
        hh_make_image(&t->img, child_main);
        if (hostile[i].mutate)
            hostile[i].mutate(t);
        int64_t r = vos_sys_process_create(t, hostile[i].len ? hostile[i].len : sizeof(*t), NULL, 0, NULL, 0);
        if (r != hh_err(hostile[i].error))
            hh_user_fail(__FILE__, __LINE__, "%s: got %lld", hostile[i].name, (long long)r);
    }
    /* An image the kernel cannot read at all. */
    UCHECK_ERR(vos_sys_process_create(&hostile, sizeof(*t), NULL, 0, NULL, 0), VOS_ERR_INVALID_ADDRESS);
}

static void hostile_parent(uint64_t buf)
{
    try_hostile((struct two_segments *)(uintptr_t)buf); /* first: kernel object caches grow to what this needs */
    uint64_t before = frame_free_count();
    try_hostile((struct two_segments *)(uintptr_t)buf);
    hostile_frames_lost = before - frame_free_count();
    reached = 1;
}

/* A process whose one thread runs fn(buffer of size bytes), to its end. */
static void run_with_buffer(const char *name, host_user_fn *fn, size_t size)
{
    reached = 0;
    struct process *p = hh_process(name);
    void *buf = hh_umem(p, size, VOS_PROT_READ | VOS_PROT_WRITE);
    hh_thread(p, fn, (uint64_t)(uintptr_t)buf);
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
}

static void test_hostile_images(void **state)
{
    (void)state;
    run_with_buffer("hostile", hostile_parent, sizeof(struct two_segments));
    assert_int_equal(hostile_frames_lost, 0);
}

/* ---- images readable in part: headers or segment data in a page that is not there ---- */

static int64_t part_results[2];
static uint64_t part_frames_lost;

static void partly_readable_parent(uint64_t unused)
{
    (void)unused;
    int64_t m = vos_sys_mmap(0, 2 * PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE,
                             VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE, VOS_CAP_NULL, 0);
    UCHECK(m > 0);
    UCHECK_EQ(vos_sys_munmap((uint64_t)m + PAGE_SIZE, PAGE_SIZE), 0); /* the image's second page is a hole */
    struct hh_elf_image img;
    uint64_t before = frame_free_count();
    /* The program headers lie in the hole. */
    hh_make_image(&img, child_main);
    img.eh.phoff = PAGE_SIZE;
    host_user_write((uint64_t)m, &img, sizeof(img));
    part_results[0] = vos_sys_process_create((void *)(uintptr_t)m, 2 * PAGE_SIZE, NULL, 0, NULL, 0);
    /* The segment's data runs into the hole: its first page is copied, then the copy fails. */
    hh_make_image(&img, child_main);
    img.ph.filesz = img.ph.memsz = 2 * PAGE_SIZE;
    host_user_write((uint64_t)m, &img, sizeof(img));
    part_results[1] = vos_sys_process_create((void *)(uintptr_t)m, 2 * PAGE_SIZE, NULL, 0, NULL, 0);
    part_frames_lost = before - frame_free_count();
    reached = 1;
}

static void test_partly_readable_images(void **state)
{
    (void)state;
    reached = 0;
    hh_spawn("partly", partly_readable_parent, 0);
    hh_run();
    assert_int_equal(reached, 1);
    assert_int_equal(part_results[0], hh_err(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(part_results[1], hh_err(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(part_frames_lost, 0); /* the partly built child went whole */
}

/* ---- argument strings: too long, unreadable; and a child reaped by its parent's exit ---- */

static void quick_child(uint64_t start_info)
{
    (void)start_info;
    vos_sys_exit(3);
}

struct args_buffers {
    struct hh_elf_image img;
    char long_arg[VOS_PROCESS_MAX_ARG_BYTES + 16];
};

static void args_parent(uint64_t buf)
{
    struct args_buffers *b = (struct args_buffers *)(uintptr_t)buf;
    hh_make_image(&b->img, quick_child);
    memset(b->long_arg, 'a', sizeof(b->long_arg) - 1);
    const char *too_long[] = { b->long_arg };
    UCHECK_ERR(vos_sys_process_create(&b->img, sizeof(b->img), too_long, 1, NULL, 0), VOS_ERR_INVALID_PARAMETER);
    const char *unmapped[] = { "a string literal is no user memory" };
    UCHECK_ERR(vos_sys_process_create(&b->img, sizeof(b->img), unmapped, 1, NULL, 0), VOS_ERR_INVALID_ADDRESS);
    const char *kernel[] = { (const char *)(uintptr_t)ARCH_USER_TOP };
    UCHECK_ERR(vos_sys_process_create(&b->img, sizeof(b->img), kernel, 1, NULL, 0), VOS_ERR_INVALID_ADDRESS);
    /* A child that exits before its parent, never waited for: the parent's exit reaps it. */
    int64_t pid = vos_sys_process_create(&b->img, sizeof(b->img), NULL, 0, NULL, 0);
    UCHECK(pid > 0);
    UCHECK_EQ(vos_sys_process_start((vos_pid_t)pid), 0);
    UCHECK_EQ(vos_sys_yield(), 0);
    reached = 1;
}

static void test_bad_arguments_and_unwaited_child(void **state)
{
    (void)state;
    run_with_buffer("args", args_parent, sizeof(struct args_buffers)); /* twice: caches first, then no frame lost */
    hh_finish();
    uint64_t frames = frame_free_count();
    run_with_buffer("args", args_parent, sizeof(struct args_buffers));
    hh_finish();
    assert_int_equal(frame_free_count(), frames); /* the child's record and its kmem pages too */
}

/* ---- an image in kernel memory (the boot path's init): loaded the same way ---- */

static void test_kernel_image(void **state)
{
    (void)state;
    struct process *p = hh_process("kernel-image");
    static struct hh_elf_image img;
    hh_make_image(&img, child_main);
    struct elf_source src = { .kernel = (const uint8_t *)&img, .len = sizeof(img) };
    uaddr_t entry = 0;
    assert_int_equal(elf_load(&p->vspace, &src, &entry), VOS_OK);
    assert_int_equal(entry, (uint64_t)(uintptr_t)child_main);
    src.len = sizeof(img) - 1; /* the segment's bytes run past the end */
    img.ph.vaddr += 16 * PAGE_SIZE;
    img.eh.entry += 16 * PAGE_SIZE;
    assert_int_equal(elf_load(&p->vspace, &src, &entry), VOS_ERR_INVALID_PARAMETER);
}

/* ---- out of memory part way through SYS_PROCESS_CREATE ---- */

struct squeeze_buffers {
    struct hh_elf_image img;
    char name[16], arg[16];
    const char *argv[2];
    vos_cap_t caps[1];
};

static void squeeze_parent(uint64_t buf)
{
    struct squeeze_buffers *b = (struct squeeze_buffers *)(uintptr_t)buf;
    hh_make_image(&b->img, orphan_child);
    strcpy(b->name, "bin/child");
    strcpy(b->arg, "argument");
    b->argv[0] = b->name;
    b->argv[1] = b->arg;
    b->caps[0] = console;
    /* Every number of frames left from none up: each fails cleanly or works, and never panics. */
    for (uint64_t leave = 0; leave < 40; leave++) {
        hh_take_frames(leave);
        int64_t pid = vos_sys_process_create(&b->img, sizeof(b->img), b->argv, leave & 1 ? 2 : 0, b->caps, 1);
        UCHECK(pid > 0 || pid == hh_err(VOS_ERR_OUT_OF_MEMORY) || pid == hh_err(VOS_ERR_RESOURCE_EXHAUSTED));
        hh_release_frames();
    }
    reached = 1;
}

static void test_create_out_of_memory(void **state)
{
    (void)state;
    console = 0;
    reached = 0;
    struct process *p = hh_process("squeezed");
    console = hh_grant(p, hh_console(), VOS_RIGHT_ALL);
    void *buf = hh_umem(p, sizeof(struct squeeze_buffers), VOS_PROT_READ | VOS_PROT_WRITE);
    hh_thread(p, squeeze_parent, (uint64_t)(uintptr_t)buf);
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
}

static void creating_parent(uint64_t image)
{
    hh_make_image((struct hh_elf_image *)(uintptr_t)image, orphan_child);
    UCHECK(vos_sys_process_create((const void *)(uintptr_t)image, sizeof(struct hh_elf_image), NULL, 0, NULL, 0) > 0);
    reached = 1;
    vos_sys_exit(0); /* without starting it: only we could have */
}

static void run_creating_parent(void)
{
    struct process *p = hh_process("creating-parent");
    void *image = hh_umem(p, sizeof(struct hh_elf_image), VOS_PROT_READ | VOS_PROT_WRITE);
    hh_thread(p, creating_parent, (uint64_t)(uintptr_t)image);
    hh_start(p);
    hh_run();
    hh_finish();
}

/* A child created and never started goes with its parent: nobody else could ever start it. */
static void test_unstarted_child_goes_with_parent(void **state)
{
    (void)state;
    run_creating_parent(); /* first: kernel caches grow to what this needs */
    uint64_t before = frame_free_count();
    reached = 0;
    run_creating_parent();
    assert_int_equal(reached, 1);
    assert_int_equal(frame_free_count(), before);
}

/* ---- a capability cycle through a queued message (found by vosfuzz, docs/reliability.md) ---- */

/* A message carrying a READ capability to the endpoint it is queued at, never received. */
static void cycle_maker(uint64_t self)
{
    struct vos_endpoint_create_result ep;
    UCHECK_EQ(vos_sys_ipc_endpoint_create(&ep), 0);
    int64_t ch = vos_sys_ipc_channel_create(ep.endpoint_id, ep.endpoint_id, ep.capability, ep.capability);
    UCHECK(ch > 0);
    int64_t cap = vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)ch, VOS_RIGHT_WRITE, (vos_cap_t)self);
    UCHECK(cap > 0);
    char x[] = "x"; /* on the stack: user memory */
    UCHECK_EQ(vos_sys_ipc_send((uint64_t)ch, x, 1, ep.capability, (vos_cap_t)cap), 0);
    reached = 1;
}

/* Runs fn in a fresh process holding a capability to itself, to its end; the frames that did not come back. */
static uint64_t run_and_measure(host_user_fn *fn)
{
    uint64_t before = frame_free_count();
    struct process *p = hh_process("leaker");
    vos_cap_t self = hh_grant(p, &p->obj, VOS_RIGHT_ALL);
    hh_thread(p, fn, self);
    hh_start(p);
    reached = 0;
    hh_run();
    assert_int_equal(reached, 1);
    hh_finish(); /* reaps what the harness made, and only that */
    return before - frame_free_count();
}

/* A capability in flight does not keep its own endpoint alive (it used to: the endpoint, the
 * channel, the message and the process object stayed for ever). */
static void test_capability_cycle_in_queue_freed(void **state)
{
    (void)state;
    run_and_measure(cycle_maker);
    assert_int_equal(run_and_measure(cycle_maker), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_start_wait, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_children_leave_no_frames, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_orphan_runs_on, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_images, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_create_out_of_memory, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments_and_unwaited_child, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_kernel_image, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_unstarted_child_goes_with_parent, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_partly_readable_images, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_capability_cycle_in_queue_freed, hh_setup, hh_teardown),
    };
    hh_select(argc, argv);
    return cmocka_run_group_tests_name("spawn", tests, NULL, NULL);
}
