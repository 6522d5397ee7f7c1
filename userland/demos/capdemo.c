/*
 * capdemo: derive and revoke.  A child keeps working through a capability
 * derived for it until the parent revokes the parent of that derivation;
 * then the child's very next use fails with InvalidCapability.
 *
 *   capdemo        caps: console, boot files, memory pool.  Carve a one-page
 *                  region; derive `lent` (its rights) from it and `given`
 *                  (READ|WRITE|GRANT) from `lent`; start `capdemo child` with
 *                  `given`; watch its counter grow in the region; revoke
 *                  `lent` (taking `given` and the child's copy with it); show
 *                  the region itself still works for us.
 *   capdemo child  caps: console, region.  Write 1, 2, 3 ... into the region
 *                  every millisecond until a write fails; report the error.
 */
#include <vos/vos.h>

static vos_console_t con;

static int child(const struct vos_start_info *si)
{
    const struct vos_cap_info *r = vos_start_cap(si, 1);
    if (!r)
        return 2;
    char rights[7];
    vos_cprintf(con, "capdemo child: got region capability %#lx (%s); writing\n", (unsigned long)r->token,
                vos_rights_string(r->rights, rights));
    for (uint64_t n = 1;; n++) {
        vos_status_t st = vos_mem_write((vos_any_t){ r->token }, &n, sizeof(n), 0, NULL);
        if (st) {
            vos_cprintf(con, "capdemo child: write %lu failed: %s\n", (unsigned long)n, vos_status_name(st));
            return st == -VOS_ERR_INVALID_CAPABILITY ? 0 : 1;
        }
        vos_sleep_ns(1000000);
    }
}

static uint64_t counter(vos_mem_t region)
{
    uint64_t n = 0;
    vos_mem_read(VOS_ANY(region), &n, sizeof(n), 0, NULL);
    return n;
}

int main(int argc, char **argv)
{
    const struct vos_start_info *si = vos_start_info();
    con = vos_console_open(si);
    if (argc > 1 && !strcmp(argv[1], "child"))
        return child(si);

    const struct vos_cap_info *b = vos_start_cap(si, 1), *p = vos_start_cap(si, 2);
    struct vos_bootfs fs;
    if (!b || !p || vos_bootfs_open(&fs, b->token)) {
        vos_cprintf(con, "capdemo: needs the boot files and a memory pool (run it from the shell)\n");
        return 2;
    }
    vos_mem_t region;
    vos_any_t lent, given;
    /* A region gets at most the pool capability's rights; we need DERIVE and REVOKE. */
    uint64_t rights = p->rights & (VOS_RIGHT_READ | VOS_RIGHT_WRITE | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE | VOS_RIGHT_REVOKE);
    vos_status_t st = vos_mem_carve((vos_mem_t){ p->token }, VOS_PAGE_SIZE, rights, &region);
    if (!st)
        st = vos_cap_derive(VOS_ANY(region), rights, &lent);
    if (!st)
        st = vos_cap_derive(lent, VOS_RIGHT_READ | VOS_RIGHT_WRITE | VOS_RIGHT_GRANT, &given);
    if (st) {
        vos_cprintf(con, "capdemo: setting up: %s\n", vos_status_name(st));
        return 3;
    }
    vos_cprintf(con, "capdemo: region %#lx -> derived %#lx -> given %#lx (RW-G--) to the child\n",
                (unsigned long)region.cap, (unsigned long)lent.cap, (unsigned long)given.cap);
    const char *cargv[] = { "capdemo", "child" };
    vos_any_t ccaps[] = { vos_console_cap(con), given };
    struct vos_spawn sp = { cargv, 2, ccaps, 2 };
    vos_proc_t kid;
    if ((st = vos_process_spawn(&fs, &sp, &kid))) {
        vos_cprintf(con, "capdemo: cannot start the child: %s\n", vos_status_name(st));
        return 4;
    }
    /* Let the child show it works (no fixed sleep decides this: we watch the region). */
    for (int i = 0; i < 10000 && counter(region) < 5; i++)
        vos_sleep_ns(1000000);
    vos_cprintf(con, "capdemo: the child is writing (counter %s 5); revoking %#lx\n",
                counter(region) >= 5 ? ">=" : "still below", (unsigned long)lent.cap);
    if ((st = vos_cap_revoke(lent)))
        vos_cprintf(con, "capdemo: revoke: %s\n", vos_status_name(st));
    struct vos_process_exit_info info;
    char how[64];
    vos_process_wait(kid, VOS_TIMEOUT_INFINITE, &info);
    vos_cprintf(con, "capdemo: child %s\n", vos_exit_describe(&info, how, sizeof(how)));
    uint64_t last = counter(region);
    st = vos_mem_write((vos_any_t){ given.cap }, &last, sizeof(last), 0, NULL);
    vos_cprintf(con, "capdemo: our own region still reads (counter %lu); the revoked token gives %s\n",
                (unsigned long)last, vos_status_name(st));
    return info.reason == VOS_EXIT_CODE && info.code == 0 ? 0 : 5;
}
