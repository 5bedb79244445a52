/*
 * The root task's main: take over the boot information, start every boot
 * module as a task, serve them, and when all have finished end the run.
 */
#include "root.h"

struct child children[MAX_CHILDREN];
unsigned nr_children;

static u64 idle_delta;

/* Sleep with nothing else to run: the idle time must grow. */
static void measure_idle(void)
{
	struct ipc_msg m = { 0 };
	u64 before = 0, after = 0;

	sys_stats(STAT_IDLE_TSC, &before);
	ipc_wait(&m, NULL, 5);
	sys_stats(STAT_IDLE_TSC, &after);
	idle_delta = after - before;
}

static void report_stats(void)
{
	static const char *const names[STAT_COUNT] = {
		"syscalls",	    "ipcs",	      "faults",
		"upcalls",	    "space_switches", "ticks",
		"idle_tsc",	    "total_tsc",      "kmem_free_pages",
		"context_switches", "dma_faults",     "vcpu_timers",
	};
	u64 v[STAT_COUNT] = { 0 };
	bool ok = true;

	for (unsigned i = 0; i < STAT_COUNT; i++) {
		ok &= sys_stats(i, &v[i]) == 0;
		printf("root: stat %s %lu\n", names[i], v[i]);
	}
	ok &= v[STAT_SYSCALLS] && v[STAT_IPCS] && v[STAT_FAULTS] &&
	      v[STAT_SPACE_SWITCHES] && v[STAT_TICKS];
	ok &= idle_delta > 0 && v[STAT_IDLE_TSC] < v[STAT_TOTAL_TSC];
	printf("TEST root.stats %s counters readable by the root task, idle %lu%% of %lu ticks\n",
	       ok ? "PASS" : "FAIL",
	       v[STAT_TOTAL_TSC] ? v[STAT_IDLE_TSC] * 100 / v[STAT_TOTAL_TSC] :
				   0,
	       v[STAT_TICKS]);
}

int main(const struct boot_info *bi)
{
	unsigned started = 0;

	printf("root: started, %lu modules, %lu KiB of kernel memory\n",
	       bi->nr_modules, bi->kmem_quota * 4);
	memory_init(bi);
	device_init();
	measure_idle();
	nr_children = bi->nr_modules;
	for (unsigned i = 1; i < bi->nr_modules; i++) {
		const struct boot_module *m = &bi->modules[i];
		unsigned used = 1;
		int err;

		if (vm_module(m)) {
			err = vm_start(i, m, bi->nr_modules - i);
			used += VM_MODULES;
		} else {
			err = child_start(i, m);
		}
		if (err)
			children[i].faulted = true;
		else
			started++;
		for (unsigned k = 1; k < used && i + k < bi->nr_modules; k++) {
			/* the VM's data modules are no tasks */
			children[i + k].name = bi->modules[i + k].cmdline;
			children[i + k].done = true;
			children[i + k].data = true;
		}
		i += used - 1;
	}
	printf("root: started %u tasks\n", started);
	pager_loop();
	for (unsigned i = 1; i < nr_children; i++)
		if (!children[i].data)
			printf("root: %s %s (status %ld)\n", children[i].name,
			       children[i].done ? "exited" : "faulted",
			       children[i].status);
	report_stats();
	printf("root: all tasks finished\n");
	sys_debug_exit(0);
	return 0;
}
