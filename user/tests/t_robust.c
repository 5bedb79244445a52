/*
 * Robustness: a task that loops forever, one that exhausts its kernel
 * memory and one that faults over and over do not stop anyone else (the
 * other test tasks run at the same time and must still pass).
 */
#include <test.h>

int main(void)
{
	struct spawn looper, hog, faulter, t;
	struct ipc_msg m = { 0 };
	u64 t0, t1, n = 0, slot;
	long e;
	int faults = 0;

	/* looper: equal priority, spins forever */
	spawn_task(&looper, child_cmd_loop, 0, 64 << 10, 0x10);
	m = (struct ipc_msg){ .tag = TAG_MAKE(CMD_LOOP, 0) };
	ipc_send(looper.thread, &m, 200);
	t0 = ticks_now();
	e = t_wait(&m, NULL, 30);
	t1 = ticks_now();
	t_result(
		"robust.looper",
		e == -E_TIMEOUT && t1 - t0 >= 30 && t1 - t0 < 200,
		"with a task spinning at our priority we still wake on time (%lu ticks)",
		t1 - t0);
	sys_thread_exregs(looper.thread, NULL, NULL, EX_HALT, NULL);

	/* hog: creates threads in itself until its quota is gone */
	spawn_task(&hog, child_cmd_loop, 0, 96 << 10, 0x11);
	sys_cap_copy(hog.task, hog.task, 0, CR_ALL, 0);
	for (slot = 20; slot < CAP_SLOTS; slot++) {
		e = child_cmd5(&hog, SYS_THREAD_CREATE, 0, slot, 0, 0, &m);
		if (e || (long)m.w[0] != 0)
			break;
		n++;
	}
	e = sys_thread_create(SLOT_SELF_TASK, slot_alloc());
	t_result(
		"robust.kmem",
		n > 2 && n < 20 && (long)m.w[0] == -E_NOMEM && e == 0,
		"a 96 KiB task made %lu threads, then E_NOMEM; our own quota is untouched",
		n);

	/*
	 * quota: move kernel memory to the full hog and back; only unused
	 * quota comes back, only a task-control cap moves it, never to
	 * oneself; our own limit changes by what moved.
	 */
	{
		u64 lim0 = 0, used0 = 0, lim1 = 0, used1 = 0;
		u64 me0 = 0, me1 = 0, me2 = 0;
		long give, more, back, over, self_e, bad_e, huge_e, pull_e;

		sys_task_quota(SLOT_SELF_TASK, 0, &me0, NULL);
		sys_task_quota(hog.task, 0, &lim0, &used0);
		over = sys_task_quota(hog.task, -(long)(lim0 - used0) - 4096,
				      NULL, NULL);
		give = sys_task_quota(hog.task, 64 << 10, &lim1, NULL);
		sys_task_quota(SLOT_SELF_TASK, 0, &me1, NULL);
		e = child_cmd5(&hog, SYS_THREAD_CREATE, 0, slot, 0, 0, &m);
		more = e ? e : (long)m.w[0];
		sys_task_quota(hog.task, 0, &lim1, &used1);
		back = sys_task_quota(hog.task, -(long)(lim1 - used1), &lim1,
				      NULL);
		sys_task_quota(SLOT_SELF_TASK, 0, &me2, NULL);
		self_e = sys_task_quota(SLOT_SELF_TASK, 4096, NULL, NULL);
		bad_e = sys_task_quota(CAP_SLOTS + 3, 0, NULL, NULL);
		huge_e = sys_task_quota(hog.task, 1l << 41, NULL, NULL);
		e = child_cmd5(&hog, SYS_TASK_QUOTA, SLOT_PARENT, (u64)-4096l,
			       0, 0, &m);
		pull_e = e ? e : (long)m.w[0];
		t_result(
			"robust.quota",
			over == -E_NOMEM && give == 0 &&
				me1 == me0 - (64 << 10) && more == 0 &&
				back == 0 && lim1 == used1 &&
				me2 == me0 + lim0 - used1 &&
				self_e == -E_INVAL && bad_e == -E_BADCAP &&
				huge_e == -E_INVAL && pull_e == -E_BADCAP,
			"64 KiB moved to the full task let it make a thread; its unused quota came back (%lu of %lu used); errors %ld %ld %ld %ld %ld",
			used1, lim1, over, self_e, bad_e, huge_e, pull_e);
	}

	/* faulter: faults 500 times in a row, each answered */
	spawn_task(&faulter, child_cmd_loop, 0, 64 << 10, 0x12);
	e = child_cmd(&faulter, CMD_UD2, 0, 0, 0, 0, &m);
	while (e == 0 && TAG_LABEL(m.tag) == LABEL_EXCEPTION && faults < 500) {
		faults++;
		child_restart();
		m = (struct ipc_msg){ .tag = TAG_MAKE(CMD_UD2, 0) };
		ipc_send(faulter.thread, &m, 200);
		e = t_wait(&m, NULL, 500);
	}
	spawn_thread(&t, (entry_fn)0, 0, 100, 0); /* faults at ip 0, halts */
	t_result(
		"robust.fault_storm", faults == 500,
		"500 exceptions in a row from one task, each delivered and answered (%d)",
		faults);
	return 0;
}
