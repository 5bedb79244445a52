/*
 * Isolation: a task reaches only memory, ports and objects it was given.
 * The probes run in a child task that holds nothing but a send capability
 * to us; every forbidden access must arrive here as a fault.
 */
#include <test.h>
#include <portio.h>

#define HIGH_VA 0x200000000ul /* a user address above 4 GiB, unmapped */

static bool fault_is(struct ipc_msg *m, long err, u64 label, u64 w0)
{
	return err == 0 && TAG_LABEL(m->tag) == label && m->w[0] == w0;
}

/*
 * A SYSCALL made in compatibility mode: the GDT has Linux's 32-bit user
 * code segment (0x23), so any task can far-return into it. Such a
 * SYSCALL goes to MSR_CSTAR, in ring 0 with the user's stack; the kernel
 * answers -ENOSYS there. The code and its data stay below 4 GiB and use
 * no data segment (DS is null in compatibility mode).
 */
long compat_syscall(void);
static u64 compat_rsp __attribute__((used));
asm(".text\n"
    "compat_syscall:\n\t"
    "push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n\t"
    "mov %rsp, compat_rsp(%rip)\n\t"
    "lea 1f(%rip), %rax\n\t"
    "pushq $0x23\n\t"
    "push %rax\n\t"
    "lretq\n\t"
    ".code32\n"
    "1:\tmov $"
    "10"
    ", %eax\n\t" /* SYS_YIELD, were it a 64-bit call */
    "syscall\n\t"
    "ljmp $0x33, $2f\n\t"
    ".code64\n"
    "2:\tmov compat_rsp(%rip), %rsp\n\t"
    "pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n\t"
    "movslq %eax, %rax\n\t"
    "ret\n");

int main(void)
{
	struct spawn c;
	struct ipc_msg m;
	u64 *secret = heap_alloc(PAGE_SIZE);
	u64 kaddr = 0xffff800000100000ul;
	long e, e2;
	bool ok, ok2;
	unsigned bad = 0;
	u16 sel;

	spawn_task(&c, child_cmd_loop, 0, 256 << 10, 0x1);

	/* kernel memory: present but supervisor-only, read and write fault */
	e = child_cmd(&c, CMD_READ, kaddr, 0, 0, 0, &m);
	ok = fault_is(&m, e, LABEL_PAGE_FAULT, kaddr) && (m.w[1] & PF_PRESENT);
	child_restart();
	e = child_cmd(&c, CMD_WRITE, kaddr, 0, 0, 0, &m);
	ok &= fault_is(&m, e, LABEL_PAGE_FAULT, kaddr) && (m.w[1] & PF_WRITE);
	child_restart();
	t_result(
		"isol.kernel_memory", ok,
		"reads and writes of kernel memory from user mode fault (error %lx)",
		m.w[1]);

	/* our memory, at the same address in the child: not there */
	*secret = 0x5ec12e7;
	e = child_cmd(&c, CMD_READ, (u64)secret, 0, 0, 0, &m);
	ok = fault_is(&m, e, LABEL_PAGE_FAULT, (u64)secret) &&
	     !(m.w[1] & PF_PRESENT);
	child_restart();
	e = child_cmd5(&c, SYS_DEBUG_WRITE, (u64)secret, 8, 0, 0, &m);
	ok &= e == 0 && TAG_LABEL(m.tag) == CMD_DONE &&
	      (long)m.w[0] == -E_FAULT;
	t_result(
		"isol.other_task", ok,
		"a task cannot read another task's memory, directly or through the kernel");

	/* ports: none without a grant; a grant is per task and per port */
	e = child_cmd(&c, CMD_INB, 0x70, 0, 0, 0, &m);
	ok = fault_is(&m, e, LABEL_EXCEPTION, 13);
	child_restart();
	m = (struct ipc_msg){ .tag = TAG_MAKE(REQ_IOPORT, 0),
			      .w = { 0x70, 2 } };
	e = ipc_call(SLOT_PARENT, &m, 500);
	ok &= e == 0 && m.w[0] == 0;
	(void)inb(0x71); /* granted to us: must not fault */
	e = child_cmd(&c, CMD_INB, 0x71, 0, 0, 0, &m);
	ok &= fault_is(&m, e, LABEL_EXCEPTION, 13); /* not to the child */
	child_restart();
	m = (struct ipc_msg){ .tag = TAG_MAKE(REQ_IOPORT, 0),
			      .w = { 0x60, 1 } };
	e2 = ipc_call(SLOT_PARENT, &m, 500);
	ok &= e2 == 0 && (long)m.w[0] == -E_INVAL; /* root's policy says no */
	t_result(
		"isol.ioport", ok,
		"in/out fault without a grant; a grant covers only its task and ports");

	/* devices: the root task's policy names another task for the edu */
	m = (struct ipc_msg){ .tag = TAG_MAKE(REQ_DEVICE, 0),
			      .w = { DEV_GET, 0x1234u << 16 | 0x11e8 } };
	e = ipc_call(SLOT_PARENT, &m, 500);
	ok = e == 0 && (long)m.w[0] == -E_PERM;
	e = child_cmd(&c, CMD_READ, CHILD_DEVICE_BASE, 0, 0, 0, &m);
	ok &= fault_is(&m, e, LABEL_PAGE_FAULT, CHILD_DEVICE_BASE);
	child_restart();
	t_result(
		"isol.device", ok,
		"the root task refuses the edu device to a task its policy does not name");

	/* privileged instructions */
	e = child_cmd(&c, CMD_CLI, 0, 0, 0, 0, &m);
	ok = fault_is(&m, e, LABEL_EXCEPTION, 13);
	child_restart();
	e = child_cmd(&c, CMD_HLT, 0, 0, 0, 0, &m);
	ok2 = fault_is(&m, e, LABEL_EXCEPTION, 13);
	child_restart();
	t_result("isol.privileged", ok && ok2,
		 "cli and hlt raise #GP in user mode");

	/*
	 * A pager's new ip for a thread stopped in 32-bit code is 64-bit
	 * code: the frame's CS 0x23 and an ip beyond 4 GiB made the kernel's
	 * IRET fault in ring 0 (a panic any task with a pager could cause).
	 */
	e = child_cmd(&c, CMD_COMPAT_UD2, 0, 0, 0, 0, &m);
	ok = fault_is(&m, e, LABEL_EXCEPTION, 6) && m.w[2] < (1ul << 32);
	m = (struct ipc_msg){ .tag = TAG_EXREGS,
			      .w = { HIGH_VA,
				     CHILD_STACK_VA + PAGE_SIZE - 8 } };
	e = ipc_reply(&m);
	m = (struct ipc_msg){ 0 };
	e2 = e ? e : t_wait(&m, NULL, 500);
	ok2 = fault_is(&m, e2, LABEL_PAGE_FAULT, HIGH_VA);
	child_restart();
	t_result("isol.compat_new_ip", ok && ok2,
		 "a thread stopped in 32-bit code, given ip %lx by its pager, "
		 "faulted there in 64-bit mode (%ld, label %lx w0 %lx)",
		 HIGH_VA, e2, TAG_LABEL(m.tag), m.w[0]);

	/*
	 * Data segment selectors are a thread's own: one we load is not
	 * what the child finds in the CPU when it runs.
	 */
	asm volatile("mov %0, %%es" : : "r"(0x2b));
	e = child_cmd(&c, CMD_READ_ES, 0, 0, 0, 0, &m);
	asm volatile("mov %%es, %0" : "=r"(sel));
	asm volatile("mov %0, %%es" : : "r"(0));
	t_result("isol.segment_selectors",
		 e == 0 && TAG_LABEL(m.tag) == CMD_DONE && m.w[0] == 0 &&
			 sel == 0x2b,
		 "ES: the child read %lx (want 0), we kept %x (want 2b)",
		 m.w[0], sel);

	/*
	 * No LDT: a selector with TI set is a #GP naming it. Reset leaves
	 * LDTR with base 0 and limit 0xffff, and the CPU would read the
	 * descriptor from the task's own address 0x28 (a task mapping
	 * page 0 could place a call gate to ring 0 there).
	 */
	e = child_cmd(&c, CMD_LOAD_DS, 0x2f, 0, 0, 0, &m);
	ok = fault_is(&m, e, LABEL_EXCEPTION, 13) && m.w[1] == 0x2c;
	child_restart();
	t_result(
		"isol.no_ldt", ok,
		"loading LDT selector 0x2f: %s %lx, error %lx (want exception d, error 2c)",
		TAG_LABEL(m.tag) == LABEL_PAGE_FAULT ? "page fault at" :
						       "exception",
		m.w[0], m.w[1]);

	e = compat_syscall();
	t_result(
		"isol.compat_syscall", e == -E_NOSYS,
		"a SYSCALL from 32-bit compatibility mode returns %ld (want E_NOSYS)",
		e);

	/* names: the child's table holds only SLOT_PARENT */
	for (u64 s = 0; s < CAP_SLOTS; s++) {
		if (s == SLOT_PARENT)
			continue;
		e = child_cmd5(&c, SYS_IPC, s, CAP_NONE, IPC_SEND, 0, &m);
		if (e || (long)m.w[0] != -E_BADCAP)
			bad++;
		e = child_cmd5(&c, SYS_THREAD_EXREGS, s, 0, 0, 0, &m);
		if (e || (long)m.w[0] != -E_BADCAP)
			bad++;
	}
	e = child_cmd5(&c, SYS_THREAD_CONTROL, SLOT_PARENT, 0, 0, 0, &m);
	if (e || (long)m.w[0] != -E_PERM)
		bad++;
	e = child_cmd5(&c, SYS_CAP_COPY, SLOT_PARENT, SLOT_PARENT, 5, CR_SEND,
		       &m);
	if (e || (long)m.w[0] != -E_PERM)
		bad++;
	t_result(
		"isol.caps", bad == 0,
		"IPC/exregs to every slot not given: E_BADCAP; the parent cap grants no control (%u wrong)",
		bad);
	return 0;
}
