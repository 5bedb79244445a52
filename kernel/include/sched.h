/*
 * The scheduler (sched.c): 256 fixed priorities, round robin with a time
 * slice within one, preemption by the timer and by wake-ups of
 * higher-priority threads; an idle thread whose time is accounted. Also
 * the tick count and IPC timeouts.
 */
#ifndef SCHED_H
#define SCHED_H

#include <types.h>

struct thread;

#define TICK_HZ 1000
#define TIME_SLICE 10 /* ticks */

void sched_init(void);
void sched_ready(struct thread *t);
void sched_unready(struct thread *t);
void sched_block(void);		/* current has left TS_READY */
void sched_preempt_check(void); /* on the way back to user mode */
void sched_yield(void);
void sched_reconsider(void);
void sched_tick(void);
noreturn void sched_start(void);
struct thread *current(void);

void timeout_set(struct thread *t, u32 ticks);
void timeout_cancel(struct thread *t);

extern volatile u64 ticks;

#endif
