	.text
	.endm
	.popsection
	.code48
