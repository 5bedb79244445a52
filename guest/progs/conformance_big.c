/*
 * Memory pressure: checks that fill a soft TLB, each also an ordinary
 * Linux program. Under the VMM the first outgrows every kernel-memory
 * quota a user task can get and the second needs a big share of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "conformance.h"

/*
 * One page in each of many 1 GiB regions, twice over: two page tables per
 * page. Under the VMM this outgrows all the kernel-memory quota a user
 * task can be lent (16 MiB of page tables), so the task is flushed and
 * refilled; every value must survive that.
 */
#define SPARSE_REGIONS 1024
#define REGION (1ul << 30)

static int sparse_regions(void)
{
	unsigned char *base;
	int pass, i;

	base = mmap(NULL, SPARSE_REGIONS * REGION, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return check_fail_errno("mmap");
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < SPARSE_REGIONS; i++) {
			unsigned char *p = base + i * REGION + 4096 * (i % 8);

			if (pass == 0)
				*p = (unsigned char)(i * 7 + 1);
			else if (*p != (unsigned char)(i * 7 + 1))
				return check_fail("region %d reads %u", i, *p);
		}
	return munmap(base, SPARSE_REGIONS * REGION) < 0 ?
		       check_fail_errno("munmap") :
		       0;
}

/*
 * 320 MiB of anonymous memory, every page written, then pseudo-random
 * reads of all of them: more than half of the guest's 512 MiB, natively
 * and as a VM. Under the VMM the soft TLB must hold 80,000 pages of one
 * process, which the 512 KiB page-table quota a user task once had could
 * not (it thrashed at about 28 MiB); user tasks now get more as they
 * fill. CONFORMANCE_BIG_MIB in the environment sets another size (the
 * VM test of borrowed kernel memory, vm.big_process, takes 440).
 */
#define BIG_MIB 320
#define BIG_VALUE(i) ((unsigned long)(i)*2654435761ul + 1)

static int big_working_set(void)
{
	unsigned long *p, x = 88172645463325252ul;
	size_t words = 4096 / sizeof(*p);
	const char *mib = getenv("CONFORMANCE_BIG_MIB");
	size_t pages = (mib ? strtoul(mib, NULL, 10) : BIG_MIB) << 8;

	if (!pages)
		return check_fail("CONFORMANCE_BIG_MIB=%s", mib);
	p = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return check_fail_errno("mmap");
	for (size_t i = 0; i < pages; i++)
		p[i * words + i % words] = BIG_VALUE(i);
	for (size_t n = 0; n < pages; n++) {
		size_t i;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = x % pages;
		if (p[i * words + i % words] != BIG_VALUE(i))
			return check_fail("page %zu reads %lx", i,
					  p[i * words + i % words]);
	}
	return munmap(p, pages * 4096) < 0 ? check_fail_errno("munmap") : 0;
}

const struct check big_checks[] = {
	{ "sparse_regions", sparse_regions },
	/* 80,000 page faults: minutes when other VMs share the CPU */
	{ "big_working_set", big_working_set, 180 },
	{ NULL, NULL },
};
