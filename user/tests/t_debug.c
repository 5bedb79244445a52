/*
 * Debug exceptions of user threads (abi/debug.h): single-stepping with
 * TF, data and execute breakpoints set with thread_debug, each #DB
 * reaching the thread's pager with DR6 in its error word; breakpoints
 * belong to one thread; a data breakpoint on a MOV SS operand right
 * before SYSCALL (whose #DB real CPUs deliver in ring 0 on the user's
 * stack) leaves the kernel running; bad breakpoints are refused.
 */
#include <test.h>

static volatile u64 go, done, watched, other;
static volatile u16 ss_sel;

static void park(void)
{
	for (;;) {
		struct ipc_msg m = { 0 };

		ipc_wait(&m, NULL, TIMEOUT_NEVER);
	}
}

static void wait_go(void)
{
	while (!go)
		sys_yield();
}

/* TF on, three nops, TF off: a trap after each of the six. */
static void step_thread(u64 unused)
{
	(void)unused;
	wait_go();
	asm volatile("pushfq; orq $0x100, (%%rsp); popfq\n\t"
		     "nop; nop; nop\n\t"
		     "pushfq; andq $~0x100, (%%rsp); popfq" ::
			     : "memory", "cc");
	done = 1;
	park();
}

static void watch_thread(u64 unused)
{
	(void)unused;
	wait_go();
	watched = 1;
	other = 2;
	watched = 3;
	done = 2;
	park();
}

static __attribute__((noinline)) void target(void)
{
	asm volatile("");
}

static void exec_thread(u64 unused)
{
	(void)unused;
	wait_go();
	target();
	done = 3;
	park();
}

static void movss_thread(u64 unused)
{
	(void)unused;
	wait_go();
	asm volatile("mov %0, %%ss; syscall"
		     :
		     : "m"(ss_sel), "a"(SYS_YIELD)
		     : "rcx", "r11", "memory");
	done = 4;
	park();
}

/* #DB messages for the thread until it is quiet; their DR6 ORed. */
struct traps {
	unsigned n, other;
	u64 dr6_all, dr6_and, first_ip;
};

static void collect(struct traps *t, u64 clear_thread)
{
	struct ipc_msg m, r;

	*t = (struct traps){ .dr6_and = ~0ul };
	while (t_wait(&m, NULL, 50) == 0) {
		if (TAG_LABEL(m.tag) == LABEL_EXCEPTION && m.w[0] == 1) {
			if (!t->n++)
				t->first_ip = m.w[2];
			t->dr6_all |= m.w[1];
			t->dr6_and &= m.w[1];
		} else {
			t->other++;
		}
		if (clear_thread) {
			u64 none[4] = { 0 };

			sys_thread_debug(clear_thread, 0, none);
		}
		r = (struct ipc_msg){ 0 };
		ipc_reply(&r);
	}
}

static void start(struct spawn *s, entry_fn fn, u64 pager)
{
	go = 0;
	done = 0;
	spawn_thread(s, fn, 0, 100, pager);
}

/* Slot i on (its L bit) with the given RW and LEN fields. */
#define WATCH(i, rw, len)                                 \
	(1ul << (2 * (i)) | (u64)(rw) << (16 + 4 * (i)) | \
	 (u64)(len) << (18 + 4 * (i)))

int main(void)
{
	u64 pager = self_badged(0xdb), addr[4] = { 0 };
	struct spawn s;
	struct traps t;
	long e;

	start(&s, step_thread, pager);
	go = 1;
	collect(&t, 0);
	t_result(
		"debug.single_step",
		done == 1 && t.n == 6 && !t.other && (t.dr6_and & DR6_BS),
		"TF traps after each of 6 instructions, DR6.BS each time (got %u, DR6 %lx)",
		t.n, t.dr6_and);

	start(&s, watch_thread, pager);
	addr[0] = (u64)&watched;
	e = sys_thread_debug(s.thread, WATCH(0, 1, 3), addr); /* write, 4+ */
	watched = 7; /* ours: no breakpoint here */
	go = 1;
	collect(&t, 0);
	t_result(
		"debug.watchpoint",
		!e && done == 2 && t.n == 2 && !t.other &&
			(t.dr6_and & DR6_HIT(0)) && watched == 3 && other == 2,
		"a write breakpoint trapped the thread's 2 writes, not its other one nor ours (%u traps, DR6 %lx)",
		t.n, t.dr6_and);

	start(&s, exec_thread, pager);
	addr[0] = 0;
	addr[1] = (u64)target;
	e = sys_thread_debug(s.thread, WATCH(1, 0, 0), addr);
	go = 1;
	collect(&t, s.thread);
	t_result(
		"debug.exec_breakpoint",
		!e && done == 3 && t.n == 1 && t.first_ip == (u64)target &&
			(t.dr6_all & DR6_HIT(1)),
		"an execute breakpoint stopped the thread at the function (ip %lx, DR6 %lx)",
		t.first_ip, t.dr6_all);

	asm volatile("mov %%ss, %0" : "=r"(addr[0]));
	ss_sel = (u16)addr[0];
	start(&s, movss_thread, pager);
	addr[0] = (u64)&ss_sel;
	addr[1] = 0;
	e = sys_thread_debug(s.thread, WATCH(0, 3, 1), addr);
	go = 1;
	collect(&t, 0);
	t_result(
		"debug.mov_ss_syscall", !e && done == 4 && !t.other,
		"a breakpoint on a MOV SS operand before SYSCALL: the thread went on (%s), the kernel too",
		t.n ? "#DB in user mode" : "#DB taken in the kernel");

	{
		u64 kern[4] = { 0xffff800000100000ul },
		    edge[4] = { 0x00007ffffffffffcul };
		long k = sys_thread_debug(s.thread, WATCH(0, 1, 3), kern);
		long io = sys_thread_debug(s.thread, WATCH(0, 2, 0), addr);
		long xl = sys_thread_debug(s.thread, WATCH(0, 0, 3), addr);
		long gd = sys_thread_debug(s.thread, 1ul << 13 | 1, addr);
		long ed = sys_thread_debug(s.thread, WATCH(0, 1, 2), edge);
		long bc = sys_thread_debug(CAP_SLOTS + 1, 1, addr);
		long off = sys_thread_debug(s.thread, 0, kern);

		t_result(
			"debug.bad_breakpoints",
			k == -E_INVAL && io == -E_INVAL && xl == -E_INVAL &&
				gd == -E_INVAL && ed == -E_INVAL &&
				bc == -E_BADCAP && off == 0,
			"kernel address, I/O, long execute, GD, past the user half, bad cap refused (%ld %ld %ld %ld %ld %ld), all off accepted",
			k, io, xl, gd, ed, bc);
	}
	return 0;
}
