/*
 * pl011.c — the ARM PL011 UART (aarch64 virt), 32-bit registers.
 */
#include "uart.h"

#define DR 0x00   /* data */
#define FR 0x18   /* flags */
#define IMSC 0x38 /* interrupt mask set/clear: 1 enables */
#define ICR 0x44  /* interrupt clear */

#define FR_RXFE 0x10 /* receive FIFO empty */
#define FR_TXFF 0x20 /* transmit FIFO full */
#define INT_RX 0x10  /* receive (FIFO at its trigger level) */
#define INT_RT 0x40  /* receive timeout (bytes wait below the trigger level) */

static volatile uint32_t *reg(const struct uart *u, unsigned off) { return (volatile uint32_t *)(u->regs + off); }

static void start(const struct uart *u)
{
    *reg(u, ICR) = INT_RX | INT_RT;
    *reg(u, IMSC) = INT_RX | INT_RT;
}

static void put(const struct uart *u, uint8_t c)
{
    while (*reg(u, FR) & FR_TXFF)
        ;
    *reg(u, DR) = c;
}

static int get(const struct uart *u)
{
    return *reg(u, FR) & FR_RXFE ? -1 : (int)(*reg(u, DR) & 0xff);
}

const struct uart_driver uart_pl011 = { "pl011", start, put, get };
