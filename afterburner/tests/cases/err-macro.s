	.macro FOO
	cli
