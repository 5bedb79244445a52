/*
 * System-call fuzzer: a child task issues FUZZ_CALLS random calls with
 * random arguments (biased towards slot numbers, its own addresses, the
 * kernel's range, small page-aligned values such as IOVAs, and boundary
 * values). Every number below SYS_COUNT + 2 is drawn, the DMA calls
 * included: dma_map may really fill the child's domain with its own
 * pages, which repair() then revokes by mapping them again. It holds caps to its own task and
 * thread, so it can create, map, unmap, halt and reprogram itself. We are
 * its pager: whatever it breaks in itself (unmapped code, a halted or
 * blocked thread, a bad pager) we repair and restart it. The kernel must
 * never panic, and the other test tasks keep running meanwhile.
 */
#include <test.h>

#define FUZZ_CALLS 100000
#define COUNTER_VA 0x0000500000000000ul

struct fuzz_state {
	volatile u64 calls;
	u64 seed;
};

static u64 pick_arg(u64 *seed)
{
	u64 r = rand_next(seed);

	switch (r % 11) {
	case 0:
	case 1:
	case 2:
		return (r >> 8) % 140; /* slots */
	case 3:
		return CHILD_STACK_VA + ((r >> 8) % 2) * PAGE_SIZE;
	case 4:
		return 0x1000000 + ((r >> 8) % 8) * PAGE_SIZE; /* code */
	case 5:
		return 0xffff800000000000ul + ((r >> 8) & 0xfffff000);
	case 6:
		return ~0ul - ((r >> 8) % 4);
	case 7:
		return COUNTER_VA;
	case 8:
		return ((r >> 8) % 64) * PAGE_SIZE; /* IOVAs, small counts */
	default:
		return r;
	}
}

/* Runs in the child; uses only its stack and the counter page. */
static void fuzz_loop(u64 unused)
{
	struct fuzz_state *s = (struct fuzz_state *)COUNTER_VA;

	(void)unused;
	while (s->calls < FUZZ_CALLS) {
		u64 nr = rand_next(&s->seed) % (SYS_COUNT + 2);
		u64 a[5];

		for (int i = 0; i < 5; i++)
			a[i] = pick_arg(&s->seed);
		if (nr == SYS_IPC)
			a[3] = 0; /* never block: timeouts 0 */
		if (nr == SYS_DEBUG_WRITE)
			a[1] = 0; /* keep the console readable */
		if (nr == SYS_THREAD_EXREGS && (a[3] & EX_HALT) && a[0] == 1)
			a[3] &= ~(u64)EX_HALT; /* would only cost a restart */
		if (nr == SYS_VCPU_CONTROL && a[0] == 1)
			a[1] = 0; /* a vCPU without upcall entry halts */
		s->calls++;
		syscall6(nr, a[0], a[1], a[2], a[3], a[4], 0);
	}
	for (;;)
		sys_yield();
}

static long repair(struct spawn *c, struct fuzz_state *st, u64 pager)
{
	extern char _text_start[], _rodata_end[];
	u64 text = (u64)_text_start;
	u64 n = ((u64)_rodata_end - text) / PAGE_SIZE;
	u64 ip = (u64)fuzz_loop, sp = CHILD_STACK_VA + PAGE_SIZE - 8;

	sys_map(c->task, text, text, n, MAP_R | MAP_X);
	sys_map(c->task, c->stack, CHILD_STACK_VA, 1, MAP_R | MAP_W);
	sys_map(c->task, (u64)st, COUNTER_VA, 1, MAP_R | MAP_W);
	sys_thread_control(c->thread, pager, 100, TC_SET_PAGER | TC_SET_PRIO);
	return sys_thread_exregs(c->thread, &ip, &sp,
				 EX_SET_IP | EX_SET_SP | EX_CANCEL | EX_RESUME,
				 NULL);
}

int main(void)
{
	struct fuzz_state *st = heap_alloc(PAGE_SIZE);
	struct spawn c;
	struct ipc_msg m = { 0 };
	u64 badge = 0, last = 0, restarts = 0, faults = 0, pager;
	u64 t0 = ticks_now();
	bool finished = false;
	long e;

	st->seed = 0x9e3779b97f4a7c15ul;
	spawn_task(&c, fuzz_loop, 0, 512 << 10, 0xf2);
	pager = slot_alloc();
	sys_cap_copy(SLOT_SELF_THREAD, SLOT_SELF_TASK, pager, CR_SEND, 0xf2);
	sys_cap_copy(c.task, c.task, SLOT_SELF_TASK, CR_ALL, 0);
	sys_cap_copy(c.thread, c.task, SLOT_SELF_THREAD, CR_ALL, 0);
	sys_map(c.task, (u64)st, COUNTER_VA, 1, MAP_R | MAP_W);
	repair(&c, st, pager);

	while (!finished && ticks_now() - t0 < 60000) {
		e = t_wait(&m, &badge, 50);
		if (st->calls >= FUZZ_CALLS) {
			finished = true; /* (its report may be lost: it
						 * may have deleted its caps) */
		} else if (e == 0 && IS_FAULT(&m)) {
			faults++;
			repair(&c, st, pager);
			ipc_reply(&m); /* fault answered: it was restarted */
		} else if (st->calls == last) {
			restarts++; /* halted or blocked: start it again */
			repair(&c, st, pager);
		}
		last = st->calls;
	}
	sys_thread_exregs(c.thread, NULL, NULL, EX_HALT, NULL);
	/* the kernel still works for us */
	e = sys_thread_create(SLOT_SELF_TASK, slot_alloc());
	t_result("fuzz.syscalls", finished && st->calls >= FUZZ_CALLS && e == 0,
		 "%lu random calls (%lu faults, %lu restarts), kernel alive",
		 st->calls, faults, restarts);
	return 0;
}
