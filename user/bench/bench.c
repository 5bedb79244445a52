/*
 * Microbenchmarks of the kernel's fast paths, in TSC cycles (rdtsc):
 * IPC call/reply round trip between two tasks, map+unmap of one page,
 * exception delivery and reply (round trip), and a vCPU's guest system
 * call -> upcall -> resume into the guest task (round trip). Prints
 *   BENCH <name> <cycles per operation>
 * lines for bench/suites/30-microkernel.
 */
#include <test.h>

#define ROUNDS 2000

static inline u64 tsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static void echo_server(u64 unused)
{
	struct ipc_msg m = { 0 };
	long err = ipc_wait(&m, NULL, TIMEOUT_NEVER);

	(void)unused;
	while (!err)
		err = ipc_reply_wait(&m, NULL, TIMEOUT_NEVER);
}

static volatile u64 exc_cycles;

static void ud2_loop(u64 unused)
{
	u64 t0 = tsc();

	(void)unused;
	for (int i = 0; i < ROUNDS; i++)
		asm volatile("ud2"); /* the pager skips it */
	exc_cycles = (tsc() - t0) / ROUNDS;
	for (;;)
		sys_yield();
}

/*
 * vCPU round trip: the guest task runs `syscall` in a loop; each one
 * upcalls into bench_upcall in our task, which resumes the guest.
 */
extern char bench_guest_loop[];
asm(".text\n"
    ".globl bench_guest_loop\n"
    "bench_guest_loop:\n"
    "	syscall\n"
    "	jmp bench_guest_loop\n");

static u64 vguest, vrounds;
static struct ctx vflow;

static void bench_upcall(struct vcpu_state *s)
{
	(void)s;
	if (++vrounds < ROUNDS)
		sys_vcpu_resume(vguest);
	ctx_jump(&vflow);
}

static void bench_vcpu(void)
{
	extern char _text_start[], _rodata_end[];
	u64 text = (u64)_text_start, n = ((u64)_rodata_end - text) / PAGE_SIZE;
	struct vcpu_state *vs = heap_alloc(PAGE_SIZE);
	volatile u64 t0;
	long err;

	vs->entry_ip = (u64)bench_upcall;
	vs->entry_sp = (u64)heap_alloc(PAGE_SIZE) + PAGE_SIZE - 8;
	vs->regs.rip = (u64)bench_guest_loop;
	vguest = slot_alloc();
	err = sys_task_create(vguest, 64 << 10);
	if (!err)
		err = sys_map(vguest, text, text, n, MAP_R | MAP_X);
	if (!err) /* own faults still go to the pager: no VCPU_F_FAULTS */
		err = sys_vcpu_control(SLOT_SELF_THREAD, (u64)vs);
	if (err) {
		printf("bench: vcpu setup failed: %ld\n", err);
		return;
	}
	t0 = tsc();
	if (ctx_save(&vflow) == 0) {
		err = sys_vcpu_resume(vguest);
		printf("bench: vcpu_resume failed: %ld\n", err);
		return;
	}
	printf("BENCH vcpu_upcall_resume %lu\n", (tsc() - t0) / ROUNDS);
	sys_vcpu_control(SLOT_SELF_THREAD, 0);
}

int main(void)
{
	struct spawn srv, c, t;
	struct ipc_msg m = { 0 };
	u64 *page = heap_alloc(PAGE_SIZE), t0, pager;

	/* IPC round trip to a thread in another task */
	spawn_task(&srv, echo_server, 0, 128 << 10, 0xe);
	ipc_call(srv.thread, &m, 1000); /* warm up */
	t0 = tsc();
	for (int i = 0; i < ROUNDS; i++)
		ipc_call(srv.thread, &m, 1000);
	printf("BENCH ipc_roundtrip %lu\n", (tsc() - t0) / ROUNDS);

	/* map + unmap of one page into another task */
	spawn_task(&c, child_cmd_loop, 0, 128 << 10, 0xc);
	sys_map(c.task, (u64)page, 0x20000000, 1, MAP_R | MAP_W);
	sys_unmap((u64)page, 1, 0, NULL);
	t0 = tsc();
	for (int i = 0; i < ROUNDS; i++) {
		sys_map(c.task, (u64)page, 0x20000000, 1, MAP_R | MAP_W);
		sys_unmap((u64)page, 1, 0, NULL);
	}
	printf("BENCH map_unmap %lu\n", (tsc() - t0) / ROUNDS);

	/* exception round trip: #UD -> pager -> new ip -> back */
	pager = self_badged(0x5);
	spawn_thread(&t, ud2_loop, 0, 100, pager);
	while (!exc_cycles) {
		u64 badge = 0;

		if (ipc_wait(&m, &badge, 100))
			continue;
		m = (struct ipc_msg){ .tag = TAG_EXREGS,
				      .w = { m.w[2] + 2, m.w[3] } };
		while (!ipc_reply_wait(&m, &badge, 100))
			m = (struct ipc_msg){ .tag = TAG_EXREGS,
					      .w = { m.w[2] + 2, m.w[3] } };
	}
	printf("BENCH exception_roundtrip %lu\n", exc_cycles);

	bench_vcpu();
	return 0;
}
