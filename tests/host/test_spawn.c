/*
 * test_spawn.c — SYS_PROCESS_CREATE / START / WAIT with real ELF images.
 *
 * On the host a program's code is host code, so the image a test builds is
 * one PT_LOAD segment (R+X) over the page of a host function, with that
 * function as the entry point.  The kernel loads it as it would any image
 * (the bytes copied are irrelevant) and the new thread starts at the
 * function.  This program is linked without PIE so its functions lie below
 * USER_STACK_TOP, where the loader accepts segments.
 */
#include <string.h>

#include "harness.h"
#include "memory.h"

struct elf_image {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
    struct {
        uint32_t type, flags;
        uint64_t offset, vaddr, paddr, filesz, memsz, align;
    } ph;
};

static int reached;

static void make_image(struct elf_image *e, host_user_fn *fn)
{
    uint64_t entry = (uint64_t)(uintptr_t)fn, page = entry & ~(uint64_t)(PAGE_SIZE - 1);
    memset(e, 0, sizeof(*e));
    memcpy(e->ident, "\177ELF\2\1\1", 7);
    e->type = 2; /* ET_EXEC */
    e->machine = ARCH_ELF_MACHINE;
    e->version = 1;
    e->entry = entry;
    e->phoff = offsetof(struct elf_image, ph);
    e->ehsize = (uint16_t)offsetof(struct elf_image, ph);
    e->phentsize = sizeof(e->ph);
    e->phnum = 1;
    e->ph.type = 1; /* PT_LOAD */
    e->ph.flags = 5; /* R + X */
    e->ph.vaddr = e->ph.paddr = page;
    e->ph.filesz = sizeof(*e);
    e->ph.memsz = 2 * PAGE_SIZE;
    e->ph.align = PAGE_SIZE;
}

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
    struct elf_image *img = (struct elf_image *)(uintptr_t)images;
    make_image(img, orphan_child);
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
    struct elf_image *img = (struct elf_image *)(uintptr_t)images, *bad = img + 1;
    make_image(img, child_main);
    make_image(bad, child_main);
    bad->machine = 3; /* EM_386: not this machine */
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

    make_image(img, faulting_child);
    pid = vos_sys_process_create(img, sizeof(*img), argv, 1, NULL, 0);
    UCHECK(pid > 0);
    UCHECK_EQ(vos_sys_process_start((vos_pid_t)pid), 0);
    UCHECK_EQ(vos_sys_process_wait((vos_pid_t)pid, VOS_TIMEOUT_INFINITE, &info), 0);
    UCHECK_EQ(info.reason, VOS_EXIT_PAGE_FAULT);
    UCHECK_EQ(info.code, 0x20);
    reached = 1;
}

static void test_create_start_wait(void **state)
{
    (void)state;
    reached = 0;
    struct process *p = hh_process("parent");
    console = hh_grant(p, hh_console(), VOS_RIGHT_ALL);
    void *images = hh_umem(p, 2 * sizeof(struct elf_image), VOS_PROT_READ | VOS_PROT_WRITE);
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
    void *images = hh_umem(p, 2 * sizeof(struct elf_image), VOS_PROT_READ | VOS_PROT_WRITE);
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
    void *image = hh_umem(p, sizeof(struct elf_image), VOS_PROT_READ | VOS_PROT_WRITE);
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

/* ---- leaks found by vosfuzz (docs/reliability.md) ---- */

/* Free memory as PoolInfo reports it: frames, free small-object memory, spare region records. */
static uint64_t free_memory(void)
{
    return frame_free_count() * PAGE_SIZE + kmem_cached_bytes() + vspace_spare_bytes();
}

static void unstarted_parent(uint64_t image)
{
    struct elf_image *img = (struct elf_image *)(uintptr_t)image;
    make_image(img, child_main);
    UCHECK(vos_sys_process_create(img, sizeof(*img), NULL, 0, NULL, 0) > 0); /* never started */
    reached = 1;
}

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

/* Runs fn in a fresh process to its end; the memory that did not come back. */
static uint64_t run_and_measure(host_user_fn *fn, int self_cap)
{
    uint64_t before = free_memory();
    struct process *p = hh_process("leaker");
    vos_cap_t self = self_cap ? hh_grant(p, &p->obj, VOS_RIGHT_ALL) : 0;
    void *image = hh_umem(p, sizeof(struct elf_image), VOS_PROT_READ | VOS_PROT_WRITE);
    hh_thread(p, fn, self_cap ? self : (uint64_t)(uintptr_t)image);
    hh_start(p);
    reached = 0;
    hh_run();
    assert_int_equal(reached, 1);
    hh_finish(); /* reaps what the harness made, and only that */
    return before - free_memory();
}

/* A child never started goes with its parent (it used to keep its memory for ever). */
static void test_unstarted_child_goes_with_parent(void **state)
{
    (void)state;
    run_and_measure(unstarted_parent, 0); /* first: kernel object caches grow to what this needs */
    assert_int_equal(run_and_measure(unstarted_parent, 0), 0);
}

/* A capability in flight does not keep its own endpoint alive (it used to: the endpoint, the
 * channel, the message and the process object stayed for ever). */
static void test_capability_cycle_in_queue_freed(void **state)
{
    (void)state;
    run_and_measure(cycle_maker, 1);
    assert_int_equal(run_and_measure(cycle_maker, 1), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_start_wait, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_children_leave_no_frames, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_orphan_runs_on, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_unstarted_child_goes_with_parent, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_capability_cycle_in_queue_freed, hh_setup, hh_teardown),
    };
    hh_select(argc, argv);
    return cmocka_run_group_tests_name("spawn", tests, NULL, NULL);
}
