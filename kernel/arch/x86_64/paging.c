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

bool space_walk(struct space *s, u64 va, bool alloc, struct pte_ref *r)
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
 * The first page at or after va, below end, that has a mapping node, with
 * its entry in r; end if none. Absent tables are skipped whole, so
 * scanning a sparse half of the address space costs only its tables.
 */
u64 space_next_mapping(struct space *s, u64 va, u64 end, struct pte_ref *r)
{
	static const u64 span[3] = { 1ul << 39, 1ul << 30, 1ul << 21 };

	while (va < end) {
		u64 *table = s->pml4;
		struct mapnode **nodes;
		int level;

		if (!space_user_address(va)) {
			va = va < KERNEL_END ? KERNEL_END : end;
			continue;
		}
		for (level = 0; level < 3; level++) {
			u64 e = table[(va >> (39 - 9 * level)) & 511];

			if (!(e & PTE_P))
				break;
			table = phys_to_virt(e & PTE_ADDR);
		}
		if (level < 3) { /* skip the absent span at this level */
			va = (va & ~(span[level] - 1)) + span[level];
			if (va == 0) /* wrapped past the top */
				return end;
			continue;
		}
		/* a last-level table: scan its node slots in place */
		nodes = (struct mapnode **)(table + 512);
		for (unsigned i = PT_INDEX(va); i < 512 && va < end;
		     i++, va += 4096) {
			if (nodes[i]) {
				r->pte = &table[i];
				r->node = &nodes[i];
				return va;
			}
		}
		if (va == 0)
			return end;
	}
	return end;
}

/*
 * Free the table below entry e (at level 0 = PML4 ... 2 = PD) and the
 * tables below it, if none of them maps anything; true if it was freed.
 * *any becomes true if this or any table below was freed.
 * A last-level table is two pages (entries and mapping nodes).
 */
static bool free_if_empty(struct space *s, u64 *e, int level, bool *any)
{
	u64 *t = phys_to_virt(*e & PTE_ADDR);
	unsigned pages = level == 2 ? 2 : 1;
	bool empty = true;

	for (int i = 0; i < 512; i++)
		if ((t[i] & PTE_P) &&
		    (level == 2 || !free_if_empty(s, &t[i], level + 1, any)))
			empty = false;
	if (!empty)
		return false;
	*e = 0;
	kpage_free(t, pages);
	kmem_uncharge(s->task, 4096ul * pages);
	*any = true;
	return true;
}

static bool prune(struct space *s, u64 *table, int level, u64 base, u64 start,
		  u64 end)
{
	static const unsigned shift[3] = { 39, 30, 21 };
	u64 from = start, to = end - 1, first, last;
	bool freed = false;

	if (level > 0) { /* clip to this table's span */
		u64 top = base + (1ul << (shift[level] + 9)) - 1;

		from = from > base ? from : base;
		to = to < top ? to : top;
	}
	first = (from >> shift[level]) & 511;
	last = (to >> shift[level]) & 511;
	for (u64 i = first; i <= last; i++) {
		u64 lo = base + (i << shift[level]), hi;

		if (level == 0 && i >= 256)
			lo |= 0xffff000000000000ul;  /* sign extension */
		hi = lo + (1ul << shift[level]) - 1; /* inclusive */
		if (hi < start || lo >= end || !(table[i] & PTE_P) ||
		    (level == 0 && i >= KERNEL_PML4_FIRST &&
		     i <= KERNEL_PML4_LAST))
			continue;
		if (lo >= start && hi <= end - 1)
			free_if_empty(s, &table[i], level, &freed);
		else if (level < 2)
			freed |= prune(s, phys_to_virt(table[i] & PTE_ADDR),
				       level + 1, lo, start, end);
	}
	return freed;
}

/*
 * After [start, end) was unmapped: give back the tables that lie wholly
 * inside it and are empty, so a VMM that keeps flushing a guest address
 * space does not keep paying for the tables of every address it ever saw.
 */
void space_prune(struct space *s, u64 start, u64 end)
{
	/*
	 * Only a freed table can linger in the paging-structure caches; the
	 * unmapped pages themselves were invalidated one by one.
	 */
	if (prune(s, s->pml4, 0, 0, start, end) &&
	    this_cpu()->loaded_space == s)
		write_cr3(s->pml4_phys);
}

/* Canonical (Vol. 1 3.3.7.1) and outside the kernel's range. */
bool space_user_address(u64 va)
{
	u64 top = va >> 47;

	if (top != 0 && top != 0x1ffff)
		return false;
	return va < KERNEL_BASE || va >= KERNEL_END;
}

void space_activate(struct space *s)
{
	struct percpu *c = this_cpu();

	if (c->loaded_space == s)
		return;
	c->loaded_space = s;
	write_cr3(s->pml4_phys);
}

void space_flush_page(struct space *s, u64 va)
{
	/* Without PCIDs a CR3 load flushes other spaces' entries. */
	if (this_cpu()->loaded_space == s)
		invlpg(va);
}
