# 1 "drivers/foo.S"
	nop
# 40 "include/asm/bar.h" 1
	nop
	movl	%cr0,, %eax
