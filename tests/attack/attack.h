/*
 * attack.h — what the isolation suite (isolation.c) and its two processes,
 * iso-victim and iso-attacker, agree on; and the same for the exhaustion
 * suite (exhaustion.c), ex-flooder and ex-peer.  Every exchange is one
 * SYS_IPC_CALL from the suite and one reply: a fixed-size request, a
 * fixed-size report.
 */
#pragma once

#include <stdint.h>
#include <vos/vos.h>

/* ---- isolation ---- */

/* The victim's secret page: mapped FIXED here in the victim, never in the attacker. */
#define ISO_SECRET_VA 0x2000000000ull
/* The byte at offset i of every secret (the victim's page, the shared region R). */
#define ISO_SECRET_BYTE(i) ((uint8_t)(0x5a ^ (uint8_t)((i) * 13u + ((i) >> 8))))
#define ISO_REGION_PAGES 2 /* region R: the victim maps it read-write, the attacker holds READ|DERIVE */
/* Capabilities the victim makes before anything it reports, so its tokens lie in slots the attacker never had. */
#define ISO_VICTIM_FILLER 64
#define ISO_VICTIM_THREAD_CODE 42 /* the victim's thread exits with it; only the victim may collect it */
#define ISO_MAX_TOKENS 8

enum iso_op {
    /* victim */
    ISO_VICTIM_INFO = 1, /* report struct iso_victim_info */
    ISO_VICTIM_CHECK,    /* everything as it was: secret, region, capabilities, queue */
    ISO_VICTIM_FINISH,   /* reply to the held call, join both threads: the attack left them alone */
    /* attacker: arg[] as listed */
    ISO_ATTACK_POINTER,        /* arg[0]: index into conf_cases (a CONF_PTR_NULL case): the victim's page as that pointer */
    ISO_ATTACK_ARGV_STRING,    /* process_create with argv[0] pointing at the victim's page */
    ISO_ATTACK_SPILL,          /* arg[0]: index into conf_syscalls of a call with more arguments than registers:
                                  the victim's page as the array of the others (docs/abi.md) */
    ISO_ATTACK_GUESSED_SLOTS,  /* arg[0]: highest slot to try */
    ISO_ATTACK_FOREIGN_TOKENS, /* arg[0..n): the victim's tokens; arg[7]: n */
    ISO_ATTACK_GENERATION,     /* own tokens with the generation changed; a reused slot's old token */
    ISO_ATTACK_REVOKED,        /* own revoked tokens, and the granted one the suite revoked */
    ISO_ATTACK_NO_GRANT,       /* transfer capabilities without GRANT, every way there is */
    ISO_ATTACK_DERIVE_MORE,    /* arg[0]: victim pid, arg[1]: victim's private endpoint id */
    ISO_ATTACK_MAP,            /* beyond region R, more protection than READ, W^X */
    ISO_ATTACK_NO_CHANNEL,     /* arg[0]: the victim's private endpoint id, arg[1]: its token there */
    ISO_ATTACK_JOIN,           /* arg[0]: the victim's thread id */
    ISO_ATTACK_WAIT,           /* arg[0]: victim pid, arg[1]: suite pid */
    ISO_ATTACK_SPENT_REPLY,    /* reply to this very call, then try again (result: ISO_ATTACK_LAST) */
    ISO_ATTACK_LAST,           /* the report of what happened after the last reply */
    ISO_ATTACK_FOREIGN_REPLY,  /* arg[0]: the victim's held reply token */
    ISO_QUIT,                  /* exit 0 */
};

struct iso_request {
    uint64_t op;
    uint64_t arg[8];
};

/* The next request from the suite (a call: m->reply answers it); 0 when there is none to be had. */
static inline int iso_next_request(vos_ep_t cmd, struct iso_request *req, struct vos_message *m)
{
    return vos_receive(cmd, req, sizeof(*req), VOS_TIMEOUT_INFINITE, m) == 0 && m->reply.cap;
}

#define ISO_REPORT_MAGIC 0x4973724570524f54ull
struct iso_report {
    uint64_t magic;     /* ISO_REPORT_MAGIC: a reply from the program, not bytes from elsewhere */
    uint64_t attempts;  /* attacks tried (victim: checks made) */
    uint64_t wrong;     /* of them, answered otherwise than documented (victim: checks failed) */
    char what[232];     /* the first wrong one, as text */
};

struct iso_victim_info {
    uint64_t magic;
    uint64_t pid, private_ep, private_ep_token, thread_id, held_reply;
    uint64_t ntokens, tokens[ISO_MAX_TOKENS];
};

/* ---- exhaustion ---- */

/* ex-flooder KIND floods processes, threads, sleepers, capabilities, endpoints, messages, regions or page_tables. */
/* The page-table flood: one populated page in each of this many distinct 2 MiB-aligned slots, at its quota. */
#define EX_PAGE_TABLE_SLOTS 4096
#define EX_SLOT_BASE 0x100000000ull /* the slots start at 4 GiB, below every mmap and the stack */
/* The other floods start with the quota filled but for this many pages, so each is over quickly. */
#define EX_ROOM_PAGES 512

/* The flooder's call to the suite, every EX_TICK steps and once at the end. */
struct ex_tick {
    uint64_t step;  /* steps done */
    int64_t error;  /* at the end: the refusal that stopped the flood (0: the flood ran its course) */
    uint64_t done;  /* 1: the last tick; the flooder exits after the reply */
    uint64_t note;  /* messages: how many an endpoint took before refusing (the per-endpoint bound) */
};

/* The suite asks the client for one round trip through the server, and one allocation. */
struct ex_round_trip {
    uint64_t n;        /* the client sends n, the server answers n + 1 */
    int64_t call;      /* the client's call: 0 */
    uint64_t answer;   /* n + 1 */
    int64_t alloc;     /* the client's SYS_MMAP of EX_CLIENT_ALLOC bytes, populated: an address (> 0) */
};
#define EX_CLIENT_ALLOC (64 * 1024)
#define EX_QUIT ~0ull /* as n: the client tells the server, and both exit 0 */
