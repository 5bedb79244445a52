/*
 * The virtual timers' expiries reach the vCPU through the microkernel's
 * vCPU timer (vcpu_timer): the kernel raises IRQ_BIT_TIMER when the TSC
 * reaches the deadline, interrupting whatever the vCPU runs, a guest
 * process included. The thread has one such deadline; the devices that
 * need one (the PIT's tick, the RTC's update, alarm and periodic
 * interrupts) each set theirs here and the earliest is armed. When the
 * bit arrives the vCPU calls each device whose deadline has passed
 * (timer_fired, from inject.c); a device that raised its interrupt sets
 * its next deadline, which arms the timer again.
 */
#include "vmm.h"

VMM_HOT_DATA static u64 hz, armed, due[TIMER_SOURCES];

u64 tsc_hz(void)
{
	if (!hz) {
		u64 per_tick = 0;

		sys_time(&per_tick);
		hz = per_tick * 1000; /* one microkernel tick is 1 ms */
	}
	return hz;
}

/* Interrupt the vCPU when the TSC reaches deadline for src (0: never). */
VMM_HOT void timer_set(enum timer_source src, u64 deadline)
{
	u64 first = 0;
	long err;

	due[src] = deadline;
	for (unsigned i = 0; i < TIMER_SOURCES; i++)
		if (due[i] && (!first || due[i] < first))
			first = due[i];
	if (first == armed)
		return;
	armed = first;
	err = sys_vcpu_timer(SLOT_VCPU_THREAD, first, IRQ_BIT_TIMER);
	if (err)
		vmm_fatal("cannot arm the vCPU timer (%ld)", err);
}

/* The vCPU timer fired: let each device whose deadline passed raise it. */
VMM_HOT void timer_fired(void)
{
	u64 now = rdtsc();

	if (due[TIMER_PIT] && now >= due[TIMER_PIT])
		pit_poll(now);
	if (due[TIMER_RTC] && now >= due[TIMER_RTC])
		rtc_poll(now);
}
