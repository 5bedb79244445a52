/*
 * The timer thread: a second thread in the VM's task that sleeps until
 * the virtual PIT's next expiry (the microkernel's IPC timeouts, 1 ms
 * ticks) and raises the vCPU's IRQ_BIT_TIMER (vcpu_signal). The vCPU
 * turns that bit into IRQ 0 at the virtual PIC (inject.c). Programming
 * the PIT wakes the thread so a new deadline takes effect at once.
 */
#include "vmm.h"

#define TIMER_IDLE_TICKS 10

static u64 hz;
static char timer_stack[8192] __attribute__((aligned(16)));

u64 tsc_hz(void)
{
	if (!hz) {
		u64 per_tick = 0;

		sys_time(&per_tick);
		hz = per_tick * 1000; /* one microkernel tick is 1 ms */
	}
	return hz;
}

/*
 * Signal each deadline once; the vCPU advances it (pit_poll). Until it
 * has, look again every tick: the vCPU may have its interrupts off.
 */
static void noreturn timer_thread(void)
{
	u64 per_tick = tsc_hz() / 1000, signalled = 0;

	for (;;) {
		u64 d = pit_next_deadline(), now = rdtsc(), ticks;
		struct ipc_msg m = { 0 };

		if (d && now >= d && d != signalled) {
			sys_vcpu_signal(SLOT_VCPU_THREAD, IRQ_BIT_TIMER);
			signalled = d;
			continue;
		}
		if (!d)
			ticks = TIMER_IDLE_TICKS;
		else if (now >= d)
			ticks = 1;
		else
			ticks = (d - now + per_tick - 1) / per_tick;
		ipc_wait(&m, NULL, ticks); /* at least 1 */
	}
}

void timer_start(void)
{
	u64 ip = (u64)timer_thread,
	    sp = (u64)(timer_stack + sizeof(timer_stack));
	long err;

	tsc_hz();
	err = sys_thread_create(SLOT_SELF_TASK, SLOT_TIMER_THREAD);
	if (!err)
		err = sys_thread_control(SLOT_TIMER_THREAD, SLOT_PARENT, 0,
					 TC_SET_PAGER);
	if (!err)
		err = sys_thread_exregs(SLOT_TIMER_THREAD, &ip, &sp,
					EX_SET_IP | EX_SET_SP, NULL);
	if (!err)
		err = sys_thread_control(SLOT_TIMER_THREAD, 0, 0, TC_START);
	/* below the timer thread, so an expiry preempts the guest at once */
	if (!err)
		err = sys_thread_control(SLOT_VCPU_THREAD, 0, VCPU_PRIORITY,
					 TC_SET_PRIO);
	if (err)
		vmm_fatal("cannot start the timer thread (%ld)", err);
}

/* Wake the timer thread if it sleeps; it re-reads the deadline. */
void timer_kick(void)
{
	struct ipc_msg m = { 0 };

	if (hz)
		ipc_send(SLOT_TIMER_THREAD, &m, 0);
}
