/*
 * Instruction-statement parser (see insn.h). It splits operands at top-level
 * commas, honouring parentheses, strings and character constants, and
 * classifies each operand by its outer shape only: the matcher never needs
 * to evaluate an expression, just to tell "%cr3" from "%gs:8(%rax)".
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "insn.h"

/* Space separated, as in the table's mnemonic lists. */
static const char insn_prefixes[] =
	"lock rep repe repz repne repnz data16 data32 addr16 addr32 "
	"cs ds es fs gs ss notrack bnd xacquire xrelease rex rex64";

int insn_is_prefix(const char *word, size_t n)
{
	const char *p = insn_prefixes;

	/* objdump spells REX bits out: rex.W, rex.WRB, ... */
	if (n > 4 && strncasecmp(word, "rex.", 4) == 0)
		return 1;
	while (*p) {
		size_t len = strcspn(p, " ");

		if (len == n && strncasecmp(p, word, n) == 0)
			return 1;
		p += len;
		p += *p == ' ';
	}
	return 0;
}

static int char_is_word(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '$';
}

static int register_is_numbered(const char *r, size_t n, const char *stem)
{
	size_t s = strlen(stem);

	if (n <= s || n > s + 2 || strncasecmp(r, stem, s) != 0)
		return 0;
	for (size_t i = s; i < n; i++)
		if (!isdigit((unsigned char)r[i]))
			return 0;
	return 1;
}

static enum operand_class register_classify(const char *r, size_t n)
{
	static const char *const segs[] = { "cs", "ds", "es", "fs", "gs", "ss" };

	if (register_is_numbered(r, n, "cr"))
		return OPERAND_REG_CR;
	if (register_is_numbered(r, n, "dr") ||
	    register_is_numbered(r, n, "db"))
		return OPERAND_REG_DR;
	if (n == 2)
		for (int i = 0; i < 6; i++)
			if (strncasecmp(r, segs[i], 2) == 0)
				return OPERAND_REG_SEG;
	return OPERAND_REG;
}

enum operand_class operand_classify(const char *text, size_t len, int intel,
				    int *indirect)
{
	size_t i = 0;

	*indirect = 0;
	if (len && text[0] == '*') {
		*indirect = 1;
		i++;
		while (i < len && isspace((unsigned char)text[i]))
			i++;
	}
	if (memchr(text, '\\', len))
		return OPERAND_UNKNOWN;
	if (i < len && text[i] == '$')
		return OPERAND_IMM;
	if (i < len && (text[i] == '%' || intel)) {
		size_t r = i + (text[i] == '%');
		size_t e = r;

		while (e < len && isalnum((unsigned char)text[e]))
			e++;
		/* A bare register; "%gs:8" and "%rax)" shapes are memory. */
		if (e == len && e > r)
			return register_classify(text + r, e - r);
	}
	return OPERAND_MEM;
}

/* Split and classify the operand list text[0..len). */
static int operands_parse(const char *text, size_t len, int intel,
			  struct insn *insn, const char **err)
{
	size_t i = 0, start = 0;
	int depth = 0;

	insn->nr_operands = 0;
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	if (len == 0)
		return 0;
	for (i = 0; i <= len; i++) {
		char c = i < len ? text[i] : ',';

		if (c == '"') {
			for (i++; i < len && text[i] != '"'; i++)
				if (text[i] == '\\')
					i++;
			continue;
		}
		if (c == '\'') {
			i += (i + 1 < len && text[i + 1] == '\\') ? 2 : 1;
			continue;
		}
		if (c == '(' || c == '[')
			depth++;
		if (c == ')' || c == ']') {
			if (--depth < 0) {
				*err = "unbalanced ')' in operands";
				return -1;
			}
		}
		if (c != ',' || depth > 0)
			continue;
		if (i == len && depth)
			break;
		{
			size_t s = start, e = i;
			struct operand *op;

			while (s < e && isspace((unsigned char)text[s]))
				s++;
			while (e > s && isspace((unsigned char)text[e - 1]))
				e--;
			if (s == e) {
				*err = "empty operand";
				return -1;
			}
			if (insn->nr_operands == INSN_MAX_OPERANDS) {
				*err = "too many operands";
				return -1;
			}
			op = &insn->operands[insn->nr_operands++];
			op->class = operand_classify(text + s, e - s, intel,
						     &op->indirect);
		}
		start = i + 1;
	}
	if (depth) {
		*err = "unbalanced '(' in operands";
		return -1;
	}
	return 0;
}

enum insn_parse_result insn_parse(const char *text, size_t len, int intel,
				  struct insn *insn, const char **err)
{
	size_t i = 0;

	memset(insn, 0, sizeof(*insn));
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	insn->start = i;
	for (;;) {
		size_t w = i;

		if (i < len && text[i] == '{') { /* {disp32}, {vex}, ... */
			while (i < len && text[i] != '}')
				i++;
			if (i == len) {
				*err = "unterminated '{' pseudo-prefix";
				return INSN_PARSE_ERROR;
			}
			i++;
			insn->nr_prefixes++;
		} else {
			if (i < len && text[i] == '\\')
				return INSN_PARSE_NOT_INSN;
			while (i < len && char_is_word((unsigned char)text[i]))
				i++;
			if (i == w) {
				if (i == len && insn->nr_prefixes)
					return INSN_PARSE_PREFIX_ONLY;
				*err = "expected an instruction mnemonic";
				return INSN_PARSE_ERROR;
			}
			if (i < len && text[i] == '\\') /* name\@ in a macro */
				return INSN_PARSE_NOT_INSN;
			if (!insn_is_prefix(text + w, i - w)) {
				if (i - w >= INSN_MNEMONIC_MAX) {
					*err = "mnemonic too long";
					return INSN_PARSE_ERROR;
				}
				memcpy(insn->mnemonic, text + w, i - w);
				insn->mnemonic[i - w] = 0;
				insn->mnemonic_off = w;
				break;
			}
			insn->nr_prefixes++;
		}
		while (i < len && isspace((unsigned char)text[i]))
			i++;
		if (i == len)
			return INSN_PARSE_PREFIX_ONLY;
	}
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (i < len && text[i] == '=') /* "str = 4", "in == 1" */
		return INSN_PARSE_NOT_INSN;
	if (operands_parse(text + i, len - i, intel, insn, err))
		insn->operand_error = *err;
	return INSN_PARSE_OK;
}
