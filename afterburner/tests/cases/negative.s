# Nothing in here is a sensitive instruction; the output must equal the input.
	.text
	movq	%gs:8, %rax
	movq	%gs:foo(%rip), %rax
	movl	%fs:(%rax), %eax
	call	in_atomic
	call	str
	jmp	out
	leaq	cli(%rip), %rax
	mov	$in, %eax
	.pushsection .rodata.str,"a"
	.ascii	"cli; sti; hlt"
	.asciz	"mov %cr3, %rax"
	.string "\"; cli"
	.popsection
	movb	$';, %al
	movb	$'#, %al
# cli
	nop	# sti
	nop	/* hlt; cli */
/* pushf
   popf */
	rdtsc
	rdtscp
	int3
	ud2
	xgetbv
	rdpid	%rax
	str = 4
	in == 1
cli_done:
out:	ret
