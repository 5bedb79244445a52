/* Event counters readable through SYS_STATS (stats.c). */
#ifndef STATS_H
#define STATS_H

#include <types.h>
#include <abi/syscall.h>

extern u64 stats[STAT_COUNT];

static inline void stat_inc(unsigned which)
{
	stats[which]++;
}

long sys_stats(struct frame *f);

#endif
