# Mnemonics that are macro parameters (Linux's arch/x86/lib/msr-reg.S:
# "1: \op" in op_safe_regs, invoked with rdmsr and wrmsr). Each statement
# gets one .ifeqs arm per bare sensitive word the file passes to the macro;
# other expansions (nop here) assemble as before. The label before the
# statement and the exception-table entry that names it keep working.
	.text
	.macro	op_safe_regs op
\op\()_safe_regs:
	movq	%rdi, %r10
1:	\op
2:	movl	%eax, (%r10)
	ret
3:	movl	$-5, %r11d
	jmp	2b
	.pushsection "__ex_table","a"; .balign 4; .long (1b) - .; .long (3b) - .; .popsection
	.endm
	op_safe_regs rdmsr
	op_safe_regs wrmsr
	op_safe_regs nop
# Keyword arguments, defaults, operands and prefixes around the parameter.
	.macro	idle insn=hlt
	\insn
	.endm
	idle
	.macro	ctl insn
	\insn	%cr3, %rax
	.endm
	ctl	insn=mov
	.macro	io insn
	rep \insn
	.endm
	io	insb
# A parameter forwarded to another macro, and an .irp list.
	.macro	inner x
	\x
	.endm
	.macro	outer y
	inner	\y
	.endm
	outer	swapgs
	.irp	op, cpuid, rdtsc
	\op
	.endr
# Linux's ALTERNATIVE: a parameter that also receives quoted strings with
# ';' and ',' in them. The arm's string comparison must not break those.
	.macro	ALT old, new
140:	\old
141:	.pushsection .altinstr_replacement,"ax"
142:	\new
	.popsection
	.endm
	ALT	"jmp 1f; nop", "mov %eax,%ebx"
	ALT	clts, "cpuid"
1:	ret
# Not parameter mnemonics: an assignment, and a name joined to more text.
	.macro	regnum opd, sfx
	\opd = 3
	.globl	f\sfx
	.endm
	regnum	r, x
