# 1 "arch/x86/foo.S"
# 1 "<built-in>"
# 1 "arch/x86/foo.S"
# 20 "arch/x86/include/asm/irqflags.h" 1
	cli
# 5 "arch/x86/foo.S" 2
#APP
# 7 "arch/x86/foo.c" 1
	sti; hlt
# 0 "" 2
#NO_APP
	ret
