/*
 * vCPU execution mode: the state area a vCPU thread shares with the
 * kernel, and the flags and event causes in it (docs/abi.md, "vCPU").
 *
 * The state area is one page-aligned struct vcpu_state in the vCPU
 * thread's own task. On an upcall the kernel saves the interrupted user
 * registers in regs, records cause and origin, clears VCPU_F_IRQ and
 * VCPU_F_FAULTS, and enters entry_ip with rsp = entry_sp and rdi = the
 * state area's address. SYS_VCPU_RESUME loads regs again, in the own task
 * or in a task named by a capability.
 */
#ifndef ABI_VCPU_H
#define ABI_VCPU_H

/* Saved (on upcall) and restored (on resume) user registers. */
struct vcpu_regs {
	unsigned long rax, rbx, rcx, rdx, rsi, rdi, rbp;
	unsigned long r8, r9, r10, r11, r12, r13, r14, r15;
	unsigned long rip, rsp, rflags;
	unsigned long fs_base, gs_base;	/* only for events in another task */
	/*
	 * Code segment, only for another task: 0x23 (32-bit compatibility
	 * mode, rip below 4 GiB) or 0x33 (64-bit); a resume treats any
	 * other value as 0x33.
	 */
	unsigned long cs;
	/*
	 * Data segment selectors, only for another task: what the task
	 * had loaded at the event, and what a resume loads. Null (0-3) or
	 * one of the GDT's user segments (abi.md), else E_INVAL.
	 */
	unsigned short ds, es, fs, gs;
};

/*
 * A data segment selector a resume into another task loads: null, or
 * one of the GDT's user segments (Linux's layout: 0x23, 0x2b, 0x33 and
 * 0x7b, entries 4, 5, 6 and 15), with any RPL.
 */
#define VCPU_SEL_USER_ENTRIES	((1u << 0) | (1u << 4) | (1u << 5) | \
				 (1u << 6) | (1u << 15))
#define VCPU_SEL_OK(sel)	((sel) < 0x80 && !((sel) & 4) && \
				 ((VCPU_SEL_USER_ENTRIES >> ((sel) >> 3)) & 1))

struct vcpu_state {
	struct vcpu_regs regs;
	unsigned long flags;		/* VCPU_F_*, written by both sides */
	unsigned long pending;		/* bit n: virtual interrupt n pending */
	unsigned long entry_ip;		/* upcall entry in the own task */
	unsigned long entry_sp;
	/* Written by the kernel on every upcall: */
	unsigned long cause;		/* VCPU_CAUSE_* */
	unsigned long vector;		/* exception vector */
	unsigned long error;		/* exception error code */
	unsigned long fault_addr;	/* page faults: CR2 */
	unsigned long from;		/* task slot given to resume, or CAP_NONE */
	unsigned long saved_flags;	/* flags before the upcall cleared them */
};

/*
 * flags. VCPU_F_IRQ is the only bit of the lowest byte, so a guest's
 * rewritten cli/sti can store that byte with one instruction that leaves
 * the arithmetic flags alone (movb $0/$1).
 */
#define VCPU_F_IRQ	(1ul << 0)	/* virtual interrupts enabled */
#define VCPU_F_FAULTS	(1ul << 8)	/* own-task faults upcall (else: pager) */
#define VCPU_F_TSD	(1ul << 9)	/* in another task rdtsc/rdtscp fault */
#define VCPU_F_RESUME_MASK (VCPU_F_IRQ | VCPU_F_FAULTS | VCPU_F_TSD)

/* cause */
#define VCPU_CAUSE_EXCEPTION	1	/* vector, error; 14 also fault_addr */
#define VCPU_CAUSE_SYSCALL	2	/* SYSCALL in another task; regs.rax = nr */
#define VCPU_CAUSE_IRQ		3	/* pending & VCPU_F_IRQ became nonzero */

#define VCPU_PENDING_BITS	64

#endif
