/*
 * vCPU mode: a thread of this task becomes a vCPU with a state area on a
 * heap page. Its exceptions and page faults upcall into vcpu_upcall()
 * here; vcpu_resume continues in this task or in a guest task that shares
 * our code read-only, whose system calls, exceptions and page faults come
 * back as upcalls. Virtual interrupts (vcpu_signal from the main thread)
 * upcall only while the virtual interrupt flag allows, else stay pending.
 *
 * The vCPU's flow saves a context (ctx_save) before resuming; the upcall
 * handler either jumps back to it or edits the saved registers and
 * resumes. While VCPU_F_FAULTS is set every page the vCPU touches must be
 * mapped already, so main() touches the image and data first.
 */
#include <test.h>

#define GUEST_QUOTA (64ul << 10)
#define UNMAPPED_VA 0x50000000ul
#define VBIT 5 /* the virtual interrupt we raise */

extern char guest_syscall[], guest_after_syscall[], guest_read[];
extern char guest_spin[], own_ud2[], guest_fpu[], guest_rdtsc[];
extern char guest_compat[], guest_compat_after[], guest_read_es[];
extern char _text_start[], _rodata_end[], _end[];

asm(".text\n"
    /* Guest code: runs in the guest task, which has only our text. */
    ".globl guest_syscall, guest_after_syscall, guest_read, guest_spin\n"
    "guest_syscall:\n"
    "	mov $0x1234, %eax\n"
    "	syscall\n"
    "guest_after_syscall:\n"
    "	ud2\n"
    "guest_read:\n"
    "	mov (%rdi), %rax\n" /* 3 bytes */
    "guest_spin:\n"
    "	jmp guest_spin\n"
    ".globl guest_rdtsc\n"
    "guest_rdtsc:\n"
    "	rdtsc\n"
    "	syscall\n"
    "	ud2\n"
    ".globl guest_fpu\n"
    "guest_fpu:\n"
    "	movq %rdi, %xmm15\n"
    "	syscall\n"
    "	ud2\n"
    /* reports its ES */
    ".globl guest_read_es\n"
    "guest_read_es:\n"
    "	mov %es, %eax\n"
    "	syscall\n"
    "	ud2\n"
    /* the same bytes in 32-bit compatibility mode */
    ".globl guest_compat, guest_compat_after\n"
    "guest_compat:\n"
    "	mov $0x4321, %eax\n"
    "	syscall\n"
    "guest_compat_after:\n"
    "	ud2\n"
    ".globl own_ud2\n"
    "own_ud2:\n"
    "	ud2\n");

enum {
	MODE_JUMP,
	MODE_SKIP
};

static struct vcpu_state *vs;
static struct ctx flow;
static volatile int mode;
static volatile u64 skip, fix_rax, upcalls;
static struct vcpu_state ev; /* the state area at the last upcall */
static volatile bool want_signal, done;
static volatile u32 watched_own; /* a breakpoint in the vCPU's own task */
static u64 vcpu_thread, guest;

/* Upcall entry: rdi = the state area, interrupts virtually disabled. */
static void vcpu_upcall(struct vcpu_state *s)
{
	ev = *s;
	upcalls++;
	if (mode == MODE_SKIP) {
		s->regs.rip += skip;
		if (fix_rax)
			s->regs.rax = fix_rax;
		sys_vcpu_resume(CAP_NONE);
		ev.cause = 0; /* resume failed: the flow sees it */
	}
	ctx_jump(&flow);
}

/* Resume into `task` at ip with rdi = arg; back here on the next upcall. */
static u64 next_cs; /* cs and es of the next run_until_upcall() */
static u16 next_es;

static long run_until_upcall(u64 task, u64 ip, u64 arg, u64 flags)
{
	volatile long err = 0;

	mode = MODE_JUMP;
	if (ctx_save(&flow) == 0) {
		vs->regs.cs = next_cs;
		vs->regs.es = next_es;
		next_cs = next_es = 0;
		vs->regs.rip = ip;
		vs->regs.rdi = arg;
		vs->regs.rsp = 0;
		vs->regs.fs_base = vs->regs.gs_base = 0;
		vs->flags = flags;
		err = sys_vcpu_resume(task);
		return err ? err : -E_STATE;
	}
	return err;
}

static bool upcall_is(u64 cause, u64 from)
{
	return ev.cause == cause && ev.from == from;
}

static void test_own_task(void)
{
	u64 before = upcalls, val, rbx;

	/* #UD: upcall, the handler skips it and resumes the same registers */
	mode = MODE_SKIP;
	skip = 2;
	fix_rax = 0;
	vs->flags = VCPU_F_FAULTS;
	asm volatile("mov $0x5151, %%rbx\n\tud2\n\tmov %%rbx, %0"
		     : "=r"(rbx)
		     :
		     : "rbx", "memory");
	t_result(
		"vcpu.exception_upcall",
		upcalls == before + 1 &&
			upcall_is(VCPU_CAUSE_EXCEPTION, CAP_NONE) &&
			ev.vector == 6 && rbx == 0x5151 &&
			ev.saved_flags == VCPU_F_FAULTS &&
			!(ev.flags & VCPU_F_FAULTS) &&
			!(vs->flags & VCPU_F_FAULTS),
		"#UD upcall (cause %lu vector %lu), resume kept rbx %lx, flags cleared",
		ev.cause, ev.vector, rbx);

	/* page fault: upcall with the address, resumed past the load */
	skip = 3;
	fix_rax = 0x77;
	vs->flags = VCPU_F_FAULTS;
	asm volatile("mov (%1), %0" : "=a"(val) : "D"(UNMAPPED_VA) : "memory");
	t_result("vcpu.page_fault_upcall",
		 upcalls == before + 2 &&
			 upcall_is(VCPU_CAUSE_EXCEPTION, CAP_NONE) &&
			 ev.vector == 14 && ev.fault_addr == UNMAPPED_VA &&
			 (ev.error & PF_USER) && val == 0x77,
		 "#PF upcall at %lx (error %lx), handler's rax %lx arrived",
		 ev.fault_addr, ev.error, val);

	/* a data breakpoint in the own task: #DB upcall with DR6, a trap */
	{
		u64 addr[4] = { (u64)&watched_own }, none[4] = { 0 };
		u64 dr7 = 1 | 1ul << 16 | 3ul << 18; /* L0, write, 4 bytes */
		long e = sys_thread_debug(vcpu_thread, dr7, addr);

		before = upcalls;
		skip = 0; /* a data breakpoint traps after the store */
		fix_rax = 0;
		vs->flags = VCPU_F_FAULTS;
		asm volatile("" ::: "memory");
		watched_own = 1;
		sys_thread_debug(vcpu_thread, 0, none);
		t_result(
			"vcpu.own_task_watchpoint",
			!e && upcalls == before + 1 &&
				upcall_is(VCPU_CAUSE_EXCEPTION, CAP_NONE) &&
				ev.vector == 1 && (ev.error & DR6_HIT(0)) &&
				watched_own == 1,
			"a write breakpoint in the own task upcalled (%ld, %lu upcalls, vector %lu, DR6 %lx)",
			e, upcalls - before, ev.vector, ev.error);
	}
	mode = MODE_JUMP;

	/* VCPU_F_FAULTS clear: a demand-zero heap page comes from the pager */
	vs->flags = 0;
	before = upcalls;
	val = *(volatile u64 *)heap_alloc(PAGE_SIZE);
	t_result(
		"vcpu.faults_to_pager", upcalls == before && val == 0,
		"with VCPU_F_FAULTS clear the root task mapped a heap page (%lu upcalls)",
		upcalls - before);
}

static void test_guest_task(void)
{
	long e1, e2, e3;
	bool sys_ok, exc_ok, pf_ok;

	e1 = run_until_upcall(guest, (u64)guest_syscall, 0, 0);
	sys_ok = !e1 && upcall_is(VCPU_CAUSE_SYSCALL, guest) &&
		 ev.regs.rax == 0x1234 &&
		 ev.regs.rip == (u64)guest_after_syscall;
	t_result(
		"vcpu.resume_other_task", sys_ok,
		"resume into the guest task; its syscall %lx came back from slot %lu (err %ld)",
		ev.regs.rax, ev.from, e1);

	e2 = run_until_upcall(guest, (u64)guest_after_syscall, 0, 0);
	exc_ok = !e2 && upcall_is(VCPU_CAUSE_EXCEPTION, guest) &&
		 ev.vector == 6;
	/* the guest cannot read our memory: the state area faults there */
	e3 = run_until_upcall(guest, (u64)guest_read, (u64)vs, 0);
	pf_ok = !e3 && upcall_is(VCPU_CAUSE_EXCEPTION, guest) &&
		ev.vector == 14 && ev.fault_addr == (u64)vs &&
		ev.regs.rip == (u64)guest_read;
	t_result("vcpu.user_fault_upcall", exc_ok && pf_ok,
		 "guest #UD and #PF (addr %lx) upcall into this task (%ld %ld)",
		 ev.fault_addr, e2, e3);

	/*
	 * Compatibility mode: resumed with cs 0x23, the guest's SYSCALL
	 * goes through MSR_CSTAR and its #UD comes from 32-bit code; each
	 * upcall says so in regs.cs. A 32-bit rip beyond 4 GiB is refused.
	 */
	next_cs = 0x23;
	e1 = run_until_upcall(guest, (u64)guest_compat, 0, 0);
	sys_ok = !e1 && upcall_is(VCPU_CAUSE_SYSCALL, guest) &&
		 ev.regs.cs == 0x23 && (u32)ev.regs.rax == 0x4321 &&
		 ev.regs.rip == (u64)guest_compat_after;
	next_cs = 0x23;
	e2 = run_until_upcall(guest, (u64)guest_compat_after, 0, 0);
	exc_ok = !e2 && upcall_is(VCPU_CAUSE_EXCEPTION, guest) &&
		 ev.vector == 6 && ev.regs.cs == 0x23;
	next_cs = 0x23;
	e3 = run_until_upcall(guest, 0x100000000ul, 0, 0);
	t_result("vcpu.compat_mode", sys_ok && exc_ok && e3 == -E_INVAL,
		 "32-bit guest code: SYSCALL and #UD upcall with cs 0x23 "
		 "(%lx, %lx; %ld %ld), rip beyond 4 GiB refused (%ld)",
		 ev.regs.cs, ev.regs.rip, e1, e2, e3);

	/*
	 * Data segment selectors: the resume loads the guest's, its event
	 * reports them; a selector outside the user segments is refused.
	 */
	next_es = 0x2b;
	e1 = run_until_upcall(guest, (u64)guest_read_es, 0, 0);
	sys_ok = !e1 && upcall_is(VCPU_CAUSE_SYSCALL, guest) &&
		 (u16)ev.regs.rax == 0x2b && ev.regs.es == 0x2b;
	next_es = 0x63; /* a TLS entry: not in this GDT */
	e2 = run_until_upcall(guest, (u64)guest_read_es, 0, 0);
	t_result("vcpu.segment_selectors", sys_ok && e2 == -E_INVAL,
		 "the guest ran with ES %lx, its upcall said %x; ES 0x63 "
		 "refused (%ld)",
		 ev.regs.rax, ev.regs.es, e2);
}

/* One XSAVE context per vCPU: guest SSE state reaches the VMM task. */
static void test_fpu(void)
{
	u64 in = 0xfeedface12345678ul, out = 0, mine = 0x600dul;
	long err;

	asm volatile("movq %0, %%xmm15" : : "r"(mine));
	err = run_until_upcall(guest, (u64)guest_fpu, in, 0);
	for (int i = 0; i < 5; i++)
		sys_yield(); /* other threads run, FPU state switched */
	asm volatile("movq %%xmm15, %0" : "=r"(out));
	t_result(
		"vcpu.fpu",
		!err && upcall_is(VCPU_CAUSE_SYSCALL, guest) && out == in,
		"xmm15 set in the guest task (%lx) is the vCPU's own in the VMM task (%lx)",
		in, out);
}

static void test_no_cap(void)
{
	u64 weak = slot_alloc(), empty = slot_alloc();
	long e1, e2, e3, e4, e5;

	sys_cap_copy(guest, SLOT_SELF_TASK, weak, CR_GRANT, 0);
	vs->regs.rip = 0xffff800000001000ul; /* success impossible */
	e1 = sys_vcpu_resume(empty);
	e2 = sys_vcpu_resume(vcpu_thread);
	e3 = sys_vcpu_resume(weak);
	e4 = sys_vcpu_resume(CAP_NONE);
	vs->regs.rip = (u64)guest_spin;
	vs->regs.fs_base = 0x0000800000000000ul; /* not canonical */
	e5 = sys_vcpu_resume(guest);
	vs->regs.fs_base = 0;
	t_result(
		"vcpu.resume_no_cap",
		e1 == -E_BADCAP && e2 == -E_BADCAP && e3 == -E_PERM &&
			e4 == -E_INVAL && e5 == -E_INVAL,
		"empty slot %ld, thread cap %ld, task cap without control %ld, kernel ip %ld, bad fs %ld",
		e1, e2, e3, e4, e5);
}

static bool wait_pending(void)
{
	u64 t0 = ticks_now();

	while (!(vs->pending & (1ul << VBIT)) && ticks_now() - t0 < 2000)
		sys_yield();
	return vs->pending & (1ul << VBIT);
}

static void test_irq(void)
{
	u64 before = upcalls, t0;
	volatile bool pend, guest_ok = false;
	volatile bool ok = false;
	long err;

	/* flag clear: only pending; resume with the flag set delivers it */
	vs->flags = 0;
	vs->pending = 0;
	mode = MODE_JUMP;
	if (ctx_save(&flow) == 0) {
		want_signal = true;
		pend = wait_pending() && upcalls == before;
	} else {
		pend = false; /* an upcall although disabled */
	}
	err = run_until_upcall(CAP_NONE, (u64)own_ud2, 0, VCPU_F_IRQ);
	t_result(
		"vcpu.irq_gated",
		pend && !err && upcall_is(VCPU_CAUSE_IRQ, CAP_NONE) &&
			(ev.pending & (1ul << VBIT)) &&
			ev.regs.rip == (u64)own_ud2 &&
			ev.saved_flags == VCPU_F_IRQ,
		"pending %d without upcall while disabled, delivered on resume (cause %lu)",
		pend, ev.cause);

	/* flag set, in this task: upcall while we spin */
	vs->pending = 0;
	mode = MODE_JUMP;
	if (ctx_save(&flow) == 0) {
		vs->flags = VCPU_F_IRQ;
		want_signal = true;
		for (t0 = ticks_now(); ticks_now() - t0 < 2000;)
			;
		ev.cause = 0;
	} else {
		ok = upcall_is(VCPU_CAUSE_IRQ, CAP_NONE);
	}

	/* flag set, in the guest task; a signal that came early retries */
	for (int i = 0; i < 3; i++) {
		vs->pending = 0;
		want_signal = true;
		err = run_until_upcall(guest, (u64)guest_spin, 0, VCPU_F_IRQ);
		if (!err && upcall_is(VCPU_CAUSE_IRQ, CAP_NONE))
			continue;
		guest_ok = !err && upcall_is(VCPU_CAUSE_IRQ, guest) &&
			   ev.regs.rip == (u64)guest_spin;
		break;
	}
	t_result(
		"vcpu.irq_upcall", ok && guest_ok,
		"virtual interrupt upcalls in the own and in the guest task (cause %lu from %lx)",
		ev.cause, ev.from);
}

/*
 * The vCPU's own timer (vcpu_timer): a deadline a third of a tick away
 * interrupts the guest task's spin, never before it; a deadline that has
 * passed is pending at once; one replaced by a later one does not fire.
 */
static void test_timer(void)
{
	u64 per_tick = 0, d, seen, t0;
	volatile bool fired, past, replaced;
	long err, e_bit, e_state;

	sys_time(&per_tick);
	vs->pending = 0;
	d = rdtsc() + per_tick / 3;
	sys_vcpu_timer(vcpu_thread, d, VBIT);
	err = run_until_upcall(guest, (u64)guest_spin, 0, VCPU_F_IRQ);
	seen = rdtsc();
	fired = !err && ev.cause == VCPU_CAUSE_IRQ && seen >= d &&
		(ev.pending & (1ul << VBIT));

	vs->flags = 0;
	vs->pending = 0;
	sys_vcpu_timer(vcpu_thread, 1, VBIT);
	past = vs->pending == 1ul << VBIT;

	vs->pending = 0;
	sys_vcpu_timer(vcpu_thread, rdtsc() + per_tick / 3, VBIT);
	sys_vcpu_timer(vcpu_thread, rdtsc() + 1000 * per_tick, VBIT);
	for (t0 = ticks_now(); ticks_now() - t0 < 3;)
		;
	replaced = vs->pending == 0;
	sys_vcpu_timer(vcpu_thread, 0, VBIT);

	e_bit = sys_vcpu_timer(vcpu_thread, 1, VCPU_PENDING_BITS);
	e_state = sys_vcpu_timer(SLOT_SELF_THREAD, 1, VBIT);
	t_result(
		"vcpu.timer",
		fired && past && replaced && e_bit == -E_INVAL &&
			e_state == -E_STATE,
		"fired %d (%ld cycles after the deadline), past %d, replaced %d, bit 64 %ld, no vCPU %ld",
		fired, (long)(seen - d), past, replaced, e_bit, e_state);
}

/* VCPU_F_TSD: rdtsc raises #GP in the guest task, not without the flag. */
static void test_tsd(void)
{
	long e1, e2;
	bool gp, runs;
	u64 vector;

	e1 = run_until_upcall(guest, (u64)guest_rdtsc, 0, VCPU_F_TSD);
	vector = ev.vector;
	gp = !e1 && upcall_is(VCPU_CAUSE_EXCEPTION, guest) && vector == 13 &&
	     ev.regs.rip == (u64)guest_rdtsc;
	e2 = run_until_upcall(guest, (u64)guest_rdtsc, 0, 0);
	runs = !e2 && upcall_is(VCPU_CAUSE_SYSCALL, guest);
	/* and not in the own task after the upcall: this would halt us */
	t_result("vcpu.tsd", gp && runs && rdtsc() != 0,
		 "with the flag #GP %d (vector %lu), without it rdtsc runs %d",
		 gp, vector, runs);
}

static void vcpu_main(void)
{
	long err = sys_vcpu_control(vcpu_thread, (u64)vs);

	if (err) {
		t_result("vcpu.exception_upcall", false, "vcpu_control: %ld",
			 err);
	} else {
		test_own_task();
		test_guest_task();
		test_fpu();
		test_no_cap();
		test_irq();
		test_timer();
		test_tsd();
	}
	done = true;
	for (;;) {
		struct ipc_msg m;

		t_wait(&m, NULL,
		       TIMEOUT_NEVER); /* never spin: t_sched runs at 50 */
	}
}

static void test_bad_args(void)
{
	u64 e[9];

	e[0] = sys_vcpu_resume(CAP_NONE);
	e[1] = sys_vcpu_control(SLOT_SELF_THREAD, (u64)vs + 8);
	e[2] = sys_vcpu_control(SLOT_SELF_THREAD, 0xffff800000000000ul);
	e[3] = sys_vcpu_control(SLOT_SELF_THREAD, UNMAPPED_VA);
	e[4] = sys_vcpu_control(SLOT_SELF_THREAD, (u64)guest_spin & ~4095ul);
	e[5] = sys_vcpu_control(CAP_SLOTS - 1, (u64)vs);
	e[6] = sys_vcpu_control(SLOT_SELF_TASK, (u64)vs);
	e[7] = sys_vcpu_signal(SLOT_SELF_THREAD, 1);
	e[8] = sys_vcpu_signal(vcpu_thread, VCPU_PENDING_BITS);
	t_result(
		"vcpu.bad_args",
		e[0] == (u64)-E_STATE && e[1] == (u64)-E_INVAL &&
			e[2] == (u64)-E_INVAL && e[3] == (u64)-E_FAULT &&
			e[4] == (u64)-E_FAULT && e[5] == (u64)-E_BADCAP &&
			e[6] == (u64)-E_BADCAP && e[7] == (u64)-E_STATE &&
			e[8] == (u64)-E_INVAL,
		"resume %ld, area: unaligned %ld kernel %ld unmapped %ld read-only %ld, slots %ld %ld, signal %ld %ld",
		e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[8]);
}

/*
 * The kernel keeps its pointer to a state area until the task unmaps a
 * page: unmapping the area itself must be noticed. The vCPU waits in an
 * IPC for good now, its virtual interrupts off, so a signal only sets a
 * pending bit, which needs the area.
 */
static void test_area_unmapped(void)
{
	u64 status;
	long before, unmap, after;

	__atomic_and_fetch(&vs->flags, ~VCPU_F_IRQ, __ATOMIC_SEQ_CST);
	before = sys_vcpu_signal(vcpu_thread, VBIT);
	unmap = sys_unmap((u64)vs, 1, UNMAP_SELF, &status);
	after = sys_vcpu_signal(vcpu_thread, VBIT);
	t_result(
		"vcpu.area_unmapped",
		before == 0 && unmap == 0 && after == -E_FAULT,
		"signal with the area mapped %ld, after unmapping it %ld (unmap %ld)",
		before, after, unmap);
}

int main(void)
{
	u64 text = (u64)_text_start, end = ALIGN_UP((u64)_end, PAGE_SIZE);
	u64 ntext = ((u64)_rodata_end - text) / PAGE_SIZE;
	u64 *stack = heap_alloc(4 * PAGE_SIZE), ip, sp;
	long err;

	for (u64 p = text; p < (u64)_rodata_end; p += PAGE_SIZE)
		(void)*(volatile char *)p;
	for (u64 p = (u64)_rodata_end; p < end; p += PAGE_SIZE)
		*(volatile char *)p = *(volatile char *)p;
	vs = heap_alloc(PAGE_SIZE);
	vs->entry_ip = (u64)vcpu_upcall;
	vs->entry_sp = (u64)heap_alloc(4 * PAGE_SIZE) + 4 * PAGE_SIZE - 8;
	guest = slot_alloc();
	vcpu_thread = slot_alloc();
	err = sys_task_create(guest, GUEST_QUOTA);
	if (!err)
		err = sys_map(guest, text, text, ntext, MAP_R | MAP_X);
	if (!err)
		err = sys_thread_create(SLOT_SELF_TASK, vcpu_thread);
	if (err) {
		t_result("vcpu.bad_args", false, "setup: %ld", err);
		return 0;
	}
	test_bad_args();

	ip = (u64)vcpu_main;
	sp = (u64)stack + 4 * PAGE_SIZE - 8;
	sys_thread_exregs(vcpu_thread, &ip, &sp, EX_SET_IP | EX_SET_SP, NULL);
	sys_thread_control(vcpu_thread, SLOT_PARENT, 100,
			   TC_SET_PAGER | TC_SET_PRIO);
	sys_thread_control(vcpu_thread, 0, 0, TC_START);

	/* Raise the virtual interrupt whenever the vCPU asks, a bit later. */
	while (!done) {
		struct ipc_msg m;

		if (want_signal) {
			t_wait(&m, NULL, 3);
			want_signal = false;
			sys_vcpu_signal(vcpu_thread, VBIT);
		}
		t_wait(&m, NULL, 1);
	}
	test_area_unmapped();
	return 0;
}
