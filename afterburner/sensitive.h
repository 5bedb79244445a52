/*
 * The sensitive-instruction table (sensitive.def) as C data, and the matcher
 * that decides whether one parsed instruction, or one run of raw bytes, is a
 * sensitive instruction. afterburn uses it on assembler source, abcheck on
 * objdump's disassembly, gen_doc to write docs/sensitive-instructions.md;
 * all three therefore agree by construction.
 */
#ifndef AFTERBURNER_SENSITIVE_H
#define AFTERBURNER_SENSITIVE_H

#include <stddef.h>
#include <stdint.h>

struct insn;

/* Operand predicates a row can demand (column "operands"). */
enum sens_operands {
	SENS_OPS_ANY, /* the mnemonic alone decides */
	SENS_OPS_CR,  /* some operand is a control register */
	SENS_OPS_DR,  /* some operand is a debug register */
	SENS_OPS_SEG, /* some operand is a bare segment register */
	SENS_OPS_FAR, /* l-prefixed form, or "jmp $sel,$off" */
};

/* Row flags (column "flags"). */
#define SENS_FLAG_FUSE \
	0x1 /* interrupt shadow: next sensitive insn joins the site */

enum sens_kind {
#define SENSITIVE(kind, mn, ops, len, flags, bytes, reason) SENS_##kind,
#include "sensitive.def"
#undef SENSITIVE
	SENS_NR_KINDS
};

struct sens_row {
	enum sens_kind kind;
	const char *name;      /* kind as text */
	const char *mnemonics; /* space separated spellings */
	enum sens_operands operands;
	const char *operands_name;
	unsigned int min_len;
	unsigned int flags;
	const char *bytes; /* raw encodings, "" if none */
	const char *reason;
};

extern const struct sens_row sens_table[SENS_NR_KINDS];

/* The row matching a parsed instruction, or NULL if it is not sensitive. */
const struct sens_row *sens_match_insn(const struct insn *insn);

/*
 * The row whose raw encoding is exactly buf[0..len), or NULL. Extra legacy
 * prefixes (operand size, segment, lock, rep) are accepted in front when
 * allow_prefixes is set, as objdump shows them.
 */
const struct sens_row *sens_match_bytes(const uint8_t *buf, size_t len,
					int allow_prefixes);

/* 1 if any row lists word (case-insensitive): it might be sensitive. */
int sens_is_mnemonic(const char *word);

/* 1 if a row lists word (case-insensitive) among its mnemonics. */
int sens_row_has_mnemonic(const struct sens_row *row, const char *word);

#endif
