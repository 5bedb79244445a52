/*
 * gen_doc: print docs/sensitive-instructions.md from the table in
 * sensitive.def, so the documentation and the code cannot disagree
 * ("make docs-sensitive"; a test checks the committed file is current).
 */
#include <stdio.h>
#include <string.h>

#include "sensitive.h"

static void print_escaped(const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", stdout);
		else
			putchar(*s);
	}
}

static void print_bytes(const char *s)
{
	if (!*s) {
		fputs("-", stdout);
		return;
	}
	putchar('`');
	for (; *s; s++)
		fputs(*s == '|' ? "`, `" : (char[2]){ *s, 0 }, stdout);
	putchar('`');
}

int main(void)
{
	puts("# Sensitive instructions");
	puts("");
	puts("<!-- Generated from afterburner/sensitive.def by `make "
	     "docs-sensitive`; do not edit. -->");
	puts("");
	puts("The instructions the afterburner annotates and abcheck checks, "
	     "for a guest kernel");
	puts("running de-privileged at CPL 3 (SPEC 4.2): each faults outside "
	     "ring 0 or silently");
	puts("behaves differently there. *Operands* restricts a row to some "
	     "operand forms (CR,");
	puts("DR: a control/debug register operand; SEG: a bare segment "
	     "register operand; FAR:");
	puts("the far forms). *Min* is the minimum site length in bytes "
	     "(instruction plus NOP");
	puts("padding). *Raw bytes* are encodings recognised in `.byte` "
	     "statements (`..` = any");
	puts("byte). See docs/afterburner.md for how sites are emitted.");
	puts("");
	puts("| kind | mnemonics | operands | min | raw bytes | reason |");
	puts("|---|---|---|---|---|---|");
	for (int k = 0; k < SENS_NR_KINDS; k++) {
		const struct sens_row *r = &sens_table[k];

		printf("| %s | `%s` | %s | %u%s | ", r->name, r->mnemonics,
		       r->operands_name, r->min_len,
		       r->flags & SENS_FLAG_FUSE ? " (fuses)" : "");
		print_bytes(r->bytes);
		fputs(" | ", stdout);
		print_escaped(r->reason);
		puts(" |");
	}
	printf("\n%d rows.\n", SENS_NR_KINDS);
	return 0;
}
