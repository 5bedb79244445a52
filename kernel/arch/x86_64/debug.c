/*
 * Hardware breakpoints (debug.h, abi/debug.h): thread_debug validates a
 * thread's DR0-DR3 and DR7, debug_load puts them into the CPU, and a #DB
 * from user mode reports DR6 to whoever handles the thread's exceptions.
 *
 * Only user addresses are accepted, so a breakpoint can never trigger on
 * kernel code or on the kernel's own data. The kernel can still see a #DB
 * in ring 0: a data breakpoint on the operand of a user MOV SS or POP SS
 * is held back for one instruction, and if that instruction is SYSCALL it
 * arrives on the kernel's first instruction, with the user's stack
 * pointer still loaded. So #DB has a stack of its own (IST), and entry.S
 * discards it there (cpu.c, entry.S).
 */
#include <lib.h>
#include <cap.h>
#include <debug.h>
#include <sched.h>
#include <space.h>
#include <task.h>
#include <abi/debug.h>
#include <abi/errno.h>
#include <arch/frame.h>

#define SET_DR(n, v) asm volatile("mov %0, %%dr" #n : : "r"(v))

void debug_load(struct thread *t)
{
	if (t) {
		SET_DR(0, t->debug.addr[0]);
		SET_DR(1, t->debug.addr[1]);
		SET_DR(2, t->debug.addr[2]);
		SET_DR(3, t->debug.addr[3]);
		SET_DR(7, t->debug.dr7 | DR7_FIXED);
	} else {
		SET_DR(7, DR7_FIXED);
	}
	this_cpu()->debug_loaded = t;
}

u64 debug_take_dr6(void)
{
	u64 dr6;

	asm volatile("mov %%dr6, %0" : "=r"(dr6));
	SET_DR(6, DR6_INIT);
	return dr6;
}

static long check(u64 dr7, u64 addr[DEBUG_SLOTS])
{
	if (dr7 & ~DR7_ACCEPTED)
		return -E_INVAL;
	for (unsigned i = 0; i < DEBUG_SLOTS; i++) {
		u64 last = addr[i] + DR7_BYTES(dr7, i) - 1;

		if (!(dr7 & DR7_ENABLE(i))) {
			addr[i] = 0;
			continue;
		}
		if (!DR7_KIND_OK(dr7, i) || !space_user_address(addr[i]) ||
		    !space_user_address(last) || last < addr[i])
			return -E_INVAL;
	}
	return 0;
}

/*
 * thread_debug(thread, dr7, dr0, dr1, dr2, dr3): set the thread's
 * breakpoints (a thread cap with CR_CONTROL; SLOT_SELF_THREAD for the
 * task's first thread). DR7 without any enable bit clears them.
 */
long sys_thread_debug(struct frame *f)
{
	u64 addr[DEBUG_SLOTS] = { f->rdx, f->r10, f->r8, f->r9 };
	u64 dr7 = f->rsi;
	struct thread *t;
	struct cap *c;
	long err;

	c = cap_lookup(current()->task, f->rdi, CAPT_THREAD, CR_CONTROL, &err);
	if (!c)
		return err;
	t = c->obj;
	err = check(dr7, addr);
	if (err)
		return err;
	for (unsigned i = 0; i < DEBUG_SLOTS; i++)
		t->debug.addr[i] = addr[i];
	t->debug.dr7 = dr7 & DR7_ENABLES ? dr7 & ~DR7_FIXED : 0;
	/* The CPU may hold t's old values: off, then what applies now. */
	if (this_cpu()->debug_loaded == t)
		debug_load(NULL);
	debug_activate(current());
	return 0;
}
