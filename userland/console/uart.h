/*
 * uart.h — the console server's UART drivers (docs/drivers.md): one file
 * per UART type, each a table of three operations on `struct uart`, the
 * registers the server mapped (or the I/O ports it was given).
 *
 * A driver keeps the line settings it finds (the firmware's or the kernel's
 * early console's: the kernel prints through the same UART before the
 * server runs and when it panics) and only turns the receive interrupt on.
 */
#pragma once
#include <vos/vos.h>

struct uart {
    volatile uint8_t *regs; /* the registers, mapped uncached; NULL when they are I/O ports */
    vos_ioport_t ports;     /* x86_64: the IO_PORT capability for the UART's ports */
};

struct uart_driver {
    const char *name; /* what init names it in the server's "uart=" argument */
    void (*start)(const struct uart *u);            /* receive interrupt on */
    void (*put)(const struct uart *u, uint8_t c);  /* waits for room in the transmitter */
    int (*get)(const struct uart *u);              /* a received byte, or -1 when none waits */
};

extern const struct uart_driver uart_ns16550, uart_pl011;
