/*
 * Address spaces (space.c, arch paging.c): a task's page tables, with a
 * mapping-database node for every user page (see mapdb.h). The upper half
 * outside the kernel's range belongs to the task just like the lower half.
 */
#ifndef SPACE_H
#define SPACE_H

#include <types.h>
#include <arch/layout.h>

struct task;
struct mapnode;
struct frame;

#define SPACE_WALKS 4 /* a power of two */

struct space {
	u64 *pml4; /* kernel virtual */
	u64 pml4_phys;
	struct task *task; /* charged for page tables */
	/*
	 * Emptied tables kept for the next walk that needs one, still
	 * charged: [0] single pages (PDPT, PD), [1] a last-level table with
	 * its node page. Linked through their first word, zero otherwise.
	 */
	void *spare[2];
	unsigned spares[2];
	/*
	 * Counts the mappings removed (mapdb.c): a kernel pointer to a
	 * user page taken while it had some value stays valid as long as
	 * it has that value.
	 */
	u64 unmaps;
	/*
	 * The last-level tables of recent walks, by 2 MiB region: a VMM
	 * maps page after page from the same window into the same few
	 * regions. Emptied whenever a table is freed.
	 */
	struct walk_cache {
		u64 base; /* of the 2 MiB the table maps */
		u64 *pt;  /* NULL: none */
	} walks[SPACE_WALKS];
};

/* A leaf entry and the node slot that shadows it. */
struct pte_ref {
	u64 *pte;
	struct mapnode **node;
};

/* What space_unmap_range does with each mapping: revoke it through r. */
typedef void (*unmap_fn)(struct pte_ref *r);

long space_init(struct space *s, struct task *t);
bool space_walk(struct space *s, u64 va, bool alloc, struct pte_ref *r);
/*
 * Canonical (Intel SDM Vol. 1 3.3.7.1) and outside the kernel's range.
 * Inline: every map, unmap and walk asks, several times per page.
 */
static inline bool space_user_address(u64 va)
{
	u64 top = va >> 47;

	if (top != 0 && top != 0x1ffff)
		return false;
	return va < KERNEL_BASE || va >= KERNEL_END;
}

/* Revoke every mapping in [start, end), free the tables wholly inside. */
void space_unmap_range(struct space *s, u64 start, u64 end, unmap_fn revoke);
void space_activate(struct space *s);
void space_flush_page(struct space *s, u64 va);
void *space_user_page(struct space *s, u64 va, bool write);
long space_copy_from(struct space *s, u64 va, void *buf, size_t len);
long space_copy_to(struct space *s, u64 va, const void *buf, size_t len);

#endif
