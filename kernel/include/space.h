/*
 * Address spaces (space.c, arch paging.c): a task's page tables, with a
 * mapping-database node for every user page (see mapdb.h). The upper half
 * outside the kernel's range belongs to the task just like the lower half.
 */
#ifndef SPACE_H
#define SPACE_H

#include <types.h>

struct task;
struct mapnode;
struct frame;

struct space {
	u64 *pml4; /* kernel virtual */
	u64 pml4_phys;
	struct task *task; /* charged for page tables */
};

/* A leaf entry and the node slot that shadows it. */
struct pte_ref {
	u64 *pte;
	struct mapnode **node;
};

long space_init(struct space *s, struct task *t);
bool space_walk(struct space *s, u64 va, bool alloc, struct pte_ref *r);
bool space_user_address(u64 va);
/* Revoke every mapping in [start, end), free the tables wholly inside. */
void space_unmap_range(struct space *s, u64 start, u64 end,
		       void (*revoke)(struct mapnode *));
void space_activate(struct space *s);
void space_flush_page(struct space *s, u64 va);
long space_copy_from(struct space *s, u64 va, void *buf, size_t len);
long space_copy_to(struct space *s, u64 va, const void *buf, size_t len);

#endif
