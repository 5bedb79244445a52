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

/*
 * The kernel's view of the user page at va through the direct map, if
 * the task may access it (write: and write it); marked accessed (and
 * dirty) as the task's own access would. Valid until the kernel returns
 * to user mode or unmaps something.
 */
KERNEL_HOT void *space_user_page(struct space *s, u64 va, bool write)
{
	u64 need = PTE_P | PTE_U | (write ? PTE_W : 0);
	struct pte_ref r;

	if (!space_walk(s, va & ~4095ul, false, &r) || (*r.pte & need) != need)
		return NULL;
	*r.pte |= PTE_A | (write ? PTE_D : 0);
	return (char *)phys_to_virt(*r.pte & PTE_ADDR) + (va & 4095);
}

static KERNEL_HOT long space_copy(struct space *s, u64 va, void *buf,
				  size_t len, bool write)
{
	char *b = buf;

	while (len) {
		u64 n = 4096 - (va & 4095);
		char *kva = space_user_page(s, va, write);

		if (!kva)
			return -E_FAULT;
		if (n > len)
			n = len;
		if (write)
			memcpy(kva, b, n);
		else
			memcpy(b, kva, n);
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
