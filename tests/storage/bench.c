/*
 * bench.c — the storage figures (bench.h).  The writes include the final
 * fsync; the random reads seek backwards as often as forwards, so they pay
 * the FAT chain walk from the file's start.
 */
#include <vos/file.h>
#include <vos/vos.h>

#include "bench.h"

/* Instructions only: the cycle counter less what it advanced while the CPU
 * idled, waiting for the device (CLOCK_IDLE; under -icount shift=0 a wait
 * for a real device lasts as long as the host takes). */
static uint64_t instructions(void)
{
    struct vos_timespec idle = { 0, 0 };
    vos_sys_clock_get(VOS_CLOCK_IDLE, &idle);
    return vos_cycles() - (idle.tv_sec * 1000000000ull + idle.tv_nsec);
}

static void figure(void (*say)(const char *), const char *tag, const char *what, uint64_t per_kib)
{
    char line[160];
    vos_snprintf(line, sizeof(line), "storage-bench%s%s%s: %s: %lu instructions/KiB", *tag ? " (" : "", tag,
                 *tag ? ")" : "", what, (unsigned long)per_kib);
    say(line);
}

int storage_bench(const char *path, const char *tag, uint8_t *buf, void (*say)(const char *line))
{
    const uint64_t total = 1024 * 1024;
    static const uint64_t chunks[] = { 4096, 65536 };
    int bad = 0;
    char what[96];
    for (int k = 0; k < 2; k++) {
        uint64_t ch = chunks[k];
        memset(buf, 0x5A, ch);
        int fd = vos_open(path, VOS_O_RDWR | VOS_O_CREAT | VOS_O_TRUNC);
        if (fd < 0)
            return 1;
        uint64_t t0 = instructions();
        for (uint64_t off = 0; off < total; off += ch)
            bad += vos_write(fd, buf, ch) != (int64_t)ch;
        bad += vos_fsync(fd) != 0;
        uint64_t t1 = instructions();
        bad += vos_seek(fd, 0, VOS_SEEK_SET) != 0;
        uint64_t t2 = instructions();
        for (uint64_t off = 0; off < total; off += ch)
            bad += vos_read(fd, buf, ch) != (int64_t)ch;
        uint64_t t3 = instructions();
        vos_snprintf(what, sizeof(what), "sequential 1 MiB write, %lu KiB requests", (unsigned long)(ch / 1024));
        figure(say, tag, what, (t1 - t0) / 1024);
        vos_snprintf(what, sizeof(what), "sequential 1 MiB read, %lu KiB requests", (unsigned long)(ch / 1024));
        figure(say, tag, what, (t3 - t2) / 1024);
        if (k == 0) {
            uint64_t x = 12345, t4 = instructions();
            for (int i = 0; i < 64; i++) {
                x = x * 6364136223846793005ull + 1442695040888963407ull;
                bad += vos_seek(fd, (int64_t)((x >> 33) % (total / 4096)) * 4096, VOS_SEEK_SET) < 0;
                bad += vos_read(fd, buf, 4096) != 4096;
            }
            uint64_t t5 = instructions();
            figure(say, tag, "random 4 KiB reads", (t5 - t4) / 256);
        }
        bad += vos_close(fd) != 0;
    }
    bad += vos_unlink(path) != 0;
    return bad;
}
