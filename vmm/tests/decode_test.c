/*
 * Host unit tests of the VMM's instruction decoder (vmm/decode.c) for
 * the forms a trap can bring that no site shows: UMIP instructions of a
 * process's 64-bit and 32-bit (compatibility-mode) code. The same bytes
 * mean different things in the two modes: 0x40-0x4f are REX prefixes or
 * inc/dec, ModRM 00/101 is RIP-relative or an absolute disp32, and 0x67
 * selects 32-bit or 16-bit addressing. One PASS/FAIL line per test.
 */
#include <stdio.h>
#include <decode.h>

static int failed;

static void verdict(bool ok, const char *id, const char *text)
{
	printf("%s vmm-decode.%s %s\n", ok ? "PASS" : "FAIL", id, text);
	failed += !ok;
}

static bool dec(bool compat, const u8 *b, unsigned n, struct insn *in)
{
	return (compat ? insn_decode_compat(b, n, in) :
			 insn_decode(b, n, in)) == 0;
}

static void t_disp32(void)
{
	static const u8 sgdt[] = { 0x0f, 0x01, 0x05, 0x10, 0x20, 0, 0 };
	struct insn a, b;
	bool ok = dec(false, sgdt, sizeof(sgdt), &a) &&
		  dec(true, sgdt, sizeof(sgdt), &b);

	ok = ok && a.kind == INSN_SGDT && a.len == 7 && a.mem.rip_relative &&
	     a.mem.disp == 0x2010 && a.addr_size == 8 && !a.compat;
	ok = ok && b.kind == INSN_SGDT && b.len == 7 && !b.mem.rip_relative &&
	     b.mem.base < 0 && b.mem.index < 0 && b.mem.disp == 0x2010 &&
	     b.addr_size == 4 && b.compat;
	verdict(ok, "disp32",
		"ModRM 00/101: RIP-relative in 64-bit code, an absolute "
		"address in 32-bit code");
}

static void t_rex(void)
{
	static const u8 sgdt_r8[] = { 0x41, 0x0f, 0x01, 0x00 };
	static const u8 smsw_rax[] = { 0x48, 0x0f, 0x01, 0xe0 };
	struct insn a, b;
	bool ok = dec(false, sgdt_r8, sizeof(sgdt_r8), &a) &&
		  !dec(true, sgdt_r8, sizeof(sgdt_r8), &b) &&
		  a.kind == INSN_SGDT && a.mem.base == 8;

	ok = ok && dec(false, smsw_rax, sizeof(smsw_rax), &a) &&
	     a.kind == INSN_SMSW && !a.has_mem && a.opsize == 8 &&
	     !dec(true, smsw_rax, sizeof(smsw_rax), &b);
	verdict(ok, "rex",
		"0x41 and 0x48 are REX in 64-bit code; in 32-bit code they "
		"are inc and dec, not part of a UMIP instruction");
}

static void t_addr_size(void)
{
	static const u8 sidt_bx[] = { 0x67, 0x0f, 0x01, 0x0b };
	static const u8 sgdt_abs16[] = { 0x67, 0x0f, 0x01, 0x06, 0x34, 0x12 };
	static const u8 str_bx_si[] = { 0x67, 0x0f, 0x00, 0x48, 0xfe };
	struct insn a, b;
	bool ok = dec(false, sidt_bx, sizeof(sidt_bx), &a) &&
		  a.kind == INSN_SIDT && a.addr_size == 4 && a.mem.base == 3 &&
		  a.mem.index < 0;

	/* 16-bit: rm 3 is bp+di */
	ok = ok && dec(true, sidt_bx, sizeof(sidt_bx), &b) &&
	     b.kind == INSN_SIDT && b.addr_size == 2 && b.mem.base == R_BP &&
	     b.mem.index == R_DI && b.mem.disp == 0 && b.len == 4;
	ok = ok && dec(true, sgdt_abs16, sizeof(sgdt_abs16), &b) &&
	     b.kind == INSN_SGDT && b.mem.base < 0 && b.mem.index < 0 &&
	     b.mem.disp == 0x1234 && b.len == 6;
	ok = ok && dec(true, str_bx_si, sizeof(str_bx_si), &b) &&
	     b.kind == INSN_STR && b.mem.base == R_BX && b.mem.index == R_SI &&
	     b.mem.disp == -2 && b.len == 5;
	verdict(ok, "addr_size",
		"0x67: 32-bit addresses in 64-bit code, 16-bit ones in 32-bit "
		"code ([bp+di], [0x1234], [bx+si-2])");
}

static void t_operands(void)
{
	static const u8 str_esi8[] = { 0x0f, 0x00, 0x4e, 0x08 };
	static const u8 sldt_cx[] = { 0x66, 0x0f, 0x00, 0xc1 };
	static const u8 smsw_eax[] = { 0x0f, 0x01, 0xe0 };
	static const u8 sgdt_sib[] = { 0x0f, 0x01, 0x04, 0x8d,
				       0x00, 0x10, 0x00, 0x00 };
	struct insn a;
	bool ok = dec(true, str_esi8, sizeof(str_esi8), &a) &&
		  a.kind == INSN_STR && a.has_mem && a.mem.base == 6 &&
		  a.mem.disp == 8 && a.len == 4;

	ok = ok && dec(true, sldt_cx, sizeof(sldt_cx), &a) &&
	     a.kind == INSN_SLDT && !a.has_mem && a.rm == 1 && a.opsize == 2;
	ok = ok && dec(true, smsw_eax, sizeof(smsw_eax), &a) &&
	     a.kind == INSN_SMSW && a.opsize == 4 && a.rm == 0;
	/* SIB without base: [ecx*4 + disp32] */
	ok = ok && dec(true, sgdt_sib, sizeof(sgdt_sib), &a) &&
	     a.kind == INSN_SGDT && a.mem.base < 0 && a.mem.index == 1 &&
	     a.mem.scale == 4 && a.mem.disp == 0x1000 && a.len == 8;
	verdict(ok, "operands",
		"32-bit code: str 8(%esi), sldt %cx, smsw %eax and "
		"sgdt 0x1000(,%ecx,4) decode to their operands");
}

static void t_bad(void)
{
	static const u8 cut[] = { 0x0f, 0x01, 0x05, 0x10 };
	static const u8 nop[] = { 0x90 };
	struct insn a;
	bool ok = !dec(false, cut, sizeof(cut), &a) &&
		  !dec(true, cut, sizeof(cut), &a) &&
		  !dec(false, nop, sizeof(nop), &a) &&
		  !dec(true, nop, sizeof(nop), &a);

	verdict(ok, "bad_input",
		"a cut-off displacement and a plain nop are refused in both "
		"modes");
}

int main(void)
{
	t_disp32();
	t_rex();
	t_addr_size();
	t_operands();
	t_bad();
	return failed != 0;
}
