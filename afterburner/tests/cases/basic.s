# Every row that is spelled by its mnemonic alone, in gcc's style.
	.text
	.globl	f
f:
	cli
	sti
	hlt
	pushf
	popf
	cpuid
	rdmsr
	wrmsr
	wrmsrns
	rdpmc
	clts
	wbinvd
	wbnoinvd
	invd
	swapgs
	xsetbv
	monitor
	mwait
	monitorx
	mwaitx
	stac
	clac
	vmcall
	vmmcall
	sysenter
	syscall
	int	$0x80
	invlpg	(%rax)
	invpcid	(%rcx), %rax
	lgdt	(%rax)
	lidt	(%rax)
	lldt	%ax
	ltr	%ax
	sgdt	(%rax)
	sidt	(%rax)
	sldt	%eax
	str	%eax
	smsw	%eax
	lmsw	%ax
	lar	%ax, %eax
	lsl	%ax, %eax
	verr	%ax
	verw	(%rax)
	rdfsbase %rax
	wrfsbase %rax
	rdgsbase %rax
	wrgsbase %rax
	xsaves	(%rdi)
	xrstors64 (%rdi)
	lss	(%rax), %esp
	ret
