/*
 * The root task's main: take over the boot information, start every boot
 * module as a task, serve them, and when all have finished end the run.
 */
#include "root.h"

struct child children[MAX_CHILDREN];
unsigned nr_children;

static void report_stats(void)
{
	static const char *const names[STAT_COUNT] = {
		"syscalls", "ipcs", "faults", "upcalls", "space_switches",
		"ticks", "idle_tsc", "total_tsc", "kmem_free_pages",
		"context_switches",
	};
	u64 v;

	for (unsigned i = 0; i < STAT_COUNT; i++)
		if (sys_stats(i, &v) == 0)
			printf("root: stat %s %lu\n", names[i], v);
}

int main(const struct boot_info *bi)
{
	unsigned started = 0;

	printf("root: started, %lu modules, %lu KiB of kernel memory\n",
	       bi->nr_modules, bi->kmem_quota * 4);
	memory_init(bi);
	nr_children = bi->nr_modules;
	for (unsigned i = 1; i < bi->nr_modules; i++)
		if (child_start(i, &bi->modules[i]) == 0)
			started++;
		else
			children[i].faulted = true;
	printf("root: started %u tasks\n", started);
	pager_loop();
	for (unsigned i = 1; i < nr_children; i++)
		printf("root: %s %s (status %ld)\n", children[i].name,
		       children[i].done ? "exited" : "faulted",
		       children[i].status);
	report_stats();
	printf("root: all tasks finished\n");
	sys_debug_exit(0);
	return 0;
}
