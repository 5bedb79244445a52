/*
 * The VMM's entry points, in the VM's own task:
 *
 *  _start            first instruction, on the stack the root task gave
 *  vmm_site_entry    a rewritten site jumped here through its thunk
 *                    (rewrite.c): "movl $index, site_index; jmp here".
 *                    It lives in the near window (near.h), like the
 *                    thunks and site_regs, and calls the VMM's C code
 *                    in the hypervisor slot through an absolute address.
 *                    No stack of the guest is touched: the site's index
 *                    is in site_index, the guest's registers go to
 *                    site_regs, the continuation is site_regs.rip. That
 *                    matters where Linux runs on a user stack, between
 *                    SYSCALL and its stack switch and before SYSRET, whose
 *                    red zone a call would clobber.
 *  vmm_upcall_entry  the microkernel's upcall (abi/vcpu.h): rdi = state
 *
 * and one way out besides the sites' own return: vmm_jump.
 *
 * C code runs on VMM stacks; the guest's SSE state is never touched
 * because the VMM is built with -mgeneral-regs-only.
 */
#include "near.h"

#define RAX	0
#define RBX	8
#define RCX	16
#define RDX	24
#define RSI	32
#define RDI	40
#define RBP	48
#define R8	56
#define R9	64
#define R10	72
#define R11	80
#define R12	88
#define R13	96
#define R14	104
#define R15	112
#define RIP	120
#define RSP	128
#define RFLAGS	136

	.section .bss
	.balign 4096
boot_stack:
	.skip 16384
boot_stack_top:
site_stack:
	.skip 16384
site_stack_top:
	.globl upcall_stack_top
upcall_stack:
	.skip 16384
upcall_stack_top:

	/* touched by every way back into the guest (vmm_jump) */
	.section .data.hot, "aw"
jump_rip:
	.skip 8

/*
 * The near window (near.h), within rel32 reach of the guest's text: a
 * page with struct near_data (this code knows two of its fields), a page
 * with the site entry, then the thunks.
 */
	.section .near.data, "aw", @nobits
	.globl vmm_near_page
	.balign 4096
vmm_near_page:
	.skip NEAR_SITE_ENTRY_OFFSET
	.set site_regs, vmm_near_page + NEAR_SITE_REGS
	.set site_index, vmm_near_page + NEAR_SITE_INDEX

	.section .thunks, "awx", @nobits
	.globl thunk_area
	.balign 4096
thunk_area:
	.skip NEAR_THUNKS_SIZE

	.section .text.start, "ax"
	.globl _start
	.globl vmm_text_start
vmm_text_start:
_start:
	leaq boot_stack_top(%rip), %rsp
	call vmm_main
	ud2

	.section .near.text, "ax"
	.globl vmm_site_entry
vmm_site_entry:
	movq %rsp, site_regs+RSP(%rip)
	movabsq $site_stack_top, %rsp
	pushfq
	popq site_regs+RFLAGS(%rip)
	movq %rax, site_regs+RAX(%rip)
	movq %rbx, site_regs+RBX(%rip)
	movq %rcx, site_regs+RCX(%rip)
	movq %rdx, site_regs+RDX(%rip)
	movq %rsi, site_regs+RSI(%rip)
	movq %rdi, site_regs+RDI(%rip)
	movq %rbp, site_regs+RBP(%rip)
	movq %r8, site_regs+R8(%rip)
	movq %r9, site_regs+R9(%rip)
	movq %r10, site_regs+R10(%rip)
	movq %r11, site_regs+R11(%rip)
	movq %r12, site_regs+R12(%rip)
	movq %r13, site_regs+R13(%rip)
	movq %r14, site_regs+R14(%rip)
	movq %r15, site_regs+R15(%rip)
	/* Where this code runs: the VMM's address or its early-boot alias. */
	leaq vmm_site_entry(%rip), %rdi
	cld
	movabsq $site_dispatch, %rax /* far: in the hypervisor slot */
	call *%rax
	movq site_regs+RFLAGS(%rip), %rax
	pushq %rax
	popfq			/* CPL 3: IF and IOPL stay as they are */
	movq site_regs+RBX(%rip), %rbx
	movq site_regs+RCX(%rip), %rcx
	movq site_regs+RDX(%rip), %rdx
	movq site_regs+RSI(%rip), %rsi
	movq site_regs+RDI(%rip), %rdi
	movq site_regs+RBP(%rip), %rbp
	movq site_regs+R8(%rip), %r8
	movq site_regs+R9(%rip), %r9
	movq site_regs+R10(%rip), %r10
	movq site_regs+R11(%rip), %r11
	movq site_regs+R12(%rip), %r12
	movq site_regs+R13(%rip), %r13
	movq site_regs+R14(%rip), %r14
	movq site_regs+R15(%rip), %r15
	movq site_regs+RAX(%rip), %rax
	movq site_regs+RSP(%rip), %rsp
	jmp *site_regs+RIP(%rip)

	.section .text.hot, "ax"

/*
 * vmm_jump(regs): continue in the own task with regs, a struct
 * vcpu_regs, without the microkernel (guest_resume): rflags first, so
 * that only moves follow it, rdi last, and the jump through memory.
 */
	.globl vmm_jump
vmm_jump:
	movq RFLAGS(%rdi), %rax
	pushq %rax
	popfq			/* CPL 3: IF and IOPL stay as they are */
	movq RIP(%rdi), %rax
	movq %rax, jump_rip(%rip)
	movq RAX(%rdi), %rax
	movq RBX(%rdi), %rbx
	movq RCX(%rdi), %rcx
	movq RDX(%rdi), %rdx
	movq RSI(%rdi), %rsi
	movq RBP(%rdi), %rbp
	movq R8(%rdi), %r8
	movq R9(%rdi), %r9
	movq R10(%rdi), %r10
	movq R11(%rdi), %r11
	movq R12(%rdi), %r12
	movq R13(%rdi), %r13
	movq R14(%rdi), %r14
	movq R15(%rdi), %r15
	movq RSP(%rdi), %rsp
	movq RDI(%rdi), %rdi
	jmp *jump_rip(%rip)

	.globl vmm_upcall_entry
vmm_upcall_entry:
	cld
	call upcall_dispatch
	ud2

/* vmm_start_stack(fn, sp): run fn on the stack sp (thread start). */
	.globl vmm_start_stack
vmm_start_stack:
	movq %rsi, %rsp
	call *%rdi
	ud2

	.section .note.GNU-stack, "", @progbits
