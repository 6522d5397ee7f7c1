/*
 * process.c — process objects: creation, loading, exit.
 *
 * Invariants:
 *  - a process in PROC_EXITED has no threads, an empty capability space
 *    and no address space; only its exit record remains, for its parent;
 *  - the process object lives while anything references it (its
 *    capabilities, its threads, the "alive" reference dropped at exit).
 */
#include "elf.h"
#include "memory.h"
#include "process.h"

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

struct process *process_new(const char *name, struct process *parent)
{
    struct process *p = kmem_alloc(sizeof(*p));
    if (!p)
        return NULL;
    object_init(&p->obj, VOS_OBJ_PROCESS);
    if (vspace_init(&p->vspace)) {
        kmem_free(p, sizeof(*p));
        return NULL;
    }
    cspace_init(&p->cspace, DEFAULT_CAP_QUOTA);
    list_init(&p->threads);
    p->parent = parent;
    p->state = PROC_CREATED;
    size_t n = strlen(name);
    if (n >= sizeof(p->name))
        n = sizeof(p->name) - 1;
    memcpy(p->name, name, n);
    return p;
}

/*
 * The new stack, from the top: argument strings, argv[], the CapInfo
 * records of every capability the process holds, then StartInfo, whose
 * address is the first argument of _start.
 */
static long build_start_info(struct process *p, uaddr_t *sp_out)
{
    uaddr_t sp = USER_STACK_TOP;
    struct vos_start_info si = { .pid = p->obj.id };
    struct vos_cap_info info;
    uint64_t n = 0;
    sp -= (uint64_t)p->cspace.used * sizeof(info);
    sp = ALIGN_DOWN(sp, 16);
    si.caps = sp;
    for (uint32_t slot = 1; slot < p->cspace.next_unused && n < p->cspace.used; slot++) {
        struct cap *c = cspace_slot(&p->cspace, slot);
        if (!c)
            continue;
        info = (struct vos_cap_info){ cap_token(c), c->obj->type, c->rights, c->obj->id };
        if (vspace_write(&p->vspace, si.caps + n * sizeof(info), &info, sizeof(info)))
            return VOS_ERR_OUT_OF_MEMORY;
        n++;
    }
    si.cap_count = n;
    sp -= sizeof(si);
    sp = ALIGN_DOWN(sp, 16);
    if (vspace_write(&p->vspace, sp, &si, sizeof(si)))
        return VOS_ERR_OUT_OF_MEMORY;
    *sp_out = sp;
    return VOS_OK;
}

long process_load(struct process *p, const void *image, uint64_t len)
{
    uaddr_t entry, sp;
    long err = elf_load(&p->vspace, image, len, &entry);
    if (!err)
        err = vspace_map_anon(&p->vspace, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE,
                              VOS_PROT_READ | VOS_PROT_WRITE);
    if (!err)
        err = build_start_info(p, &sp);
    if (err)
        return err;
    return thread_new(p, entry, sp, sp) ? VOS_OK : VOS_ERR_OUT_OF_MEMORY;
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

void process_exit(struct process *p, uint64_t reason, uint64_t code)
{
    if (p->state == PROC_EXITED)
        return;
    object_get(&p->obj); /* tearing down may drop the last other reference */
    p->state = PROC_EXITED;
    p->exit_info = (struct vos_process_exit_info){ p->obj.id, reason, code };

    struct list *it, *tmp;
    list_for_each_safe(it, tmp, &p->threads)
        thread_kill(container_of(it, struct thread, proc_link));
    sched_leave_vspace(&p->vspace);
    cspace_destroy(&p->cspace);
    vspace_destroy(&p->vspace);

    if (reason == VOS_EXIT_CODE && !p->parent)
        kprintf("[kernel] process %lu (%s) exited with code %d\n", (unsigned long)p->obj.id, p->name, (int)code);
    if (!p->parent) {
        /* The first process is the system: when it ends, so does the machine. */
        int status = reason != VOS_EXIT_CODE ? POWEROFF_INIT_FAULTED : code ? POWEROFF_INIT_FAILED : POWEROFF_OK;
        kprintf("[kernel] %lu frames free of %lu; powering off, status %d\n",
                (unsigned long)frame_free_count(), (unsigned long)frame_total_count(), status);
        arch_poweroff(status);
    }
    object_put(&p->obj); /* the reference taken above */
    object_put(&p->obj); /* the process's own "alive" reference */
}

void process_destroy(struct object *o)
{
    struct process *p = container_of(o, struct process, obj);
    KASSERT(p->state == PROC_EXITED || p->state == PROC_CREATED);
    if (p->state == PROC_CREATED) {
        cspace_destroy(&p->cspace);
        vspace_destroy(&p->vspace);
    }
    kmem_free(p, sizeof(*p));
}
