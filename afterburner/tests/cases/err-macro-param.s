# sti opens an interrupt shadow: its site would have to fuse with the next
# instruction, which an arm cannot express, so it is an error.
	.macro	irq op
	\op
	hlt
	.endm
	irq	sti
	.macro	wait op
	sti
	\op
	.endm
	wait	hlt
