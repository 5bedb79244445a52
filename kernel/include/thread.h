/*
 * Threads (thread.c): a kernel stack with the user frame at its top, a
 * scheduling priority, IPC state, the fault handler ("pager") and the
 * per-thread FPU/SSE/AVX area. A thread and its stack share one 8 KiB
 * block: the struct at the top, the stack growing down from it with the
 * user frame first, so that a system call or an upcall finds the struct,
 * the frame and its first kilobytes of stack in one page (under QEMU TCG,
 * every page touched after an address-space switch is a software-TLB
 * refill).
 */
#ifndef THREAD_H
#define THREAD_H

#include <types.h>
#include <abi/ipc.h>
#include <arch/frame.h>

struct task;

#define THREAD_BLOCK_SIZE 8192
#define FPU_AREA_SIZE 1024

enum thread_state {
	TS_INACTIVE, /* created, not started */
	TS_READY,    /* runnable (in the ready queue or running) */
	TS_SEND,     /* in a sender queue, waiting for the receiver */
	TS_RECV,     /* waiting for a message */
	TS_HALTED,   /* stopped by fault without handler or EX_HALT */
};

struct msg {
	u64 tag;
	u64 w[MSG_WORDS];
};

struct thread {
	u64 ksp; /* saved by switch_context */
	struct task *task;
	u32 id;
	u8 prio;
	u8 state;
	bool kernel;	       /* idle thread: no user frame */
	struct thread *q_next; /* ready queue or a sender queue */
	u32 slice_left;	       /* ticks */

	/* IPC */
	struct thread *send_head, *send_tail; /* senders waiting on us */
	struct thread *partner;	 /* TS_SEND: receiver; TS_RECV: closed source */
	struct thread *reply_to; /* a caller waiting for our reply */
	u64 send_badge;
	bool send_call;	     /* TS_SEND as the send phase of a call */
	bool call_converted; /* a receiver took our call: now TS_RECV */
	u32 call_rcv_timeout;
	bool kmsg_valid; /* message in kmsg, not in the frame */
	struct msg kmsg;
	long ipc_result;
	u64 timeout; /* absolute tick, 0 = none */
	struct thread *timeout_next;

	/* faults */
	struct thread *pager;
	u64 pager_badge;
	bool in_fault; /* waiting for the pager's reply */
	u64 fault_addr;

	/* vCPU mode (vcpu.c) */
	u64 vcpu_area;			/* state area address, 0: not a vCPU */
	struct task *vcpu_user;		/* resumed into this task, NULL: own */
	bool vcpu_tsd;			/* there with VCPU_F_TSD (CR4.TSD) */
	u64 vcpu_user_slot;		/* the slot that named vcpu_user */
	bool vcpu_kick;			/* a virtual interrupt was raised */
	u64 vcpu_host_fs, vcpu_host_gs; /* own-task FS/GS base while away */
	void *vcpu_kva;			/* the area in the direct map, valid */
	u64 vcpu_kva_unmaps;		/* while space.unmaps has this value */

	/* vcpu_timer (timer.c) */
	u64 vtimer_tsc; /* deadline, 0: none */
	u32 vtimer_bit;
	struct thread *vtimer_next;

	/* hardware breakpoints (debug.h): dr7 0 for none */
	struct {
		u64 addr[4], dr7;
	} debug;

	u64 fs_base, gs_base; /* user FS/GS base (FSGSBASE) */
	u64 user_sel;	      /* user DS ES FS GS (user_sel_read) */
	u64 cpu_tsc;	      /* TSC cycles run */
	u8 fpu[FPU_AREA_SIZE] __attribute__((aligned(64)));
};

/* The struct's place in its block, a multiple of 64 bytes from the end. */
#define THREAD_STRUCT_OFFSET \
	(THREAD_BLOCK_SIZE - ((sizeof(struct thread) + 63) & ~63ul))

/* The top of t's kernel stack (TSS.RSP0): right below the struct. */
static inline u64 thread_stack_top(struct thread *t)
{
	return (u64)t;
}

static inline struct frame *thread_frame(struct thread *t)
{
	return (struct frame *)thread_stack_top(t) - 1;
}

/* The task whose address space the thread runs in now. */
static inline struct task *thread_run_task(struct thread *t)
{
	return t->vcpu_user ? t->vcpu_user : t->task;
}

struct thread *thread_create(struct task *t, struct task *charge);
struct thread *thread_create_idle(void);
void thread_switch(struct thread *from, struct thread *to);
void thread_halt(struct thread *t);
void fpu_init(void);

long sys_thread_create(struct frame *f);
long sys_thread_control(struct frame *f);
long sys_thread_exregs(struct frame *f);

#endif
