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

/* n physically contiguous zeroed frames: their root-window address. */
u64 frame_alloc_run(u64 n)
{
	for (unsigned i = cur; i < nr_ranges; i++) {
		struct boot_range *r = &ranges[i];

		if (r->size >= n * PAGE_SIZE) {
			u64 p = r->start;

			r->start += n * PAGE_SIZE;
			r->size -= n * PAGE_SIZE;
			memset(phys_window(p), 0, n * PAGE_SIZE);
			return (u64)phys_window(p);
		}
		if (i == cur && r->size == 0)
			cur++;
	}
	return 0;
}

u64 frame_alloc(void)
{
	return frame_alloc_run(1);
}

/* Map pages [src, src + pages) of ours at dst in task, MAP_MAX_PAGES a call. */
long map_pages(u64 task, u64 src, u64 dst, u64 pages, unsigned rights)
{
	for (u64 i = 0; i < pages; i += MAP_MAX_PAGES) {
		u64 n = pages - i < MAP_MAX_PAGES ? pages - i : MAP_MAX_PAGES;
		long err = sys_map(task, src + i * PAGE_SIZE,
				   dst + i * PAGE_SIZE, n, rights);

		if (err)
			return err;
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
