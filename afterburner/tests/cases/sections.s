# Section tracking: raw .byte encodings only count in code sections.
	.text
	.byte 0x0f,0x01,0xca
	.data
	.byte 0xfa
	.byte 0x0f,0x01,0xca
	.pushsection .altinstr_replacement,"ax"
	.byte 0x0f, 0x01, 0xcb
	.popsection
	.byte 0xfa
	.section .init.text,"ax",@progbits
	cli
	.section .rodata.foo,"a"
	.byte 0xfa
	.previous
	sti
	.section .data..page_aligned,"aw"
	syscall
	.text
	hlt
	.section .entry.text
	.byte 0xf4
