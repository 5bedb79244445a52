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
	for (int i = KERNEL_PML4_FIRST; i <= KERNEL_PML4_LAST; i++)
		s->pml4[i] = kpml4[i];
	return 0;
}

static u64 *next_table(struct space *s, u64 *entry, bool alloc, unsigned pages)
{
	void *t;

	if (*entry & PTE_P)
		return phys_to_virt(*entry & PTE_ADDR);
	if (!alloc || !kmem_charge(s->task, 4096ul * pages))
		return NULL;
	t = kpage_alloc(pages);
	if (!t) {
		kmem_uncharge(s->task, 4096ul * pages);
		return NULL;
	}
	*entry = virt_to_phys(t) | PTE_TABLE;
	return t;
}

KERNEL_HOT bool space_walk(struct space *s, u64 va, bool alloc,
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
 * Remove every mapping in [start, end) below table (at level 0 = PML4 ..
 * 3 = last level), whose first address is base: revoke() each node, and
 * free the tables that lie wholly inside the range, which are empty then.
 * Only the entries inside the range are visited and only present tables
 * entered, so the cost follows what is mapped. Returns true if the whole
 * table lay inside the range and nothing is left in it.
 */
static KERNEL_HOT bool unmap_table(struct space *s, u64 *table, int level,
				   u64 base, u64 start, u64 end,
				   void (*revoke)(struct mapnode *),
				   bool *freed)
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
	for (u64 i = first; i <= last; i++) {
		u64 lo = base + (i << shift[level]), hi;
		u64 *child;

		if (level == 3) {
			struct mapnode **node =
				(struct mapnode **)(table + 512) + i;
			if (*node)
				revoke(*node);
			if (table[i] & PTE_P)
				empty = false;
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
			kpage_free(child, pages);
			kmem_uncharge(s->task, 4096ul * pages);
			*freed = true;
		} else {
			empty = false;
		}
	}
	return empty;
}

KERNEL_HOT void space_unmap_range(struct space *s, u64 start, u64 end,
				  void (*revoke)(struct mapnode *))
{
	bool freed = false;

	unmap_table(s, s->pml4, 0, 0, start, end, revoke, &freed);
	/*
	 * Only a freed table can linger in the paging-structure caches; the
	 * unmapped pages themselves were invalidated one by one.
	 */
	if (freed && this_cpu()->loaded_space == s)
		write_cr3(s->pml4_phys);
}

/* Canonical (Vol. 1 3.3.7.1) and outside the kernel's range. */
KERNEL_HOT bool space_user_address(u64 va)
{
	u64 top = va >> 47;

	if (top != 0 && top != 0x1ffff)
		return false;
	return va < KERNEL_BASE || va >= KERNEL_END;
}

KERNEL_HOT void space_activate(struct space *s)
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
