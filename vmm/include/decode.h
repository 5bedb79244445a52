/*
 * The sensitive instructions a site or a trap can carry, decoded once
 * (decode.c) into what emulate.c needs: a kind, the operand size, and the
 * register or memory operand. The afterburner's table
 * (afterburner/sensitive.def) decides which instructions get sites; this
 * decoder must know every one of them, and a test checks it does.
 */
#ifndef VMM_DECODE_H
#define VMM_DECODE_H

#include <types.h>

enum insn_kind {
	INSN_NONE,
	INSN_CLI,
	INSN_STI,
	INSN_PUSHF,
	INSN_POPF,
	INSN_HLT,
	INSN_IRET,
	INSN_SYSRET,
	INSN_SYSEXIT,
	INSN_SWAPGS,
	INSN_IN,
	INSN_OUT,
	INSN_INS,
	INSN_OUTS,
	INSN_RDMSR,
	INSN_WRMSR,
	INSN_WRMSRNS,
	INSN_RDPMC,
	INSN_CPUID,
	INSN_MOV_FROM_CR,
	INSN_MOV_TO_CR,
	INSN_MOV_FROM_DR,
	INSN_MOV_TO_DR,
	INSN_LGDT,
	INSN_LIDT,
	INSN_SGDT,
	INSN_SIDT,
	INSN_LLDT,
	INSN_LTR,
	INSN_SLDT,
	INSN_STR,
	INSN_SMSW,
	INSN_LMSW,
	INSN_CLTS,
	INSN_INVLPG,
	INSN_INVPCID,
	INSN_WBINVD,
	INSN_INVD,
	INSN_MOV_TO_SEG,
	INSN_MOV_FROM_SEG,
	INSN_PUSH_SEG,
	INSN_POP_SEG,
	INSN_LAR,
	INSN_LSL,
	INSN_VERR,
	INSN_VERW,
	INSN_XSETBV,
	INSN_MONITOR,
	INSN_MWAIT,
	INSN_STAC,
	INSN_CLAC,
	INSN_RDFSBASE,
	INSN_RDGSBASE,
	INSN_WRFSBASE,
	INSN_WRGSBASE,
	INSN_LRET,
	INSN_FAR_JMP,
	INSN_FAR_CALL,
	INSN_LOAD_FAR_PTR,
	INSN_INT_N,
	INSN_WBNOINVD,
	INSN_UNSUPPORTED, /* hidden features: #UD (syscall, xsaves, ...) */
	INSN_KIND_COUNT
};

/* Segment registers in the encoding's order (Vol. 2A 3.4.2.1). */
enum seg {
	SEG_ES,
	SEG_CS,
	SEG_SS,
	SEG_DS,
	SEG_FS,
	SEG_GS
};

struct mem_operand {
	s8 base, index; /* register numbers, -1: none */
	u8 scale;
	bool rip_relative;
	s8 seg; /* override (enum seg) or -1 */
	s64 disp;
};

struct insn {
	u8 len;	      /* bytes, prefixes included */
	u8 kind;      /* enum insn_kind */
	u8 opsize;    /* operand size in bytes */
	u8 reg;	      /* ModRM.reg operand (GPR, CRn, DRn, segment) */
	bool has_mem; /* the r/m operand is memory ... */
	u8 rm;	      /* ... else this register */
	struct mem_operand mem;
	bool port_imm; /* in/out with an immediate port */
	u8 port;
	bool rep;
	u8 addr_size; /* 8, or 4 with 0x67 (compat: 4, or 2 with 0x67) */
	bool compat;  /* 32-bit code: no REX, no RIP-relative operands */
};

/* Register numbers in the x86 encoding (Vol. 2A 2.1.5). */
enum {
	R_AX,
	R_CX,
	R_DX,
	R_BX,
	R_SP,
	R_BP,
	R_SI,
	R_DI
};

long insn_decode(const u8 *p, unsigned max, struct insn *in);
long insn_decode_compat(const u8 *p, unsigned max, struct insn *in);
const char *insn_kind_name(unsigned kind);

/*
 * A rewritten site: where it is and what it held. A sensitive instruction
 * right after sti shares its site (sti's one-instruction interrupt shadow:
 * "sti; hlt", "sti; cli", "sti; pushf"); it is the fused instruction,
 * emulated after the sti and before any interrupt is delivered.
 */
struct site {
	u64 va; /* first byte, as linked */
	u8 len; /* whole site, padding included */
	struct insn insn;
	struct insn fused; /* kind INSN_NONE: only padding follows */
};

#endif
