/*
 * Synchronous IPC: call/reply between threads, badges, send and receive
 * timeouts, cancellation by exregs, closed receive, and IPC between two
 * tasks.
 */
#include <test.h>

static u64 server_slot;

/* Echo server: replies w0 + 1, forever. */
static void server(u64 unused)
{
	struct ipc_msg m = { 0 };
	u64 badge = 0;
	long err = ipc_wait(&m, &badge, TIMEOUT_NEVER);

	(void)unused;
	while (!err) {
		m.w[0] += 1;
		m.w[1] = badge;
		err = ipc_reply_wait(&m, &badge, TIMEOUT_NEVER);
	}
}

static void test_call_reply(void)
{
	struct spawn s;
	struct ipc_msg m;
	u64 badged = slot_alloc();
	bool ok = true;
	int i;

	spawn_thread(&s, server, 0, 100, SLOT_PARENT);
	server_slot = s.thread;
	sys_cap_copy(s.thread, SLOT_SELF_TASK, badged, CR_SEND, 0xbadc0de);
	for (i = 0; i < 200 && ok; i++) {
		m = (struct ipc_msg){ .tag = 0, .w = { (u64)i, 0, 3, 4, 5 } };
		ok = ipc_call(s.thread, &m, 100) == 0 && m.w[0] == (u64)i + 1 &&
		     m.w[2] == 3 && m.w[4] == 5;
	}
	t_result("ipc.call_reply", ok,
		 "200 call/reply round trips, all words carried (%d done)", i);
	m.w[0] = 7;
	ok = ipc_call(badged, &m, 100) == 0 && m.w[1] == 0xbadc0de;
	t_result("ipc.badge", ok,
		 "server sees badge %lx of the sender's capability", m.w[1]);
}

static void idle_thread(u64 unused)
{
	(void)unused;
	for (;;)
		sys_yield();
}

static void test_timeouts(void)
{
	struct spawn s;
	struct ipc_msg m = { 0 };
	u64 t0, t1;
	long r1, r2, r3;

	t0 = ticks_now();
	r1 = t_wait(&m, NULL, 30);
	t1 = ticks_now();
	t_result("ipc.recv_timeout",
		 r1 == -E_TIMEOUT && t1 - t0 >= 30 && t1 - t0 < 300,
		 "receive with 30-tick timeout: %ld after %lu ticks", r1,
		 t1 - t0);

	/* A thread that never receives: sends must time out. */
	spawn_thread(&s, idle_thread, 0, 100, SLOT_PARENT);
	r2 = ipc_send(s.thread, &m, 0);
	t0 = ticks_now();
	r3 = ipc_send(s.thread, &m, 20);
	t1 = ticks_now();
	sys_thread_exregs(s.thread, NULL, NULL, EX_HALT, NULL);
	t_result("ipc.send_timeout",
		 r2 == -E_TIMEOUT && r3 == -E_TIMEOUT && t1 - t0 >= 20,
		 "send without partner: %ld at once, %ld after %lu ticks", r2,
		 r3, t1 - t0);
}

static volatile long cancel_result = 1;

static void blocked_receiver(u64 unused)
{
	struct ipc_msg m = { 0 };

	(void)unused;
	cancel_result = ipc_wait(&m, NULL, TIMEOUT_NEVER);
}

static void test_cancel(void)
{
	struct spawn s;
	u64 st = 0;

	spawn_thread(&s, blocked_receiver, 0, 100, SLOT_PARENT);
	for (int i = 0; i < 5; i++)
		sys_yield();
	sys_thread_exregs(s.thread, NULL, NULL, EX_CANCEL, &st);
	for (int i = 0; i < 5 && cancel_result == 1; i++)
		sys_yield();
	t_result(
		"ipc.cancel",
		(st & EX_STATE_IPC) && cancel_result == -E_CANCELED,
		"exregs(EX_CANCEL) ends a blocked receive with E_CANCELED (%ld)",
		cancel_result);
}

/* Two senders; a closed receive must pick the named one. */
static void sender(u64 value)
{
	struct ipc_msg m = { .w = { value } };

	ipc_send(SLOT_SELF_THREAD + 1000, &m, 0); /* invalid: ignored */
	ipc_send(value >> 32, &m, TIMEOUT_NEVER);
}

static void test_closed_receive(void)
{
	struct spawn a, b;
	struct ipc_msg m = { 0 };
	u64 me = self_badged(0);
	long r1, r2;

	spawn_thread(&a, sender, (me << 32) | 1, 100, SLOT_PARENT);
	spawn_thread(&b, sender, (me << 32) | 2, 100, SLOT_PARENT);
	for (int i = 0; i < 5; i++)
		sys_yield();
	r1 = sys_ipc(CAP_NONE, b.thread, IPC_RECV, IPC_TIMEOUTS(0, 100), &m,
		     NULL);
	u64 first = m.w[0];
	r2 = sys_ipc(CAP_NONE, a.thread, IPC_RECV, IPC_TIMEOUTS(0, 100), &m,
		     NULL);
	t_result(
		"ipc.closed_receive",
		!r1 && !r2 && (first & 0xff) == 2 && (m.w[0] & 0xff) == 1,
		"closed receives took senders in the order named (%lu then %lu)",
		first & 0xff, m.w[0] & 0xff);
}

/* A child task calls us through the SLOT_PARENT cap we gave it. */
static void child_caller(u64 n)
{
	struct ipc_msg m;
	u64 sum = 0;

	for (u64 i = 0; i < n; i++) {
		m = (struct ipc_msg){ .tag = TAG_MAKE(7, 0), .w = { i } };
		if (ipc_call(SLOT_PARENT, &m, TIMEOUT_NEVER) == 0)
			sum += m.w[0];
	}
	t_report_parent(8, sum, 0);
}

static void test_cross_task(void)
{
	struct spawn c;
	struct ipc_msg m = { 0 };
	u64 badge = 0, n = 50, got = 0;
	long err = spawn_task(&c, child_caller, n, 256 << 10, 0x77);
	bool ok = err == 0;

	while (ok) {
		ok = t_wait(&m, &badge, 500) == 0 && badge == 0x77;
		if (!ok || TAG_LABEL(m.tag) == 8)
			break;
		m.w[0] *= 2;
		ok = ipc_reply(&m) == 0;
	}
	got = m.w[0];
	t_result(
		"ipc.cross_task", ok && got == n * (n - 1),
		"50 calls from a child task, replies summed to %lu (spawn %ld)",
		got, err);
}

int main(void)
{
	test_call_reply();
	test_timeouts();
	test_cancel();
	test_closed_receive();
	test_cross_task();
	return 0;
}
