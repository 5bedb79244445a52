# abcheck-skip: known gaps, listed in docs/afterburner.md. afterburn does not
# expand macros, so an operand that is a macro parameter cannot be judged,
# and a .byte statement is a site only if it encodes exactly one sensitive
# instruction with literal values. These pass through unannotated; abcheck
# reports them on the built object.
	.irp r, ds, es
	mov	%ax, %\r
	.endr
	.byte 0xfa, 0x90
	.byte cli_byte
	.set cli_byte, 0xfa
