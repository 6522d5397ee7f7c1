/*
 * libctest — the C library suite, run in the guest from the shell
 * (tests/libc/session.txt: `run libctest one two --three=3`).  It checks
 * newlib as built here (tools/build-newlib.sh) together with libsys's hooks
 * under it: formatted output against known strings, strtod/strtol round
 * trips, libm against known values, qsort, setjmp/longjmp, time, stdio
 * buffering and ungetc, malloc with free returning memory to the system,
 * and that main() gets the shell's arguments exactly.
 *
 * Prints "libctest: FAIL <what>" for each failed check and ends with
 * "libctest: N passed, M failed"; exits 0 only when nothing failed.  The
 * atexit handler and the unterminated last line show that exit() runs the
 * handlers and flushes stdio (the boot test expects both).
 */
#define _GNU_SOURCE /* fopencookie */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vos/libsys.h>
#include <vos/syscalls.h>

extern char **environ;

#ifndef __ELF__
#error "__ELF__ must be defined for every target (cmake/toolchain-cross.cmake)"
#endif

static int passed, failed;

static void check(int ok, const char *what)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("libctest: FAIL %s\n", what);
    }
}

/* snprintf(fmt, ...) must give exactly `want`. */
#define FMT(want, ...)                                                                                                \
    do {                                                                                                              \
        char got_[128];                                                                                               \
        snprintf(got_, sizeof(got_), __VA_ARGS__);                                                                    \
        if (strcmp(got_, want)) {                                                                                     \
            failed++;                                                                                                 \
            printf("libctest: FAIL format %s: got \"%s\", want \"%s\"\n", #__VA_ARGS__, got_, want);                  \
        } else {                                                                                                      \
            passed++;                                                                                                 \
        }                                                                                                             \
    } while (0)

static void test_format(void)
{
    FMT("42|ff|FF|10|A|hi|   ab|ab   |", "%d|%x|%X|%o|%c|%s|%5s|%-5s|", 42, 255, 255, 8, 'A', "hi", "ab", "ab");
    FMT("-2147483648 2147483647", "%d %d", INT_MIN, INT_MAX);
    FMT("-9223372036854775808 18446744073709551615", "%lld %llu", LLONG_MIN, ULLONG_MAX);
    FMT("+5  5 -5", "%+d % d %+d", 5, 5, -5);
    FMT("0xff 010 0XAB", "%#x %#o %#X", 255, 8, 171);
    FMT("   42|7   |00042", "%*d|%-*d|%05d", 5, 42, 4, 7, 42);
    FMT("abc|%|-5|4", "%.3s|%%|%hhd|%zu", "abcdef", (signed char)-5, sizeof(int));
    FMT("tab\there \"q\" back\\slash", "%s", "tab\there \"q\" back\\slash");
    /* %f with precision and flags */
    FMT("1.500000", "%f", 1.5);
    FMT("2.67 0 2 +1.2", "%.2f %.0f %.0f %+.1f", 2.675, 0.5, 1.5, 1.25);
    FMT("    3.1416|2.50      |0003.142", "%10.4f|%-10.2f|%08.3f", 3.14159, 2.5, 3.14159);
    FMT("123456789012345680.000000", "%f", 123456789012345678.0);
    /* %e and %g */
    FMT("1.234568e+04 1.23E-04 0.000000e+00", "%e %.2E %e", 12345.678, 0.000123, 0.0);
    FMT("100000 1e+06 0.0001 1e-05", "%g %g %g %g", 100000.0, 1000000.0, 0.0001, 0.00001);
    FMT("3.14 1.00000 0.1 0.10000000000000001", "%.3g %#g %.14g %.17g", 3.14159, 1.0, 0.1, 0.1);
    /* %a */
    FMT("0x1p+0 0x1p-1 0x1.00p+0 0X1.FEP+7", "%a %a %.2a %A", 1.0, 0.5, 1.0, 255.0);
    FMT("-0x1.999999999999ap-4", "%a", -0.1);
    /* signed zero, infinities, nan */
    FMT("-0.000000 -0 -0x0p+0", "%f %g %a", -0.0, -0.0, -0.0);
    FMT("inf INF -inf   inf", "%f %F %e %5.1f", (double)INFINITY, (double)INFINITY, -(double)INFINITY, (double)INFINITY);
    FMT("nan NAN", "%f %G", (double)NAN, (double)NAN);
    /* long double: binary128 on riscv64 and aarch64 (libsys/src/float128.c narrows it for printf) */
    FMT("1.5 0.1 -2.5e-300", "%.1Lf %.1Lf %.1Le", 1.5L, (long double)0.1, -2.5e-300L);
    volatile double sub = 4.9406564584124654e-324, third = 1.0 / 3;
    check((double)(long double)sub == sub && (double)(long double)third == third, "double -> long double -> double");
    char small[4];
    check(snprintf(small, sizeof(small), "%s", "abcdef") == 6 && !strcmp(small, "abc"), "snprintf truncates, returns the full length");
}

static void test_strto(void)
{
    static const double values[] = { 0.1, 1.0 / 3, 1e300, 5e-324, 123456789.125, -2.5e-7, DBL_MAX, DBL_MIN };
    for (unsigned i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%.17g", values[i]);
        double back = strtod(buf, NULL);
        check(memcmp(&back, &values[i], sizeof(back)) == 0, buf);
        snprintf(buf, sizeof(buf), "%a", values[i]);
        back = strtod(buf, NULL);
        check(back == values[i], buf);
    }
    char *end;
    check(strtod("0x1.8p3", NULL) == 12.0, "strtod hex");
    check(strtod("  -12.5e1xyz", &end) == -125.0 && !strcmp(end, "xyz"), "strtod end pointer");
    check(isinf(strtod("inf", NULL)) && isnan(strtod("nan", NULL)), "strtod inf nan");
    errno = 0;
    check(strtod("1e400", NULL) == HUGE_VAL && errno == ERANGE, "strtod overflow: HUGE_VAL, ERANGE");
    check(strtol("-2147483648", NULL, 10) == INT_MIN, "strtol INT_MIN");
    check(strtol("777", NULL, 8) == 511 && strtol("zz", NULL, 36) == 1295 && strtol("0x1F", NULL, 0) == 31, "strtol bases");
    errno = 0;
    check(strtol("9223372036854775808", NULL, 10) == LONG_MAX && errno == ERANGE, "strtol overflow");
    check(strtol("12abc", &end, 10) == 12 && !strcmp(end, "abc"), "strtol end pointer");
    check(strtoul("-1", NULL, 10) == ULONG_MAX, "strtoul -1");
    check(strtoll("-9223372036854775808", NULL, 10) == LLONG_MIN, "strtoll LLONG_MIN");
    for (long v = -1000000; v <= 1000000; v += 77777) {
        char buf[32];
        snprintf(buf, sizeof(buf), "%ld", v);
        if (strtol(buf, NULL, 10) != v)
            check(0, "strtol round trip");
    }
    check(atoi("  42") == 42 && atof("2.5") == 2.5, "atoi atof");
}

static int close_to(double got, double want)
{
    return got == want || fabs(got - want) <= 4 * DBL_EPSILON * fabs(want);
}

static void test_libm(void)
{
    check(sqrt(2.0) == 1.4142135623730951, "sqrt(2) correctly rounded");
    check(close_to(sin(0.5), 0.479425538604203), "sin(0.5)");
    check(close_to(cos(M_PI), -1.0) && close_to(tan(M_PI / 4), 1.0), "cos(pi) tan(pi/4)");
    check(close_to(exp(1.0), 2.718281828459045) && close_to(log(10.0), 2.302585092994046), "exp log");
    check(close_to(log10(1000.0), 3.0) && close_to(log2(1024.0), 10.0), "log10 log2");
    check(pow(2.0, 10.0) == 1024.0 && close_to(pow(2.0, 0.5), M_SQRT2) && pow(-8.0, 1.0 / 3) != pow(-8.0, 1.0 / 3), "pow");
    check(close_to(atan2(1.0, 1.0) * 4, M_PI) && close_to(asin(1.0), M_PI / 2) && close_to(acos(0.0), M_PI / 2), "atan2 asin acos");
    check(floor(-2.5) == -3.0 && ceil(-2.5) == -2.0 && round(2.5) == 3.0 && trunc(-2.7) == -2.0, "floor ceil round trunc");
    check(fmod(7.5, 2.0) == 1.5 && fmod(-7.5, 2.0) == -1.5, "fmod");
    int e;
    check(frexp(8.0, &e) == 0.5 && e == 4 && ldexp(0.75, 4) == 12.0, "frexp ldexp");
    check(hypot(3.0, 4.0) == 5.0 && close_to(cbrt(27.0), 3.0), "hypot cbrt");
    check(isnan(sqrt(-1.0)) && isinf(log(0.0)) && log(0.0) < 0, "sqrt(-1) nan, log(0) -inf");
    check(close_to(sinh(1.0), 1.1752011936438014) && close_to(tanh(0.5), 0.46211715726000974), "sinh tanh");
    double ip;
    check(modf(3.25, &ip) == 0.25 && ip == 3.0 && fabs(-0.0) == 0.0 && !signbit(fabs(-0.0)), "modf fabs");
    check(close_to(sinf(0.5f), 0.47942554f) && sqrtf(4.0f) == 2.0f, "float functions");
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static void test_qsort(void)
{
    static int v[1000];
    unsigned s = 12345;
    for (int i = 0; i < 1000; i++) {
        s = s * 1103515245 + 12345;
        v[i] = (int)(s >> 8) % 10000 - 5000;
    }
    qsort(v, 1000, sizeof(v[0]), cmp_int);
    int sorted = 1;
    for (int i = 1; i < 1000; i++)
        sorted &= v[i - 1] <= v[i];
    check(sorted, "qsort 1000 ints");
    const char *words[] = { "pear", "apple", "fig", "banana", "cherry" };
    qsort(words, 5, sizeof(words[0]), cmp_str);
    check(!strcmp(words[0], "apple") && !strcmp(words[4], "pear"), "qsort strings");
    qsort(v, 0, sizeof(v[0]), cmp_int);
    int key = v[500], *hit = bsearch(&key, v, 1000, sizeof(v[0]), cmp_int);
    check(hit && *hit == key, "bsearch");
}

static jmp_buf jb;
static void jump_back(int depth, int value)
{
    if (depth)
        jump_back(depth - 1, value);
    longjmp(jb, value);
}

static void test_setjmp(void)
{
    volatile int round = 0;
    volatile double d = 1.5;
    int r = setjmp(jb);
    if (r == 0) {
        round = 1;
        d = 2.5;
        jump_back(10, 5);
    } else if (r == 5) {
        check(round == 1 && d == 2.5, "setjmp: locals after longjmp");
        round = 2;
        longjmp(jb, 0);
    }
    check(r == 1 && round == 2, "longjmp(0) returns 1");
}

static void test_time(void)
{
    time_t t = 0;
    struct tm *tm = gmtime(&t);
    check(tm->tm_year == 70 && tm->tm_mon == 0 && tm->tm_mday == 1 && tm->tm_wday == 4 && tm->tm_hour == 0, "gmtime(0)");
    t = 951782400; /* 2000-02-29 */
    tm = gmtime(&t);
    check(tm->tm_year == 100 && tm->tm_mon == 1 && tm->tm_mday == 29 && tm->tm_yday == 59, "gmtime leap day");
    t = 1234567890;
    char buf[64];
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %a %b %j", gmtime(&t));
    check(!strcmp(buf, "2009-02-13 23:31:30 Fri Feb 044"), buf);
    struct tm in = { .tm_year = 109, .tm_mon = 1, .tm_mday = 13, .tm_hour = 23, .tm_min = 31, .tm_sec = 30 };
    check(mktime(&in) == 1234567890, "mktime (UTC: no TZ)");
    time_t now = time(NULL);
    check(now >= 1577836800, "time(): the RTC says 2020 or later");
    clock_t c1 = clock(), c2 = clock();
    check(c2 >= c1, "clock() does not go back");
}

/* A stream whose writes are recorded: what stdio hands down, and when. */
static char sink[256];
static int sink_len, sink_calls;
static ssize_t sink_write(void *cookie, const char *buf, size_t n)
{
    (void)cookie;
    memcpy(sink + sink_len, buf, n);
    sink_len += (int)n;
    sink_calls++;
    return (ssize_t)n;
}

static FILE *sink_open(int mode, size_t size)
{
    sink_len = sink_calls = 0;
    FILE *f = fopencookie(NULL, "w", (cookie_io_functions_t){ .write = sink_write });
    if (f)
        setvbuf(f, NULL, mode, size);
    return f;
}

static void test_stdio(void)
{
    FILE *f = sink_open(_IOFBF, 16);
    fputs("0123456789", f);
    check(sink_calls == 0, "full buffering holds 10 bytes of 16");
    fflush(f);
    check(sink_calls == 1 && sink_len == 10 && !memcmp(sink, "0123456789", 10), "fflush writes them at once");
    fclose(f);
    f = sink_open(_IOLBF, 64);
    fputs("ab\ncd", f);
    check(sink_calls == 1 && sink_len == 3, "line buffering writes at the newline");
    fclose(f);
    check(sink_len == 5, "fclose flushes the rest");
    f = sink_open(_IONBF, 0);
    fputc('x', f);
    fputc('y', f);
    check(sink_calls == 2, "unbuffered: a write per character");
    fclose(f);

    char text[] = "hello\nworld\n";
    f = fmemopen(text, strlen(text), "r");
    check(f && fgetc(f) == 'h', "fmemopen, fgetc");
    check(ungetc('X', f) == 'X' && fgetc(f) == 'X' && fgetc(f) == 'e', "ungetc");
    char line[16];
    check(fgets(line, sizeof(line), f) && !strcmp(line, "llo\n") && ftell(f) == 6, "fgets, ftell");
    check(fseek(f, 0, SEEK_SET) == 0 && fgetc(f) == 'h', "fseek");
    fseek(f, 0, SEEK_END);
    check(fgetc(f) == EOF && feof(f) && ungetc('!', f) == '!' && fgetc(f) == '!' && fgetc(f) == EOF, "ungetc at EOF");
    fclose(f);
    int n = 0;
    char word[8];
    check(sscanf("12 apples", "%d %7s", &n, word) == 2 && n == 12 && !strcmp(word, "apples"), "sscanf");

    check(isatty(1) && isatty(0) && !isatty(7), "isatty: the console is a terminal");
}

/* Files through newlib's stdio, on the file server the shell grants (docs/storage.md). */
static void test_files(void)
{
    errno = 0;
    check(fopen("/no-such-file", "r") == NULL && errno == ENOENT, "fopen of a missing file: ENOENT");
    errno = 0;
    check(fopen("/boot/new-file", "w") == NULL && errno == EROFS, "fopen of a boot file for writing: EROFS");
    FILE *f = fopen("/libctest.txt", "w");
    check(f != NULL, "fopen for writing on the file server");
    if (!f)
        return;
    check(fprintf(f, "line %d\n%s\n", 1, "two") == 11, "fprintf to a file");
    check(fclose(f) == 0, "fclose writes it back");
    char line[32];
    f = fopen("/libctest.txt", "r");
    check(f && fgets(line, sizeof(line), f) && !strcmp(line, "line 1\n") && fgets(line, sizeof(line), f) &&
              !strcmp(line, "two\n") && !fgets(line, sizeof(line), f) && feof(f),
          "fgets reads it back, then end of file");
    check(f && fseek(f, 5, SEEK_SET) == 0 && fgetc(f) == '1' && ftell(f) == 6, "fseek, ftell on a file");
    if (f)
        fclose(f);
    struct stat st;
    check(stat("/libctest.txt", &st) == 0 && st.st_size == 11 && S_ISREG(st.st_mode), "stat: a file and its size");
    errno = 0;
    check(remove("/libctest.txt") == 0 && fopen("/libctest.txt", "r") == NULL && errno == ENOENT, "remove");
}

static void test_malloc(void)
{
    enum { N = 2000 };
    static unsigned char *blocks[N];
    static size_t sizes[N];
    unsigned s = 777;
    int ok = 1;
    for (int i = 0; i < N; i++) {
        s = s * 1103515245 + 12345;
        sizes[i] = 1 + (s >> 8) % 4096;
        blocks[i] = malloc(sizes[i]);
        if (!blocks[i] || ((uintptr_t)blocks[i] & 15)) {
            ok = 0;
            break;
        }
        memset(blocks[i], i & 0xff, sizes[i]);
    }
    check(ok, "2000 mallocs, 16-byte aligned");
    for (int k = 0; k < N && ok; k++) { /* free in a scrambled order, checking each block on the way */
        int i = (k * 997) % N;
        for (size_t j = 0; j < sizes[i]; j++)
            ok &= blocks[i][j] == (i & 0xff);
        free(blocks[i]);
    }
    check(ok, "no block overwrote another");
    char *p = malloc(10);
    strcpy(p, "keep me");
    p = realloc(p, 100000);
    check(p && !strcmp(p, "keep me"), "realloc keeps the contents");
    free(p);
    int *z = calloc(1000, sizeof(int));
    int zero = z != NULL;
    for (int i = 0; z && i < 1000; i++)
        zero &= z[i] == 0;
    check(zero, "calloc zeroes");
    free(z);
    errno = 0;
    check(malloc(SIZE_MAX - 64) == NULL && errno == ENOMEM, "an impossible malloc: NULL, ENOMEM");

    /* free gives memory back: the break moves down and the pages are unmapped. */
    char *before = sbrk(0);
    size_t big = 8u << 20;
    char *b = malloc(big);
    check(b != NULL, "malloc 8 MiB");
    if (!b)
        return;
    for (size_t i = 0; i < big; i += 4096)
        b[i] = 1;
    char *grown = sbrk(0);
    free(b);
    char *after = sbrk(0);
    check(grown - before >= (ptrdiff_t)big && grown - after >= (ptrdiff_t)big - (1 << 20), "free moves the break back down");
    uintptr_t hole = ((uintptr_t)after + (2u << 20)) & ~(uintptr_t)4095;
    int64_t r = vos_sys_mmap(hole, 4096, VOS_PROT_READ, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_FIXED, VOS_CAP_NULL, 0);
    check(r == (int64_t)hole, "the freed pages are unmapped (a fixed mapping fits there)");
    if (r == (int64_t)hole)
        vos_sys_munmap(hole, 4096);
    for (int i = 0; i < 20; i++) { /* 160 MiB in all, far more than the process may hold at once if free kept it */
        char *q = malloc(big);
        if (!q) {
            check(0, "malloc/free 8 MiB x 20");
            break;
        }
        for (size_t j = 0; j < big; j += 4096)
            q[j] = 1;
        free(q);
    }
}

static void test_misc(void)
{
    check(!strcmp(strerror(ENOENT), "No such file or directory"), "strerror");
    check(setlocale(LC_ALL, "C") != NULL && !strcmp(localeconv()->decimal_point, "."), "setlocale, localeconv");
    check(getenv("HOME") == NULL && environ && environ[0] == NULL, "environ: empty");
    check(isgraph('a') && !isgraph(' ') && isspace('\t') && toupper('q') == 'Q', "ctype");
    check(strspn("abcde", "abc") == 3 && !strcmp(strpbrk("hello", "lo"), "llo") && strcoll("a", "b") < 0, "strspn strpbrk strcoll");
    char buf[32];
    strcpy(buf, "a,b,,c");
    char *save, *tok = strtok_r(buf, ",", &save);
    check(tok && !strcmp(tok, "a") && !strcmp(strtok_r(NULL, ",", &save), "b"), "strtok_r");
    check(getpid() == (int)vos_start_info()->pid, "getpid is the StartInfo's pid");
}

/* On stderr (unbuffered), so it shows before exit() flushes stdout's last line. */
static void at_exit(void) { fputs("libctest: atexit handler ran\n", stderr); }

int main(int argc, char **argv)
{
    printf("libctest: starting\n");
    printf("libctest: argc=%d argv:", argc);
    for (int i = 0; i < argc; i++)
        printf(" [%s]", argv[i]);
    printf("\n");
    check(argc >= 1 && !strcmp(argv[0], "libctest") && argv[argc] == NULL, "argv[0] names the program, argv[argc] is NULL");
    check(stdin && stdout && stderr && fileno(stderr) == 2, "stdin, stdout, stderr");
    atexit(at_exit);
    test_format();
    test_strto();
    test_libm();
    test_qsort();
    test_setjmp();
    test_time();
    test_stdio();
    test_files();
    test_malloc();
    test_misc();
    printf("libctest: %d passed, %d failed\n", passed, failed);
    printf("libctest: this line has no newline; exit() flushes it");
    return failed != 0;
}
