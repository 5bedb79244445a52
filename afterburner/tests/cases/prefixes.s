# Prefixes belong to the site; "rep; insb" is two statements, one site.
	.text
h:
	rep insb
	rep; insw
	rep
	outsb
	repz outsl
	data16 lret
	addr32 rep insb
	cs outsb
	lock; addl $1, (%rax)
	rep; movsb
	ret
