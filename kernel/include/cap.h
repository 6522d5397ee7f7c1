/*
 * cap.h — capabilities and capability spaces.
 *
 * A capability space is a three-level table of slots (32 x 512 x 64, every
 * lower table one page), so a lookup is three array indexings whatever the
 * number of capabilities held.  A token names
 * a slot and the slot's generation; freeing a slot bumps its generation,
 * so an old token can never reach whatever the slot holds next.
 *
 * Capabilities form a derivation tree across all spaces: every derived,
 * created or transferred capability is a child of the one it came from.
 * Revoking walks only the subtree, so it costs the number of descendants.
 */
#pragma once

#include "object.h"

#define CSPACE_LEAF_BITS 6   /* 64 caps of 64 bytes: one page */
#define CSPACE_MID_BITS 9    /* 512 pointers: one page */
#define CSPACE_TOP_BITS (VOS_CAP_SLOT_BITS - CSPACE_MID_BITS - CSPACE_LEAF_BITS)
#define CSPACE_SLOTS (1u << VOS_CAP_SLOT_BITS)

struct cspace;

struct cap {
    struct object *obj;     /* NULL: free slot */
    uint32_t rights;        /* VOS_RIGHT_* */
    uint32_t generation;
    uint32_t slot;          /* own index, for tokens */
    uint32_t next_free;     /* free-list link while free */
    struct cspace *space;
    struct cap *parent, *first_child, *next_sibling, *prev_sibling;
};

struct cspace {
    struct cap **top[1u << CSPACE_TOP_BITS];
    uint32_t free_head;     /* 0: no free slot in allocated tables */
    uint32_t next_unused;   /* first slot never handed out */
    uint32_t used;
    uint32_t quota;         /* most slots this space may hold */
};

#define CAP_OBJ_BIT(t) (1u << (t))
#define CAP_OBJ_ANY (~CAP_OBJ_BIT(VOS_OBJ_NONE))

void cspace_init(struct cspace *cs, uint32_t quota);
void cspace_destroy(struct cspace *cs);   /* deletes every capability in it */

static inline vos_cap_t cap_token(const struct cap *c)
{
    return (uint64_t)c->slot << VOS_CAP_SLOT_SHIFT | (uint64_t)c->generation << VOS_CAP_GENERATION_SHIFT;
}

/* The hot path of every syscall with a capability: three indexings and a compare. */
static inline struct cap *slot_at(struct cspace *cs, uint32_t slot)
{
    struct cap **mid = cs->top[slot >> (CSPACE_MID_BITS + CSPACE_LEAF_BITS)];
    if (!mid)
        return NULL;
    struct cap *leaf = mid[(slot >> CSPACE_LEAF_BITS) & ((1u << CSPACE_MID_BITS) - 1)];
    return leaf ? &leaf[slot & ((1u << CSPACE_LEAF_BITS) - 1)] : NULL;
}

/* Looks a token up: VOS_OK, or VOS_ERR_INVALID_CAPABILITY (null, stale, forged). */
static inline long cap_lookup(struct cspace *cs, vos_cap_t token, struct cap **out)
{
    if (token & VOS_CAP_RESERVED_MASK)
        return VOS_ERR_INVALID_CAPABILITY;
    uint32_t slot = (token >> VOS_CAP_SLOT_SHIFT) & VOS_CAP_SLOT_MASK;
    uint32_t gen = (token >> VOS_CAP_GENERATION_SHIFT) & VOS_CAP_GENERATION_MASK;
    struct cap *c = slot ? slot_at(cs, slot) : NULL;
    if (!c || !c->obj || c->generation != gen)
        return VOS_ERR_INVALID_CAPABILITY;
    *out = c;
    return VOS_OK;
}
struct cap *cspace_slot(struct cspace *cs, uint32_t slot); /* the live capability in slot, or NULL */
static inline uint64_t cap_object_id(const struct cap *c) { return c ? c->obj->id : 0; }

/* New capability in cs to obj, child of parent (NULL for a root). */
long cap_insert(struct cspace *cs, struct object *obj, uint64_t rights, struct cap *parent, struct cap **out);
long cap_derive(struct cspace *cs, struct cap *parent, uint64_t rights, struct cap **out);
void cap_delete(struct cap *c);           /* this capability only; its children move to its parent */
void cap_revoke(struct cap *c);           /* every descendant, in every space */
