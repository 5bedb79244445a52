/*
 * The assembler state afterburn tracks while it walks the source: the code
 * mode (.code16/.code32/.code64), the syntax (.intel_syntax), the current
 * section and whether it holds code, the section stack, and the names of
 * macros the file defines (a statement that invokes one is not an
 * instruction even if the macro is called "cli"). Directives that do not
 * touch this state are ignored here and pass through untouched.
 */
#ifndef AFTERBURNER_DIRECTIVE_H
#define AFTERBURNER_DIRECTIVE_H

#include <stddef.h>
#include <stdint.h>

#define ASM_SECTION_STACK 64

struct asm_section {
	char *name;
	int exec; /* holds code: "x" flag, or .text* by gas's default */
};

struct asm_state {
	int mode;		/* 16, 32 or 64 */
	int intel;		/* .intel_syntax in effect */
	int macro_depth;	/* inside .macro bodies */
	int repeat_depth;	/* inside .rept/.irp/.irpc bodies */
	long macro_open_lineno; /* for "unterminated .macro" */
	const char *macro_open_file;
	struct asm_section cur, prev;
	int sp;
	struct asm_section stack[ASM_SECTION_STACK][2];
	char **macros; /* names defined with .macro */
	int nr_macros;
	struct asm_section *known; /* flags seen per section name */
	int nr_known;
};

void asm_state_init(struct asm_state *st, int mode);
void asm_state_free(struct asm_state *st);

/*
 * Apply one directive: name is ".xyz" (length nlen), args its argument
 * text. Returns 0, or -1 with *err set for a malformed directive.
 */
int asm_directive(struct asm_state *st, const char *name, size_t nlen,
		  const char *args, size_t alen, const char **err);

/* 1 if name (length n) is a macro defined so far. */
int asm_is_macro(const struct asm_state *st, const char *name, size_t n);

/*
 * Parse ".byte" arguments made only of integer literals into out (at most
 * max). Returns the count, or -1 if any argument is not a plain literal.
 */
int asm_byte_list(const char *args, size_t alen, uint8_t *out, size_t max);

#endif
