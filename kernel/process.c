/*
 * process.c — process objects: creation, loading, exit, and the process
 * syscalls.
 *
 * Invariants:
 *  - a process in PROC_EXITED has no threads, an empty capability space
 *    and no address space; only its exit record remains, for its parent;
 *  - a process holds one "alive" reference on itself from creation until
 *    it is reaped: by its parent's SYS_PROCESS_WAIT, by its parent's exit
 *    (if it has exited too), or at its own exit if its parent is gone;
 *  - a child's memory quota is reserved from its parent's, so no process
 *    can take memory another was promised; everything the kernel allocates
 *    for a process is charged to it (kmem.c), and by the time the process
 *    is destroyed all of it is back (mem_used is 0).
 */
#include "elf.h"
#include "memory.h"
#include "process.h"
#include "syscall_frame.h"
#include "syscall_handlers.h"

#define DEFAULT_CAP_QUOTA (1u << 17)

static const char *const exit_reason_names[] = {
    [VOS_EXIT_CODE] = "exit",
    [VOS_EXIT_PAGE_FAULT] = "page fault",
    [VOS_EXIT_PROTECTION_FAULT] = "protection fault",
    [VOS_EXIT_ILLEGAL_INSTRUCTION] = "illegal instruction",
    [VOS_EXIT_ALIGNMENT_FAULT] = "alignment fault",
    [VOS_EXIT_BREAKPOINT] = "breakpoint",
    [VOS_EXIT_KILLED] = "killed",
};

const char *exit_reason_name(uint64_t reason)
{
    return reason < ARRAY_SIZE(exit_reason_names) && exit_reason_names[reason] ? exit_reason_names[reason] : "?";
}

struct process *process_new(const char *name, struct process *parent, long *err)
{
    uint64_t limit = parent ? MIN(CHILD_MEM_QUOTA, (parent->mem_limit - parent->mem_used) / 2)
                            : frame_free_count() * PAGE_SIZE;
    if ((*err = quota_charge(parent, limit)))
        return NULL;
    struct process *p = object_alloc(sizeof(*p), VOS_OBJ_PROCESS, parent, err);
    if (!p) {
        quota_release(parent, limit);
        return NULL;
    }
    p->mem_limit = limit;
    p->kmem.owner = p;
    p->parent = parent;
    p->reapable = parent != NULL;
    list_init(&p->children);
    list_init(&p->sibling_link);
    list_init(&p->waiters);
    list_init(&p->threads);
    cspace_init(&p->cspace, DEFAULT_CAP_QUOTA, p);
    if (parent)
        list_add_tail(&parent->children, &p->sibling_link);
    size_t n = MIN(strlen(name), sizeof(p->name) - 1);
    memcpy(p->name, name, n);
    p->state = PROC_CREATED;
    if ((*err = vspace_init(&p->vspace, p))) {
        process_discard(p);
        return NULL;
    }
    return p;
}

/* A process that never ran (creation failed half way): undo it silently. */
void process_discard(struct process *p)
{
    p->reapable = false;
    list_del(&p->sibling_link);
    process_exit(p, VOS_EXIT_KILLED, 0);
}

/*
 * The new stack, from the top: argument strings, argv[], the CapInfo
 * records of every capability the process holds, then StartInfo, whose
 * address is the first argument of _start.
 */
static long build_start_info(struct process *p, const char *strings, uint64_t strings_len, uint64_t argc,
                             uaddr_t *sp_out)
{
    uaddr_t sp = USER_STACK_TOP - ALIGN_UP(strings_len, 16);
    struct vos_start_info si = { .pid = p->obj.id, .argc = argc };
    if (strings_len && vspace_write(&p->vspace, sp, strings, strings_len))
        return VOS_ERR_OUT_OF_MEMORY;
    /* argv: pointers to each NUL-terminated string, then NULL. */
    uaddr_t str = sp;
    sp -= (argc + 1) * 8;
    si.argv = sp;
    for (uint64_t i = 0, off = 0; i <= argc; i++) {
        uint64_t ptr = i < argc ? str + off : 0;
        if (vspace_write(&p->vspace, sp + i * 8, &ptr, 8))
            return VOS_ERR_OUT_OF_MEMORY;
        while (i < argc && off < strings_len && strings[off++])
            ;
    }
    struct vos_cap_info info;
    sp = ALIGN_DOWN(sp - (uint64_t)p->cspace.used * sizeof(info), 16);
    si.caps = sp;
    for (uint32_t slot = 1; slot < p->cspace.next_unused && si.cap_count < p->cspace.used; slot++) {
        struct cap *c = cspace_slot(&p->cspace, slot);
        if (!c)
            continue;
        info = (struct vos_cap_info){ cap_token(c), c->obj->type, c->rights, c->obj->id };
        if (vspace_write(&p->vspace, si.caps + si.cap_count * sizeof(info), &info, sizeof(info)))
            return VOS_ERR_OUT_OF_MEMORY;
        si.cap_count++;
    }
    sp = ALIGN_DOWN(sp - sizeof(si), 16);
    if (vspace_write(&p->vspace, sp, &si, sizeof(si)))
        return VOS_ERR_OUT_OF_MEMORY;
    *sp_out = sp;
    return VOS_OK;
}

long process_load(struct process *p, const struct elf_source *image, const char *strings, uint64_t strings_len,
                  uint64_t argc)
{
    uaddr_t entry, sp;
    long err = elf_load(&p->vspace, image, &entry);
    if (!err)
        err = vspace_map(&p->vspace, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE,
                         VOS_PROT_READ | VOS_PROT_WRITE, VOS_PROT_READ | VOS_PROT_WRITE, NULL, 0, false);
    if (!err)
        err = build_start_info(p, strings, strings_len, argc, &sp);
    if (err)
        return err;
    return thread_new(p, entry, sp, sp) ? VOS_OK : VOS_ERR_RESOURCE_EXHAUSTED;
}

void process_start_threads(struct process *p)
{
    struct list *it, *tmp;
    p->state = PROC_RUNNING;
    list_for_each_safe(it, tmp, &p->threads) {
        struct thread *t = container_of(it, struct thread, proc_link);
        if (t->state == THREAD_NEW)
            sched_ready(t);
    }
}

static void reap(struct process *p)
{
    p->reapable = false;
    list_del(&p->sibling_link);
    object_put(&p->obj); /* the "alive" reference */
}

void process_kill(struct process *p, uint64_t reason, uaddr_t addr, const char *what)
{
    kprintf("[kernel] process %lu (%s) killed: %s\n", (unsigned long)p->obj.id, p->name, what);
    process_exit(p, reason, addr);
}

void process_exit(struct process *p, uint64_t reason, uint64_t code)
{
    if (p->state == PROC_EXITED)
        return;
    object_get(&p->obj); /* tearing down may drop every other reference */
    p->state = PROC_EXITED;
    /* An exit code is an i32; a fault's code is its address (ProcessExitInfo keeps the two apart). */
    p->exit_info = reason == VOS_EXIT_CODE ? (struct vos_process_exit_info){ p->obj.id, reason, (int32_t)code, 0 }
                                           : (struct vos_process_exit_info){ p->obj.id, reason, 0, code };

    struct list *it, *tmp;
    list_for_each_safe(it, tmp, &p->threads)
        thread_kill(container_of(it, struct thread, proc_link));
    list_for_each_safe(it, tmp, &p->threads)
        thread_reap(container_of(it, struct thread, proc_link));
    sched_leave_vspace(&p->vspace);
    cspace_destroy(&p->cspace);
    vspace_destroy(&p->vspace);

    /*
     * Children: the exited ones are reaped now; those never started go too
     * (only we could have started them, so they would hold their memory
     * for ever); the running ones are on their own.
     */
    list_for_each_safe(it, tmp, &p->children) {
        struct process *c = container_of(it, struct process, sibling_link);
        if (c->state == PROC_EXITED)
            reap(c);
        else if (c->state == PROC_CREATED)
            process_discard(c);
        else {
            c->reapable = false;
            list_del(&c->sibling_link);
        }
    }

    if (reason == VOS_EXIT_CODE && !p->parent)
        kprintf("[kernel] process %lu (%s) exited with code %d\n", (unsigned long)p->obj.id, p->name, (int)code);
    if (!p->parent) {
        /* The first process is the system: when it ends, so does the machine. */
        int status = reason != VOS_EXIT_CODE ? POWEROFF_INIT_FAULTED : code ? POWEROFF_INIT_FAILED : POWEROFF_OK;
        kprintf("[kernel] %lu frames free of %lu; powering off, status %d\n",
                (unsigned long)frame_free_count(), (unsigned long)frame_total_count(), status);
        arch_poweroff(status);
    }

    /* A parent waiting in SYS_PROCESS_WAIT gets the record and reaps us. */
    bool waited = !list_empty(&p->waiters);
    while (!list_empty(&p->waiters)) {
        struct thread *w = list_first(&p->waiters, struct thread, wait_link);
        syscall_result_process_wait(&w->frame, &p->exit_info);
        sched_wake(w);
    }
    if (waited || !p->reapable) {
        if (p->reapable)
            reap(p);
        else
            object_put(&p->obj); /* nobody will collect it */
    }
    object_put(&p->obj); /* the reference taken above */
}

static void process_destroy(struct object *o)
{
    struct process *p = container_of(o, struct process, obj);
    KASSERT(p->state == PROC_EXITED);
    kmem_cache_drain(&p->kmem);
    /* Everything charged to it is back.  Were it not (a kernel bug), the memory is lost but the machine runs on. */
    if (p->mem_used)
        kprintf("[kernel] BUG: process %lu ends with %lu bytes still charged\n", (unsigned long)p->obj.id,
                (unsigned long)p->mem_used);
    KASSERT_DEBUG(p->mem_used == 0); /* the host tests stop right there */
    quota_release(p->parent, p->mem_limit);
}

const struct object_type process_type = { .destroy = process_destroy };

/* ---- syscalls ---- */

static long find_child(struct thread *self, vos_pid_t pid, struct process **out)
{
    struct object *o = object_find(VOS_OBJ_PROCESS, pid);
    struct process *c = o ? container_of(o, struct process, obj) : NULL;
    if (!c || (c->parent == self->proc && !c->reapable && c->state == PROC_EXITED))
        return VOS_ERR_NOT_FOUND; /* unknown, or already reaped */
    if (c->parent != self->proc || !c->reapable)
        return VOS_ERR_PERMISSION_DENIED;
    *out = c;
    return VOS_OK;
}

long sys_process_start(struct thread *self, vos_pid_t process_id)
{
    struct process *c;
    long err = find_child(self, process_id, &c);
    if (err)
        return err;
    if (c->state != PROC_CREATED)
        return VOS_ERR_BUSY;
    process_start_threads(c);
    return VOS_OK;
}

long sys_process_wait(struct thread *self, vos_pid_t process_id, uint64_t timeout_ns)
{
    struct process *c;
    long err = find_child(self, process_id, &c);
    if (err)
        return err;
    if (c->state == PROC_EXITED) {
        syscall_result_process_wait(&self->frame, &c->exit_info);
        reap(c);
        return VOS_OK;
    }
    if (timeout_ns == 0)
        return VOS_ERR_TIMEOUT;
    sched_wait(self, &c->waiters, timeout_ns, VOS_ERR_TIMEOUT);
    return SYSCALL_BLOCKED;
}

/* Copy the argument strings into one buffer of NUL-terminated strings. */
static long copy_args(user_in_t args, uint64_t argc, char *buf, uint64_t *len)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < argc; i++) {
        uint64_t ptr;
        long err = copy_from_user(&ptr, args, i * 8, 8);
        if (err)
            return err;
        for (;; n++, ptr++) {
            if (n == VOS_PROCESS_MAX_ARG_BYTES)
                return VOS_ERR_INVALID_PARAMETER;
            if (ptr >= ARCH_USER_TOP || vspace_read(&current->proc->vspace, &buf[n], ptr, 1))
                return VOS_ERR_INVALID_ADDRESS;
            if (!buf[n])
                break;
        }
        n++;
    }
    *len = n;
    return VOS_OK;
}

long sys_process_create(struct thread *self, user_in_t binary, user_in_t args, user_in_t capabilities,
                        vos_pid_t *result)
{
    /* The ranges' lengths are in bytes: the counts are in elements of a pointer and a token. */
    const uint64_t binary_len = binary.len, args_len = args.len / sizeof(uint64_t),
                   cap_count = capabilities.len / sizeof(vos_cap_t);
    /* Everything the caller passes is checked before anything is built. */
    vos_cap_t tokens[VOS_PROCESS_MAX_CAPS];
    struct cap *grant[VOS_PROCESS_MAX_CAPS];
    long err = copy_from_user(tokens, capabilities, 0, cap_count * sizeof(vos_cap_t));
    for (uint64_t i = 0; !err && i < cap_count; i++) {
        err = cap_lookup(&self->proc->cspace, tokens[i], &grant[i]);
        if (!err && !(grant[i]->rights & VOS_RIGHT_GRANT))
            err = VOS_ERR_PERMISSION_DENIED;
    }
    if (err)
        return err;
    char *strings = kmem_alloc(VOS_PROCESS_MAX_ARG_BYTES);
    if (!strings)
        return VOS_ERR_OUT_OF_MEMORY;
    uint64_t strings_len = 0;
    err = copy_args(args, args_len, strings, &strings_len);

    /* The process is named after argv[0], without its directory. */
    const char *name = "process";
    for (uint64_t i = 0; args_len && i < strings_len && strings[i]; i++)
        if (i == 0 || strings[i - 1] == '/')
            name = &strings[i];
    struct process *p = err ? NULL : process_new(strings_len ? name : "process", self->proc, &err);
    for (uint64_t i = 0; p && !err && i < cap_count; i++)
        err = cap_insert(&p->cspace, grant[i]->obj, grant[i]->rights, grant[i], NULL);
    if (p && !err) {
        struct elf_source src = { .user = binary, .len = binary_len };
        err = process_load(p, &src, strings, strings_len, args_len);
    }
    kmem_free(strings, VOS_PROCESS_MAX_ARG_BYTES);
    if (err) {
        if (p)
            process_discard(p);
        return err;
    }
    *result = p->obj.id;
    return VOS_OK;
}
