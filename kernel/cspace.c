/*
 * cspace.c — capability spaces, lookup, and the derivation tree.
 *
 * Invariants:
 *  - a slot is free iff its obj is NULL; a free slot is on its space's
 *    free list or parked with one thread (cap.h: the IPC fast path's reply
 *    slots, counted as used), and its key is CAP_KEY_FREE-flipped: it
 *    matches no token (and the generation inside it differs from every
 *    token ever handed out for the slot);
 *  - every top and mid entry points at a table: an allocated one (charged
 *    to the space's owner until cspace_destroy), or the shared empty ones,
 *    which are never written after cspace_init;
 *  - a live capability holds one reference on its object;
 *  - parent/child/sibling links connect live capabilities only; deleting
 *    one re-parents its children, revoking one deletes its whole subtree.
 */
#include "cap.h"
#include "ipc.h"
#include "memobj.h"
#include "memory.h"

_Static_assert(sizeof(struct cap) << CSPACE_LEAF_BITS == PAGE_SIZE, "a leaf table is one page");
_Static_assert(VOS_CAP_SLOT_SHIFT + VOS_CAP_SLOT_BITS <= VOS_CAP_GENERATION_SHIFT
                   && VOS_CAP_GENERATION_SHIFT + VOS_CAP_GENERATION_BITS <= 64,
               "a key is slot and generation, nothing else");

struct cap *cspace_empty_mid[1u << CSPACE_MID_BITS];
struct cap cspace_empty_leaf[1u << CSPACE_LEAF_BITS];

static uint64_t token_of(uint64_t slot, uint64_t generation)
{
    return slot << VOS_CAP_SLOT_SHIFT | generation << VOS_CAP_GENERATION_SHIFT;
}

/* A free slot that will next be handed out with generation. */
static void slot_set_free(struct cap *c, uint64_t slot, uint64_t generation)
{
    c->key = token_of(slot, generation) ^ CAP_KEY_FREE;
}

/* A fresh leaf: all free, generation 1.  base is the first slot it holds. */
static void leaf_init(struct cap *leaf, uint32_t base)
{
    memset(leaf, 0, sizeof(*leaf) << CSPACE_LEAF_BITS);
    for (uint32_t i = 0; i < (1u << CSPACE_LEAF_BITS); i++)
        slot_set_free(&leaf[i], base + i, 1);
}

void cspace_init(struct cspace *cs, uint32_t quota, struct process *owner)
{
    if (!cspace_empty_mid[0]) { /* the first space: set up the shared empty tables */
        leaf_init(cspace_empty_leaf, 0);
        for (uint32_t m = 0; m < ARRAY_SIZE(cspace_empty_mid); m++)
            cspace_empty_mid[m] = cspace_empty_leaf;
    }
    memset(cs, 0, sizeof(*cs));
    for (uint32_t t = 0; t < ARRAY_SIZE(cs->top); t++)
        cs->top[t] = cspace_empty_mid;
    cs->next_unused = 1; /* slot 0 is the null capability: never handed out, its key matches nothing */
    cs->quota = quota;
    cs->owner = owner;
}

struct cap *cspace_slot(struct cspace *cs, uint32_t slot)
{
    struct cap *c = slot < cs->next_unused ? slot_at(cs, slot) : NULL;
    return c && c->obj ? c : NULL;
}

/* Make sure the tables holding slot exist (charged to the owner): VOS_OK, OUT_OF_MEMORY or RESOURCE_EXHAUSTED. */
static long slot_tables(struct cspace *cs, uint32_t slot)
{
    long err = VOS_OK;
    struct cap ***mid = &cs->top[slot >> (CSPACE_MID_BITS + CSPACE_LEAF_BITS)];
    if (*mid == cspace_empty_mid) {
        struct cap **m = kmem_alloc_for(cs->owner, PAGE_SIZE, &err); /* half used; a whole page goes back to the frame allocator */
        if (!m)
            return err;
        for (uint32_t i = 0; i < (1u << CSPACE_MID_BITS); i++)
            m[i] = cspace_empty_leaf;
        *mid = m;
    }
    struct cap **leaf = &(*mid)[(slot >> CSPACE_LEAF_BITS) & ((1u << CSPACE_MID_BITS) - 1)];
    if (*leaf == cspace_empty_leaf) {
        struct cap *l = kmem_alloc_for(cs->owner, PAGE_SIZE, &err);
        if (!l)
            return err;
        leaf_init(l, slot & ~((1u << CSPACE_LEAF_BITS) - 1));
        *leaf = l;
    }
    return VOS_OK;
}

static struct cap *slot_alloc(struct cspace *cs, long *err)
{
    *err = VOS_ERR_RESOURCE_EXHAUSTED;
    if (cs->used >= cs->quota)
        return NULL;
    struct cap *c;
    if (cs->free_head) {
        c = slot_at(cs, cs->free_head);
        cs->free_head = c->next_free;
    } else {
        uint32_t slot = cs->next_unused;
        if (slot >= CSPACE_SLOTS || (*err = slot_tables(cs, slot)))
            return NULL;
        cs->next_unused++;
        c = slot_at(cs, slot);
    }
    c->key ^= CAP_KEY_FREE; /* the slot's token is its key now */
    cs->used++;
    return c;
}

void cap_slot_release(struct cap *c)
{
    c->parent = c->first_child = c->next_sibling = c->prev_sibling = NULL;
    cap_slot_park(c);
    cap_slot_unpark(c);
}

void cap_slot_unpark(struct cap *c)
{
    struct cspace *cs = c->space;
    c->next_free = cs->free_head;
    cs->free_head = (uint32_t)(((c->key ^ CAP_KEY_FREE) >> VOS_CAP_SLOT_SHIFT) & VOS_CAP_SLOT_MASK);
    cs->used--;
}

static void link_child(struct cap *parent, struct cap *c)
{
    c->parent = parent;
    if (!parent)
        return;
    c->next_sibling = parent->first_child;
    if (parent->first_child)
        parent->first_child->prev_sibling = c;
    parent->first_child = c;
}

static void unlink(struct cap *c)
{
    if (c->prev_sibling)
        c->prev_sibling->next_sibling = c->next_sibling;
    else if (c->parent)
        c->parent->first_child = c->next_sibling;
    if (c->next_sibling)
        c->next_sibling->prev_sibling = c->prev_sibling;
    c->prev_sibling = c->next_sibling = NULL;
}

/* A live capability in the taken slot c of cs. */
static struct cap *cap_fill(struct cspace *cs, struct cap *c, struct object *obj, uint64_t rights, struct cap *parent)
{
    c->obj = obj;
    c->rights = rights & VOS_RIGHT_MASK;
    c->space = cs;
    object_get(obj);
    link_child(parent, c);
    ipc_cap_added(c); /* IPC counts READ endpoint and reply capabilities (kernel/ipc.c) */
    devmem_cap_added(obj);
    return c;
}

long cap_insert(struct cspace *cs, struct object *obj, uint64_t rights, struct cap *parent, struct cap **out)
{
    long err;
    struct cap *c = slot_alloc(cs, &err);
    if (!c)
        return err;
    cap_fill(cs, c, obj, rights, parent);
    if (out)
        *out = c;
    return VOS_OK;
}

long cap_slot_reserve(struct cspace *cs, struct cap **out)
{
    long err;
    struct cap *c = slot_alloc(cs, &err);
    if (!c)
        return err;
    c->space = cs;
    cap_slot_park(c); /* a new generation: no token ever reached this use of it */
    *out = c;
    return VOS_OK;
}

struct cap *cap_insert_reserved(struct cap *slot, struct object *obj, uint64_t rights, struct cap *parent)
{
    slot->key ^= CAP_KEY_FREE; /* the slot's token is its key now */
    return cap_fill(slot->space, slot, obj, rights, parent);
}

long cap_derive(struct cspace *cs, struct cap *parent, uint64_t rights, struct cap **out)
{
    if (rights & ~parent->rights)
        return VOS_ERR_PERMISSION_DENIED;
    return cap_insert(cs, parent->obj, rights, parent, out);
}

void cap_delete(struct cap *c)
{
    struct object *obj = c->obj;
    /* IPC first: a thread blocked through c is interrupted, a reply no one can send fails its caller. */
    ipc_cap_removed(c);
    devmem_cap_removed(obj);
    /* Children survive a plain delete: they move up to our parent. */
    while (c->first_child) {
        struct cap *ch = c->first_child;
        unlink(ch);
        link_child(c->parent, ch);
    }
    unlink(c);
    cap_slot_release(c);
    object_put(obj);
}

void cap_revoke(struct cap *c)
{
    /* Depth-first, deleting leaves, without recursion: cost = subtree size. */
    struct cap *n = c->first_child;
    while (n) {
        if (n->first_child) {
            n = n->first_child;
            continue;
        }
        struct cap *up = n->parent;
        cap_delete(n);
        n = up == c ? c->first_child : up;
    }
}

void cspace_destroy(struct cspace *cs)
{
    for (uint32_t slot = 1; slot < cs->next_unused; slot++) {
        struct cap *c = slot_at(cs, slot);
        if (c->obj)
            cap_delete(c);
    }
    for (uint32_t t = 0; t < ARRAY_SIZE(cs->top); t++) {
        if (cs->top[t] == cspace_empty_mid)
            continue;
        for (uint32_t m = 0; m < (1u << CSPACE_MID_BITS); m++)
            if (cs->top[t][m] != cspace_empty_leaf)
                kmem_free_for(cs->owner, cs->top[t][m], PAGE_SIZE);
        kmem_free_for(cs->owner, cs->top[t], PAGE_SIZE);
        cs->top[t] = cspace_empty_mid;
    }
}
