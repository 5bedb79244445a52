# Only 64-bit code gets sites.
# abcheck-skip: objdump decodes the 16/32-bit code as 64-bit code; the
# kernel lists such code in abcheck's exceptions file.
	.text
	.code16
	cli
	.code16gcc
	sti
	.code32
	hlt
	pushfl
	.code64
	pushfq
