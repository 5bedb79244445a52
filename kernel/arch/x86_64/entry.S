/*
 * Kernel entry and exit: the 256 interrupt/exception stubs, the SYSCALL
 * entry, the common return path to user mode, and the kernel-stack switch
 * between threads. Every entry from user mode leaves a struct frame
 * (frame.h) at the top of the thread's kernel stack.
 */
#include <arch/frame.h>
#include <arch/percpu.h>
#include <abi/debug.h>
#include <abi/errno.h>

#define F_VECTOR	(15 * 8)
#define F_RIP		(17 * 8)
#define F_CS		(18 * 8)

/* Vectors for which the CPU pushes an error code (Intel SDM Vol. 3A 7.3). */
.macro stub v
	.align 16
isr_\v:
	.if (\v == 8) || (\v >= 10 && \v <= 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	.else
	pushq	$0
	.endif
	pushq	$\v
	jmp	trap_common
.endm

.macro push_regs
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
.endm

	/*
	 * The page fault's and the timer's stubs run at every guest page
	 * fault and tick: with the entry paths (KERNEL_EVENT, kernel.ld);
	 * the others not.
	 */
	.altmacro
	.set i, 0
	.rept 256
	.if (i == 14) || (i == 32)
	.section .text.event, "ax"
	.else
	.text
	.endif
	.if i != 1
	stub %i
	.endif
	.set i, i + 1
	.endr

	/*
	 * #DB runs on its own stack (IST 1, cpu.c). In ring 0 it can only be
	 * a user data breakpoint held back past a MOV SS or POP SS onto the
	 * first instruction of syscall_entry, with the user's RSP and GS
	 * base still loaded (debug.c): reset DR6 and go on, touching neither.
	 * From user mode the frame moves to the thread's kernel stack, where
	 * every entry from user mode leaves it.
	 */
	.text
	.align 16
isr_1:
	testb	$3, 8(%rsp)		/* CS */
	jz	1f
	swapgs
	mov	%rax, %gs:PERCPU_USER_RSP	/* scratch, as in syscall_entry */
	mov	%rsp, %rax
	mov	%gs:PERCPU_KSTACK_TOP, %rsp
	pushq	32(%rax)		/* ss */
	pushq	24(%rax)		/* rsp */
	pushq	16(%rax)		/* rflags */
	pushq	8(%rax)			/* cs */
	pushq	(%rax)			/* rip */
	mov	%gs:PERCPU_USER_RSP, %rax
	swapgs				/* trap_common swaps again */
	pushq	$0
	pushq	$1
	jmp	trap_common
1:	push	%rax
	mov	$DR6_INIT, %rax
	mov	%rax, %dr6
	pop	%rax
	iretq

	/* every entry and exit: KERNEL_EVENT (lib.h, kernel.ld) */
	.section .text.event, "ax"
trap_common:
	push_regs
	testb	$3, F_CS(%rsp)
	jz	1f
	swapgs				/* from user: GS base := per-CPU block */
1:	cld
	mov	%rsp, %rdi
	call	trap_dispatch
	jmp	trap_return

	/*
	 * SYSCALL's frame on the thread's kernel stack, as an interrupt's
	 * with the user's CS (\cs) and \kind in place of the vector; then
	 * \handler(frame).
	 */
	.macro syscall_frame cs, kind, handler
	swapgs
	mov	%rsp, %gs:PERCPU_USER_RSP
	mov	%gs:PERCPU_KSTACK_TOP, %rsp
	pushq	$USER_DS
	pushq	%gs:PERCPU_USER_RSP
	push	%r11			/* SYSCALL saved RFLAGS in r11 */
	pushq	$\cs
	push	%rcx			/* and RIP in rcx */
	pushq	$0
	pushq	$\kind
	push_regs
	mov	%rsp, %rdi
	call	\handler
	.endm

	.globl syscall_entry
syscall_entry:
	syscall_frame USER_CS, FRAME_SYSCALL, syscall_dispatch
	/* fall through */

	.globl trap_return
trap_return:
	cmpq	$FRAME_SYSCALL, F_VECTOR(%rsp)
	jne	2f
	mov	F_RIP(%rsp), %rcx
	shr	$47, %rcx		/* SYSRET to a non-canonical or upper-half */
	jnz	2f			/* RIP would #GP in ring 0: use IRET */
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	add	$8, %rsp		/* r11 := RFLAGS below */
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	add	$8, %rsp		/* rcx := RIP below */
	pop	%rbx
	pop	%rax
	mov	16(%rsp), %rcx
	mov	32(%rsp), %r11
	mov	40(%rsp), %rsp
	swapgs
	sysretq

2:	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	testb	$3, 24(%rsp)
	jz	3f
	swapgs
3:	add	$16, %rsp		/* vector, error code */
	iretq

	/*
	 * SYSCALL from 32-bit compatibility mode (MSR_CSTAR): any task can
	 * reach that mode through the GDT's 32-bit user code segment. The
	 * same entry as a 64-bit call, but the frame says CS = USER32_CS and
	 * asks for IRET (SYSRETQ would return in 64-bit mode): there are no
	 * such calls, except that a vCPU in another task upcalls with them
	 * (syscall_compat_dispatch).
	 */
	.globl syscall_compat_entry
syscall_compat_entry:
	syscall_frame USER32_CS, FRAME_FULL, syscall_compat_dispatch
	jmp	trap_return

	.section .text.hot, "ax"
/* void switch_context(u64 *save_sp, u64 new_sp): callee-saved regs only. */
	.globl switch_context
switch_context:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, (%rdi)
	mov	%rsi, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret

/* First run of a user thread: its stack holds only the frame. */
	.globl thread_first_return
thread_first_return:
	jmp	trap_return

	.section .rodata
	.align 8
	.globl isr_table
isr_table:
.macro addr v
	.quad isr_\v
.endm
	.set i, 0
	.rept 256
	addr %i
	.set i, i + 1
	.endr
