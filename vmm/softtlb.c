/*
 * The software TLB (SPEC 6, "Memory"): guest mappings enter the
 * microkernel's page tables only when the guest touches them, and leave
 * when the guest would flush its TLB.
 *
 * The guest kernel runs in the VM's own task: its page faults map the
 * guest page there, at the same virtual address, taken from the VMM's
 * window onto guest RAM. Guest user processes run in SLOT_USER_TASK,
 * which receives only pages the guest's tables mark user-accessible, so
 * a user process cannot read guest-kernel memory. The guest kernel
 * reaches user memory (copy_to_user and friends) through its own task,
 * where the current process's user pages are mapped on demand as well.
 *
 * A page is mapped writable only for a write, or when its guest PTE is
 * already dirty; the walk sets the accessed and dirty bits as the CPU
 * would, so Linux's reclaim and copy-on-write see them right.
 */
#include "vmm.h"
#include <arch/paging.h>

#define USER_END	0x0000800000000000ul
#define KERNEL_HALF	0xffff880000000000ul	/* after the microkernel */
#define TOP_PAGE	0xfffffffffffff000ul

bool vmm_reserved(u64 va)
{
	if (va >= VM_GPA_WINDOW && va < VM_MODULE_END)
		return true;
	if (va >= VMM_BASE && va < VMM_END)
		return true;
	return vm.alias_mapped && va >= VMM_ALIAS_BASE &&
	       va < VMM_ALIAS_BASE + (VMM_END - VMM_BASE);
}

enum tlb_result softtlb_fill(u64 va, u64 error, bool user, u64 *pf_error)
{
	struct vcpu *v = vcpu_current();
	bool write = error & PFE_W, exec = error & PFE_I;
	struct gpt_walk w;
	unsigned rights;
	u64 leaf;
	long err;

	*pf_error = (write ? PFE_W : 0) | (exec ? PFE_I : 0) |
		    (user ? PFE_U : 0);
	if (vmm_reserved(va))
		return TLB_BAD;
	if (!gpt_walk(v->cr3, va, &w))
		return TLB_GUEST_FAULT;
	*pf_error |= PFE_P;
	if ((user && !w.user) || (exec && !w.exec) ||
	    (write && !w.writable && (user || (v->cr0 & CR0_WP))))
		return TLB_GUEST_FAULT;
	gpt_mark(&w, write);
	leaf = *w.entries[w.levels - 1];
	rights = MAP_R | (w.exec ? MAP_X : 0);
	if (write || (w.writable && (leaf & PTE_D)))
		rights |= MAP_W;
	err = sys_map(user ? SLOT_USER_TASK : SLOT_SELF_TASK,
		      VM_GPA_WINDOW + (w.gpa & ~4095ul), va & ~4095ul, 1, rights);
	if (err)
		vmm_fatal("cannot map guest page %lx at %lx (error %ld)",
			  w.gpa, va, err);
	counters[CNT_TLB_FILLS]++;
	return TLB_MAPPED;
}

static void unmap_range(u64 task, u64 start, u64 end)
{
	long err = sys_task_unmap(task, start, end);

	if (err)
		vmm_fatal("task_unmap %lx-%lx failed (%ld)", start, end, err);
}

/* The own task's lower half, minus the early-boot alias of the VMM. */
static void flush_own_user_half(void)
{
	if (!vm.alias_mapped) {
		unmap_range(SLOT_SELF_TASK, 0, USER_END);
		return;
	}
	unmap_range(SLOT_SELF_TASK, 0, VMM_ALIAS_BASE);
	unmap_range(SLOT_SELF_TASK, VMM_ALIAS_BASE + (VMM_END - VMM_BASE),
		    USER_END);
}

void softtlb_flush_all(bool include_global)
{
	counters[CNT_FLUSHES]++;
	flush_own_user_half();
	if (vm.user_task_ready)
		unmap_range(SLOT_USER_TASK, 0, USER_END);
	if (!include_global)
		return;
	unmap_range(SLOT_SELF_TASK, KERNEL_HALF, VM_GPA_WINDOW);
	unmap_range(SLOT_SELF_TASK, VM_MODULE_END, VMM_BASE);
	unmap_range(SLOT_SELF_TASK, VMM_END, TOP_PAGE);
}

void softtlb_flush_page(u64 va)
{
	va &= ~4095ul;
	if (vmm_reserved(va))
		return;
	if (va < USER_END && vm.user_task_ready)
		unmap_range(SLOT_USER_TASK, va, va + 4096);
	if (va < USER_END || va >= KERNEL_HALF)
		unmap_range(SLOT_SELF_TASK, va, va + 4096);
}

void softtlb_drop_alias(void)
{
	vm.alias_mapped = false;
	unmap_range(SLOT_SELF_TASK, VMM_ALIAS_BASE,
		    VMM_ALIAS_BASE + (VMM_END - VMM_BASE));
}
