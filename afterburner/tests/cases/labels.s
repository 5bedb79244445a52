# Labels before instructions, numeric local labels and their references.
	.text
foo:	cli
bar: sti; ret
1:	pushf
2:	popf; jmp 1b
	jne 3f
3:	hlt
.Lx: .Ly: wrmsr
in:	ret
out:
	jmp	in
