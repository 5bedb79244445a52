	.text
	cli
	/* never closed
	sti
