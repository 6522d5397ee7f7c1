/*
 * trap.c — what the kernel does with faults and interrupts from user mode.
 * A fault ends the faulting process (reported, recorded for its parent);
 * the kernel itself runs on.
 */
#include "device.h"
#include "irq.h"
#include "process.h"

static const char *access_name(unsigned access)
{
    return access & VOS_PROT_WRITE ? "write" : access & VOS_PROT_EXEC ? "execute" : "read";
}

void process_kill(struct process *p, uint64_t reason, uaddr_t addr, const char *what)
{
    kprintf("[kernel] process %lu (%s) killed: %s\n", (unsigned long)p->obj.id, p->name, what);
    process_exit(p, reason, addr);
}

void kernel_entry_page_fault(struct trap_frame *f, uaddr_t addr, unsigned access)
{
    struct process *p = current->proc;
    uint64_t reason;
    if (vspace_fault(&p->vspace, addr, access, &reason) == VOS_OK)
        sched_return_to_user(); /* a lazily allocated page, now there: retry */
    char what[96];
    vos_snprintf(what, sizeof(what), "%s (%s) at %#lx (pc %#lx)", exit_reason_name(reason), access_name(access),
              (unsigned long)addr, (unsigned long)arch_frame_pc(f));
    process_kill(p, reason, addr, what);
    sched_return_to_user();
}

void kernel_entry_exception(struct trap_frame *f, unsigned exit_reason, uint64_t detail)
{
    char what[96];
    vos_snprintf(what, sizeof(what), "%s at pc %#lx (detail %#lx)", exit_reason_name(exit_reason),
              (unsigned long)arch_frame_pc(f), (unsigned long)detail);
    process_kill(current->proc, exit_reason, arch_frame_pc(f), what);
    sched_return_to_user();
}

void kernel_entry_interrupt(struct trap_frame *f, unsigned source)
{
    (void)f;
    if (source == IRQ_TIMER)
        sched_tick();
    else if (source == IRQ_CONSOLE)
        console_poll_input();
    else if (source >= IRQ_LINE_BASE)
        irq_fire(source - IRQ_LINE_BASE);
    sched_return_to_user();
}
