/*
 * cap.h — capabilities and capability spaces.
 *
 * A capability space is a three-level table of slots (64 x 256 x 64: the
 * top table inline, a mid table and a leaf one page each), so a lookup
 * is three array indexings whatever the number of capabilities held.  A
 * token names a slot and the slot's generation; freeing a slot bumps its
 * generation, so an old token can never reach whatever the slot holds
 * next.  Each slot keeps the one token that reaches it (struct cap's key),
 * so checking a token after the indexing is a single 64-bit compare.
 *
 * Capabilities form a derivation tree across all spaces: every derived,
 * created or transferred capability is a child of the one it came from.
 * Revoking walks only the subtree, so it costs the number of descendants.
 */
#pragma once

#include "object.h"

#define CSPACE_LEAF_BITS 6   /* 64 caps of 64 bytes: one page */
#define CSPACE_MID_BITS 8    /* 256 pointers in a page of their own: index * 8 fits riscv64's andi mask */
#define CSPACE_TOP_BITS (VOS_CAP_SLOT_BITS - CSPACE_MID_BITS - CSPACE_LEAF_BITS)
#define CSPACE_SLOTS (1u << VOS_CAP_SLOT_BITS)

struct cspace;

/*
 * key is the whole 64-bit token a lookup must be given: while the slot is
 * live, its token (slot and generation); while it is free, the token its
 * next use will hand out with the lowest slot bit flipped (CAP_KEY_FREE).
 * A free key therefore names a different slot, so no token that indexes
 * this slot can equal it, and a lookup is one compare: it rejects null,
 * stale and forged tokens and reserved bits all at once.
 */
struct cap {
    struct object *obj;     /* NULL: free slot */
    uint32_t rights;        /* VOS_RIGHT_* */
    uint32_t next_free;     /* free-list link while free */
    uint64_t key;           /* live: the token; free: the next token ^ CAP_KEY_FREE */
    struct cspace *space;
    struct cap *parent, *first_child, *next_sibling, *prev_sibling;
};

#define CAP_KEY_FREE (1ull << VOS_CAP_SLOT_SHIFT)

/*
 * Every top entry points at a mid table and every mid entry at a leaf, so a
 * lookup never tests for a missing table: the unallocated parts point at the
 * shared, never-written cspace_empty_mid / cspace_empty_leaf, whose keys
 * match no token (slot 0 of every space is never handed out either).
 */
struct cspace {
    struct cap **top[1u << CSPACE_TOP_BITS];
    uint32_t free_head;     /* 0: no free slot in allocated tables */
    uint32_t next_unused;   /* first slot never handed out */
    uint32_t used;
    uint32_t quota;         /* most slots this space may hold */
    struct process *owner;  /* charged for its tables; NULL: the kernel's (the transit space) */
};

extern struct cap *cspace_empty_mid[1u << CSPACE_MID_BITS];
extern struct cap cspace_empty_leaf[1u << CSPACE_LEAF_BITS];

#define CAP_OBJ_BIT(t) (1u << (t))
#define CAP_OBJ_ANY (~CAP_OBJ_BIT(VOS_OBJ_NONE)) /* every live object: none has type NONE */

void cspace_init(struct cspace *cs, uint32_t quota, struct process *owner);
void cspace_destroy(struct cspace *cs);   /* deletes every capability in it */

static inline vos_cap_t cap_token(const struct cap *c) { return c->key; }

/* The hot path of every syscall with a capability: three indexings, no tests. */
static inline struct cap *slot_at(struct cspace *cs, uint64_t slot)
{
    struct cap **mid = cs->top[(slot >> (CSPACE_MID_BITS + CSPACE_LEAF_BITS)) & ((1u << CSPACE_TOP_BITS) - 1)];
    struct cap *leaf = mid[(slot >> CSPACE_LEAF_BITS) & ((1u << CSPACE_MID_BITS) - 1)];
    return &leaf[slot & ((1u << CSPACE_LEAF_BITS) - 1)];
}

/* Looks a token up: VOS_OK, or VOS_ERR_INVALID_CAPABILITY (null, stale, forged, reserved bits). */
static inline long cap_lookup(struct cspace *cs, vos_cap_t token, struct cap **out)
{
    struct cap *c = slot_at(cs, token >> VOS_CAP_SLOT_SHIFT);
    if (__builtin_expect(c->key != token, 0))
        return VOS_ERR_INVALID_CAPABILITY;
    *out = c;
    return VOS_OK;
}
struct cap *cspace_slot(struct cspace *cs, uint32_t slot); /* the live capability in slot, or NULL */
static inline uint64_t cap_object_id(const struct cap *c) { return c ? c->obj->id : 0; }

/* The key a slot takes when its capability goes: the next generation (0 is never handed out), flagged free. */
static inline uint64_t cap_key_freed(uint64_t token)
{
    uint64_t generation = ((token >> VOS_CAP_GENERATION_SHIFT) + 1) & VOS_CAP_GENERATION_MASK;
    uint64_t slot = token & (VOS_CAP_SLOT_MASK << VOS_CAP_SLOT_SHIFT);
    return (slot | (generation ? generation : 1) << VOS_CAP_GENERATION_SHIFT) ^ CAP_KEY_FREE;
}

/*
 * A slot taken now for a capability that must not fail to arrive later (a
 * receive's reply token or transferred capability, docs/abi.md "IPC"): it is
 * *parked* (it looks free: no object, a free key, no token reaches it; but
 * it stays counted in used and is on no list) until cap_insert_reserved
 * fills it, or cap_slot_unpark gives it back to the free list.  VOS_OK,
 * RESOURCE_EXHAUSTED (the space's quota) or OUT_OF_MEMORY (a new table page).
 */
long cap_slot_reserve(struct cspace *cs, struct cap **out);
void cap_slot_unpark(struct cap *c);
_Static_assert(VOS_CAP_GENERATION_SHIFT + VOS_CAP_GENERATION_BITS < 64 &&
                   VOS_CAP_RESERVED_MASK == ~0ull << (VOS_CAP_GENERATION_SHIFT + VOS_CAP_GENERATION_BITS),
               "the reserved bits sit right above the generation, so a wrapped generation sets one");
/* The slot of c becomes parked, with a new generation (no old token reaches what fills it next). */
static inline void cap_slot_park(struct cap *c)
{
    uint64_t key = c->key + (1ull << VOS_CAP_GENERATION_SHIFT);
    if (__builtin_expect(key & VOS_CAP_RESERVED_MASK, 0)) /* the generation wrapped: it carried out of its field */
        key = cap_key_freed(c->key) ^ CAP_KEY_FREE;
    c->key = key ^ CAP_KEY_FREE;
    c->obj = NULL; /* rights are left: a free slot's are never read, and whatever fills it sets them */
}

/*
 * The per-type capability hooks (object.h's object_types): cap_insert,
 * cap_insert_reserved and cap_delete call them; the hook-free variants
 * below do not, and their caller does the type's accounting itself.
 */
static inline void cap_hook_added(struct cap *c)
{
    const struct object_type *t = object_types[c->obj->type];
    if (t && t->cap_added)
        t->cap_added(c);
}
static inline void cap_hook_removed(struct cap *c)
{
    const struct object_type *t = object_types[c->obj->type];
    if (t && t->cap_removed)
        t->cap_removed(c);
}

/* New capability in cs to obj, child of parent (NULL for a root). */
long cap_insert(struct cspace *cs, struct object *obj, uint64_t rights, struct cap *parent, struct cap **out);
/* Fill the parked slot (cap_slot_reserve) with a capability to obj, child of parent: cannot fail. */
struct cap *cap_insert_reserved(struct cap *slot, struct object *obj, uint64_t rights, struct cap *parent);
/* cap_insert_reserved for a root, without the type's hook (the IPC fast path's reply token). */
static inline struct cap *cap_insert_reserved_root_unhooked(struct cap *slot, struct object *obj, uint32_t rights)
{
    slot->key ^= CAP_KEY_FREE; /* the slot's token is its key now */
    slot->obj = obj;
    slot->rights = rights;
    object_get(obj);
    return slot;
}
/*
 * Delete c, a root without children, and keep its slot parked for the
 * next cap_insert_reserved (a server's next reply token), without the
 * type's hook: cap_delete's work for such a capability, bar the free list
 * and the reference, which the caller drops (object_put, or
 * object_put_not_last where it knows another holder).  Returns the object.
 */
static inline struct object *cap_delete_root_to_parked_unhooked(struct cap *c)
{
    struct object *obj = c->obj;
    KASSERT_DEBUG(!c->parent && !c->first_child);
    cap_slot_park(c);
    return obj;
}
long cap_derive(struct cspace *cs, struct cap *parent, uint64_t rights, struct cap **out);
void cap_delete(struct cap *c);           /* this capability only; its children move to its parent */
void cap_revoke(struct cap *c);           /* every descendant, in every space */
