/*
 * console: the console server, a user-space UART driver (docs/drivers.md).
 * It is the only program that touches the UART after start-up; everyone
 * else prints and reads by calling it over IPC (protocol in <vos/vos.h>,
 * VOS_CONSOLE_*).
 *
 * Initial capabilities (init grants them in this order, docs/userland.md):
 *   0  the UART's registers: DEVICE_MEMORY (READ|WRITE), or on x86_64 its
 *      I/O ports: IO_PORT (READ|WRITE)
 *   1  the UART's receive interrupt: IRQ (WRITE, to acknowledge), which init
 *      has bound to the endpoint below
 *   2  the server's ENDPOINT (READ); clients hold WRITE channels to it
 *   3  a MEMORY region (READ|WRITE) for the ring of typed bytes
 * and the argument uart=NAME names the driver (ns16550.c, pl011.c).
 *
 * One thread, one SYS_IPC_RECEIVE for everything: a message from sender
 * VOS_IRQ_SENDER is the interrupt, anything else a client's call.  Typed
 * input goes into a ring, so nothing is lost while nobody reads; a read
 * with nothing typed keeps its reply token until a byte arrives.  When the
 * ring is full the server stops taking bytes from the UART and leaves the
 * line masked: the rest waits in the device, which holds it back.  The ring
 * lives in memory init keeps, so a server that dies leaves what was typed
 * to the one init starts next; a byte is taken out of the ring only as its
 * reply goes.
 */
#include "uart.h"

#define RING 4096     /* typed bytes nobody has read yet */
#define READERS 16    /* reads waiting for a key */

/* The ring, in the region init gives us (capability 3): it outlives us. */
struct ring {
    uint32_t head, tail; /* head: next to hand out; tail - head bytes wait */
    uint8_t data[RING];
};
#define RING_BYTES ((sizeof(struct ring) + VOS_PAGE_SIZE - 1) / VOS_PAGE_SIZE * VOS_PAGE_SIZE)

static struct uart uart;
static const struct uart_driver *drv;
static vos_irq_t irq;
static vos_ep_t ep;

static struct ring *ring;
static int irq_masked;      /* fired and not yet acknowledged */

static struct reader {
    vos_reply_t reply;
    uint32_t max;
} readers[READERS];
static unsigned rd_head, rd_tail;

#ifdef CONSOLE_FAULT_AT
/* console-faulty, the restart test's first server (cmake/VosBootTests.cmake):
 * it dies of a page fault on its CONSOLE_FAULT_AT-th request, before acting on it. */
static void fault_when_due(void)
{
    static unsigned requests;
    if (++requests == CONSOLE_FAULT_AT)
        *(volatile int *)(uintptr_t)8 = 0;
}
#else
static void fault_when_due(void) {}
#endif

/* Move what the UART holds into the ring, while there is room. */
static void drain(void)
{
    int c;
    while (ring->tail - ring->head < RING && (c = drv->get(&uart)) >= 0) {
        ring->data[ring->tail % RING] = (uint8_t)c;
        ring->tail++;
    }
}

/*
 * Let the line fire again, once the UART is empty: drain, acknowledge,
 * and drain once more, for a byte that came between the two (an
 * edge-triggered line, the IOAPIC's, would not fire for it).  With the
 * ring full the line stays masked until a reader makes room.
 */
static void rearm(void)
{
    drain();
    if (!irq_masked || ring->tail - ring->head == RING)
        return;
    irq_masked = 0;
    vos_irq_ack(irq);
    drain();
}

/* Answer waiting reads from the ring, oldest first. */
static void answer_readers(void)
{
    while (rd_head != rd_tail && ring->tail != ring->head) {
        struct reader *r = &readers[rd_head++ % READERS];
        uint8_t out[VOS_CONSOLE_CHUNK];
        uint32_t n = 0;
        while (n < r->max && ring->tail != ring->head + n) {
            out[n] = ring->data[(ring->head + n) % RING];
            n++;
        }
        ring->head += n;
        if (vos_reply(r->reply, out, n, (vos_any_t){ 0 }))
            ring->head -= n; /* its caller is gone: the bytes are the next reader's */
    }
    rearm(); /* there may be room again */
}

static void write_out(const uint8_t *p, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        if (p[i] == '\n')
            drv->put(&uart, '\r'); /* a serial terminal wants CR LF */
        drv->put(&uart, p[i]);
    }
}

static void serve(const uint8_t *req, const struct vos_message *m)
{
    fault_when_due();
    if (m->len >= 1 && req[0] == VOS_CONSOLE_WRITE) {
        write_out(req + 1, m->len - 1);
    } else if (m->len == 5 && req[0] == VOS_CONSOLE_READ && m->reply.cap) {
        uint32_t max;
        memcpy(&max, req + 1, sizeof(max));
        if (max > VOS_CONSOLE_CHUNK)
            max = VOS_CONSOLE_CHUNK;
        if (max && rd_tail - rd_head < READERS) {
            readers[rd_tail++ % READERS] = (struct reader){ m->reply, max };
            answer_readers();
            return;
        }
    }
    /* Answered now: a write, a read of 0 bytes or beyond READERS waiting, or not our protocol. */
    if (m->reply.cap)
        vos_reply(m->reply, NULL, 0, (vos_any_t){ 0 });
}

/* The capabilities init gave: the registers (mapped device memory, or I/O ports), the interrupt, the endpoint, the ring. */
static int find_uart(const struct vos_start_info *si)
{
    const struct vos_cap_info *regs = vos_start_cap(si, 0), *q = vos_start_cap(si, 1), *e = vos_start_cap(si, 2),
                              *r = vos_start_cap(si, 3);
    if (!regs || !q || q->object_type != VOS_OBJ_IRQ || !e || e->object_type != VOS_OBJ_ENDPOINT || !r ||
        r->object_type != VOS_OBJ_MEMORY)
        return -1;
    void *p;
    if (vos_mmap(NULL, RING_BYTES, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, (vos_mem_t){ r->token }, 0, &p))
        return -1;
    ring = p;
    irq.cap = q->token;
    ep = vos_ep_from(e);
    if (regs->object_type == VOS_OBJ_IO_PORT) {
        uart.ports.cap = regs->token;
    } else if (regs->object_type == VOS_OBJ_DEVICE_MEMORY) {
        volatile void *r;
        if (vos_devmem_map((vos_devmem_t){ regs->token }, VOS_PAGE_SIZE, &r))
            return -1;
        uart.regs = r;
    } else {
        return -1;
    }
    static const struct uart_driver *const drivers[] = { &uart_ns16550, &uart_pl011 };
    const char *const *argv = (const char *const *)(uintptr_t)si->argv;
    for (uint64_t i = 1; i < si->argc; i++)
        for (size_t d = 0; d < sizeof(drivers) / sizeof(drivers[0]); d++) {
            char want[32];
            vos_snprintf(want, sizeof(want), "uart=%s", drivers[d]->name);
            if (!strcmp(argv[i], want))
                drv = drivers[d];
        }
    return drv ? 0 : -1;
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct vos_start_info *si = vos_start_info();
    if (find_uart(si))
        return 2; /* started without its capabilities (e.g. `run console` from the shell) */
    drv->start(&uart);
    /* What was typed before we ran waits in the UART; the line may be
     * masked from a predecessor's last interrupt: take both. */
    irq_masked = 1;
    rearm();
    static uint8_t req[1 + VOS_CONSOLE_CHUNK];
    for (;;) {
        struct vos_message m;
        vos_status_t st = vos_receive(ep, req, sizeof(req), VOS_TIMEOUT_INFINITE, &m);
        if (st == -VOS_ERR_BUFFER_TOO_SMALL) {
            /* Not our protocol: take it off the queue and refuse it. */
            static uint8_t big[VOS_IPC_MAX_MESSAGE];
            if (vos_receive(ep, big, sizeof(big), 0, &m))
                continue;
            m.len = 0;
        } else if (st) {
            continue;
        }
        if (m.sender == VOS_IRQ_SENDER) {
            irq_masked = 1; /* the kernel masked the line when it fired */
            drain();
            answer_readers();
        } else {
            serve(req, &m);
        }
    }
}
