/*
 * Fault delivery: a page fault reaches the pager with address, error code
 * and ip and is answered with a mapping; an exception is answered with new
 * registers; a thread without a pager halts without disturbing anyone.
 */
#include <test.h>

static volatile u64 survivor;

static void no_pager_thread(u64 addr)
{
	survivor = *(volatile u64 *)addr; /* faults, no pager: halts */
	survivor = 1;
}

int main(void)
{
	struct spawn c, t;
	struct ipc_msg m, r;
	u64 *page = heap_alloc(PAGE_SIZE), st = 0;
	u64 addr = 0x30000000, fault_err, fault_ip;
	long e1, e2;
	bool ok, ok2;

	spawn_task(&c, child_cmd_loop, 0, 256 << 10, 0xf);

	/* page fault answered by a mapping; the read then completes */
	*page = 0xabcdef;
	e1 = child_cmd(&c, CMD_READ, addr + 8, 0, 0, 0, &m);
	ok = e1 == 0 && TAG_LABEL(m.tag) == LABEL_PAGE_FAULT &&
	     m.w[0] == addr + 8;
	fault_err = m.w[1];
	fault_ip = m.w[2];
	r = (struct ipc_msg){ .tag = TAG_MAP, .w = { (u64)page, MAP_R } };
	e1 = ipc_reply(&r);
	m = (struct ipc_msg){ 0 };
	e2 = t_wait(&m, NULL, 500);
	ok &= !e1 && !e2 && TAG_LABEL(m.tag) == CMD_DONE && m.w[0] == 0;
	*(page + 1) = 0;
	t_result(
		"fault.page_fault",
		ok && fault_err == PF_USER && fault_ip > 0x1000000,
		"pager got addr, error %lx and ip %lx, its mapping let the access complete",
		fault_err, fault_ip);

	/* exception answered with new registers: skip the ud2 */
	e1 = child_cmd(&c, CMD_UD2, 0, 0, 0, 0, &m);
	ok = e1 == 0 && TAG_LABEL(m.tag) == LABEL_EXCEPTION && m.w[0] == 6;
	r = (struct ipc_msg){ .tag = TAG_EXREGS, .w = { m.w[2] + 2, m.w[3] } };
	e1 = ipc_reply(&r);
	e2 = t_wait(&m, NULL, 500);
	ok &= !e1 && !e2 && TAG_LABEL(m.tag) == CMD_DONE && m.w[0] == 2;
	t_result("fault.exception", ok,
		 "#UD delivered as exception 6, the pager's new ip skipped it");

	/*
	 * As in Linux's IDT, user code may raise #OF itself (int $4); an
	 * x87 error is #MF (CR0.NE), not the PC's FERR# line. Last: the
	 * child's x87 keeps its pending error.
	 */
	e1 = child_cmd(&c, CMD_INT4, 0, 0, 0, 0, &m);
	ok = e1 == 0 && TAG_LABEL(m.tag) == LABEL_EXCEPTION && m.w[0] == 4;
	child_restart();
	e2 = child_cmd(&c, CMD_X87_DIV, 0, 0, 0, 0, &m);
	ok2 = e2 == 0 && TAG_LABEL(m.tag) == LABEL_EXCEPTION && m.w[0] == 16;
	child_restart();
	t_result(
		"fault.user_vectors", ok && ok2,
		"int $4 raises #OF (%s), an unmasked x87 divide #MF (got %s %lx)",
		ok ? "yes" : "no",
		TAG_LABEL(m.tag) == CMD_DONE ? "no fault, result" : "vector",
		m.w[0]);

	/* a thread without pager halts; we go on */
	spawn_thread(&t, no_pager_thread, 0x50000000, 100, 0);
	for (int i = 0; i < 10; i++)
		sys_yield();
	sys_thread_exregs(t.thread, NULL, NULL, 0, &st);
	t_result(
		"fault.no_pager", (st & EX_STATE_HALTED) && survivor == 0,
		"faulting thread without pager is halted (state %lx), its task goes on",
		st);
	return 0;
}
