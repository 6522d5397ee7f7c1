/*
 * ns16550.c — the 16550 UART: riscv64 virt (memory-mapped, byte registers
 * one apart) and x86_64 COM1 (I/O ports 0x3f8..0x3ff).  Only the access
 * differs, so it is chosen per register access: mapped registers when the
 * server has them, the port capability otherwise (vos_ioport_in/out:
 * SYS_READ/SYS_WRITE, one system call per access).
 */
#include "uart.h"

#define RBR 0 /* receive buffer (read) */
#define THR 0 /* transmit holding (write) */
#define IER 1 /* interrupt enable */
#define MCR 4 /* modem control */
#define LSR 5 /* line status */

#define IER_RX 0x01   /* received data available */
#define MCR_ON 0x0b   /* DTR, RTS, and OUT2, which gates the interrupt line on PCs */
#define LSR_DR 0x01   /* a byte waits in RBR */
#define LSR_THRE 0x20 /* THR is empty */

static uint8_t in(const struct uart *u, unsigned reg)
{
    if (u->regs)
        return u->regs[reg];
    uint32_t v = 0;
    vos_ioport_in(u->ports, reg, 1, &v);
    return (uint8_t)v;
}

static void out(const struct uart *u, unsigned reg, uint8_t v)
{
    if (u->regs)
        u->regs[reg] = v;
    else
        vos_ioport_out(u->ports, reg, 1, v);
}

static void start(const struct uart *u)
{
    out(u, MCR, MCR_ON);
    out(u, IER, IER_RX);
}

static void put(const struct uart *u, uint8_t c)
{
    while (!(in(u, LSR) & LSR_THRE))
        ;
    out(u, THR, c);
}

static int get(const struct uart *u)
{
    return in(u, LSR) & LSR_DR ? in(u, RBR) : -1;
}

const struct uart_driver uart_ns16550 = { "ns16550", start, put, get };
