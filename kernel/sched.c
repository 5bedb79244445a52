/*
 * The scheduler. Ready threads wait in one FIFO per priority (255 is the
 * highest); a bitmap finds the highest non-empty queue. The running thread
 * is not in a queue. The timer tick charges the running thread's slice and
 * expires IPC timeouts; the idle thread runs when nothing else can, and
 * the TSC cycles it spends are counted (STAT_IDLE_TSC) so that CPU
 * utilisation can be measured.
 */
#include <lib.h>
#include <ipc.h>
#include <sched.h>
#include <stats.h>
#include <thread.h>
#include <abi/errno.h>
#include <arch/cpu.h>
#include <arch/percpu.h>

KERNEL_HOT_DATA volatile u64 ticks;
static struct thread *queue_head[256], *queue_tail[256];
KERNEL_HOT_DATA static u64 queue_map[4];
KERNEL_HOT_DATA static struct thread *timeouts;
KERNEL_HOT_DATA static bool need_resched;
KERNEL_HOT_DATA static u64 switch_tsc, boot_tsc;

KERNEL_EVENT struct thread *current(void)
{
	return this_cpu()->current;
}

KERNEL_HOT void sched_ready(struct thread *t)
{
	unsigned p = t->prio;

	t->q_next = NULL;
	if (queue_tail[p])
		queue_tail[p]->q_next = t;
	else
		queue_head[p] = t;
	queue_tail[p] = t;
	queue_map[p / 64] |= 1ul << (p % 64);
	if (t->prio > current()->prio)
		need_resched = true;
}

KERNEL_HOT void sched_unready(struct thread *t)
{
	unsigned p = t->prio;
	struct thread **pp, *prev = NULL;

	for (pp = &queue_head[p]; *pp && *pp != t; pp = &(*pp)->q_next)
		prev = *pp;
	if (!*pp)
		return; /* running, not queued */
	*pp = t->q_next;
	if (queue_tail[p] == t)
		queue_tail[p] = prev;
	if (!queue_head[p])
		queue_map[p / 64] &= ~(1ul << (p % 64));
}

static KERNEL_HOT struct thread *pick_next(void)
{
	for (int i = 3; i >= 0; i--) {
		if (!queue_map[i])
			continue;
		unsigned p = i * 64 + 63 - __builtin_clzl(queue_map[i]);
		struct thread *t = queue_head[p];

		queue_head[p] = t->q_next;
		if (!queue_head[p]) {
			queue_tail[p] = NULL;
			queue_map[i] &= ~(1ul << (p % 64));
		}
		return t;
	}
	return this_cpu()->idle;
}

static KERNEL_HOT void switch_to(struct thread *next)
{
	struct thread *prev = current();
	u64 now = rdtsc();

	if (prev == this_cpu()->idle)
		stats[STAT_IDLE_TSC] += now - switch_tsc;
	else
		prev->cpu_tsc += now - switch_tsc;
	switch_tsc = now;
	need_resched = false;
	if (next->slice_left == 0)
		next->slice_left = TIME_SLICE;
	if (next != prev)
		thread_switch(prev, next);
}

/* current() is no longer ready (blocked or halted): run someone else. */
KERNEL_HOT void sched_block(void)
{
	switch_to(pick_next());
}

void sched_yield(void)
{
	struct thread *t = current();

	if (t != this_cpu()->idle) {
		t->slice_left = 0;
		sched_ready(t);
	}
	switch_to(pick_next());
}

/* The running thread's priority dropped: let a better one run. */
KERNEL_HOT void sched_reconsider(void)
{
	need_resched = true;
}

/* Called before returning to user mode or from an interrupt. */
KERNEL_EVENT void sched_preempt_check(void)
{
	struct thread *t = current();

	if (!need_resched)
		return;
	if (t != this_cpu()->idle && t->state == TS_READY)
		sched_ready(t);
	switch_to(pick_next());
}

void timeout_set(struct thread *t, u32 n)
{
	t->timeout = ticks + n;
	t->timeout_next = timeouts;
	timeouts = t;
}

void timeout_cancel(struct thread *t)
{
	struct thread **pp;

	if (!t->timeout)
		return;
	for (pp = &timeouts; *pp; pp = &(*pp)->timeout_next)
		if (*pp == t) {
			*pp = t->timeout_next;
			break;
		}
	t->timeout = 0;
}

KERNEL_HOT void sched_tick(void)
{
	struct thread *t = current(), **pp;

	ticks++;
	stats[STAT_TICKS] = ticks;
	stats[STAT_TOTAL_TSC] = rdtsc() - boot_tsc;
	for (pp = &timeouts; *pp;) {
		struct thread *w = *pp;

		if (w->timeout > ticks) {
			pp = &w->timeout_next;
			continue;
		}
		*pp = w->timeout_next;
		w->timeout = 0;
		ipc_cancel(w, -E_TIMEOUT);
	}
	if (t != this_cpu()->idle && t->slice_left && --t->slice_left == 0)
		need_resched = true;
}

/* Stands for the boot stack until the first switch abandons it. */
static struct thread boot_thread = { .kernel = true };

void sched_init(void)
{
	struct percpu *c = this_cpu();

	c->idle = thread_create_idle();
	c->current = &boot_thread;
	boot_tsc = switch_tsc = rdtsc();
}

noreturn void sched_start(void)
{
	switch_to(pick_next());
	panic("sched_start returned");
}
