	.text
	nop
	mov	(%rax, %cr0
