/*
 * DMA domains: the IOVA space the IOMMU gives the devices assigned to a
 * task. dma_map puts the caller's own pages into its domain, each IOVA
 * entry tied to the mapping-database node of the page's mapping (one
 * IOVA per mapping), so that any revocation of that mapping, by the
 * task's own unmap or by an ancestor's, also removes the IOVA entry and
 * invalidates the IOTLB (mapdb.c calls dma_node_revoke). A task thus
 * never gives a device more than it can reach with the CPU itself, and
 * never longer. dma_assign, with the IOMMU capability, points a PCI
 * device at a task's domain or blocks it. Faults of a domain's devices
 * are counted in the domain; the hardware side is arch iommu*.c.
 */
#include <lib.h>
#include <cap.h>
#include <dma.h>
#include <kmem.h>
#include <mapdb.h>
#include <sched.h>
#include <space.h>
#include <task.h>
#include <thread.h>
#include <abi/dma.h>
#include <abi/errno.h>
#include <abi/map.h>
#include <arch/paging.h>

/* The task's domain, made on first use and charged to the task. */
static long domain_get(struct task *t, struct dma_domain **out)
{
	struct dma_domain *d = t->dma;
	long err;

	if (!iommu_present())
		return -E_STATE;
	if (!d) {
		d = kmalloc_charged(t, sizeof(*d));
		if (!d)
			return -E_NOMEM;
		d->task = t;
		err = iommu_domain_init(d);
		if (err) {
			kfree_charged(t, d, sizeof(*d));
			return err;
		}
		t->dma = d;
	}
	*out = d;
	return 0;
}

/* Remove the IOVA entry r, whatever node owned it. */
static void entry_clear(struct dma_domain *d, struct dma_pte_ref *r, u64 iova)
{
	struct mapnode *n = *r->node;

	if (!n)
		return;
	n->dma_mapped = false;
	*r->node = NULL;
	iommu_pte_set(r->pte, 0, 0);
	iommu_flush_iova(d, iova);
}

/* Called by mapdb.c before the node n goes away. */
void dma_node_revoke(struct mapnode *n)
{
	struct dma_domain *d = n->space->task->dma;
	struct dma_pte_ref r;

	if (d && iommu_walk(d, n->dma_iova, false, &r) && *r.node == n)
		entry_clear(d, &r, n->dma_iova);
	n->dma_mapped = false;
}

static bool iova_range_ok(u64 iova, u64 npages)
{
	return !(iova & 4095) && npages && npages <= MAP_MAX_PAGES &&
	       iova < DMA_IOVA_LIMIT &&
	       npages <= (DMA_IOVA_LIMIT - iova) / PAGE_SIZE;
}

static long map_one(struct dma_domain *d, struct space *s, u64 va, u64 iova,
		    unsigned rights)
{
	struct pte_ref pr;
	struct dma_pte_ref r;
	struct mapnode *n;

	if (!space_walk(s, va, false, &pr) || !*pr.node || !(*pr.pte & PTE_P))
		return -E_NOMAP;
	n = *pr.node;
	if (!(*pr.pte & PTE_W))
		rights &= ~DMA_W; /* never more than the CPU mapping */
	if (!iommu_walk(d, iova, true, &r))
		return -E_NOMEM;
	if (n->dma_mapped) /* one IOVA per mapping: move it */
		dma_node_revoke(n);
	entry_clear(d, &r, iova);
	iommu_pte_set(r.pte, *pr.pte & PTE_ADDR, rights);
	*r.node = n;
	n->dma_iova = iova;
	n->dma_mapped = true;
	/* needed only for a replaced entry or in caching mode (VT-d 6.1) */
	iommu_flush_iova(d, iova);
	return 0;
}

/* dma_map(va, iova, npages, rights): own pages into the own domain */
long sys_dma_map(struct frame *f)
{
	struct task *self = current()->task;
	u64 va = f->rdi, iova = f->rsi, n = f->rdx, rights = f->r10;
	struct dma_domain *d;
	long err;

	if (!iova_range_ok(iova, n) || (va & 4095) || !space_user_address(va) ||
	    !space_user_address(va + (n - 1) * PAGE_SIZE) ||
	    (rights & ~(u64)DMA_RW) || !(rights & DMA_R))
		return -E_INVAL;
	err = domain_get(self, &d);
	if (err)
		return err;
	for (u64 i = 0; i < n; i++) {
		err = map_one(d, &self->space, va + i * PAGE_SIZE,
			      iova + i * PAGE_SIZE, rights);
		if (err)
			return err;
	}
	return 0;
}

/* dma_unmap(iova, npages): remove entries of the own domain */
long sys_dma_unmap(struct frame *f)
{
	struct dma_domain *d = current()->task->dma;
	u64 iova = f->rdi, n = f->rsi;

	if (!iova_range_ok(iova, n))
		return -E_INVAL;
	if (!iommu_present())
		return -E_STATE;
	for (u64 i = 0; d && i < n; i++) {
		struct dma_pte_ref r;

		if (iommu_walk(d, iova + i * PAGE_SIZE, false, &r))
			entry_clear(d, &r, iova + i * PAGE_SIZE);
	}
	return 0;
}

/* dma_assign(iommu_cap, task_cap or CAP_NONE, bdf) */
long sys_dma_assign(struct frame *f)
{
	struct task *self = current()->task;
	struct dma_domain *d = NULL;
	struct cap *tc;
	long err;

	if (!cap_lookup(self, f->rdi, CAPT_IOMMU, CR_CONTROL, &err))
		return err;
	if (f->rdx > PCI_BDF_MAX)
		return -E_INVAL;
	if (f->rsi != CAP_NONE) {
		tc = cap_lookup(self, f->rsi, CAPT_TASK, CR_CONTROL, &err);
		if (!tc)
			return err;
		err = domain_get(tc->obj, &d);
		if (err)
			return err;
	}
	return iommu_attach(f->rdx, d, self);
}

/* dma_faults(task) -> rdi count, rsi last address, rdx last DMA_FAULT_* */
long sys_dma_faults(struct frame *f)
{
	struct cap *tc;
	struct dma_domain *d;
	long err;

	tc = cap_lookup(current()->task, f->rdi, CAPT_TASK, CR_CONTROL, &err);
	if (!tc)
		return err;
	if (!iommu_present())
		return -E_STATE;
	iommu_fault_poll(); /* do not depend on the fault interrupt */
	d = ((struct task *)tc->obj)->dma;
	f->rdi = d ? d->faults : 0;
	f->rsi = d ? d->last_fault_addr : 0;
	f->rdx = d ? d->last_fault_info : 0;
	return 0;
}

void dma_fault_report(struct dma_domain *d, u16 source, u64 addr, u8 reason,
		      bool write)
{
	printk("iommu: blocked DMA %s by %02x:%02x.%x at %lx (reason %u), ",
	       write ? "write" : "read", source >> 8, (source >> 3) & 31,
	       source & 7, addr, reason);
	if (!d) {
		printk("device not assigned\n");
		return;
	}
	printk("domain of task %u\n", d->task->id);
	d->faults++;
	d->last_fault_addr = addr;
	d->last_fault_info = reason | (write ? DMA_FAULT_WRITE : 0) |
			     ((u64)source << 16);
}
