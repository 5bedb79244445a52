/*
 * Program entry. The creator sets rsp (16-byte aligned) and rdi, the
 * argument for main; main's return value goes to exit().
 */
	.section .text.start, "ax"
	.globl _start
_start:
	xor	%ebp, %ebp
	and	$-16, %rsp
	call	main
	mov	%rax, %rdi
	call	exit
1:	jmp	1b
