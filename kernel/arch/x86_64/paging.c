/*
 * x86-64 page tables for task address spaces (Intel SDM Vol. 3A 4.5).
 * Every task's PML4 shares the kernel's entries 256-271 (the kernel range,
 * supervisor-only) and owns the other 496. Each last-level table is
 * allocated together with a second page that holds the mapping-database
 * node of every entry, so finding the node of a mapping is one walk.
 */
#include <lib.h>
#include <kmem.h>
#include <space.h>
#include <task.h>
#include <arch/cpu.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/percpu.h>

extern u64 boot_pml4_virt[512]; /* kernel.ld: the boot PML4 in the direct map */

/* Intermediate entries allow everything; the leaf decides (Vol. 3A 4.6). */
#define PTE_TABLE (PTE_P | PTE_W | PTE_U)

long space_init(struct space *s, struct task *t)
{
	u64 *kpml4 = boot_pml4_virt;
	if (!kmem_charge(t, 4096))
		return -1;
	s->pml4 = kpage_alloc(1);
	if (!s->pml4) {
		kmem_uncharge(t, 4096);
		return -1;
	}
	s->pml4_phys = virt_to_phys(s->pml4);
	s->task = t;
	s->spare[0] = s->spare[1] = NULL;
	s->spares[0] = s->spares[1] = 0;
	s->unmaps = 0;
	for (int i = 0; i < SPACE_WALKS; i++)
		s->walks[i].pt = NULL;
	for (int i = KERNEL_PML4_FIRST; i <= KERNEL_PML4_LAST; i++)
		s->pml4[i] = kpml4[i];
	return 0;
}

/*
 * Tables come and go with every soft-TLB flush of a VMM, so a space keeps
 * up to SPARE_TABLES of each kind that unmap_table emptied and gives them
 * to the next walk that needs one: no allocation, no clearing (revoking
 * zeroed every entry), and the pages stay charged to the task, whose
 * quota they came from.
 */
#define SPARE_TABLES 16

static KERNEL_HOT void *table_alloc(struct space *s, unsigned pages)
{
	void **list = &s->spare[pages - 1];
	void *t = *list;

	if (t) {
		*list = *(void **)t;
		*(void **)t = NULL;
		s->spares[pages - 1]--;
		return t;
	}
	if (!kmem_charge(s->task, 4096ul * pages))
		return NULL;
	t = kpage_alloc(pages);
	if (!t)
		kmem_uncharge(s->task, 4096ul * pages);
	return t;
}

/* t is all zero: every entry (and node) was cleared. */
static KERNEL_HOT void table_free(struct space *s, void *t, unsigned pages)
{
	for (int i = 0; i < SPACE_WALKS; i++)
		s->walks[i].pt = NULL;
	if (s->spares[pages - 1] < SPARE_TABLES) {
		*(void **)t = s->spare[pages - 1];
		s->spare[pages - 1] = t;
		s->spares[pages - 1]++;
		return;
	}
	kpage_free(t, pages);
	kmem_uncharge(s->task, 4096ul * pages);
}

static KERNEL_HOT u64 *next_table(struct space *s, u64 *entry, bool alloc,
				  unsigned pages)
{
	void *t;

	if (*entry & PTE_P)
		return phys_to_virt(*entry & PTE_ADDR);
	if (!alloc)
		return NULL;
	t = table_alloc(s, pages);
	if (!t)
		return NULL;
	*entry = virt_to_phys(t) | PTE_TABLE;
	return t;
}

static KERNEL_HOT bool walk(struct space *s, u64 va, bool alloc,
			    struct pte_ref *r)
{
	u64 *pdpt, *pd, *pt;

	if (!space_user_address(va))
		return false;
	pdpt = next_table(s, &s->pml4[PML4_INDEX(va)], alloc, 1);
	if (!pdpt)
		return false;
	pd = next_table(s, &pdpt[PDPT_INDEX(va)], alloc, 1);
	if (!pd)
		return false;
	pt = next_table(s, &pd[PD_INDEX(va)], alloc, 2);
	if (!pt)
		return false;
	r->pte = &pt[PT_INDEX(va)];
	r->node = (struct mapnode **)(pt + 512) + PT_INDEX(va);
	return true;
}

/*
 * The entry for va, through the table of a recent walk of the same 2 MiB
 * when there is one (s->walks: a table stays where it is until freed).
 */
KERNEL_HOT bool space_walk(struct space *s, u64 va, bool alloc,
			   struct pte_ref *r)
{
	u64 i = PT_INDEX(va), base = va & ~((512ul << 12) - 1);
	struct walk_cache *c = &s->walks[(va >> 21) & (SPACE_WALKS - 1)];

	if (c->pt && c->base == base) {
		r->pte = c->pt + i;
		r->node = (struct mapnode **)(c->pt + 512) + i;
		return true;
	}
	if (!walk(s, va, alloc, r))
		return false;
	c->pt = r->pte - i;
	c->base = base;
	return true;
}

/*
 * Whether slots i .. i + 7 are all zero, for i a multiple of 8 with all
 * eight up to last: most slots of a flushed table are empty, and a test
 * of eight at a time makes walking them several times cheaper.
 */
static inline bool zero8(const u64 *slots, u64 i, u64 last)
{
	const u64 *p = slots + i;

	return (i & 7) == 0 && i + 7 <= last &&
	       !(p[0] | p[1] | p[2] | p[3] | p[4] | p[5] | p[6] | p[7]);
}

/* A last-level table's slots from first to last; true if all are empty. */
static KERNEL_HOT bool unmap_leaves(u64 *table, u64 first, u64 last,
				    unmap_fn revoke)
{
	struct mapnode **nodes = (struct mapnode **)(table + 512);
	bool empty = true;

	for (u64 i = first; i <= last; i++) {
		/*
		 * A slot without a node has a zero entry: map.c installs
		 * and mapdb.c clears the two together.
		 */
		if (zero8((const u64 *)nodes, i, last)) {
			i += 7;
			continue;
		}
		if (nodes[i]) {
			struct pte_ref r = { .pte = &table[i],
					     .node = &nodes[i] };
			revoke(&r);
		}
		if (table[i] & PTE_P)
			empty = false;
	}
	return empty;
}

/*
 * Remove every mapping in [start, end) below table (at level 0 = PML4 ..
 * 3 = last level), whose first address is base: revoke() each entry, and
 * free the tables that lie wholly inside the range, which are empty then.
 * Only the entries inside the range are visited and only present tables
 * entered, so the cost follows what is mapped. Returns true if the whole
 * table lay inside the range and nothing is left in it.
 */
static KERNEL_HOT bool unmap_table(struct space *s, u64 *table, int level,
				   u64 base, u64 start, u64 end,
				   unmap_fn revoke, bool *freed)
{
	static const unsigned shift[4] = { 39, 30, 21, 12 };
	u64 from = start, to = end - 1, first, last;
	bool empty;

	if (level > 0) { /* clip to this table's span */
		u64 top = base + (1ul << (shift[level] + 9)) - 1;

		from = from > base ? from : base;
		to = to < top ? to : top;
	}
	first = (from >> shift[level]) & 511;
	last = (to >> shift[level]) & 511;
	empty = level > 0 && first == 0 && last == 511;
	if (level == 3)
		return unmap_leaves(table, first, last, revoke) && empty;
	for (u64 i = first; i <= last; i++) {
		u64 lo = base + (i << shift[level]), hi;
		u64 *child;

		if (zero8(table, i, last)) {
			i += 7;
			continue;
		}
		if (!(table[i] & PTE_P))
			continue;
		if (level == 0 && i >= KERNEL_PML4_FIRST &&
		    i <= KERNEL_PML4_LAST)
			continue; /* shared kernel tables: never in range */
		if (level == 0 && i >= 256)
			lo |= 0xffff000000000000ul; /* sign extension */
		hi = lo + (1ul << shift[level]) - 1;
		child = phys_to_virt(table[i] & PTE_ADDR);
		if (unmap_table(s, child, level + 1, lo, start, end, revoke,
				freed) &&
		    lo >= start && hi <= end - 1) {
			unsigned pages = level == 2 ? 2 : 1; /* + node page */

			table[i] = 0;
			table_free(s, child, pages);
			*freed = true;
		} else {
			empty = false;
		}
	}
	return empty;
}

KERNEL_HOT void space_unmap_range(struct space *s, u64 start, u64 end,
				  unmap_fn revoke)
{
	bool freed = false;

	/*
	 * One page, the common case (a guest's INVLPG, a soft-TLB entry
	 * that went stale): one walk, and no table can be wholly inside.
	 */
	if (end - start == 4096) {
		struct pte_ref r;

		if (space_walk(s, start, false, &r) && *r.node)
			revoke(&r);
		return;
	}
	unmap_table(s, s->pml4, 0, 0, start, end, revoke, &freed);
	/*
	 * Only a freed table can linger in the paging-structure caches; the
	 * unmapped pages themselves were invalidated one by one.
	 */
	if (freed && this_cpu()->loaded_space == s)
		write_cr3(s->pml4_phys);
}

KERNEL_EVENT void space_activate(struct space *s)
{
	struct percpu *c = this_cpu();

	if (c->loaded_space == s)
		return;
	c->loaded_space = s;
	write_cr3(s->pml4_phys);
}

KERNEL_HOT void space_flush_page(struct space *s, u64 va)
{
	/* Without PCIDs a CR3 load flushes other spaces' entries. */
	if (this_cpu()->loaded_space == s)
		invlpg(va);
}
