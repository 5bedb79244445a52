# sti opens an interrupt shadow: a sensitive instruction right after it
# joins its site, so no padding separates "sti; hlt".
	.text
	sti; hlt
	sti; .byte 0x0f, 0x01, 0xc9
	sti
	hlt
	sti; ret
	sti
1:	hlt
	cli; hlt
