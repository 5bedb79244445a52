/*
 * Hardware breakpoints of user threads (arch debug.c, abi/debug.h). A
 * thread's DR0-DR3 and DR7 are in force while it runs its user code;
 * for a vCPU thread only while it runs in another task (the guest user
 * process), never in its own task, where the VMM and the guest kernel
 * run. The CPU's registers are rewritten only when what is wanted
 * changes, so threads without breakpoints pay one comparison per switch.
 */
#ifndef DEBUG_H
#define DEBUG_H

#include <types.h>
#include <thread.h>
#include <arch/percpu.h>

/* Load t's breakpoints, or turn them off (t NULL). */
void debug_load(struct thread *t);

static inline void debug_activate(struct thread *t)
{
	struct thread *want =
		t->debug.dr7 && (!t->vcpu_area || t->vcpu_user) ? t : NULL;

	if (this_cpu()->debug_loaded != want)
		debug_load(want);
}

/* DR6 after a #DB from user mode; the register is reset for the next. */
u64 debug_take_dr6(void);

long sys_thread_debug(struct frame *f);

#endif
