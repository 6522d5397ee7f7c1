/*
 * libc_stdio.c — <stdio.h> on the console: stdout and stderr go wherever
 * vos_console_open() finds the console in the StartInfo (vos_start_info,
 * recorded by __vos_start): the console server's channel, or the device
 * itself.  Formatting is libsys's vos_format; each call's output is written
 * in chunks of BUFSIZ bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <vos/format.h>
#include <vos/libsys.h>
#include <vos/syscalls.h>
#include <vos/vos.h>

struct vos_file {
    int fd;
};

static struct vos_file files[3] = { { 0 }, { 1 }, { 2 } };
FILE *const stdin = &files[0];
FILE *const stdout = &files[1];
FILE *const stderr = &files[2];

static vos_console_t *console(void)
{
    static vos_console_t con;
    static int looked;
    if (!looked && vos_start_info) {
        con = vos_console_open(vos_start_info);
        looked = 1;
    }
    return con.chan.cap || con.dev.cap ? &con : NULL;
}

static void write_out(FILE *f, const char *p, size_t n)
{
    if (f == stdin || !n)
        return;
    vos_console_t *con = console();
    if (con)
        vos_console_write(*con, p, n);
}

struct chunk {
    FILE *f;
    char buf[BUFSIZ];
    size_t len;
};

static void chunk_put(void *ctx, char c)
{
    struct chunk *ch = ctx;
    ch->buf[ch->len++] = c;
    if (ch->len == sizeof(ch->buf)) {
        write_out(ch->f, ch->buf, ch->len);
        ch->len = 0;
    }
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
    struct chunk ch = { .f = f };
    size_t n = vos_format(chunk_put, &ch, fmt, ap);
    write_out(f, ch.buf, ch.len);
    return (int)n;
}

int vprintf(const char *fmt, va_list ap) { return vfprintf(stdout, fmt, ap); }

int fprintf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(f, fmt, ap);
    va_end(ap);
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(stdout, fmt, ap);
    va_end(ap);
    return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) { return vos_vsnprintf(buf, size, fmt, ap); }

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vos_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int fputs(const char *s, FILE *f)
{
    write_out(f, s, strlen(s));
    return 0;
}

int puts(const char *s)
{
    fputs(s, stdout);
    write_out(stdout, "\n", 1);
    return 0;
}

int fputc(int c, FILE *f)
{
    char ch = (char)c;
    write_out(f, &ch, 1);
    return (unsigned char)c;
}

int putc(int c, FILE *f) { return fputc(c, f); }
int putchar(int c) { return fputc(c, stdout); }

size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
    write_out(f, p, size * n);
    return n;
}

int fflush(FILE *f)
{
    (void)f;
    return 0;
}

FILE *fopen(const char *path, const char *mode)
{
    (void)path;
    (void)mode;
    return NULL;
}

int fclose(FILE *f)
{
    (void)f;
    return EOF;
}
