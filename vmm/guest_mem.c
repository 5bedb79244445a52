/*
 * The guest's memory as the guest kernel sees it. Guest-physical address
 * P is at VM_GPA_WINDOW + P in the VMM (the root task mapped all of the
 * VM's RAM there). Guest-virtual addresses go through the guest's own
 * 4-level page tables (Intel SDM Vol. 3A 4.5), walked in software: they
 * are authoritative, the VMM never keeps a shadow copy.
 */
#include "vmm.h"

#include <arch/paging.h> /* PTE bits (Intel SDM Vol. 3A 4.5) */

VMM_HOT bool gpa_is_ram(u64 gpa, u64 len)
{
	return gpa < vm.ram_size && len <= vm.ram_size - gpa;
}

/*
 * Walk va through the tables at cr3. Rights are the AND over the levels
 * (Vol. 3A 4.6); a 1 GiB or 2 MiB leaf ends the walk early.
 */
VMM_HOT bool gpt_walk(u64 cr3, u64 va, struct gpt_walk *w)
{
	u64 table = cr3 & PTE_ADDR, all = PTE_W | PTE_U, any = 0;

	w->levels = 0;
	for (unsigned level = 0; level < 4; level++) {
		unsigned shift = 39 - 9 * level;
		u64 *e, pte;

		if (!gpa_is_ram(table, 4096))
			return false;
		e = (u64 *)gpa_ptr(table) + ((va >> shift) & 511);
		pte = *e;
		if (!(pte & PTE_P))
			return false;
		w->entries[level] = e;
		all &= pte;
		any |= pte;
		if (level == 3 || (level > 0 && (pte & PTE_PS))) {
			u64 span = 1ul << shift;
			u64 base = pte & PTE_ADDR & ~(span - 1);

			w->levels = level + 1;
			w->writable = all & PTE_W;
			w->user = all & PTE_U;
			w->exec = !(any & PTE_NX);
			w->gpa = base + (va & (span - 1));
			return gpa_is_ram(w->gpa & ~4095ul, 4096);
		}
		table = pte & PTE_ADDR;
	}
	return false;
}

/*
 * The last-level table that maps va's 2 MiB, through the tables at cr3,
 * or NULL when there is none (an entry above is not present, or a large
 * page ends the walk). *upper gets what the levels above allow: PTE_W
 * and PTE_U if all of them have it, PTE_NX if any has it.
 */
VMM_HOT u64 *gpt_table(u64 cr3, u64 va, u64 *upper)
{
	u64 table = cr3 & PTE_ADDR, all = PTE_W | PTE_U, any = 0;

	for (unsigned level = 0; level < 3; level++) {
		u64 pte;

		if (!gpa_is_ram(table, 4096))
			return NULL;
		pte = ((u64 *)gpa_ptr(table))[(va >> (39 - 9 * level)) & 511];
		if (!(pte & PTE_P) || (level > 0 && (pte & PTE_PS)))
			return NULL;
		all &= pte;
		any |= pte;
		table = pte & PTE_ADDR;
	}
	if (!gpa_is_ram(table, 4096))
		return NULL;
	*upper = all | (any & PTE_NX);
	return gpa_ptr(table);
}

/* Set accessed (and dirty) like the CPU's page walker would. */
VMM_HOT void gpt_mark(struct gpt_walk *w, bool write)
{
	for (unsigned i = 0; i < w->levels; i++)
		__atomic_or_fetch(w->entries[i], PTE_A, __ATOMIC_RELAXED);
	if (write)
		__atomic_or_fetch(w->entries[w->levels - 1], PTE_D,
				  __ATOMIC_RELAXED);
}

/*
 * The VMM's own accesses to guest-kernel memory (the IDT and TSS at every
 * exception, the frames on kernel stacks) go through a few remembered
 * translations, like a CPU's TLB entries for them: a page's entry stays
 * until the guest invalidates it (INVLPG) or flushes global pages too,
 * the same events that empty the guest kernel's half of the soft TLB
 * (softtlb.c). An entry is made by a walk that set the accessed bit, and
 * serves writes only if the walk set the dirty bit as well.
 */
#define KERNEL_XLATS 16 /* a power of two */

struct kernel_xlat {
	u64 page; /* guest-virtual; 0: empty */
	u64 gpa;
	bool dirty;
};

VMM_HOT_DATA static struct kernel_xlat kernel_xlats[KERNEL_XLATS];

static VMM_HOT struct kernel_xlat *kernel_xlat(u64 va)
{
	return &kernel_xlats[(va >> 12) & (KERNEL_XLATS - 1)];
}

VMM_HOT void gpt_forget(u64 va)
{
	struct kernel_xlat *k = kernel_xlat(va);

	if (k->page == (va & ~4095ul))
		k->page = 0;
}

void gpt_forget_all(void)
{
	for (unsigned i = 0; i < KERNEL_XLATS; i++)
		kernel_xlats[i].page = 0;
}

/* The guest-physical address of va, for an access by the guest kernel. */
static inline __attribute__((always_inline)) bool translate(u64 va, bool write,
							    u64 *gpa)
{
	struct kernel_xlat *k = kernel_xlat(va);
	struct gpt_walk w;

	if (k->page == (va & ~4095ul) && (k->dirty || !write)) {
		*gpa = k->gpa | (va & 4095);
		return true;
	}
	if (!gpt_walk(vcpu_current()->cr3, va, &w))
		return false;
	gpt_mark(&w, write);
	*gpa = w.gpa;
	if (va >= GUEST_KERNEL_HALF)
		*k = (struct kernel_xlat){ .page = va & ~4095ul,
					   .gpa = w.gpa & ~4095ul,
					   .dirty = write };
	return true;
}

/*
 * Where an access from the VMM may go: where the guest kernel's would
 * (REACH_KERNEL, through the translation cache), where the current
 * process's own would (REACH_USER: user-accessible, writable for a write,
 * accessed and dirty bits set as the CPU sets them), or only to kernel
 * pages (REACH_KERNEL_ONLY: what a module's site request may name).
 */
enum reach {
	REACH_KERNEL,
	REACH_USER,
	REACH_KERNEL_ONLY
};

static inline __attribute__((always_inline)) bool
reach_page(enum reach how, u64 va, bool write, u64 *gpa, u64 *pf_present)
{
	struct gpt_walk w;

	*pf_present = 0;
	if (how == REACH_KERNEL)
		return translate(va, write, gpa);
	if ((how == REACH_USER && va >= GUEST_USER_END) ||
	    !gpt_walk(vcpu_current()->cr3, va, &w))
		return false;
	*pf_present = PFE_P;
	if (how == REACH_KERNEL_ONLY ? w.user :
				       !w.user || (write && !w.writable))
		return false;
	if (how == REACH_USER)
		gpt_mark(&w, write);
	*gpa = w.gpa;
	return true;
}

/* Page by page; on failure *fault and *pf_present say where and why. */
static inline __attribute__((always_inline)) long
copy_pages(enum reach how, u64 va, void *buf, u64 len, bool write, u64 *fault,
	   u64 *pf_present)
{
	u8 *b = buf;

	while (len) {
		u64 n = 4096 - (va & 4095), gpa;

		if (n > len)
			n = len;
		if (!reach_page(how, va, write, &gpa, pf_present)) {
			*fault = va;
			return -1;
		}
		if (write)
			memcpy(gpa_ptr(gpa), b, n);
		else
			memcpy(b, gpa_ptr(gpa), n);
		va += n;
		b += n;
		len -= n;
	}
	return 0;
}

VMM_HOT long guest_read(u64 va, void *buf, u64 len)
{
	u64 fault, present;

	return copy_pages(REACH_KERNEL, va, buf, len, false, &fault, &present);
}

VMM_HOT long guest_write(u64 va, const void *buf, u64 len)
{
	u64 fault, present;

	return copy_pages(REACH_KERNEL, va, (void *)buf, len, true, &fault,
			  &present);
}

/*
 * Guest user memory as the process's own access would reach it. 0, or
 * -1 with *fault the address and *pf_present the page-fault error's P
 * bit (PFE_P: the page is there, the access is not allowed), for the #PF
 * to inject.
 */
long guest_user_copy(u64 va, void *buf, u64 len, bool write, u64 *fault,
		     u64 *pf_present)
{
	return copy_pages(REACH_USER, va, buf, len, write, fault, pf_present);
}

/* Guest kernel memory only: a user page named here is an error. */
long guest_kernel_only_copy(u64 va, void *buf, u64 len, bool write)
{
	u64 fault, present;

	return copy_pages(REACH_KERNEL_ONLY, va, buf, len, write, &fault,
			  &present);
}
