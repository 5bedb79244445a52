/*
 * Decoding the sensitive instructions of 64-bit code (Intel SDM Vol. 2,
 * chapter 2 and appendix A): prefixes, REX, the opcode, ModRM/SIB and
 * displacement. A guest process's 32-bit code (compatibility mode) is
 * decoded the same way without REX, with 32-bit addresses and an
 * absolute disp32 where 64-bit code is RIP-relative, and 16-bit
 * addressing after an address-size prefix (0x67). Only the instructions a site or a trap can hold are
 * recognised; anything else is INSN_NONE, so an unexpected byte sequence
 * at a site is a load error and never a guess.
 */
#include "vmm.h"

static const char *const kind_names[INSN_KIND_COUNT] = {
	[INSN_NONE] = "none",
	[INSN_CLI] = "cli",
	[INSN_STI] = "sti",
	[INSN_PUSHF] = "pushf",
	[INSN_POPF] = "popf",
	[INSN_HLT] = "hlt",
	[INSN_IRET] = "iret",
	[INSN_SYSRET] = "sysret",
	[INSN_SYSEXIT] = "sysexit",
	[INSN_SWAPGS] = "swapgs",
	[INSN_IN] = "in",
	[INSN_OUT] = "out",
	[INSN_INS] = "ins",
	[INSN_OUTS] = "outs",
	[INSN_RDMSR] = "rdmsr",
	[INSN_WRMSR] = "wrmsr",
	[INSN_WRMSRNS] = "wrmsrns",
	[INSN_RDPMC] = "rdpmc",
	[INSN_CPUID] = "cpuid",
	[INSN_MOV_FROM_CR] = "mov from cr",
	[INSN_MOV_TO_CR] = "mov to cr",
	[INSN_MOV_FROM_DR] = "mov from dr",
	[INSN_MOV_TO_DR] = "mov to dr",
	[INSN_LGDT] = "lgdt",
	[INSN_LIDT] = "lidt",
	[INSN_SGDT] = "sgdt",
	[INSN_SIDT] = "sidt",
	[INSN_LLDT] = "lldt",
	[INSN_LTR] = "ltr",
	[INSN_SLDT] = "sldt",
	[INSN_STR] = "str",
	[INSN_SMSW] = "smsw",
	[INSN_LMSW] = "lmsw",
	[INSN_CLTS] = "clts",
	[INSN_INVLPG] = "invlpg",
	[INSN_INVPCID] = "invpcid",
	[INSN_WBINVD] = "wbinvd",
	[INSN_INVD] = "invd",
	[INSN_MOV_TO_SEG] = "mov to seg",
	[INSN_MOV_FROM_SEG] = "mov from seg",
	[INSN_PUSH_SEG] = "push seg",
	[INSN_POP_SEG] = "pop seg",
	[INSN_LAR] = "lar",
	[INSN_LSL] = "lsl",
	[INSN_VERR] = "verr",
	[INSN_VERW] = "verw",
	[INSN_XSETBV] = "xsetbv",
	[INSN_MONITOR] = "monitor",
	[INSN_MWAIT] = "mwait",
	[INSN_STAC] = "stac",
	[INSN_CLAC] = "clac",
	[INSN_RDFSBASE] = "rdfsbase",
	[INSN_RDGSBASE] = "rdgsbase",
	[INSN_WRFSBASE] = "wrfsbase",
	[INSN_WRGSBASE] = "wrgsbase",
	[INSN_LRET] = "lret",
	[INSN_FAR_JMP] = "ljmp",
	[INSN_FAR_CALL] = "lcall",
	[INSN_LOAD_FAR_PTR] = "lss/lfs/lgs",
	[INSN_INT_N] = "int",
	[INSN_WBNOINVD] = "wbnoinvd",
	[INSN_UNSUPPORTED] = "unsupported",
};

const char *insn_kind_name(unsigned kind)
{
	return kind < INSN_KIND_COUNT && kind_names[kind] ? kind_names[kind] :
							    "?";
}

struct cursor {
	const u8 *p;
	unsigned pos, max;
	bool overrun;
	u8 last_rep; /* 0xf2, 0xf3 or 0: the mandatory prefix */
	bool opsize16;
	bool compat; /* 32-bit code */
};

static u8 next(struct cursor *c)
{
	if (c->pos >= c->max) {
		c->overrun = true;
		return 0;
	}
	return c->p[c->pos++];
}

static s64 next_le(struct cursor *c, unsigned n)
{
	u64 v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (u64)next(c) << (8 * i);
	if (n == 1)
		return (s8)v;
	if (n == 2)
		return (s16)v;
	if (n == 4)
		return (s32)v;
	return (s64)v;
}

/*
 * A 16-bit ModRM memory operand (Vol. 2A table 2-1): 32-bit code with an
 * address-size prefix. bx+si, bx+di, bp+si, bp+di, si, di, bp (disp16
 * alone with mod 0), bx; then disp8 or disp16.
 */
static void modrm16(struct cursor *c, struct insn *in, u8 mod, u8 rm)
{
	static const s8 base[8] = { R_BX, R_BX, R_BP, R_BP, -1, -1, R_BP, R_BX };
	static const s8 index[8] = {
		R_SI, R_DI, R_SI, R_DI, R_SI, R_DI, -1, -1
	};

	in->mem.base = base[rm];
	in->mem.index = index[rm];
	if (rm == 6 && mod == 0) {
		in->mem.base = -1;
		in->mem.disp = (u16)next_le(c, 2);
	} else if (mod == 1) {
		in->mem.disp = next_le(c, 1);
	} else if (mod == 2) {
		in->mem.disp = next_le(c, 2);
	}
}

/* ModRM and what follows it (Vol. 2A 2.1.5, 2.2.1.6). */
static void modrm(struct cursor *c, struct insn *in, u8 rex)
{
	u8 m = next(c), mod = m >> 6, rm = m & 7;

	in->reg = ((m >> 3) & 7) | (rex & 4 ? 8 : 0);
	if (mod == 3) {
		in->has_mem = false;
		in->rm = rm | (rex & 1 ? 8 : 0);
		return;
	}
	in->has_mem = true;
	in->mem.base = -1;
	in->mem.index = -1;
	in->mem.scale = 1;
	if (in->addr_size == 2) {
		modrm16(c, in, mod, rm);
		return;
	}
	if (rm == 4) {
		u8 sib = next(c), base = sib & 7,
		   idx = ((sib >> 3) & 7) | (rex & 2 ? 8 : 0);

		in->mem.scale = 1 << (sib >> 6);
		if (idx != R_SP)
			in->mem.index = idx;
		if (base == R_BP && mod == 0)
			in->mem.disp = next_le(c, 4);
		else
			in->mem.base = base | (rex & 1 ? 8 : 0);
	} else if (rm == 5 && mod == 0) {
		in->mem.rip_relative = !c->compat; /* else disp32 alone */
		in->mem.disp = next_le(c, 4);
	} else {
		in->mem.base = rm | (rex & 1 ? 8 : 0);
	}
	if (mod == 1)
		in->mem.disp += next_le(c, 1);
	else if (mod == 2)
		in->mem.disp += next_le(c, 4);
}

/* 0F 01 register forms of features the VMM hides: #UD in the guest. */
static bool hidden_0f01(struct cursor *c, u8 m)
{
	switch (m) {
	case 0xc1:
	case 0xc5:
	case 0xcf:
	case 0xd9: /* vmcall pconfig encls vmmcall */
		return true;
	case 0xca: /* erets, eretu (clac bare) */
		return c->last_rep != 0;
	case 0xe8:
	case 0xfe:
	case 0xff: /* setssbsy rmpadjust pvalidate */
		return c->last_rep != 0;
	}
	return false;
}

/* 0F 01 group: the register forms name instructions, memory forms /n. */
static u8 group_0f01(struct cursor *c, struct insn *in, u8 rex)
{
	static const u8 regform[8][8] = {
		[1] = { [0] = INSN_MONITOR,
			[1] = INSN_MWAIT,
			[2] = INSN_CLAC,
			[3] = INSN_STAC },
		[2] = { [1] = INSN_XSETBV },
		[7] = { [0] = INSN_SWAPGS },
	};
	static const u8 memform[8] = { INSN_SGDT, INSN_SIDT,  INSN_LGDT,
				       INSN_LIDT, INSN_SMSW,  INSN_NONE,
				       INSN_LMSW, INSN_INVLPG };
	u8 m = c->pos < c->max ? c->p[c->pos] : 0;
	unsigned r = (m >> 3) & 7;

	if (m == 0xc6) { /* wrmsrns */
		c->pos++;
		return INSN_WRMSRNS;
	}
	if (hidden_0f01(c, m)) {
		c->pos++;
		return INSN_UNSUPPORTED;
	}
	if (m == 0xfa || m == 0xfb) { /* monitorx, mwaitx */
		c->pos++;
		return INSN_MONITOR + (m & 1);
	}
	if ((m >> 6) == 3 && r != 4 && r != 6) {
		c->pos++;
		return regform[r][m & 7];
	}
	modrm(c, in, rex);
	if (!in->has_mem && (r == 7 || r < 4))
		return INSN_NONE;
	return memform[r];
}

static u8 two_byte(struct cursor *c, struct insn *in, u8 rex, bool rep)
{
	static const u8 group_0f00[8] = { INSN_SLDT, INSN_STR,	INSN_LLDT,
					  INSN_LTR,  INSN_VERR, INSN_VERW,
					  INSN_NONE, INSN_NONE };
	u8 op = next(c);

	switch (op) {
	case 0x00:
		modrm(c, in, rex);
		if ((in->reg & 7) == 6 && c->last_rep == 0xf2)
			return INSN_UNSUPPORTED; /* lkgs (FRED) */
		return group_0f00[in->reg & 7];
	case 0x05:
	case 0x34: /* syscall, sysenter: not in a kernel */
		return INSN_UNSUPPORTED;
	case 0xb2:
	case 0xb4:
	case 0xb5:
		modrm(c, in, rex);
		if (!in->has_mem)
			return INSN_NONE;
		in->rm = op == 0xb2 ? SEG_SS : op == 0xb4 ? SEG_FS : SEG_GS;
		return INSN_LOAD_FAR_PTR;
	case 0xc7:
		modrm(c, in, rex); /* xrstors /3, xsaves /5 */
		if (!in->has_mem || ((in->reg & 7) != 3 && (in->reg & 7) != 5))
			return INSN_NONE;
		return INSN_UNSUPPORTED;
	case 0x01:
		return group_0f01(c, in, rex);
	case 0x02:
		modrm(c, in, rex);
		return INSN_LAR;
	case 0x03:
		modrm(c, in, rex);
		return INSN_LSL;
	case 0x06:
		return INSN_CLTS;
	case 0x07:
		return INSN_SYSRET;
	case 0x08:
		return INSN_INVD;
	case 0x09:
		return c->last_rep == 0xf3 ? INSN_WBNOINVD : INSN_WBINVD;
	case 0x20:
	case 0x21:
	case 0x22:
	case 0x23:
		modrm(c, in, rex); /* always a register, any mod */
		in->has_mem = false;
		in->opsize = 8;
		return op == 0x20 ? INSN_MOV_FROM_CR :
		       op == 0x21 ? INSN_MOV_FROM_DR :
		       op == 0x22 ? INSN_MOV_TO_CR :
				    INSN_MOV_TO_DR;
	case 0x30:
		return INSN_WRMSR;
	case 0x32:
		return INSN_RDMSR;
	case 0x33:
		return INSN_RDPMC;
	case 0x35:
		return INSN_SYSEXIT;
	case 0x38:
		op = next(c);
		modrm(c, in, rex);
		if (op == 0x82)
			return INSN_INVPCID;
		return op == 0xf5 || op == 0xf8 ? INSN_UNSUPPORTED : INSN_NONE;
	case 0xa0:
	case 0xa8:
		in->reg = op == 0xa0 ? SEG_FS : SEG_GS;
		return INSN_PUSH_SEG;
	case 0xa1:
	case 0xa9:
		in->reg = op == 0xa1 ? SEG_FS : SEG_GS;
		return INSN_POP_SEG;
	case 0xa2:
		return INSN_CPUID;
	case 0xae:
		modrm(c, in, rex);
		if (rep && in->has_mem && (in->reg & 7) == 6)
			return INSN_UNSUPPORTED; /* clrssbsy */
		if (!rep || in->has_mem || (in->reg & 7) > 3)
			return INSN_NONE;
		return INSN_RDFSBASE + (in->reg & 7);
	}
	return INSN_NONE;
}

static long decode(const u8 *p, unsigned max, bool compat, struct insn *in)
{
	struct cursor c = { .p = p, .max = max, .compat = compat };
	bool opsize16 = false;
	u8 rex = 0, op;

	memset(in, 0, sizeof(*in));
	in->mem.seg = -1;
	in->addr_size = compat ? 4 : 8;
	in->compat = compat;
	for (;;) {
		op = next(&c);
		if (op == 0x66)
			opsize16 = true;
		else if (op == 0x67)
			in->addr_size = compat ? 2 : 4;
		else if (op == 0xf3 || op == 0xf2) {
			in->rep = true;
			c.last_rep = op;
		} else if (op == 0xf0 || op == 0x2e || op == 0x3e ||
			   op == 0x26 || op == 0x36)
			;
		else if (op == 0x64 || op == 0x65)
			in->mem.seg = op == 0x64 ? SEG_FS : SEG_GS;
		else
			break;
		if (c.pos >= 15)
			return -1;
	}
	if ((op & 0xf0) == 0x40 && !compat) { /* REX comes last (2.2.1) */
		rex = op;
		op = next(&c);
	}
	in->opsize = rex & 8 ? 8 : opsize16 ? 2 : 4;
	switch (op) {
	case 0xfa:
		in->kind = INSN_CLI;
		break;
	case 0xfb:
		in->kind = INSN_STI;
		break;
	case 0x9c:
		in->kind = INSN_PUSHF;
		in->opsize = opsize16 ? 2 : 8;
		break;
	case 0x9d:
		in->kind = INSN_POPF;
		in->opsize = opsize16 ? 2 : 8;
		break;
	case 0xf4:
		in->kind = INSN_HLT;
		break;
	case 0xcd:
		in->kind = INSN_INT_N;
		in->port = next(&c);
		break;
	case 0xcf:
		in->kind = INSN_IRET;
		break;
	case 0xca:
	case 0xcb:
		in->kind = INSN_LRET;
		if (op == 0xca)
			in->mem.disp = next_le(&c, 2);
		break;
	case 0xe4:
	case 0xe5:
	case 0xe6:
	case 0xe7:
		in->kind = op < 0xe6 ? INSN_IN : INSN_OUT;
		in->port_imm = true;
		in->port = next(&c);
		in->opsize = op & 1 ? (opsize16 ? 2 : 4) : 1;
		break;
	case 0xec:
	case 0xed:
	case 0xee:
	case 0xef:
		in->kind = op < 0xee ? INSN_IN : INSN_OUT;
		in->opsize = op & 1 ? (opsize16 ? 2 : 4) : 1;
		break;
	case 0x6c:
	case 0x6d:
	case 0x6e:
	case 0x6f:
		in->kind = op < 0x6e ? INSN_INS : INSN_OUTS;
		in->opsize = op & 1 ? (opsize16 ? 2 : 4) : 1;
		break;
	case 0x8c:
	case 0x8e:
		modrm(&c, in, rex);
		in->reg &= 7;
		if (in->reg > SEG_GS)
			return -1;
		in->kind = op == 0x8c ? INSN_MOV_FROM_SEG : INSN_MOV_TO_SEG;
		break;
	case 0xff:
		modrm(&c, in, rex);
		if (!in->has_mem || ((in->reg & 7) != 3 && (in->reg & 7) != 5))
			return -1;
		in->kind = (in->reg & 7) == 3 ? INSN_FAR_CALL : INSN_FAR_JMP;
		break;
	case 0x0f:
		in->kind = two_byte(&c, in, rex, in->rep);
		break;
	default:
		return -1;
	}
	if (c.overrun || in->kind == INSN_NONE)
		return -1;
	in->len = c.pos;
	return 0;
}

long insn_decode(const u8 *p, unsigned max, struct insn *in)
{
	return decode(p, max, false, in);
}

long insn_decode_compat(const u8 *p, unsigned max, struct insn *in)
{
	return decode(p, max, true, in);
}
