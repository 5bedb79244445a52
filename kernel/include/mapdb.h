/*
 * The mapping database (mapdb.c): every user mapping is a node in a tree
 * rooted where the frame first entered user space (the root task's
 * physical window or the root task's image). Mapping a page to another
 * task adds a child; revoking a node takes back its whole subtree.
 */
#ifndef MAPDB_H
#define MAPDB_H

#include <types.h>

struct space;

struct mapnode {
	struct space *space;
	u64 va;
	struct mapnode *parent, *child, *sibling;
	u64 dma_iova;	 /* valid if dma_mapped: its entry in the */
	bool dma_mapped; /* task's DMA domain (dma.c) */
};

struct mapnode *mapdb_insert(struct mapnode *parent, struct space *s, u64 va);
bool mapdb_is_ancestor(struct mapnode *anc, struct mapnode *n);
/* Remove n's descendants (and n if self); returns UNMAP_* status bits. */
unsigned mapdb_revoke(struct mapnode *n, bool self);
/* The same with self, for the entry r a walk found (its node non-NULL). */
struct pte_ref;
unsigned mapdb_remove(struct pte_ref *r);

#endif
