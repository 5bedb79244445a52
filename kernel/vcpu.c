/*
 * vCPU execution mode (SPEC 5), in the manner of Fiasco.OC's vCPUs. A
 * thread switched into vCPU mode names a state area in its own task
 * (abi/vcpu.h). Its exceptions, page faults and virtual interrupts are
 * not sent to a pager: the kernel saves the interrupted registers in the
 * state area, records the cause and the task the event came from, clears
 * the virtual interrupt flag and enters the upcall entry in the own task.
 * vcpu_resume loads the saved registers again, in the own task or in
 * another task the thread holds a capability to (a guest user process);
 * every event there, system calls included, comes back as an upcall.
 *
 * The kernel reaches the state area only through the task's page tables
 * (space_user_page), so an unmapped area is an error or halts the thread, it
 * never faults the kernel. Virtual interrupts (vcpu_signal, or an IRQ line
 * attached to the thread) set a bit in pending; while VCPU_F_IRQ is clear
 * nothing else happens, and vcpu_resume delivers them once it is set.
 * The thread's one XSAVE area serves both tasks (thread.c).
 */
#include <lib.h>
#include <cap.h>
#include <ipc.h>
#include <sched.h>
#include <stats.h>
#include <task.h>
#include <thread.h>
#include <timer.h>
#include <vcpu.h>
#include <abi/errno.h>
#include <abi/syscall.h>
#include <arch/percpu.h>

/*
 * The state area through the direct map (space_user_page): it is page
 * aligned and smaller than a page, so one walk reaches all of it, and
 * the kernel reads and writes the fields it needs in place instead of
 * copying the whole area in and out on every event. NULL if the task
 * unmapped it (or, for write, made it read-only). What the kernel acts
 * on is read once into a local, so the task cannot change it between a
 * check and its use.
 */
_Static_assert(sizeof(struct vcpu_state) <= 4096, "state area: one page");

static KERNEL_EVENT struct vcpu_state *area(struct thread *t, bool write)
{
	struct space *s = &t->task->space;
	struct vcpu_state *a;

	/* A writable area's pointer is kept until its task unmaps a page. */
	if (t->vcpu_kva && t->vcpu_kva_unmaps == s->unmaps)
		return t->vcpu_kva;
	a = space_user_page(s, t->vcpu_area, true);
	t->vcpu_kva = a;
	t->vcpu_kva_unmaps = s->unmaps;
	if (!a && !write)
		a = space_user_page(s, t->vcpu_area, false);
	return a;
}

/*
 * Make t (current) run in task `run`: page tables and I/O bitmap (its
 * breakpoints apply in every task). Inlined: it is on every upcall and
 * resume.
 */
static inline __attribute__((always_inline)) void
run_in(struct thread *t, struct task *run, u64 slot, bool tsd)
{
	if (thread_run_task(t) != run)
		stat_inc(STAT_SPACE_SWITCHES);
	t->vcpu_user = run == t->task ? NULL : run;
	t->vcpu_user_slot = slot;
	t->vcpu_tsd = tsd;
	space_activate(&run->space);
	task_io_activate(run);
	cpu_set_tsd(tsd);
}

/*
 * Save current's user state f in the state area and enter its upcall
 * entry in the own task. A state area that cannot be written or an entry
 * that is no user address halts the thread: it has no handler left.
 */
static KERNEL_EVENT void upcall(struct thread *t, struct frame *f, u64 cause,
				u64 vector, u64 error, u64 addr)
{
	struct vcpu_state *s = area(t, true);
	bool away = t->vcpu_user != NULL;
	u64 entry_ip = s ? s->entry_ip : 0, flags;

	if (!s || !space_user_address(entry_ip)) {
		printk("kernel: task %u thread %u halted: vCPU state area %lx unusable\n",
		       t->task->id, t->id, t->vcpu_area);
		thread_halt(t);
		return;
	}
	vcpu_regs_save(&s->regs, f);
	if (away) {
		vcpu_fsgs_save(&s->regs);
		vcpu_sel_save(&s->regs);
	} else
		s->regs.fs_base = s->regs.gs_base = 0;
	s->cause = cause;
	s->vector = vector;
	s->error = error;
	s->fault_addr = addr;
	s->from = away ? t->vcpu_user_slot : CAP_NONE;
	flags = s->flags;
	s->saved_flags = flags;
	s->flags = flags & ~(VCPU_F_IRQ | VCPU_F_FAULTS | VCPU_F_TSD);
	if (away) {
		struct vcpu_regs host = { .fs_base = t->vcpu_host_fs,
					  .gs_base = t->vcpu_host_gs };

		vcpu_fsgs_load(&host);
		run_in(t, t->task, CAP_NONE, false);
	}
	t->vcpu_kick = false;
	vcpu_upcall_frame(f, entry_ip, s->entry_sp, t->vcpu_area);
	stat_inc(STAT_UPCALLS);
}

/* Exception or page fault of current t (fault.c). */
KERNEL_EVENT bool vcpu_fault(struct thread *t, struct frame *f, u64 fault_addr)
{
	struct vcpu_state *s;

	if (!t->vcpu_area)
		return false;
	if (!t->vcpu_user) {
		/* Own task: only when asked to, else the pager handles it. */
		s = area(t, false);
		if (!s || !(s->flags & VCPU_F_FAULTS))
			return false;
	}
	upcall(t, f, VCPU_CAUSE_EXCEPTION, f->vector, f->error, fault_addr);
	return true;
}

/* SYSCALL of current t: in another task it belongs to the guest kernel. */
KERNEL_EVENT bool vcpu_syscall(struct thread *t, struct frame *f)
{
	if (!t->vcpu_user)
		return false;
	upcall(t, f, VCPU_CAUSE_SYSCALL, 0, 0, 0);
	return true;
}

/*
 * Raise virtual interrupt `bit` for vCPU t: mark it pending; if t has
 * virtual interrupts enabled, t enters its upcall on the way back to user
 * mode (vcpu_return_check), leaving a blocking IPC if it waits in one.
 */
KERNEL_HOT bool vcpu_irq(struct thread *t, u32 bit)
{
	struct vcpu_state *s;

	if (!t->vcpu_area || bit >= VCPU_PENDING_BITS)
		return false;
	s = area(t, true);
	if (!s)
		return false;
	s->pending |= 1ul << bit;
	if (!(s->flags & VCPU_F_IRQ))
		return true;
	t->vcpu_kick = true;
	if ((t->state == TS_SEND || t->state == TS_RECV) && !t->in_fault)
		ipc_cancel(t, -E_CANCELED);
	return true;
}

/* Last step before current returns to user mode (syscall.c, trap.c). */
KERNEL_EVENT void vcpu_return_check(void)
{
	struct thread *t = current();
	struct vcpu_state *s;

	if (!t->vcpu_kick || t->kernel || t->state != TS_READY)
		return;
	t->vcpu_kick = false;
	s = area(t, false);
	if (!s || !(s->flags & VCPU_F_IRQ) || !s->pending)
		return;
	upcall(t, thread_frame(t), VCPU_CAUSE_IRQ, 0, 0, 0);
}

/*
 * The vCPU thread that vcpu_signal and vcpu_timer name (a thread cap
 * with CR_SEND), checked with the virtual interrupt bit; NULL and *err.
 */
static KERNEL_HOT struct thread *irq_target(u64 slot, u64 bit, long *err)
{
	struct cap *c =
		cap_lookup(current()->task, slot, CAPT_THREAD, CR_SEND, err);

	if (!c)
		return NULL;
	if (bit >= VCPU_PENDING_BITS) {
		*err = -E_INVAL;
		return NULL;
	}
	if (!((struct thread *)c->obj)->vcpu_area) {
		*err = -E_STATE;
		return NULL;
	}
	*err = 0;
	return c->obj;
}

/*
 * vcpu_timer(thread, tsc, bit): raise virtual interrupt bit when the TSC
 * reaches tsc (at once if it has); tsc 0 cancels. One deadline per
 * thread: a new one replaces it (timer.c).
 */
long sys_vcpu_timer(struct frame *f)
{
	long err;
	struct thread *t = irq_target(f->rdi, f->rdx, &err);

	if (t)
		vcpu_timer_set(t, f->rsi, (u32)f->rdx);
	return err;
}

/*
 * vcpu_control(thread, area): switch the thread into vCPU mode with the
 * state area at `area` (page aligned, writable, in the thread's task), or
 * out of it with area 0. Not while it runs in another task.
 */
long sys_vcpu_control(struct frame *f)
{
	struct thread *t;
	struct vcpu_state s;
	struct cap *c;
	u64 area = f->rsi;
	long err;

	c = cap_lookup(current()->task, f->rdi, CAPT_THREAD, CR_CONTROL, &err);
	if (!c)
		return err;
	t = c->obj;
	if (area && ((area & 4095) || !space_user_address(area)))
		return -E_INVAL;
	if (t->vcpu_user)
		return -E_STATE;
	if (area) {
		err = space_copy_from(&t->task->space, area, &s, sizeof(s));
		if (!err)
			err = space_copy_to(&t->task->space, area, &s,
					    sizeof(s));
		if (err)
			return err;
	}
	t->vcpu_area = area;
	t->vcpu_kva = NULL;
	t->vcpu_kick = false;
	return 0;
}

/*
 * vcpu_resume(task, set_flags): OR set_flags into the state area's flags,
 * load the registers of the caller's state area and continue there, in
 * the own task (CAP_NONE) or in `task` (a task cap with CR_CONTROL). With virtual interrupts enabled and some pending, the
 * caller enters its upcall at once instead, the loaded state saved as the
 * interrupted one. On success the result is the loaded rax, which
 * syscall_dispatch stores back into the frame.
 */
KERNEL_EVENT long sys_vcpu_resume(struct frame *f)
{
	struct thread *t = current();
	struct task *run = t->task;
	u64 slot = f->rdi, flags;
	struct vcpu_state *s;
	struct vcpu_regs chk;
	struct cap *c;
	long err;

	if (!t->vcpu_area)
		return -E_STATE;
	if (slot != CAP_NONE) {
		c = cap_lookup(t->task, slot, CAPT_TASK, CR_CONTROL, &err);
		if (!c)
			return err;
		run = c->obj;
	}
	if (f->rsi & ~VCPU_F_RESUME_MASK)
		return -E_INVAL;
	s = area(t, f->rsi != 0);
	if (!s)
		return -E_FAULT;
	flags = s->flags | f->rsi;
	if (f->rsi)
		s->flags = flags;
	/* What is checked is what is loaded: a copy of those. */
	chk.rip = s->regs.rip;
	chk.cs = s->regs.cs;
	chk.fs_base = s->regs.fs_base;
	chk.gs_base = s->regs.gs_base;
	chk.ds = s->regs.ds;
	chk.es = s->regs.es;
	chk.fs = s->regs.fs;
	chk.gs = s->regs.gs;
	err = vcpu_regs_check(&chk, run != t->task);
	if (err)
		return err;
	vcpu_regs_load(f, &s->regs, &chk, run != t->task);
	if (run != t->task) {
		struct vcpu_regs host;

		vcpu_fsgs_save(&host); /* the own task's, back on upcall */
		t->vcpu_host_fs = host.fs_base;
		t->vcpu_host_gs = host.gs_base;
		vcpu_sel_load(&chk);
		vcpu_fsgs_load(&chk);
		run_in(t, run, slot, flags & VCPU_F_TSD);
	}
	if ((flags & VCPU_F_IRQ) && s->pending)
		upcall(t, f, VCPU_CAUSE_IRQ, 0, 0, 0);
	return f->rax;
}

/* vcpu_signal(thread, bit): raise virtual interrupt bit (< 64). */
KERNEL_HOT long sys_vcpu_signal(struct frame *f)
{
	long err;
	struct thread *t = irq_target(f->rdi, f->rsi, &err);

	if (!t)
		return err;
	return vcpu_irq(t, f->rsi) ? 0 : -E_FAULT;
}
