/*
 * Parsing one instruction statement: prefixes, mnemonic and operands, in the
 * AT&T syntax that gas reads and objdump prints. The input is the text of a
 * single statement with labels and comments already removed (lex.h does
 * that for afterburn, abcheck for objdump lines). Operands are only
 * classified as much as the sensitive-instruction matcher needs: control,
 * debug and segment registers, other registers, immediates, memory.
 */
#ifndef AFTERBURNER_INSN_H
#define AFTERBURNER_INSN_H

#include <stddef.h>

#define INSN_MAX_OPERANDS 8
#define INSN_MNEMONIC_MAX 32

enum operand_class {
	OPERAND_REG,	 /* general, vector, ... register */
	OPERAND_REG_CR,	 /* %cr0..%cr15 */
	OPERAND_REG_DR,	 /* %dr0..%dr15 (objdump: %db0..) */
	OPERAND_REG_SEG, /* %cs %ds %es %fs %gs %ss, bare */
	OPERAND_IMM,	 /* $expr */
	OPERAND_MEM,	 /* anything else, including %gs:8 */
	OPERAND_UNKNOWN, /* uses a macro parameter (\x) */
};

struct operand {
	enum operand_class class;
	int indirect; /* written with a leading '*' */
};

struct insn {
	char mnemonic[INSN_MNEMONIC_MAX]; /* as written, "" if none */
	size_t start;	     /* offset of the first prefix or mnemonic */
	size_t mnemonic_off; /* offset of the mnemonic */
	int nr_prefixes;
	int nr_operands;
	struct operand operands[INSN_MAX_OPERANDS];
	const char *operand_error; /* operands did not parse, or NULL */
};

enum insn_parse_result {
	INSN_PARSE_OK,		/* an instruction (maybe with prefixes) */
	INSN_PARSE_PREFIX_ONLY, /* only prefixes, e.g. "rep" before "; insb" */
	INSN_PARSE_NOT_INSN,	/* symbol assignment or macro-parameter use */
	INSN_PARSE_ERROR, /* no mnemonic where one must be; *err says why */
};

/*
 * Parse text[0..len). intel: registers may lack the '%' (.intel_syntax
 * noprefix). Offsets in *insn are relative to text. Malformed operands
 * do not fail the parse: they set insn->operand_error, and the caller
 * decides whether they matter (they do when the mnemonic could be
 * sensitive; otherwise the statement passes through for gas to judge,
 * since macro invocations look like instructions too).
 */
enum insn_parse_result insn_parse(const char *text, size_t len, int intel,
				  struct insn *insn, const char **err);

/* 1 if word (length n) is an instruction prefix such as rep, lock, cs. */
int insn_is_prefix(const char *word, size_t n);

/* Classify one operand text (trimmed). */
enum operand_class operand_classify(const char *text, size_t len, int intel,
				    int *indirect);

#endif
