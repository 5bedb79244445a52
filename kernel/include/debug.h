/*
 * Hardware breakpoints of user threads (arch debug.c, abi/debug.h). A
 * thread's DR0-DR3 and DR7 are in force while it runs its user code, in
 * whichever task: a vCPU thread's also in its own task, where the guest
 * kernel's accesses to watched bytes trap to its VMM like any exception.
 * The CPU's registers are rewritten only when what is wanted changes, so
 * threads without breakpoints pay one comparison per switch.
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
	struct thread *want = t->debug.dr7 ? t : NULL;

	if (this_cpu()->debug_loaded != want)
		debug_load(want);
}

/* DR6 after a #DB from user mode; the register is reset for the next. */
u64 debug_take_dr6(void);

long sys_thread_debug(struct frame *f);

#endif
