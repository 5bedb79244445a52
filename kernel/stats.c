/*
 * Event counters for tracing and benchmarks. Incremented where the events
 * happen (syscall.c, ipc.c, fault.c, thread.c, sched.c); SYS_STATS reads
 * them, root task only, since they reveal other tasks' activity.
 */
#include <lib.h>
#include <kmem.h>
#include <sched.h>
#include <stats.h>
#include <task.h>
#include <thread.h>
#include <abi/errno.h>

KERNEL_HOT_DATA u64 stats[STAT_COUNT];

/* stats(which) -> rdi value */
long sys_stats(struct frame *f)
{
	if (!current()->task->is_root)
		return -E_PERM;
	if (f->rdi >= STAT_COUNT)
		return -E_INVAL;
	stats[STAT_KMEM_FREE] = kpool_free_pages();
	f->rdi = stats[f->rdi];
	return 0;
}
