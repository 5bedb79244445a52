# abcheck-skip: known gaps, listed in docs/afterburner.md. A parameter
# joined to more text ("\op\()l") cannot be judged, only the mnemonic is
# tried with the words passed (not an operand that is a parameter too), and
# a word passed in an invocation that is itself inside a quoted argument is
# not seen.
	.macro	io op
	\op\()l	%dx, %eax
	.endm
	io	in
	.macro	pick op
	\op
	.endm
	.macro	ALT old
	\old
	.endm
	ALT	"pick rdmsr"
	.macro	ctl insn, reg
	\insn	\reg, %rax
	.endm
	ctl	mov, %cr3
