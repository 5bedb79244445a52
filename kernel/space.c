/*
 * Reading and writing a task's memory from the kernel. The kernel never
 * dereferences user pointers: it walks the task's page tables and goes
 * through the direct map, so a bad pointer is an error code and never a
 * kernel page fault.
 */
#include <lib.h>
#include <space.h>
#include <abi/errno.h>
#include <arch/layout.h>
#include <arch/paging.h>

static KERNEL_HOT long space_copy(struct space *s, u64 va, void *buf,
				  size_t len, bool write)
{
	char *b = buf;

	while (len) {
		struct pte_ref r;
		u64 off = va & 4095, n = 4096 - off;
		char *kva;

		if (n > len)
			n = len;
		if (!space_walk(s, va & ~4095ul, false, &r))
			return -E_FAULT;
		if (!(*r.pte & PTE_P) || !(*r.pte & PTE_U))
			return -E_FAULT;
		if (write && !(*r.pte & PTE_W))
			return -E_FAULT;
		kva = (char *)phys_to_virt(*r.pte & PTE_ADDR) + off;
		if (write)
			memcpy(kva, b, n);
		else
			memcpy(b, kva, n);
		*r.pte |= PTE_A | (write ? PTE_D : 0);
		b += n;
		va += n;
		len -= n;
	}
	return 0;
}

KERNEL_HOT long space_copy_from(struct space *s, u64 va, void *buf, size_t len)
{
	return space_copy(s, va, buf, len, false);
}

KERNEL_HOT long space_copy_to(struct space *s, u64 va, const void *buf,
			      size_t len)
{
	return space_copy(s, va, (void *)buf, len, true);
}
