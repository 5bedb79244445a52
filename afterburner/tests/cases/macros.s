# Macro and repeat bodies, macros named like instructions, quoted macro
# arguments (Linux's ALTERNATIVE).
	.macro	IRQ_OFF
	cli
	.endm
	.macro	cli_twice
	IRQ_OFF; IRQ_OFF
	.endm
	.macro	ALTERNATIVE oldinstr, newinstr, feature
140:	\oldinstr
141:
	.skip -(((144f-143f)-(141b-140b)) > 0) * ((144f-143f)-(141b-140b)),0x90
142:
	.pushsection .altinstr_replacement,"ax"
143:	\newinstr
144:
	.popsection
	.endm
	.macro	SET_CR reg
	mov	\reg, %cr3
	.endm
	.text
	IRQ_OFF
	cli_twice
	.rept 2
	pushf
	.endr
	.irpc n, 01
	sti
	.endr
	ALTERNATIVE "", ".byte 0x0f,0x01,0xca", 9*32+20
	ALTERNATIVE "jmp 1f", "rep; insb; swapgs", 1
1:	SET_CR	%rax
	ret
