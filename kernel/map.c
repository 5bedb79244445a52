/*
 * Mapping memory between tasks. SYS_MAP copies the caller's mapping of a
 * page into another task (a child node in the mapping database); SYS_UNMAP
 * takes back every mapping derived from the caller's pages, transitively,
 * and reports whether they were referenced or written. The root task's
 * pages come from its physical window, filled on first touch or on the
 * first map of the page. Device memory (PCI BARs) reaches tasks this way,
 * uncached.
 */
#include <lib.h>
#include <map.h>
#include <mapdb.h>
#include <pmem.h>
#include <sched.h>
#include <task.h>
#include <thread.h>
#include <abi/errno.h>
#include <abi/map.h>
#include <abi/syscall.h>
#include <arch/layout.h>
#include <arch/paging.h>

static u64 pte_bits(u64 frame_pte, unsigned rights)
{
	u64 e = (frame_pte & (PTE_ADDR | PTE_PCD | PTE_PWT)) | PTE_P | PTE_U;

	if (rights & MAP_W)
		e |= PTE_W;
	if (!(rights & MAP_X))
		e |= PTE_NX;
	return e;
}

/*
 * Put a new entry for dst_va, revoking whatever was there. Mapping again
 * what is already there (same source, same frame and rights) changes
 * nothing and keeps the entry, its accessed/dirty bits and what was
 * derived from it: a VMM's fault-around maps neighbours it cannot know
 * are mapped already.
 */
static KERNEL_HOT long install(struct space *dst, u64 dst_va,
			       struct mapnode *parent, u64 pte)
{
	const u64 same = PTE_ADDR | PTE_P | PTE_U | PTE_W | PTE_NX | PTE_PCD |
			 PTE_PWT;
	struct pte_ref r;
	struct mapnode *n;

	if (!space_walk(dst, dst_va, true, &r))
		return -E_NOMEM;
	if (*r.node && (*r.node)->parent == parent &&
	    ((*r.pte ^ pte) & same) == 0)
		return 0;
	if (*r.node) {
		if (parent && mapdb_is_ancestor(*r.node, parent))
			return -E_INVAL; /* would revoke its own source */
		mapdb_remove(&r);
	}
	n = mapdb_insert(parent, dst, dst_va);
	if (!n)
		return -E_NOMEM;
	*r.pte = pte;
	*r.node = n;
	return 0;
}

static KERNEL_HOT bool source_present(struct space *src, u64 va,
				      struct pte_ref *r)
{
	return space_walk(src, va, false, r) && *r->node && (*r->pte & PTE_P);
}

KERNEL_HOT long map_page(struct space *src, u64 src_va, struct space *dst,
			 u64 dst_va, unsigned rights)
{
	struct pte_ref r;
	u64 pte;

	/*
	 * The root task may pass on window pages it never touched: device
	 * memory (a PCI BAR) is granted without reading its registers.
	 */
	if (!source_present(src, src_va, &r) &&
	    (!src->task->is_root || !map_root_window_fault(src, src_va) ||
	     !source_present(src, src_va, &r)))
		return -E_NOMAP;
	if (src == dst && src_va == dst_va)
		return -E_INVAL;
	pte = *r.pte;
	if (!(pte & PTE_W))
		rights &= ~MAP_W;
	if (pte & PTE_NX)
		rights &= ~MAP_X;
	return install(dst, dst_va, *r.node, pte_bits(pte, rights));
}

long map_root_phys(struct space *root, u64 va, u64 phys, unsigned rights)
{
	u64 pte = phys;

	if (pmem_classify(phys) == PHYS_DEVICE)
		pte |= PTE_PCD | PTE_PWT; /* uncached, Vol. 3A 11.12.3 */
	return install(root, va, NULL, pte_bits(pte, rights));
}

/* The root task touched ROOT_PHYS_WINDOW + p: give it frame p. */
bool map_root_window_fault(struct space *root, u64 va)
{
	u64 p = va - ROOT_PHYS_WINDOW;

	if (va < ROOT_PHYS_WINDOW || p >= ROOT_PHYS_WINDOW_SIZE)
		return false;
	if (pmem_classify(p) == PHYS_KERNEL)
		return false;
	return map_root_phys(root, va & ~4095ul, p & ~4095ul, MAP_RWX) == 0;
}

static KERNEL_HOT bool range_ok(u64 va, u64 npages)
{
	if ((va & 4095) || npages == 0 || npages > MAP_MAX_PAGES)
		return false;
	return space_user_address(va) &&
	       space_user_address(va + (npages - 1) * 4096);
}

/* map(task, src, dst, npages, rights) */
KERNEL_HOT long sys_map(struct frame *f)
{
	struct task *self = current()->task;
	u64 src = f->rsi, dst = f->rdx, n = f->r10, rights = f->r8;
	struct cap *c;
	long err;

	c = cap_lookup(self, f->rdi, CAPT_TASK, CR_CONTROL, &err);
	if (!c)
		return err;
	if (!range_ok(src, n) || !range_ok(dst, n) ||
	    (rights & ~(u64)MAP_RWX) || !(rights & MAP_R))
		return -E_INVAL;
	for (u64 i = 0; i < n; i++) {
		err = map_page(&self->space, src + i * 4096,
			       &((struct task *)c->obj)->space, dst + i * 4096,
			       rights);
		if (err)
			return err;
	}
	return 0;
}

static KERNEL_HOT void revoke_all(struct pte_ref *r)
{
	mapdb_remove(r);
}

/*
 * task_unmap(task, start, end): remove every mapping of `task` in
 * [start, end) together with the mappings derived from them. For a VMM
 * that flushes a guest address space: one call, cost proportional to
 * what is mapped, not to the range. Tables wholly inside the range are
 * freed and their kernel memory returned to the task's quota.
 */
KERNEL_HOT long sys_task_unmap(struct frame *f)
{
	u64 start = f->rsi, end = f->rdx;
	struct space *s;
	struct cap *c;
	long err;

	c = cap_lookup(current()->task, f->rdi, CAPT_TASK, CR_CONTROL, &err);
	if (!c)
		return err;
	if ((start & 4095) || (end & 4095) || start >= end ||
	    !space_user_address(start) || !space_user_address(end - 4096))
		return -E_INVAL;
	s = &((struct task *)c->obj)->space;
	space_unmap_range(s, start, end, revoke_all);
	return 0;
}

/* unmap(addr, npages, flags) -> rdi = UNMAP_REFERENCED | UNMAP_DIRTY */
long sys_unmap(struct frame *f)
{
	struct space *s = &current()->task->space;
	u64 va = f->rdi, n = f->rsi, flags = f->rdx;
	unsigned st = 0;

	if (!range_ok(va, n) || (flags & ~(u64)UNMAP_SELF))
		return -E_INVAL;
	for (u64 i = 0; i < n; i++) {
		struct pte_ref r;

		if (!space_walk(s, va + i * 4096, false, &r) || !*r.node)
			continue;
		if (!(flags & UNMAP_SELF)) {
			/* report and reset our own use, then the subtree's */
			if (*r.pte & PTE_A)
				st |= UNMAP_REFERENCED;
			if (*r.pte & PTE_D)
				st |= UNMAP_DIRTY;
			*r.pte &= ~(PTE_A | PTE_D);
			space_flush_page(s, va + i * 4096);
		}
		st |= mapdb_revoke(*r.node, flags & UNMAP_SELF);
	}
	f->rdi = st;
	return 0;
}
