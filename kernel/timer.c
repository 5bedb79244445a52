/*
 * Timer events. The local APIC timer is one-shot (arch apic.c); each
 * interrupt handles what is due and arms it again for the earlier of
 *
 *  - the next scheduler tick (TICK_HZ: time slices, IPC timeouts), and
 *  - the earliest vCPU deadline: vcpu_timer(thread, tsc, bit) raises a
 *    virtual interrupt bit of a vCPU thread when the TSC reaches `tsc`,
 *    as vcpu_signal would. One deadline per thread, one-shot.
 *
 * A VMM's virtual timer thus interrupts its guest when it is due, not at
 * the next tick: where a guest's tick lands decides how the guest splits
 * CPU time between user and system (docs/microkernel.md, "Timers").
 */
#include <lib.h>
#include <sched.h>
#include <thread.h>
#include <stats.h>
#include <timer.h>
#include <vcpu.h>
#include <arch/apic.h>
#include <arch/cpu.h>

KERNEL_HOT_DATA static u64 next_tick;	       /* TSC of the next tick */
KERNEL_HOT_DATA static struct thread *vtimers; /* armed, unsorted */

static KERNEL_HOT u64 earliest(void)
{
	u64 e = next_tick;

	for (struct thread *t = vtimers; t; t = t->vtimer_next)
		if (t->vtimer_tsc < e)
			e = t->vtimer_tsc;
	return e;
}

static KERNEL_HOT void unlink(struct thread *t)
{
	struct thread **pp;

	for (pp = &vtimers; *pp; pp = &(*pp)->vtimer_next)
		if (*pp == t) {
			*pp = t->vtimer_next;
			break;
		}
	t->vtimer_tsc = 0;
}

static KERNEL_HOT void fire(struct thread *t, u32 bit)
{
	stat_inc(STAT_VCPU_TIMERS);
	vcpu_irq(t, bit);
}

void timer_start(void)
{
	apic_timer_start(TICK_HZ);
	next_tick = rdtsc() + apic_tsc_per_tick();
	apic_timer_arm(next_tick);
}

/* The timer interrupt. A tick that came late is not repeated. */
KERNEL_HOT void timer_interrupt(void)
{
	u64 now = rdtsc();
	struct thread **pp = &vtimers;

	if (now >= next_tick) {
		next_tick += apic_tsc_per_tick();
		if (next_tick <= now)
			next_tick = now + apic_tsc_per_tick();
		sched_tick();
	}
	while (*pp) {
		struct thread *t = *pp;

		if (t->vtimer_tsc > now) {
			pp = &t->vtimer_next;
			continue;
		}
		*pp = t->vtimer_next;
		t->vtimer_tsc = 0;
		fire(t, t->vtimer_bit);
	}
	apic_timer_arm(earliest());
}

/* Arm (tsc != 0) or cancel t's deadline; one that has passed fires now. */
KERNEL_HOT void vcpu_timer_set(struct thread *t, u64 tsc, u32 bit)
{
	vcpu_timer_cancel(t);
	if (!tsc)
		return;
	if (tsc <= rdtsc()) {
		fire(t, bit);
		return;
	}
	t->vtimer_tsc = tsc;
	t->vtimer_bit = bit;
	t->vtimer_next = vtimers;
	vtimers = t;
	if (tsc < next_tick)
		apic_timer_arm(earliest());
}

void vcpu_timer_cancel(struct thread *t)
{
	if (t->vtimer_tsc)
		unlink(t);
}
