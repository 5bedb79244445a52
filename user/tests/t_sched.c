/*
 * Scheduling: a started higher-priority thread runs before its creator
 * continues; equal-priority threads are time sliced, so a spinning thread
 * cannot keep its peers from running.
 */
#include <test.h>

static volatile u64 marker, spins;

static void high(u64 v)
{
	marker = v;
}

static void spinner(u64 unused)
{
	(void)unused;
	for (;;)
		spins++;
}

int main(void)
{
	struct spawn s;
	u64 t0, seen = 0;
	struct ipc_msg m = { 0 };

	/*
	 * We run at 90 and start a thread at 90 too: it must not run before
	 * we read the marker. Any preemption (a tick, an interrupt waking the
	 * root task) lets it run legitimately and queues us behind it, so a
	 * run where it did is repeated; a scheduler that preempts on equal
	 * priority fails every attempt.
	 */
	sys_thread_control(SLOT_SELF_THREAD, 0, 90, TC_SET_PRIO);
	for (int attempt = 0; attempt < 3; attempt++) {
		marker = 0;
		spawn_thread(&s, high, 1, 90, SLOT_PARENT);
		seen = marker;
		if (seen == 0)
			break;
	}
	spawn_thread(&s, high, 2, 90, SLOT_PARENT);
	sys_thread_control(SLOT_SELF_THREAD, 0, 50, TC_SET_PRIO);
	/* lowering our priority below a ready thread must switch at once */
	t_result(
		"sched.priority", seen == 0 && marker == 2,
		"a ready higher-priority thread runs as soon as it outranks us (marker %lu then %lu)",
		seen, marker);

	spawn_thread(&s, spinner, 0, 50, SLOT_PARENT);
	t0 = ticks_now();
	for (int i = 0; i < 5; i++)
		sys_yield();
	t_wait(&m, NULL, 20); /* sleep: the spinner runs */
	seen = spins;
	for (int i = 0; i < 3; i++)
		sys_yield(); /* we get the CPU back despite the spinner */
	t_result(
		"sched.timeslice", seen > 0 && ticks_now() - t0 < 2000,
		"an equal-priority spinner ran (%lu loops) and we still got the CPU back",
		seen);
	sys_thread_exregs(s.thread, NULL, NULL, EX_HALT, NULL);
	return 0;
}
