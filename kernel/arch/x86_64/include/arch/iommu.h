/*
 * What the VT-d files share among themselves (iommu.c, iommu_pt.c) and
 * with the interrupt dispatch; the generic interface is in dma.h.
 */
#ifndef ARCH_IOMMU_H
#define ARCH_IOMMU_H

#include <types.h>

#define DMAR_MAX_DEVICES 64

/* A remapping unit as the DMAR table describes it (dmar.c). */
struct dmar_unit {
	u64 regs_phys, regs_size;
	bool include_all; /* every device of segment 0 */
	u16 nr_devices;
	u16 devices[DMAR_MAX_DEVICES]; /* else: these requester ids */
};

bool dmar_find_unit(struct dmar_unit *u);
bool dmar_covers(const struct dmar_unit *u, u16 bdf);

extern unsigned iommu_levels; /* 3 (39-bit IOVAs) or 4 */
extern bool iommu_coherent;   /* ECAP.C: no cache flushes needed */

void iommu_cache_flush(const void *p, u64 len);
void iommu_fault_irq(void); /* VECTOR_IOMMU_FAULT */

#endif
