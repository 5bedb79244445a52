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

static VMM_HOT long guest_copy(u64 va, void *buf, u64 len, bool write)
{
	struct vcpu *v = vcpu_current();
	u8 *b = buf;

	while (len) {
		struct gpt_walk w;
		u64 n = 4096 - (va & 4095);

		if (n > len)
			n = len;
		if (!gpt_walk(v->cr3, va, &w))
			return -1;
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

VMM_HOT long guest_read(u64 va, void *buf, u64 len)
{
	return guest_copy(va, buf, len, false);
}

VMM_HOT long guest_write(u64 va, const void *buf, u64 len)
{
	return guest_copy(va, (void *)buf, len, true);
}
