/*
 * Exceptions and page faults of user threads. The kernel turns the fault
 * into a call from the faulting thread to its pager (LABEL_PAGE_FAULT or
 * LABEL_EXCEPTION); the pager's reply either maps a page of its own at the
 * faulting address (TAG_MAP) or sets new registers (TAG_EXREGS); any other
 * reply just resumes the thread, which retries. The root task's faults in
 * its physical window are resolved by the kernel itself. A thread without
 * a pager, or whose pager is unreachable, halts; nothing else is affected.
 * A vCPU thread's faults become upcalls instead (vcpu.c).
 */
#include <lib.h>
#include <debug.h>
#include <fault.h>
#include <ipc.h>
#include <map.h>
#include <sched.h>
#include <stats.h>
#include <task.h>
#include <thread.h>
#include <vcpu.h>
#include <abi/errno.h>
#include <abi/map.h>
#include <arch/cpu.h>

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "?",   "#TS", "#NP", "#SS", "#GP", "#PF", "?",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

static void halt_unhandled(struct thread *t, struct frame *f, const char *why)
{
	const char *n = f->vector < 32 && exc_names[f->vector] ?
				exc_names[f->vector] :
				"?";

	printk("kernel: task %u thread %u halted: %s %s (vector %lu) at ip %lx addr %lx err %lx\n",
	       t->task->id, t->id, why, n, f->vector, f->rip, t->fault_addr,
	       f->error);
	/*
	 * Nothing can finish without the root task (it ends the system and
	 * serves the console): stop with the reason instead of idling on.
	 * Its faults in its physical window are the kernel's to resolve: one
	 * that reaches here touched the kernel's own memory, or, far more
	 * likely, found no kernel memory left for the mapping.
	 */
	if (t->task->is_root) {
		bool window = f->vector == 14 &&
			      t->fault_addr - ROOT_PHYS_WINDOW <
				      ROOT_PHYS_WINDOW_SIZE;

		panic("the root task cannot continue%s",
		      window ? " (a page of its physical window could not be "
			       "mapped: kernel memory quota used up?)" :
			       "");
	}
	thread_halt(t);
}

KERNEL_EVENT void fault_user(struct frame *f)
{
	struct thread *t = current();
	long r;

	stat_inc(STAT_FAULTS);
	t->fault_addr = f->vector == 14 ? read_cr2() : 0;
	if (f->vector == 1)
		f->error = debug_take_dr6(); /* #DB pushes no error code */
	if (f->vector == 14 && t->task->is_root &&
	    map_root_window_fault(&t->task->space, t->fault_addr))
		return;
	if (vcpu_fault(t, f, t->fault_addr))
		return;
	if (!t->pager) {
		halt_unhandled(t, f, "no pager for");
		return;
	}
	if (f->vector == 14) {
		t->kmsg.tag = TAG_MAKE(LABEL_PAGE_FAULT, 0);
		t->kmsg.w[0] = t->fault_addr;
		t->kmsg.w[1] = f->error;
		t->kmsg.w[2] = f->rip;
		t->kmsg.w[3] = 0;
		t->kmsg.w[4] = 0;
	} else {
		t->kmsg.tag = TAG_MAKE(LABEL_EXCEPTION, 0);
		t->kmsg.w[0] = f->vector;
		t->kmsg.w[1] = f->error;
		t->kmsg.w[2] = f->rip;
		t->kmsg.w[3] = f->rsp;
		t->kmsg.w[4] = f->rflags;
	}
	t->kmsg_valid = true;
	t->in_fault = true;
	t->call_rcv_timeout = TIMEOUT_NEVER;
	r = ipc_send(t, t->pager, t->pager_badge, true, TIMEOUT_NEVER);
	t->kmsg_valid = false;
	if (r == 0)
		r = ipc_receive(t, t->pager, TIMEOUT_NEVER);
	else if (r == 1)
		r = t->ipc_result;
	t->in_fault = false;
	if (r == -E_CANCELED)
		return; /* exregs chose what happens next */
	if (r < 0)
		halt_unhandled(t, f, "pager unreachable for");
}

/* The pager answered t's fault with m; the result goes to the pager. */
long fault_reply(struct thread *t, struct thread *pager, const struct msg *m)
{
	struct frame *f = thread_frame(t);

	if (m->tag & TAG_MAP) {
		if (m->w[0] & 4095 || (m->w[1] & ~(u64)MAP_RWX) ||
		    !(m->w[1] & MAP_R))
			return -E_INVAL;
		return map_page(&pager->task->space, m->w[0], &t->task->space,
				t->fault_addr & ~4095ul, m->w[1]);
	}
	if (m->tag & TAG_EXREGS) {
		if (!space_user_address(m->w[0]))
			return -E_INVAL;
		frame_set_user_ip(f, m->w[0]);
		f->rsp = m->w[1];
	}
	return 0;
}
