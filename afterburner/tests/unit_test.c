/*
 * Host unit tests of the afterburner engine: lexer (lex.c), instruction and
 * operand parser (insn.c), table matcher (sensitive.c), label choice and
 * parameter sites (emit.c), and parameter mnemonics (macro_param.c). Each check prints one result line, "PASS ab-unit-N text" or
 * "FAIL ab-unit-N text", for tests/groups/10-afterburner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "insn.h"
#include "lex.h"
#include "macro_param.h"
#include "sensitive.h"

static int nr_checks, nr_failed;

static void check(int ok, const char *what)
{
	nr_checks++;
	if (!ok)
		nr_failed++;
	printf("%s ab-unit-%02d %s\n", ok ? "PASS" : "FAIL", nr_checks, what);
}

/* Lex one line of text; the statements come back as "a|b|c". */
static const char *lex_one(const char *text, char *out, size_t cap)
{
	struct lex_source src = { 0 };
	struct lex_line line;
	const char *err = NULL;

	src.name = "t";
	src.buf = strdup(text);
	src.len = strlen(text);
	src.file = strdup("t");
	src.next_lineno = 1;
	out[0] = 0;
	if (lex_next_line(&src, &line, &err) < 0) {
		snprintf(out, cap, "error: %s", err);
	} else {
		for (int i = 0; i < line.nr_stmts; i++) {
			if (i)
				strncat(out, "|", cap - strlen(out) - 1);
			strncat(out, line.clean + line.stmts[i].off,
				line.stmts[i].len < cap - strlen(out) - 1 ?
					line.stmts[i].len :
					cap - strlen(out) - 1);
		}
	}
	lex_source_free(&src);
	return out;
}

static void test_lexer(void)
{
	char b[256];
	int n;

	check(!strcmp(lex_one("cli; sti ;ret", b, sizeof(b)), "cli|sti|ret"),
	      "lexer splits statements at ';'");
	check(!strcmp(lex_one("cli # sti; hlt", b, sizeof(b)), "cli"),
	      "lexer drops '#' comments");
	check(!strcmp(lex_one("cli /* ; sti */ ; hlt", b, sizeof(b)),
		      "cli|hlt"),
	      "lexer blanks /* */ comments");
	check(!strcmp(lex_one(".ascii \"cli; sti\"; nop", b, sizeof(b)),
		      ".ascii \"cli; sti\"|nop"),
	      "lexer keeps ';' inside strings");
	check(!strcmp(lex_one("movb $';, %al; nop", b, sizeof(b)),
		      "movb $';, %al|nop"),
	      "lexer keeps a ';' character constant");
	check(!strncmp(lex_one(".ascii \"open", b, sizeof(b)), "error", 5),
	      "lexer reports an unterminated string");
	check(!strcmp(lex_one("/ comment; cli", b, sizeof(b)), ""),
	      "lexer treats '/' at line start as a comment");
	check(lex_skip_labels("foo: 1: .L3:cli", 15, &n) == 12 && n == 3,
	      "lexer skips several labels");
	check(lex_skip_labels("movq %gs:8,%rax", 15, &n) == 0 && n == 0,
	      "lexer does not take a segment override for a label");
}

static const struct sens_row *match(const char *text)
{
	struct insn insn;
	const char *err;

	if (insn_parse(text, strlen(text), 0, &insn, &err) != INSN_PARSE_OK ||
	    insn.operand_error)
		return NULL;
	return sens_match_insn(&insn);
}

static int is_kind(const char *text, enum sens_kind kind)
{
	const struct sens_row *row = match(text);

	return row && row->kind == kind;
}

static enum insn_parse_result parse(const char *text, int intel,
				    struct insn *insn)
{
	const char *err;

	return insn_parse(text, strlen(text), intel, insn, &err);
}

static void test_parser(void)
{
	struct insn in;
	int ok;

	ok = parse("rep insb", 0, &in) == INSN_PARSE_OK;
	check(ok && in.nr_prefixes == 1 && !strcmp(in.mnemonic, "insb"),
	      "parser separates prefix and mnemonic");
	check(parse("rep", 0, &in) == INSN_PARSE_PREFIX_ONLY,
	      "parser recognises a prefix-only statement");
	check(parse("str = 4", 0, &in) == INSN_PARSE_NOT_INSN,
	      "parser recognises a symbol assignment");
	ok = parse("movq %gs:8(%rip), %rax", 0, &in) == INSN_PARSE_OK;
	check(ok && in.nr_operands == 2 &&
		      in.operands[0].class == OPERAND_MEM &&
		      in.operands[1].class == OPERAND_REG,
	      "parser classifies %gs:8(%rip) as memory");
	ok = parse("mov %cr3, %rax", 0, &in) == INSN_PARSE_OK;
	check(ok && in.operands[0].class == OPERAND_REG_CR,
	      "parser classifies %cr3");
	ok = parse("ljmp *(%rax)", 0, &in) == INSN_PARSE_OK;
	check(ok && in.operands[0].indirect, "parser sees an indirect operand");
	ok = parse("mov (%rax, %cr0", 0, &in) == INSN_PARSE_OK;
	check(ok && in.operand_error, "parser reports unbalanced parentheses");
	ok = parse("mov cr3, rax", 1, &in) == INSN_PARSE_OK;
	check(ok && in.operands[0].class == OPERAND_REG_CR,
	      "parser reads Intel-syntax registers without '%'");
}

static void test_matcher(void)
{
	static const uint8_t clac[] = { 0x0f, 0x01, 0xca };
	static const uint8_t eretu[] = { 0xf3, 0x0f, 0x01, 0xca };
	static const uint8_t xsaves64[] = { 0x48, 0x0f, 0xc7, 0x2f };
	static const uint8_t rdpid[] = { 0xf3, 0x0f, 0xc7, 0xf8 };
	static const uint8_t rep_insb[] = { 0xf3, 0x6c };
	const struct sens_row *r;
	int ok;

	check(is_kind("cli", SENS_cli) && is_kind("CLI", SENS_cli),
	      "matcher: cli, case-insensitive");
	check(is_kind("pushfq", SENS_pushf) && is_kind("popfw", SENS_popf),
	      "matcher: pushfq, popfw");
	ok = is_kind("movq %cr3,%rax", SENS_mov_cr);
	check(ok && is_kind("movl %eax,%cr0", SENS_mov_cr),
	      "matcher: mov to/from %crN");
	ok = is_kind("mov %db7,%rax", SENS_mov_dr);
	check(ok && is_kind("mov %rax,%dr7", SENS_mov_dr),
	      "matcher: mov to/from %drN, objdump's %dbN");
	ok = is_kind("mov %ax,%ds", SENS_mov_seg);
	ok = ok && is_kind("pushq %fs", SENS_push_seg);
	check(ok && is_kind("pop %gs", SENS_pop_seg),
	      "matcher: segment register moves, pushes, pops");
	ok = !match("movq %gs:8,%rax") && !match("mov %rax,%rbx");
	check(ok && !match("pushq %rax") && !match("push $1"),
	      "matcher: ordinary mov/push are not sensitive");
	ok = is_kind("ljmp *(%rax)", SENS_far_jmp);
	ok = ok && is_kind("jmp $0x10,$1f", SENS_far_jmp);
	ok = ok && !match("jmp *%rax") && !match("jmp 1f");
	ok = ok && is_kind("lcall *(%rax)", SENS_far_call);
	check(ok && !match("call foo"),
	      "matcher: far jumps and calls, not near ones");
	ok = is_kind("iretq", SENS_iret) && is_kind("lretq", SENS_lret);
	ok = ok && is_kind("sysretl", SENS_sysret);
	ok = ok && is_kind("inb $0x60,%al", SENS_in);
	check(ok && is_kind("outsb", SENS_outs),
	      "matcher: suffix forms of iret/lret/sysret/in/outs");
	ok = !match("rdtsc") && !match("int3") && !match("nop");
	check(ok && !match("call in_atomic"),
	      "matcher: rdtsc, int3, nop are not sensitive");
	r = sens_match_bytes(clac, sizeof(clac), 0);
	check(r && r->kind == SENS_clac, "matcher: raw bytes of clac");
	r = sens_match_bytes(eretu, sizeof(eretu), 1);
	check(r && r->kind == SENS_eretu,
	      "matcher: raw eretu is not taken for rep-prefixed clac");
	r = sens_match_bytes(xsaves64, sizeof(xsaves64), 0);
	check(r && r->kind == SENS_xsaves, "matcher: raw xsaves64 with REX.W");
	check(!sens_match_bytes(rdpid, sizeof(rdpid), 1),
	      "matcher: raw rdpid is not sensitive");
	r = sens_match_bytes(rep_insb, sizeof(rep_insb), 1);
	check(r && r->kind == SENS_ins,
	      "matcher: prefixed raw bytes with prefixes allowed");
	for (int k = 0; k < SENS_NR_KINDS; k++)
		if (!sens_table[k].reason[0] || sens_table[k].min_len < 5) {
			check(0, "table: every row has a reason and length");
			return;
		}
	check(1, "table: every row has a reason and a length of at least 5");
}

static void test_labels(void)
{
	const char *clean = "1: jmp 1b\n";
	const char *busy = "8761: jmp 8761b\n";
	const char *refs = "jmp 8763f\n8763:\n";
	const char *word = "x8761: mov $8761, %eax\n";

	check(emit_choose_label(clean, strlen(clean)) == 8761,
	      "labels: the first candidate when unused");
	check(emit_choose_label(busy, strlen(busy)) != 8761,
	      "labels: avoid a label the input defines");
	check(emit_choose_label(refs, strlen(refs)) > 8763,
	      "labels: avoid a label the input references");
	check(emit_choose_label(word, strlen(word)) == 8761,
	      "labels: numbers that are no labels do not matter");
}

static void mp_directive(struct macro_params *mp, const char *dir,
			 const char *args)
{
	macro_params_directive(mp, dir, strlen(dir), args, strlen(args));
}

static void mp_invoke(struct macro_params *mp, const char *text, int is_macro)
{
	macro_params_invocation(mp, text, strlen(text), is_macro);
}

static int mp_statement(struct macro_params *mp, const char *text, size_t *off,
			size_t *len, int *group)
{
	return macro_params_statement(mp, text, strlen(text), off, len, group);
}

/* The arms of statement text in the current body, as "word:kind ...". */
static const char *mp_arms(struct macro_params *mp, const char *text, char *out,
			   size_t cap)
{
	struct mp_site site = { .text = (char *)text, .len = strlen(text) };
	struct mp_arm arms[8];
	int nr;

	out[0] = 0;
	if (!macro_params_statement(mp, text, site.len, &site.param_off,
				    &site.param_len, &site.group))
		return "not a parameter statement";
	nr = macro_params_arms(mp, &site, arms, 8);
	for (int i = 0; i < nr; i++)
		snprintf(out + strlen(out), cap - strlen(out), "%s%s:%s",
			 i ? " " : "", arms[i].word, arms[i].row->name);
	return out;
}

static void test_macro_params(void)
{
	struct macro_params mp;
	size_t off, len;
	int g, g2, ok;
	char b[256];

	macro_params_init(&mp);
	check(!mp_statement(&mp, "\\op", &off, &len, &g),
	      "params: \\op outside a body is no parameter statement");
	mp_directive(&mp, ".macro", "op_safe_regs op");
	check(mp_statement(&mp, "\\op", &off, &len, &g) && off == 0 && len == 3,
	      "params: \\op in the body of its macro");
	ok = mp_statement(&mp, "rep \\op", &off, &len, &g2);
	check(ok && off == 4 && g2 == g,
	      "params: a prefix before the parameter");
	ok = mp_statement(&mp, "\\op\\()q", &off, &len, &g) ||
	     mp_statement(&mp, "\\op = 1", &off, &len, &g) ||
	     mp_statement(&mp, "\\other", &off, &len, &g);
	check(!ok, "params: joined names, assignments, unknown names are not");
	mp_directive(&mp, ".irpc", "op, ab");
	check(mp_statement(&mp, "\\op", &off, &len, &g2) && g2 == g,
	      "params: the outermost declaration of a name wins");
	mp_directive(&mp, ".endr", "");
	mp_invoke(&mp, "op_safe_regs rdmsr", 1);
	mp_invoke(&mp, "op_safe_regs op=wrmsr", 1);
	mp_invoke(&mp, "op_safe_regs nop, \"cli\", (hlt)", 1);
	mp_invoke(&mp, "op_safe_regs mov", 1);
	check(!strcmp(mp_arms(&mp, "\\op", b, sizeof(b)),
		      "rdmsr:rdmsr wrmsr:wrmsr"),
	      "params: arms for bare and keyword arguments, not quoted ones");
	ok = strstr(mp_arms(&mp, "\\op %cr3, %rax", b, sizeof(b)),
		    "mov:mov_cr") != NULL;
	ok = ok &&
	     !strstr(mp_arms(&mp, "\\op %rbx, %rax", b, sizeof(b)), "mov");
	check(ok, "params: the operands decide with the word in place");
	mp_directive(&mp, ".endm", "");
	mp_directive(&mp, ".macro", "inner x");
	mp_directive(&mp, ".endm", "");
	mp_directive(&mp, ".macro", "outer y=swapgs");
	mp_invoke(&mp, "inner \\y", 0);
	mp_directive(&mp, ".endm", "");
	mp_directive(&mp, ".macro", "inner x");
	macro_params_resolve(&mp);
	check(!strcmp(mp_arms(&mp, "\\x", b, sizeof(b)), "swapgs:swapgs"),
	      "params: a default flows along a forwarded parameter");
	mp_directive(&mp, ".endm", "");
	mp_directive(&mp, ".irp", "r, cpuid rdtsc, in");
	check(!strcmp(mp_arms(&mp, "\\r", b, sizeof(b)), "cpuid:cpuid in:in"),
	      "params: the words of an .irp list");
	macro_params_free(&mp);
}

static void test_param_site(void)
{
	static const char src[] = "1:\t\\op\n";
	static const char *const words[] = { "rdmsr", "sti" };
	static const unsigned int lens[] = { 5, 8 };
	static const char first[] =
		"1:\t8761: \\op; .ifeqs \"\\op\",\"rdmsr\"; 8762: .nops -((5-";
	static const char second[] =
		"; .endif; .ifeqs \"\\op\",\"sti\"; 8762: .nops -((8-";
	struct emitter em;
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	int ok;

	emit_init(&em, src, strlen(src));
	emit_site_param(&em, 3, 6, "\\op", 3, words, lens, 2);
	emit_write(&em, f);
	fclose(f);
	ok = out && !strncmp(out, first, strlen(first));
	ok = ok && strstr(out, second) && strstr(out, "; .endif\n");
	check(ok, "emit: a parameter site has one .ifeqs arm per word");
	check(out && strchr(out, '\n') == out + n - 1,
	      "emit: a parameter site stays on its line");
	free(out);
	emit_free(&em);
}

int main(void)
{
	test_lexer();
	test_parser();
	test_matcher();
	test_labels();
	test_macro_params();
	test_param_site();
	return nr_failed ? 1 : 0;
}
