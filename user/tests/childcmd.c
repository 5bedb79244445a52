/*
 * The child-task command interpreter (see test.h): lets a test drive a
 * task that holds nothing but what the test gave it, and observe exactly
 * which of its accesses fault.
 */
#include <test.h>

void child_cmd_loop(u64 unused)
{
	(void)unused;
	for (;;) {
		struct ipc_msg m = { 0 };
		u64 r = 0;
		u8 v;

		if (ipc_wait(&m, NULL, TIMEOUT_NEVER))
			continue;
		switch (TAG_LABEL(m.tag)) {
		case CMD_READ:
			r = *(volatile u64 *)m.w[0];
			break;
		case CMD_WRITE:
			*(volatile u64 *)m.w[0] = m.w[1];
			break;
		case CMD_SYSCALL: /* w4 packs the 4th and 5th argument */
			r = syscall6(m.w[0], m.w[1], m.w[2], m.w[3],
				     m.w[4] & 0xffffffff, m.w[4] >> 32, 0)
				    .status;
			break;
		case CMD_INB:
			asm volatile("inb %w1, %0" : "=a"(v) : "d"(m.w[0]));
			r = v;
			break;
		case CMD_CLI:
			asm volatile("cli");
			break;
		case CMD_HLT:
			asm volatile("hlt");
			break;
		case CMD_UD2:
			asm volatile("ud2");
			r = 0x2; /* reached only if the pager skipped it */
			break;
		case CMD_LOOP:
			for (;;)
				asm volatile("" ::: "memory");
		case CMD_LOAD_DS: /* DS is ignored in 64-bit mode: put it back */
			asm volatile("mov %w0, %%ds; mov %w1, %%ds"
				     :
				     : "r"(m.w[0]), "r"(0));
			break;
		case CMD_READ_ES: {
			u16 es;

			asm volatile("mov %%es, %0" : "=r"(es));
			r = es;
			break;
		}
		case CMD_COMPAT_UD2: /* this code lies below 4 GiB */
			asm volatile("pushq $0x23; lea 1f(%%rip), %%rax\n\t"
				     "push %%rax; lretq\n"
				     ".code32\n"
				     "1: ud2\n"
				     ".code64"
				     :
				     :
				     : "rax", "memory");
			break;
		case CMD_INT4:
			asm volatile("int $4");
			break;
		case CMD_X87_DIV: {
			u16 cw;

			asm volatile("fnstcw %0" : "=m"(cw));
			cw &= ~4; /* ZM */
			asm volatile("fldcw %0; fld1; fldz; fdivrp; fwait"
				     :
				     : "m"(cw));
			break;
		}
		}
		t_report_parent(CMD_DONE, r, 0);
	}
}

long child_cmd(struct spawn *c, u64 cmd, u64 a, u64 b, u64 d, u64 e,
	       struct ipc_msg *m)
{
	long err;

	*m = (struct ipc_msg){ .tag = TAG_MAKE(cmd, 0),
			       .w = { a, b, d, e, 0 } };
	err = ipc_send(c->thread, m, 200);
	if (err)
		return err;
	*m = (struct ipc_msg){ 0 };
	return t_wait(m, NULL, 500);
}

long child_cmd5(struct spawn *c, u64 nr, u64 a, u64 b, u64 d, u64 packed,
		struct ipc_msg *m)
{
	long err;

	*m = (struct ipc_msg){ .tag = TAG_MAKE(CMD_SYSCALL, 0),
			       .w = { nr, a, b, d, packed } };
	err = ipc_send(c->thread, m, 200);
	if (err)
		return err;
	*m = (struct ipc_msg){ 0 };
	return t_wait(m, NULL, 500);
}

long child_restart(void)
{
	struct ipc_msg m = { .tag = TAG_EXREGS,
			     .w = { (u64)child_cmd_loop,
				    CHILD_STACK_VA + PAGE_SIZE - 8 } };

	return ipc_reply(&m);
}
