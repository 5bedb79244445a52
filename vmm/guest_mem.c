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
static VMM_HOT bool translate(u64 va, bool write, u64 *gpa)
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

static VMM_HOT long guest_copy(u64 va, void *buf, u64 len, bool write)
{
	u8 *b = buf;

	while (len) {
		u64 n = 4096 - (va & 4095), gpa;

		if (n > len)
			n = len;
		if (!translate(va, write, &gpa))
			return -1;
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
	return guest_copy(va, buf, len, false);
}

VMM_HOT long guest_write(u64 va, const void *buf, u64 len)
{
	return guest_copy(va, (void *)buf, len, true);
}

/*
 * Guest user memory as the process's own access would reach it: every
 * page user-accessible, and writable for a write, in RAM. 0, or the
 * page-fault error bit PFE_P (the page is there, the access is not
 * allowed) or 0 with *fault the address, for the #PF to inject.
 */
long guest_user_copy(u64 va, void *buf, u64 len, bool write, u64 *fault,
		     u64 *pf_present)
{
	u8 *b = buf;

	while (len) {
		u64 n = 4096 - (va & 4095);
		struct gpt_walk w;
		bool ok;

		if (n > len)
			n = len;
		ok = va < GUEST_USER_END &&
		     gpt_walk(vcpu_current()->cr3, va, &w);
		*pf_present = ok ? PFE_P : 0;
		if (!ok || !w.user || (write && !w.writable) ||
		    !gpa_is_ram(w.gpa, n)) {
			*fault = va;
			return -1;
		}
		gpt_mark(&w, write);
		if (write)
			memcpy(gpa_ptr(w.gpa), b, n);
		else
			memcpy(b, gpa_ptr(w.gpa), n);
		va += n;
		b += n;
		len -= n;
	}
	return 0;
}
