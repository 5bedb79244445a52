/*
 * The software TLB (SPEC 6, "Memory"): guest mappings enter the
 * microkernel's page tables only when the guest touches them, and leave
 * when the guest would flush its TLB.
 *
 * The guest kernel runs in the VM's own task: its page faults map the
 * guest page there, at the same virtual address, taken from the VMM's
 * window onto guest RAM. Guest user processes run in user tasks, one per
 * PCID (uspace.c), which receive only pages the guest's tables mark
 * user-accessible, so a user process cannot read guest-kernel memory.
 * The guest kernel reaches user memory (copy_to_user and friends)
 * through its own task, where the current process's user pages are
 * mapped on demand as well; that half is emptied whenever another PCID
 * becomes current or the current one is flushed.
 *
 * A page is mapped writable only for a write, or when its guest PTE is
 * already dirty; the walk sets the accessed and dirty bits as the CPU
 * would, so Linux's reclaim and copy-on-write see them right.
 *
 * Fault-around: a new process, and one whose PCID was flushed, would
 * fault its working set in one upcall per page. So a fill of an
 * executable page in a user task also maps the neighbours in its aligned
 * window of
 * FAULT_AROUND pages (64 KiB, within one guest page table) that the
 * guest has used already: present, accessed, user-accessible,
 * executable, and on a guest-physical page that some user fill has
 * touched before (gpa_hot); a neighbour is writable only if its PTE is
 * dirty. Program text is what processes share and what a new process
 * runs through page after page: in the shell workload a third of the
 * executable neighbours were used, against one in fourteen of the
 * others, so data pages are left to their own fills (4 % fewer
 * instructions for the workload, the same time under TCG), and a data
 * page's window, whose neighbours are data too, is not even looked at.
 * This changes nothing the guest can see (no accessed bit is set on a
 * guess), and a TLB may hold any translation the tables allow until the
 * guest flushes it. The guest kernel's own fills of user pages get no
 * fault-around: those pages go again at the next address-space switch.
 */
#include "vmm.h"
#include <arch/paging.h>

#define USER_END 0x0000800000000000ul
#define TOP_PAGE 0xfffffffffffff000ul

/*
 * Where no guest mapping may go: the microkernel's range and the
 * hypervisor slot with everything the VMM owns (vm_boot.h), the near
 * window, and its early-boot alias while that is mapped.
 */
VMM_HOT bool vmm_reserved(u64 va)
{
	if (va >= KERNEL_RANGE_START && va < GUEST_KERNEL_HALF)
		return true;
	if (va >= VMM_NEAR_BASE && va < VMM_NEAR_END)
		return true;
	return vm.alias_mapped && va >= VMM_ALIAS_BASE &&
	       va < VMM_ALIAS_BASE + (VMM_NEAR_END - VMM_NEAR_BASE);
}

#define FAULT_AROUND 16 /* pages, a power of two <= 512 */

static void own_page_filled(u64 va);

/*
 * Guest-physical pages a user process was seen to touch: a user fill
 * marks its page. Fault-around maps only marked neighbours. Linux marks
 * every PTE it creates accessed, its own fault-around's 16 included, so
 * the accessed bit alone predicted poorly (a fifth of the neighbours
 * were used); the same text and library pages, though, serve process
 * after process. A hint only: a stale mark costs one needless mapping.
 */
#define HOT_PAGES (4ul << 30 >> 12) /* guest RAM up to 4 GiB */

static u64 gpa_hot[HOT_PAGES / 64];

static VMM_HOT void hot_mark(u64 gpa)
{
	u64 p = gpa >> 12;

	if (p < HOT_PAGES)
		gpa_hot[p / 64] |= 1ul << (p % 64);
}

static VMM_HOT bool hot(u64 gpa)
{
	u64 p = gpa >> 12;

	return p < HOT_PAGES && (gpa_hot[p / 64] & (1ul << (p % 64)));
}

static void reclaim_own(bool empty);

/*
 * A task whose kernel-memory quota is used up first gets more quota, and
 * failing that (or should more not do) its soft-TLB entries are taken
 * back, as a full TLB evicts: the page tables and mapping nodes of what
 * it held return to its quota.
 */
static VMM_HOT void map_run(u64 task, u64 gpa, u64 va, u64 n, unsigned rights)
{
	long err = sys_map(task, VM_GPA_WINDOW + gpa, va, n, rights);

	for (unsigned round = 0; err == -E_NOMEM && round < 2; round++) {
		if (task == SLOT_SELF_TASK)
			reclaim_own(round > 0);
		else
			uspace_reclaim(round > 0);
		err = sys_map(task, VM_GPA_WINDOW + gpa, va, n, rights);
	}
	if (err)
		vmm_fatal("cannot map guest page %lx at %lx (error %ld)", gpa,
			  va, err);
}

/* One guest page into a task, replacing what was at va. */
VMM_HOT void softtlb_map(u64 task, u64 gpa, u64 va, unsigned rights)
{
	map_run(task, gpa, va, 1, rights);
}

static VMM_HOT void prefill(u64 task, u64 gpa, u64 va, u64 n, unsigned rights)
{
	map_run(task, gpa, va, n, rights);
	uspace_mapped(va, gpa, n, rights);
	counters[CNT_TLB_PREFILLS] += n;
}

/*
 * The used neighbours of the 4 KiB page at va in w's page table, mapped
 * in runs of guest-physically contiguous pages with equal rights. Only
 * for a user fill of an executable page: w's walk found every level
 * above the table user-accessible and executable, so a neighbour's own
 * entry decides, with the levels above for writing.
 */
static VMM_HOT void fault_around(u64 task, u64 va, const struct gpt_walk *w)
{
	u64 *table = (u64 *)((u64)w->entries[3] & ~4095ul);
	unsigned first = (va >> 12) & 511 & ~(FAULT_AROUND - 1);
	u64 base = va & ~(FAULT_AROUND * 4096ul - 1);
	unsigned self = ((va >> 12) & 511) - first, run_rights = 0;
	u64 run_gpa = 0, run_va = 0, run_n = 0, upper = PTE_W;
	const u64 need = PTE_P | PTE_A | PTE_U;

	for (unsigned l = 0; l < 3; l++) /* the levels above the table */
		upper &= *w->entries[l];

	for (unsigned i = 0; i <= FAULT_AROUND; i++) {
		u64 pte = i < FAULT_AROUND ? table[first + i] : 0;
		u64 gpa = pte & PTE_ADDR;
		unsigned rights = MAP_R | MAP_X;

		if ((pte & need) != need || (pte & PTE_NX) || i == self ||
		    !hot(gpa) || !gpa_is_ram(gpa, 4096)) {
			if (run_n)
				prefill(task, run_gpa, run_va, run_n,
					run_rights);
			run_n = 0;
			continue;
		}
		if ((upper & PTE_W) &&
		    (pte & (PTE_W | PTE_D)) == (PTE_W | PTE_D))
			rights |= MAP_W;
		if (run_n &&
		    (rights != run_rights || gpa != run_gpa + run_n * 4096)) {
			prefill(task, run_gpa, run_va, run_n, run_rights);
			run_n = 0;
		}
		if (!run_n) {
			run_gpa = gpa;
			run_va = base + (u64)i * 4096;
			run_rights = rights;
		}
		run_n++;
	}
}

VMM_HOT enum tlb_result softtlb_fill(u64 va, u64 error, bool user,
				     u64 *pf_error)
{
	struct vcpu *v = vcpu_current();
	bool write = error & PFE_W, exec = error & PFE_I;
	struct gpt_walk w;
	unsigned rights;
	u64 leaf, task = user ? uspace_task() : SLOT_SELF_TASK;

	*pf_error = (write ? PFE_W : 0) | (exec ? PFE_I : 0) |
		    (user ? PFE_U : 0);
	/*
	 * What the guest's tables do not allow is the guest's fault, in the
	 * VMM's ranges too: a process probing the microkernel's addresses
	 * gets its SIGSEGV. Only a mapping the VMM cannot give stops the VM.
	 */
	if (!gpt_walk(v->cr3, va, &w))
		return TLB_GUEST_FAULT;
	*pf_error |= PFE_P;
	if ((user && !w.user) || (exec && !w.exec) ||
	    (write && !w.writable && (user || (v->cr0 & CR0_WP))))
		return TLB_GUEST_FAULT;
	if (vmm_reserved(va))
		return TLB_BAD;
	gpt_mark(&w, write);
	leaf = *w.entries[w.levels - 1];
	rights = MAP_R | (w.exec ? MAP_X : 0);
	if (write || (w.writable && (leaf & PTE_D)))
		rights |= MAP_W;
	map_run(task, w.gpa & ~4095ul, va & ~4095ul, 1, rights);
	if (user) {
		uspace_mapped(va & ~4095ul, w.gpa & ~4095ul, 1, rights);
		hot_mark(w.gpa);
	}
	if (!user && va < USER_END)
		own_page_filled(va);
	if (w.levels == 4 && user && w.exec)
		fault_around(task, va, &w);
	return TLB_MAPPED;
}

/*
 * Refill: a page fault the guest handles itself is taken twice, once
 * for the guest's handler and once more, as a fill, when the faulting
 * instruction runs again. So the VMM remembers the fault and, when the
 * guest returns to the same instruction in the same mode and address
 * space, fills the page before resuming. The instruction is about to
 * make exactly that access, so setting the accessed and dirty bits now
 * is what the CPU would do a moment later. Any other return to user mode
 * forgets the fault.
 */
VMM_HOT void softtlb_arm_refill(struct vcpu *v, u64 va, u64 error, u64 rip)
{
	v->refill = (struct refill){ .va = va,
				     .error = error,
				     .rip = rip,
				     .cr3 = v->cr3,
				     .user = v->cpl == 3,
				     .armed = true };
}

VMM_HOT void softtlb_refill(struct vcpu *v, u64 rip)
{
	struct refill *f = &v->refill;
	bool user = v->cpl == 3;
	u64 pf_error;

	if (f->rip != rip || f->user != user || f->cr3 != v->cr3) {
		if (user)
			f->armed = false;
		return;
	}
	f->armed = false;
	if (softtlb_fill(f->va, f->error, user, &pf_error) == TLB_MAPPED)
		counters[CNT_TLB_REFILLS]++;
}

static VMM_HOT void unmap_range(u64 task, u64 start, u64 end)
{
	long err = sys_task_unmap(task, start, end);

	if (err)
		vmm_fatal("task_unmap %lx-%lx failed (%ld)", start, end, err);
}

/*
 * The own task's lower half, minus the early-boot alias of the VMM. The
 * guest kernel touches few user pages between two address-space switches
 * (a system call's buffers), so the pages it was given are remembered and
 * unmapped one by one; the page tables stay for the next process, which
 * saves freeing, allocating and clearing them on every switch. After more
 * than OWN_TRACKED pages the whole half goes.
 */
#define OWN_TRACKED 16

VMM_HOT_DATA static u64 own_pages[OWN_TRACKED];
VMM_HOT_DATA static unsigned own_count; /* OWN_TRACKED + 1: too many to list */

static VMM_HOT void own_page_filled(u64 va)
{
	if (own_count < OWN_TRACKED)
		own_pages[own_count] = va & ~4095ul;
	if (own_count <= OWN_TRACKED)
		own_count++;
}

static VMM_HOT void flush_own_user_half(void)
{
	unsigned n = own_count;

	own_count = 0;
	if (n <= OWN_TRACKED) {
		for (unsigned i = 0; i < n; i++)
			unmap_range(SLOT_SELF_TASK, own_pages[i],
				    own_pages[i] + 4096);
		return;
	}
	if (!vm.alias_mapped) {
		unmap_range(SLOT_SELF_TASK, 0, USER_END);
		return;
	}
	unmap_range(SLOT_SELF_TASK, 0, VMM_ALIAS_BASE);
	unmap_range(SLOT_SELF_TASK,
		    VMM_ALIAS_BASE + (VMM_NEAR_END - VMM_NEAR_BASE), USER_END);
}

/*
 * A CR3 load (Vol. 3A 4.10.4.1): with CR4.PCIDE, the PCID is CR3's low 12
 * bits and bit 63 of the value loaded (flush false) keeps its entries.
 * The own task's user half belongs to the address space that was current,
 * so it goes whenever another one becomes current.
 */
VMM_HOT void softtlb_switch(u64 old_cr3, u64 new_cr3, bool flush)
{
	if (flush)
		counters[CNT_FLUSHES]++;
	if (flush || old_cr3 != new_cr3)
		flush_own_user_half();
	if (vm.user_task_ready)
		uspace_switch(new_cr3 & PTE_ADDR, flush);
}

/* The guest kernel's half of the own task, global pages included. */
static void flush_own_kernel_half(void)
{
	gpt_forget_all();
	unmap_range(SLOT_SELF_TASK, GUEST_KERNEL_HALF, VMM_NEAR_BASE);
	unmap_range(SLOT_SELF_TASK, VMM_NEAR_END, TOP_PAGE);
}

/* Every PCID's entries; include_global: the guest kernel's too. */
void softtlb_flush_all(bool include_global)
{
	counters[CNT_FLUSHES]++;
	flush_own_user_half();
	if (vm.user_task_ready)
		uspace_flush_all();
	if (include_global)
		flush_own_kernel_half();
}

/*
 * The own task's quota is used up (by the guest kernel's mappings, which
 * grow with every page and every 2 MiB of virtual space it touches, and
 * whose page tables stay until a flush frees them): take back quota the
 * user tasks were lent, else (or when EMPTY) empty both halves. The VMM
 * reaches guest memory only through its window, which stays.
 */
static void reclaim_own(bool empty)
{
	if (!empty && vm.user_task_ready && uspace_return_quota())
		return;
	counters[CNT_OWN_RECLAIMS]++;
	flush_own_user_half();
	flush_own_kernel_half();
}

VMM_HOT void softtlb_flush_page(u64 va)
{
	va &= ~4095ul;
	if (vmm_reserved(va))
		return;
	if (va < USER_END && vm.user_task_ready)
		uspace_flush_page(va);
	if (va >= GUEST_KERNEL_HALF)
		gpt_forget(va);
	if (va < USER_END || va >= GUEST_KERNEL_HALF)
		unmap_range(SLOT_SELF_TASK, va, va + 4096);
}

void softtlb_drop_alias(void)
{
	vm.alias_mapped = false;
	unmap_range(SLOT_SELF_TASK, VMM_ALIAS_BASE,
		    VMM_ALIAS_BASE + (VMM_NEAR_END - VMM_NEAR_BASE));
}
