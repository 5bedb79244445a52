/*
 * Second-level page tables of DMA domains (VT-d 3.7, 9.8): the same
 * 4-level-style radix tree as the CPU's, 512 entries of 8 bytes per
 * table, 3 or 4 levels as the unit's SAGAW allows (iommu.c). Only 4 KiB
 * leaves are used. As in the CPU tables (paging.c), each last-level table
 * is allocated with a twin page that holds the mapping-database node of
 * every entry, so the node of an IOVA page is one walk away. Tables are
 * charged to the domain's owner and never freed.
 */
#include <lib.h>
#include <dma.h>
#include <kmem.h>
#include <task.h>
#include <abi/dma.h>
#include <arch/iommu.h>
#include <arch/layout.h>

#define SL_R (1ul << 0) /* read (VT-d 9.8, Table 9-x) */
#define SL_W (1ul << 1) /* write */
#define SL_ADDR 0x000ffffffffff000ul
/* Intermediate entries allow both; the leaf decides, as on the CPU. */
#define SL_TABLE (SL_R | SL_W)

static KERNEL_HOT u64 *next_table(struct dma_domain *d, u64 *entry, bool alloc,
				  unsigned pages)
{
	void *t;

	if (*entry & SL_TABLE)
		return phys_to_virt(*entry & SL_ADDR);
	if (!alloc || !kmem_charge(d->task, 4096ul * pages))
		return NULL;
	t = kpage_alloc(pages);
	if (!t) {
		kmem_uncharge(d->task, 4096ul * pages);
		return NULL;
	}
	iommu_cache_flush(t, 4096); /* the twin is never walked */
	*entry = virt_to_phys(t) | SL_TABLE;
	iommu_cache_flush(entry, 8);
	return t;
}

bool iommu_walk(struct dma_domain *d, u64 iova, bool alloc,
		struct dma_pte_ref *r)
{
	u64 *table = d->top;
	unsigned index;

	if (iova >= DMA_IOVA_LIMIT || !table)
		return false;
	for (unsigned level = iommu_levels; level > 1; level--) {
		index = (iova >> (12 + 9 * (level - 1))) & 511;
		table = next_table(d, &table[index], alloc, level == 2 ? 2 : 1);
		if (!table)
			return false;
	}
	index = (iova >> 12) & 511;
	r->pte = &table[index];
	r->node = (struct mapnode **)(table + 512) + index;
	return true;
}

void iommu_pte_set(u64 *pte, u64 phys, unsigned rights)
{
	u64 e = 0;

	if (rights) {
		e = (phys & SL_ADDR) | SL_R; /* a write-only page is useless */
		if (rights & DMA_W)
			e |= SL_W;
	}
	*pte = e;
	iommu_cache_flush(pte, 8);
}
