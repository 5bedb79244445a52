/*
 * The matcher behind sensitive.h. The table rows come from sensitive.def via
 * the X-macro; this file only knows how to compare a parsed instruction (see
 * insn.h) or a run of bytes against a row. The rows are few (about 80), so a
 * linear scan is fast enough even for the ~3000 assembler runs of a kernel
 * build: the matcher is only consulted once per instruction statement.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "insn.h"
#include "sensitive.h"

const struct sens_row sens_table[SENS_NR_KINDS] = {
#define SENSITIVE(k, mn, ops, len, fl, by, why)    \
	[SENS_##k] = { .kind = SENS_##k,           \
		       .name = #k,                 \
		       .mnemonics = mn,            \
		       .operands = SENS_OPS_##ops, \
		       .operands_name = #ops,      \
		       .min_len = len,             \
		       .flags = fl,                \
		       .bytes = by,                \
		       .reason = why },
#define FUSE SENS_FLAG_FUSE
#include "sensitive.def"
#undef FUSE
#undef SENSITIVE
};

int sens_row_has_mnemonic(const struct sens_row *row, const char *word)
{
	size_t n = strlen(word);
	const char *p = row->mnemonics;

	while (*p) {
		const char *e = strchr(p, ' ');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && strncasecmp(p, word, n) == 0)
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

int sens_is_mnemonic(const char *word)
{
	for (int k = 0; k < SENS_NR_KINDS; k++)
		if (sens_row_has_mnemonic(&sens_table[k], word))
			return 1;
	return 0;
}

static int insn_has_operand_class(const struct insn *insn, enum operand_class c)
{
	for (int i = 0; i < insn->nr_operands; i++)
		if (insn->operands[i].class == c)
			return 1;
	return 0;
}

static int sens_operands_match(const struct sens_row *row,
			       const struct insn *insn)
{
	switch (row->operands) {
	case SENS_OPS_ANY:
		return 1;
	case SENS_OPS_CR:
		return insn_has_operand_class(insn, OPERAND_REG_CR);
	case SENS_OPS_DR:
		return insn_has_operand_class(insn, OPERAND_REG_DR);
	case SENS_OPS_SEG:
		return insn_has_operand_class(insn, OPERAND_REG_SEG);
	case SENS_OPS_FAR:
		/* ljmp/lcall are always far; jmp/call only as "$sel,$off". */
		if (tolower((unsigned char)insn->mnemonic[0]) == 'l')
			return 1;
		return insn->nr_operands == 2 &&
		       insn->operands[0].class == OPERAND_IMM &&
		       insn->operands[1].class == OPERAND_IMM;
	}
	return 0;
}

const struct sens_row *sens_match_insn(const struct insn *insn)
{
	if (!insn->mnemonic[0])
		return NULL;
	for (int k = 0; k < SENS_NR_KINDS; k++) {
		const struct sens_row *row = &sens_table[k];

		if (sens_row_has_mnemonic(row, insn->mnemonic) &&
		    sens_operands_match(row, insn))
			return row;
	}
	return NULL;
}

static int byte_is_rex(uint8_t b)
{
	return (b & 0xf0) == 0x40;
}

static int byte_is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x66:
	case 0x67:
	case 0xf0:
	case 0xf2:
	case 0xf3:
	case 0x26:
	case 0x2e:
	case 0x36:
	case 0x3e:
	case 0x64:
	case 0x65:
		return 1;
	}
	return 0;
}

/*
 * Compare one pattern ("0f 01 ca", ".." = any byte) with buf. Mandatory
 * prefixes at the pattern's start must match; a REX prefix may follow them.
 */
static int sens_pattern_match(const char *pat, size_t pat_len,
			      const uint8_t *buf, size_t len)
{
	size_t i = 0;
	int rex_allowed = 1;
	const char *p = pat, *end = pat + pat_len;

	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			break;
		if (p[0] == '.' && p[1] == '.') {
			if (i >= len)
				return 0;
			i++;
			rex_allowed = 0;
		} else {
			uint8_t want = (uint8_t)strtoul(p, NULL, 16);

			if (rex_allowed && !byte_is_legacy_prefix(want) &&
			    i < len && byte_is_rex(buf[i]) && want != buf[i])
				i++;
			if (!byte_is_legacy_prefix(want))
				rex_allowed = 0;
			if (i >= len || buf[i] != want)
				return 0;
			i++;
		}
		p += 2;
	}
	return i == len;
}

static const struct sens_row *sens_match_bytes_exact(const uint8_t *buf,
						     size_t len)
{
	for (int k = 0; k < SENS_NR_KINDS; k++) {
		const char *p = sens_table[k].bytes;

		while (*p) {
			const char *e = strchr(p, '|');
			size_t n = e ? (size_t)(e - p) : strlen(p);

			if (sens_pattern_match(p, n, buf, len))
				return &sens_table[k];
			if (!e)
				break;
			p = e + 1;
		}
	}
	return NULL;
}

const struct sens_row *sens_match_bytes(const uint8_t *buf, size_t len,
					int allow_prefixes)
{
	const struct sens_row *row = sens_match_bytes_exact(buf, len);

	while (!row && allow_prefixes && len > 1 &&
	       byte_is_legacy_prefix(buf[0])) {
		buf++;
		len--;
		row = sens_match_bytes_exact(buf, len);
	}
	return row;
}
