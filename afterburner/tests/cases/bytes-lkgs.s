# abcheck-skip: binutils 2.40's objdump cannot decode lkgs, so abcheck
# cannot check this site (see docs/afterburner.md); afterburn annotates it.
	.text
	.byte 0xf2,0x0f,0x00,0xf7	# lkgs %di (6.12 gsseg.h)
	ret
