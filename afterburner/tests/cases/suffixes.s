# Operand-size suffixes and operand-dependent rows.
	.text
g:
	pushfq
	popfq
	pushfw
	popfw
	iretq
	iretl
	iret
	lretq
	lret	$8
	sysretq
	sysretl
	sysexit
	inb	$0x60, %al
	inw	%dx, %ax
	inl	(%dx), %eax
	outb	%al, $0x80
	outsb
	insl
	movq	%cr3, %rax
	movq	%rax, %cr3
	mov	%cr0, %rax
	mov	%db7, %rax
	mov	%dr7, %rax
	mov	%rax, %dr7
	mov	%ax, %ds
	movw	%ss, %ax
	movw	%fs, (%rax)
	pushq	%fs
	popq	%gs
	ljmp	*(%rax)
	lcall	*(%rax)
	rex64 ljmp *(%rdi)
	jmp	*%rax
	call	*(%rax)
	ret
