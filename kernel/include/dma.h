/*
 * DMA domains (dma.c) and the IOMMU interface the architecture provides
 * (arch/x86_64/iommu.c, iommu_pt.c). A domain is the IOVA space of the
 * devices assigned to one task. Its entries are shadowed by mapping-
 * database nodes, just like a task's page tables (space.h): every IOVA
 * page stands for one of the task's own mappings, so revoking that
 * mapping (mapdb.c) also removes the IOVA entry and flushes the IOTLB.
 */
#ifndef DMA_H
#define DMA_H

#include <types.h>

struct frame;
struct mapnode;
struct task;

struct dma_domain {
	u64 *top;	   /* top-level second-level table, kernel virtual */
	u16 did;	   /* hardware domain id */
	struct task *task; /* owner, charged for the tables */
	u64 faults;	   /* blocked requests of its devices */
	u64 last_fault_addr;
	u64 last_fault_info; /* DMA_FAULT_* (abi/dma.h) */
};

/* A leaf entry of a domain's tables and the node slot that shadows it. */
struct dma_pte_ref {
	u64 *pte;
	struct mapnode **node;
};

/* Generic part (dma.c). */
void dma_node_revoke(struct mapnode *n);
void dma_fault_report(struct dma_domain *d, u16 source, u64 addr, u8 reason,
		      bool write);
long sys_dma_map(struct frame *f);
long sys_dma_unmap(struct frame *f);
long sys_dma_assign(struct frame *f);
long sys_dma_faults(struct frame *f);

/* Architecture part: the remapping hardware. */
void iommu_init(void);
bool iommu_present(void);
bool iommu_owns_phys(u64 phys); /* its registers: kernel only */
void *iommu_object(void);	/* what CAPT_IOMMU caps point to */
long iommu_domain_init(struct dma_domain *d);
bool iommu_walk(struct dma_domain *d, u64 iova, bool alloc,
		struct dma_pte_ref *r);
void iommu_pte_set(u64 *pte, u64 phys, unsigned rights); /* 0: clear */
void iommu_flush_iova(struct dma_domain *d, u64 iova);
long iommu_attach(u16 bdf, struct dma_domain *d, struct task *charge);
void iommu_fault_poll(void);

#endif
