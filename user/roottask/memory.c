/*
 * Physical memory of the root task: the free ranges from the boot
 * information, reached through the physical window. A simple bump
 * allocator; frames are not returned yet (tasks do not exit for good).
 */
#include "root.h"

static struct boot_range ranges[BOOT_MAX_RANGES];
static unsigned nr_ranges, cur;

void *phys_window(u64 phys)
{
	return (void *)(ROOT_PHYS_WINDOW + phys);
}

void memory_init(const struct boot_info *bi)
{
	for (unsigned i = 0; i < bi->nr_free && i < BOOT_MAX_RANGES; i++)
		ranges[nr_ranges++] = bi->free[i];
}

u64 frame_alloc(void)
{
	while (cur < nr_ranges) {
		struct boot_range *r = &ranges[cur];

		if (r->size >= PAGE_SIZE) {
			u64 p = r->start;

			r->start += PAGE_SIZE;
			r->size -= PAGE_SIZE;
			memset(phys_window(p), 0, PAGE_SIZE);
			return (u64)phys_window(p);
		}
		cur++;
	}
	return 0;
}

u64 memory_free_bytes(void)
{
	u64 n = 0;

	for (unsigned i = cur; i < nr_ranges; i++)
		n += ranges[i].size;
	return n;
}
