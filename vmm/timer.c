/*
 * The virtual PIT's expiries reach the vCPU through the microkernel's
 * vCPU timer (vcpu_timer): the kernel raises IRQ_BIT_TIMER when the TSC
 * reaches the deadline, interrupting whatever the vCPU runs, a guest
 * process included. The vCPU turns that bit into IRQ 0 at the virtual
 * PIC (inject.c, pit_poll). The PIT arms the next deadline each time it
 * raises a tick or is programmed.
 */
#include "vmm.h"

VMM_HOT_DATA static u64 hz, armed;

u64 tsc_hz(void)
{
	if (!hz) {
		u64 per_tick = 0;

		sys_time(&per_tick);
		hz = per_tick * 1000; /* one microkernel tick is 1 ms */
	}
	return hz;
}

/* Interrupt the vCPU when the TSC reaches deadline (0: never). */
VMM_HOT void timer_arm(u64 deadline)
{
	long err;

	if (deadline == armed)
		return;
	armed = deadline;
	err = sys_vcpu_timer(SLOT_VCPU_THREAD, deadline, IRQ_BIT_TIMER);
	if (err)
		vmm_fatal("cannot arm the vCPU timer (%ld)", err);
}
