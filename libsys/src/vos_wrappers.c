/*
 * vos_wrappers.c — the typed wrappers of <vos/vos.h> for capabilities,
 * memory, processes, threads and time.  Each is a thin layer: it turns the
 * raw stub's word 0 into a vos_status_t and typed handles in and out.
 */
#include <vos/syscalls.h>
#include <vos/vos.h>

/* The raw stubs return a value >= 0 or a negated error: keep the value, return the status. */
static vos_status_t split(int64_t word, uint64_t *value)
{
    if (word < 0)
        return word;
    if (value)
        *value = (uint64_t)word;
    return VOS_OK;
}

const char *vos_status_name(vos_status_t st)
{
    return vos_error_name(st < 0 ? -st : st);
}

/* ---- initial capabilities ---- */

const struct vos_cap_info *vos_start_cap(const struct vos_start_info *si, uint64_t i)
{
    return i < si->cap_count ? (const struct vos_cap_info *)(uintptr_t)si->caps + i : NULL;
}

vos_status_t vos_start_lookup(const struct vos_start_info *si, uint64_t type, uint64_t rights, struct vos_cap_info *out)
{
    const struct vos_cap_info *c;
    for (uint64_t i = 0; (c = vos_start_cap(si, i)); i++)
        if (c->object_type == type && (c->rights & rights) == rights) {
            *out = *c;
            return VOS_OK;
        }
    return -VOS_ERR_NOT_FOUND;
}

const char *vos_rights_string(uint64_t rights, char buf[7])
{
    static const char letters[] = "RWXGDV"; /* read write execute grant derive reVoke */
    for (int i = 0; i < 6; i++)
        buf[i] = rights & (1ull << i) ? letters[i] : '-';
    buf[6] = 0;
    return buf;
}

/* ---- capabilities ---- */

vos_status_t vos_cap_derive(vos_any_t parent, uint64_t rights, vos_any_t *out)
{
    return split(vos_sys_capability_derive(parent.cap, rights), &out->cap);
}

vos_status_t vos_cap_revoke(vos_any_t cap) { return vos_sys_capability_revoke(cap.cap); }

vos_status_t vos_cap_validate(vos_any_t cap, uint64_t rights) { return vos_sys_capability_validate(cap.cap, rights); }

vos_status_t vos_cap_create(uint64_t type, vos_object_t id, uint64_t rights, vos_any_t parent, vos_any_t *out)
{
    return split(vos_sys_capability_create(type, id, rights, parent.cap), &out->cap);
}

/* ---- memory ---- */

vos_status_t vos_mmap(void *hint, uint64_t len, uint32_t prot, uint32_t flags, vos_mem_t mem, uint64_t offset,
                      void **out)
{
    uint64_t addr;
    vos_status_t st = split(vos_sys_mmap((uint64_t)(uintptr_t)hint, len, prot, flags, mem.cap, offset), &addr);
    if (!st)
        *out = (void *)(uintptr_t)addr;
    return st;
}

vos_status_t vos_mmap_anon(uint64_t len, uint32_t prot, void **out)
{
    return vos_mmap(NULL, len, prot, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, (vos_mem_t){ 0 }, 0, out);
}

vos_status_t vos_munmap(void *addr, uint64_t len) { return vos_sys_munmap((uint64_t)(uintptr_t)addr, len); }

vos_status_t vos_mprotect(void *addr, uint64_t len, uint32_t prot)
{
    return vos_sys_mprotect((uint64_t)(uintptr_t)addr, len, prot);
}

vos_status_t vos_mem_carve(vos_mem_t pool, uint64_t size, uint64_t rights, vos_mem_t *out)
{
    return split(vos_sys_capability_create(VOS_OBJ_MEMORY, size, rights, pool.cap), &out->cap);
}

vos_status_t vos_mem_read(vos_any_t cap, void *buf, uint64_t len, uint64_t offset, uint64_t *done)
{
    return split(vos_sys_read(cap.cap, buf, len, offset), done);
}

vos_status_t vos_mem_write(vos_any_t cap, const void *buf, uint64_t len, uint64_t offset, uint64_t *done)
{
    return split(vos_sys_write(cap.cap, buf, len, offset), done);
}

/* ---- processes ---- */

vos_status_t vos_process_create(const void *elf, uint64_t len, const struct vos_spawn *sp, vos_proc_t *out)
{
    vos_cap_t caps[16];
    if (sp->ncaps > sizeof(caps) / sizeof(caps[0]))
        return -VOS_ERR_INVALID_PARAMETER;
    for (uint64_t i = 0; i < sp->ncaps; i++)
        caps[i] = sp->caps[i].cap;
    return split(vos_sys_process_create(elf, len, sp->argv, sp->argc, caps, sp->ncaps), &out->pid);
}

vos_status_t vos_process_start(vos_proc_t p) { return vos_sys_process_start(p.pid); }

vos_status_t vos_process_spawn(const struct vos_bootfs *fs, const struct vos_spawn *sp, vos_proc_t *out)
{
    const void *elf;
    uint64_t size;
    if (!sp->argc)
        return -VOS_ERR_INVALID_PARAMETER;
    vos_status_t st = vos_bootfs_find(fs, sp->argv[0], &elf, &size);
    if (!st)
        st = vos_process_create(elf, size, sp, out);
    if (!st)
        st = vos_process_start(*out);
    return st;
}

vos_status_t vos_process_wait(vos_proc_t p, uint64_t timeout_ns, struct vos_process_exit_info *out)
{
    return vos_sys_process_wait(p.pid, timeout_ns, out);
}

const char *vos_exit_describe(const struct vos_process_exit_info *info, char *buf, size_t len)
{
    static const char *const faults[VOS_EXIT_COUNT] = {
        [VOS_EXIT_PAGE_FAULT] = "page fault",
        [VOS_EXIT_PROTECTION_FAULT] = "protection fault",
        [VOS_EXIT_ILLEGAL_INSTRUCTION] = "illegal instruction",
        [VOS_EXIT_ALIGNMENT_FAULT] = "alignment fault",
        [VOS_EXIT_BREAKPOINT] = "breakpoint",
        [VOS_EXIT_KILLED] = "fault",
    };
    if (info->reason == VOS_EXIT_CODE)
        vos_snprintf(buf, len, "exited with code %ld", (long)(int64_t)info->code);
    else if (info->reason < VOS_EXIT_COUNT)
        vos_snprintf(buf, len, "killed: %s at %#lx", faults[info->reason], (unsigned long)info->address);
    else
        vos_snprintf(buf, len, "ended (reason %lu)", (unsigned long)info->reason);
    return buf;
}

/* ---- threads ---- */

/* What a new thread needs, stored at the top of its own stack. */
struct thread_start {
    int (*fn)(void *);
    void *arg;
};

/* The kernel enters with sp 16-byte aligned and no return address; x86_64
 * C code expects one pushed, so realign there.  fn's return ends the thread. */
#if defined(__x86_64__)
__attribute__((force_align_arg_pointer))
#endif
static void thread_entry(struct thread_start *ts)
{
    vos_sys_thread_exit(ts->fn(ts->arg));
}

vos_status_t vos_thread_spawn(int (*fn)(void *), void *arg, uint64_t stack_size, vos_thread_t *out)
{
    stack_size = (stack_size + VOS_PAGE_SIZE - 1) & ~(VOS_PAGE_SIZE - 1);
    void *stack;
    vos_status_t st = vos_mmap_anon(stack_size, VOS_PROT_READ | VOS_PROT_WRITE, &stack);
    if (st)
        return st;
    /* The start record sits above the part of the stack the thread uses. */
    struct thread_start *ts = (struct thread_start *)((char *)stack + stack_size) - 1;
    ts->fn = fn;
    ts->arg = arg;
    uint64_t usable = ((uint64_t)(uintptr_t)ts - (uint64_t)(uintptr_t)stack) & ~15ull;
    st = split(vos_sys_thread_create((uint64_t)(uintptr_t)thread_entry, (uint64_t)(uintptr_t)stack, usable,
                                     (uint64_t)(uintptr_t)ts),
               &out->tid);
    if (st) {
        vos_munmap(stack, stack_size);
        return st;
    }
    out->stack = stack;
    out->stack_size = stack_size;
    return VOS_OK;
}

vos_status_t vos_thread_join(vos_thread_t *t, uint64_t timeout_ns, int32_t *code)
{
    int32_t joined;
    int64_t r = vos_sys_thread_join(t->tid, timeout_ns, &joined);
    if (r)
        return r;
    if (code)
        *code = joined;
    if (t->stack)
        vos_munmap(t->stack, t->stack_size);
    t->stack = NULL;
    return VOS_OK;
}

void vos_thread_exit(int32_t code) { vos_sys_thread_exit(code); }

/* ---- time ---- */

vos_status_t vos_clock(uint64_t clock_id, struct vos_timespec *out) { return vos_sys_clock_get(clock_id, out); }

uint64_t vos_now_ns(void)
{
    struct vos_timespec t = { 0, 0 };
    vos_sys_clock_get(VOS_CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000ull + t.tv_nsec;
}

vos_status_t vos_sleep_ns(uint64_t ns)
{
    struct vos_timespec t = { ns / 1000000000ull, ns % 1000000000ull };
    return vos_sys_nanosleep(&t);
}

void vos_yield(void) { vos_sys_yield(); }
