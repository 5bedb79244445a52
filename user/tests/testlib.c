/*
 * The test library: result lines, heap, slots, and spawning threads and
 * child tasks (see test.h). Spawned code starts in child_trampoline with
 * the argument and the function on its stack.
 */
#include <test.h>

extern char _text_start[], _rodata_end[];
extern char child_trampoline[];

/*
 * Stack on entry: [arg][fn]. When fn returns, the thread waits forever
 * in an open receive, so it neither faults nor spins.
 */
asm(".text\n"
    ".globl child_trampoline\n"
    "child_trampoline:\n"
    "	pop %rdi\n"
    "	pop %rax\n"
    "	and $-16, %rsp\n"
    "	call *%rax\n"
    "1:	mov $1, %eax\n"	 /* SYS_IPC */
    "	mov $-1, %rdi\n" /* CAP_NONE */
    "	mov $-1, %rsi\n"
    "	mov $2, %edx\n"			    /* IPC_RECV */
    "	movabs $0xffffffff00000000, %r10\n" /* receive: never */
    "	syscall\n"
    "	jmp 1b\n");

void t_result(const char *id, bool ok, const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("TEST %s %s %s\n", id, ok ? "PASS" : "FAIL", buf);
}

static u64 heap_next = CHILD_HEAP_BASE;

void *heap_alloc(u64 bytes)
{
	volatile char *p = (volatile char *)heap_next;

	bytes = ALIGN_UP(bytes, PAGE_SIZE);
	heap_next += bytes;
	for (u64 off = 0; off < bytes; off += PAGE_SIZE)
		p[off] = 0; /* the root task maps it on first touch */
	return (void *)p;
}

static u64 next_slot = 16;

u64 slot_alloc(void)
{
	return next_slot++;
}

u64 self_badged(u64 badge)
{
	u64 s = slot_alloc();

	sys_cap_copy(SLOT_SELF_THREAD, SLOT_SELF_TASK, s, CR_SEND | CR_GRANT,
		     badge);
	return s;
}

static u64 prepare_stack(struct spawn *s, entry_fn fn, u64 arg)
{
	u64 *top;

	s->stack = (u64)heap_alloc(PAGE_SIZE);
	top = (u64 *)(s->stack + PAGE_SIZE);
	top[-2] = arg;
	top[-1] = (u64)fn;
	return PAGE_SIZE - 16;
}

static long start(u64 thread, u64 sp, u64 prio, u64 pager)
{
	u64 ip = (u64)child_trampoline;
	long err;

	err = sys_thread_control(thread, pager, prio,
				 TC_SET_PRIO | (pager ? TC_SET_PAGER : 0));
	if (!err)
		err = sys_thread_exregs(thread, &ip, &sp, EX_SET_IP | EX_SET_SP,
					NULL);
	if (!err)
		err = sys_thread_control(thread, 0, 0, TC_START);
	return err;
}

long spawn_thread(struct spawn *s, entry_fn fn, u64 arg, u64 prio,
		  u64 pager_slot)
{
	u64 off = prepare_stack(s, fn, arg);
	long err;

	s->task = 0;
	s->thread = slot_alloc();
	err = sys_thread_create(SLOT_SELF_TASK, s->thread);
	if (err)
		return err;
	return start(s->thread, s->stack + off, prio, pager_slot);
}

long spawn_task(struct spawn *s, entry_fn fn, u64 arg, u64 quota, u64 badge)
{
	u64 text = (u64)_text_start, npages;
	u64 off = prepare_stack(s, fn, arg), pager;
	long err;

	npages = ((u64)_rodata_end - text) / PAGE_SIZE;
	for (u64 i = 0; i < npages; i++)
		(void)*(volatile char *)(text + i * PAGE_SIZE);
	s->task = slot_alloc();
	s->thread = slot_alloc();
	err = sys_task_create(s->task, quota);
	if (!err)
		err = sys_thread_create(s->task, s->thread);
	if (!err)
		err = sys_map(s->task, text, text, npages, MAP_R | MAP_X);
	if (!err)
		err = sys_map(s->task, s->stack, CHILD_STACK_VA, 1,
			      MAP_R | MAP_W);
	if (err)
		return err;
	pager = self_badged(badge);
	err = sys_cap_copy(pager, s->task, SLOT_PARENT, CR_SEND, badge);
	if (err)
		return err;
	return start(s->thread, CHILD_STACK_VA + off, 100, pager);
}

long t_wait(struct ipc_msg *m, u64 *badge, u32 timeout)
{
	return ipc_wait(m, badge, timeout);
}

long t_report_parent(u64 label, u64 w0, u64 w1)
{
	struct ipc_msg m = { .tag = TAG_MAKE(label, 0), .w = { w0, w1 } };

	return ipc_send(SLOT_PARENT, &m, TIMEOUT_NEVER);
}

u64 ticks_now(void)
{
	return sys_time(NULL);
}

static void pinger(u64 arg)
{
	struct root_pinger *p = (struct root_pinger *)arg;

	for (;;) {
		struct ipc_msg m = { .tag = TAG_MAKE(REQ_PING, 0) };
		struct ipc_msg z = { 0 };
		u64 t0 = ticks_now(), d;

		if (ipc_call(SLOT_PARENT, &m, 1000) == 0) {
			d = ticks_now() - t0;
			if (d > p->slowest)
				p->slowest = d;
			p->pings++;
		}
		ipc_wait(&z, NULL, 2); /* sleep two ticks */
	}
}

long root_pinger_start(struct root_pinger *p, u64 prio)
{
	p->pings = p->slowest = 0;
	return spawn_thread(&p->s, pinger, (u64)p, prio, SLOT_PARENT);
}

void root_pinger_stop(struct root_pinger *p)
{
	sys_thread_exregs(p->s.thread, NULL, NULL, EX_HALT, NULL);
}
