/*
 * Per-CPU data, reached through the GS base in the kernel (SWAPGS on every
 * entry from user mode puts it there). entry.S uses the first fields by
 * offset, so keep their order.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#define PERCPU_KSTACK_TOP 0
#define PERCPU_USER_RSP 8

#ifndef __ASSEMBLER__
#include <types.h>
#include <arch/cpu.h>

struct thread;

struct percpu {
	u64 kstack_top; /* rsp0 for SYSCALL entry */
	u64 user_rsp;	/* scratch during SYSCALL entry */
	struct thread *current;
	struct thread *idle;
	struct space *loaded_space;   /* whose page tables CR3 holds */
	struct task *io_bitmap_owner; /* whose bitmap the TSS holds */
	bool io_bitmap_on;	      /* and whether it is in force */
	struct thread *debug_loaded;  /* whose breakpoints DR7 holds */
	bool tsd;		      /* CR4.TSD: rdtsc faults in user mode */
};

extern struct percpu cpu0;

static inline struct percpu *this_cpu(void)
{
	return &cpu0; /* one CPU; SMP reads GS:self instead */
}

/* CR4.TSD for the user mode about to run: rdtsc and rdtscp fault there. */
static inline void cpu_set_tsd(bool on)
{
	struct percpu *c = this_cpu();

	if (c->tsd != on) {
		c->tsd = on;
		write_cr4(on ? read_cr4() | CR4_TSD : read_cr4() & ~CR4_TSD);
	}
}
#endif

#endif
