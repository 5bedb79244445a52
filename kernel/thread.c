/*
 * Threads: creation, control (pager, priority, start), register exchange
 * (thread_exregs), halting, and the switch between two threads (kernel
 * stack, address space, FPU/SSE/AVX state, user FS/GS base).
 */
#include <lib.h>
#include <debug.h>
#include <ipc.h>
#include <kmem.h>
#include <sched.h>
#include <stats.h>
#include <task.h>
#include <thread.h>
#include <timer.h>
#include <abi/errno.h>
#include <arch/cpu.h>
#include <arch/percpu.h>

extern void switch_context(u64 *save_sp, u64 new_sp);
extern char thread_first_return[];
static u32 next_thread_id = 1;

/* Initial kernel stack: switch_context pops six registers, then returns. */
static void stack_prepare(struct thread *t, void *entry, u64 top)
{
	u64 *sp = (u64 *)top;

	*--sp = (u64)entry;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	t->ksp = (u64)sp;
}

/* A zeroed block, and the struct's place in it (thread.h). */
static struct thread *thread_block_alloc(void)
{
	char *block = kpage_alloc(THREAD_BLOCK_SIZE / 4096);

	return block ? (struct thread *)(block + THREAD_STRUCT_OFFSET) : NULL;
}

struct thread *thread_create(struct task *task, struct task *charge)
{
	struct thread *t;
	struct frame *f;

	if (!kmem_charge(charge, THREAD_BLOCK_SIZE))
		return NULL;
	t = thread_block_alloc();
	if (!t) {
		kmem_uncharge(charge, THREAD_BLOCK_SIZE);
		return NULL;
	}
	t->task = task;
	t->id = next_thread_id++;
	t->state = TS_INACTIVE;
	t->prio = 100;
	f = thread_frame(t);
	f->cs = USER_CS;
	f->ss = USER_DS;
	f->rflags = RFLAGS_IF;
	f->vector = FRAME_FULL;
	stack_prepare(t, thread_first_return, (u64)f);
	return t;
}

static void idle_loop(void)
{
	for (;;)
		asm volatile("sti; hlt; cli");
}

struct thread *thread_create_idle(void)
{
	struct thread *t = thread_block_alloc();

	assert(t);
	t->kernel = true;
	t->state = TS_READY;
	t->prio = 0;
	stack_prepare(t, idle_loop, thread_stack_top(t));
	return t;
}

void fpu_init(void)
{
	u32 a, b, c, d;

	cpuid(0xd, 0, &a, &b, &c, &d);
	if (b > FPU_AREA_SIZE)
		panic("XSAVE area of %u bytes exceeds FPU_AREA_SIZE", b);
}

/* XSAVE/XRSTOR of the components enabled in XCR0 (Vol. 1 13.7, 13.8). */
static void fpu_save(struct thread *t)
{
	asm volatile("xsave64 %0" : "+m"(t->fpu) : "a"(~0u), "d"(~0u));
}

static void fpu_restore(struct thread *t)
{
	asm volatile("xrstor64 %0" : : "m"(t->fpu), "a"(~0u), "d"(~0u));
}

KERNEL_HOT void thread_switch(struct thread *from, struct thread *to)
{
	struct percpu *c = this_cpu();
	u64 sel = user_sel_read(); /* a kernel thread leaves them alone */

	if (!from->kernel) {
		fpu_save(from);
		from->user_sel = sel;
		from->fs_base = rdmsr(MSR_FS_BASE);
		from->gs_base = rdmsr(MSR_KERNEL_GS_BASE); /* swapped out */
	}
	if (!to->kernel) {
		struct task *run = thread_run_task(to);

		if (c->loaded_space != &run->space)
			stat_inc(STAT_SPACE_SWITCHES);
		space_activate(&run->space);
		task_io_activate(run);
		debug_activate(to);
		cpu_set_tsd(to->vcpu_tsd);
		fpu_restore(to);
		if (to->user_sel != sel)
			user_sel_load(to->user_sel); /* before the bases */
		wrmsr(MSR_FS_BASE, to->fs_base);
		wrmsr(MSR_KERNEL_GS_BASE, to->gs_base);
		cpu_set_kernel_stack(thread_stack_top(to));
	}
	c->current = to;
	stat_inc(STAT_CONTEXT_SWITCHES);
	switch_context(&from->ksp, to->ksp);
}

void thread_halt(struct thread *t)
{
	if (t->state == TS_SEND || t->state == TS_RECV)
		ipc_cancel(t, -E_CANCELED);
	if (t->state == TS_READY)
		sched_unready(t);
	vcpu_timer_cancel(t);
	t->state = TS_HALTED;
	if (t == current())
		sched_block();
}

/* thread_create(task_cap, slot) */
long sys_thread_create(struct frame *f)
{
	struct task *self = current()->task;
	struct thread *t;
	struct cap *tc;
	long err;

	tc = cap_lookup(self, f->rdi, CAPT_TASK, CR_CONTROL, &err);
	if (!tc)
		return err;
	if (f->rsi >= CAP_SLOTS)
		return -E_BADCAP;
	if (self->caps[f->rsi].type != CAPT_EMPTY)
		return -E_BUSY;
	t = thread_create(tc->obj, self);
	if (!t)
		return -E_NOMEM;
	t->prio = current()->prio;
	return cap_install(self, f->rsi, t, CAPT_THREAD, CR_ALL, 0);
}

/*
 * thread_control(thread, pager_slot, prio, flags): a thread may not be
 * given a priority above its controller's own.
 */
long sys_thread_control(struct frame *f)
{
	struct thread *self = current(), *t;
	struct cap *c, *pc = NULL;
	u64 flags = f->r10;
	long err;

	c = cap_lookup(self->task, f->rdi, CAPT_THREAD, CR_CONTROL, &err);
	if (!c)
		return err;
	t = c->obj;
	if (flags & ~(u64)(TC_SET_PAGER | TC_SET_PRIO | TC_START))
		return -E_INVAL;
	if (flags & TC_SET_PAGER) {
		pc = cap_lookup(self->task, f->rsi, CAPT_THREAD, CR_SEND, &err);
		if (!pc)
			return err;
	}
	if ((flags & TC_SET_PRIO) && (f->rdx > self->prio || f->rdx == 0))
		return -E_PERM;
	if ((flags & TC_START) && t->state != TS_INACTIVE)
		return -E_STATE;
	if (pc) {
		t->pager = pc->obj;
		t->pager_badge = pc->badge;
	}
	if (flags & TC_SET_PRIO) {
		bool queued = t->state == TS_READY && t != self;

		if (queued)
			sched_unready(t);
		t->prio = f->rdx;
		if (queued)
			sched_ready(t);
		if (t == self)
			sched_reconsider();
	}
	if (flags & TC_START) {
		t->state = TS_READY;
		sched_ready(t);
	}
	return 0;
}

/*
 * thread_exregs(thread, ip, sp, flags) -> rdi old ip, rsi old sp, rdx state.
 * A new ip must be a user address; flags may cancel an IPC, halt or
 * resume the thread.
 */
long sys_thread_exregs(struct frame *f)
{
	struct thread *self = current(), *t;
	struct frame *tf;
	u64 ip = f->rsi, sp = f->rdx, flags = f->r10, oip, osp, st = 0;
	struct cap *c;
	long err;

	c = cap_lookup(self->task, f->rdi, CAPT_THREAD, CR_CONTROL, &err);
	if (!c)
		return err;
	t = c->obj;
	if (flags &
	    ~(u64)(EX_SET_IP | EX_SET_SP | EX_CANCEL | EX_RESUME | EX_HALT))
		return -E_INVAL;
	if ((flags & EX_SET_IP) && !space_user_address(ip))
		return -E_INVAL;
	if ((flags & EX_HALT) && (flags & EX_RESUME))
		return -E_INVAL;
	tf = thread_frame(t);
	oip = tf->rip;
	osp = tf->rsp;
	if (t->state == TS_HALTED)
		st |= EX_STATE_HALTED;
	if (t->state == TS_SEND || t->state == TS_RECV)
		st |= EX_STATE_IPC;
	if (flags & (EX_SET_IP | EX_SET_SP))
		tf->vector = FRAME_FULL;
	if (flags & EX_SET_IP)
		frame_set_user_ip(tf, ip);
	if (flags & EX_SET_SP)
		tf->rsp = sp;
	if ((flags & EX_CANCEL) && (t->state == TS_SEND || t->state == TS_RECV))
		ipc_cancel(t, -E_CANCELED);
	if ((flags & EX_RESUME) &&
	    (t->state == TS_HALTED || t->state == TS_INACTIVE)) {
		t->in_fault = false;
		t->state = TS_READY;
		sched_ready(t);
	}
	f->rdi = oip;
	f->rsi = osp;
	f->rdx = st;
	if (flags & EX_HALT)
		thread_halt(t);
	return 0;
}
