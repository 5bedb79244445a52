	.text
	cli
	.ascii "unterminated
	sti
