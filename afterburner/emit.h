/*
 * Writing the annotated source. The emitter never rewrites input text: it
 * collects insertions at byte offsets of the original buffer and, at the
 * end, writes the buffer with the insertions spliced in. Everything that is
 * not a site therefore passes through byte-identical, and all of a site's
 * text stays on the site's own source line, so gas's line numbers (and
 * those from linemarkers) still match the original.
 *
 * A site in 64-bit code becomes (L1..L3 are numeric local labels the input
 * never uses, MIN the row's minimum site length):
 *
 *   L1: <prefixes> insn; L2: .nops -((MIN-(L2b-L1b))>0)*(MIN-(L2b-L1b)); L3: ;
 *   .pushsection .afterburn,"a"; .balign 8; .quad L1b, L3b; .popsection
 */
#ifndef AFTERBURNER_EMIT_H
#define AFTERBURNER_EMIT_H

#include <stdio.h>
#include <stddef.h>

struct emit_edit {
	size_t off; /* insert before this byte of the input */
	size_t seq; /* keeps edits at one offset in order */
	char *text;
};

struct emitter {
	const char *buf; /* the original input */
	size_t len;
	unsigned long label; /* first of the three site labels */
	struct emit_edit *edits;
	size_t nr_edits, cap;
	unsigned long nr_sites;
};

/* Prepare for buf; picks site labels that buf never uses. */
void emit_init(struct emitter *em, const char *buf, size_t len);
void emit_free(struct emitter *em);

/*
 * One site: bytes [start, end) of the input hold the instruction. quoted:
 * the site lies inside a quoted macro argument (ALTERNATIVE "", "clac", X),
 * where the annotation may not contain '"'; it then names .afterburn
 * without flags, and the caller declares the section (emit_declare) before
 * the invoking statement.
 */
int emit_site(struct emitter *em, size_t start, size_t end,
	      unsigned int min_len, int quoted);

/*
 * A site whose mnemonic is the macro parameter param ("\op"): bytes
 * [start, end) hold the statement. For each arm the annotation compares
 * the parameter with words[i] as gas strings (.ifeqs, which also copes
 * with arguments that hold ';' or ',') and pads to min_lens[i] only on a
 * match; any other expansion gets just the unused label.
 */
int emit_site_param(struct emitter *em, size_t start, size_t end,
		    const char *param, size_t param_len,
		    const char *const *words, const unsigned int *min_lens,
		    int nr_arms);

/* Declare .afterburn with its flags before input byte off. */
int emit_declare(struct emitter *em, size_t off);

/*
 * The object's markers: after the input, if it has sites, two local
 * symbols at the start and end of this object's .afterburn contribution.
 * A linked vmlinux or .ko holds one pair per object that has sites; the
 * smallest begin and the largest end bound all of its records. The module
 * helper (guest/modules/) finds a module's records through them, because
 * Linux keeps a module's symbols, but not its section table, when the
 * module notifier runs. Labels are not contents: .afterburn still holds
 * only records.
 */
#define AFTERBURN_OBJ_BEGIN "__afterburn_obj_begin"
#define AFTERBURN_OBJ_END "__afterburn_obj_end"
int emit_markers(struct emitter *em);

/* Write the annotated source. 0 on success. */
int emit_write(struct emitter *em, FILE *out);

/* The label base emit_init chose for buf (exposed for tests). */
unsigned long emit_choose_label(const char *buf, size_t len);

#endif
