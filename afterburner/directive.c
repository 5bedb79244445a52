/*
 * Directive handling for afterburn (see directive.h). Whether a section
 * holds code follows gas: an explicit flags string says so ('x'), flags
 * given once for a name stay with it, and a name never given flags is code
 * only if gas's defaults make it so (section_name_is_code).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "directive.h"

void asm_state_init(struct asm_state *st, int mode)
{
	memset(st, 0, sizeof(*st));
	st->mode = mode;
	st->cur.name = strdup(".text");
	st->cur.exec = 1;
	st->prev.name = strdup(".text");
	st->prev.exec = 1;
}

void asm_state_free(struct asm_state *st)
{
	free(st->cur.name);
	free(st->prev.name);
	for (int i = 0; i < st->sp; i++) {
		free(st->stack[i][0].name);
		free(st->stack[i][1].name);
	}
	for (int i = 0; i < st->nr_macros; i++)
		free(st->macros[i]);
	free(st->macros);
	for (int i = 0; i < st->nr_known; i++)
		free(st->known[i].name);
	free(st->known);
}

static int directive_is(const char *name, size_t nlen, const char *want)
{
	return strlen(want) == nlen && strncasecmp(name, want, nlen) == 0;
}

/*
 * A section named without flags: gas makes .text, .text.*, .init and .fini
 * code and everything else not code (and not even allocated), unless the
 * file gave the name flags before (see section_known).
 */
static int section_name_is_code(const char *name)
{
	return strcmp(name, ".text") == 0 || strncmp(name, ".text.", 6) == 0 ||
	       strcmp(name, ".init") == 0 || strcmp(name, ".fini") == 0;
}

static struct asm_section *section_known(struct asm_state *st, const char *name)
{
	for (int i = 0; i < st->nr_known; i++)
		if (strcmp(st->known[i].name, name) == 0)
			return &st->known[i];
	return NULL;
}

/* Parse "name[, "flags"[, @type...]]" into a section description. */
static int section_parse(struct asm_state *st, const char *args, size_t alen,
			 struct asm_section *out)
{
	size_t i = 0, s;
	struct asm_section *k;
	int have_flags = 0, exec = 0;

	while (i < alen && isspace((unsigned char)args[i]))
		i++;
	if (i < alen && args[i] == '"') {
		s = ++i;
		while (i < alen && args[i] != '"')
			i++;
		out->name = strndup(args + s, i - s);
		i++;
	} else {
		s = i;
		while (i < alen && args[i] != ',' &&
		       !isspace((unsigned char)args[i]))
			i++;
		out->name = strndup(args + s, i - s);
	}
	if (!out->name || !out->name[0]) {
		free(out->name);
		out->name = NULL;
		return -1;
	}
	while (i < alen && (isspace((unsigned char)args[i]) || args[i] == ','))
		i++;
	if (i < alen && args[i] == '"') {
		have_flags = 1;
		for (i++; i < alen && args[i] != '"'; i++)
			if (args[i] == 'x')
				exec = 1;
	}
	k = section_known(st, out->name);
	if (have_flags) {
		if (!k) {
			st->known = realloc(st->known,
					    (st->nr_known + 1) * sizeof(*k));
			k = &st->known[st->nr_known++];
			k->name = strdup(out->name);
		}
		k->exec = exec;
		out->exec = exec;
	} else {
		out->exec = k ? k->exec : section_name_is_code(out->name);
	}
	return 0;
}

static void section_switch(struct asm_state *st, struct asm_section next)
{
	free(st->prev.name);
	st->prev = st->cur;
	st->cur = next;
}

static struct asm_section section_named(const char *name, int exec)
{
	struct asm_section s = { strdup(name), exec };

	return s;
}

static int asm_section_directive(struct asm_state *st, const char *name,
				 size_t nlen, const char *args, size_t alen,
				 const char **err)
{
	struct asm_section next;

	if (directive_is(name, nlen, ".text")) {
		section_switch(st, section_named(".text", 1));
	} else if (directive_is(name, nlen, ".data") ||
		   directive_is(name, nlen, ".bss")) {
		section_switch(st,
			       section_named(nlen == 5 ? ".data" : ".bss", 0));
	} else if (directive_is(name, nlen, ".section")) {
		if (section_parse(st, args, alen, &next)) {
			*err = ".section without a name";
			return -1;
		}
		section_switch(st, next);
	} else if (directive_is(name, nlen, ".pushsection")) {
		if (st->sp == ASM_SECTION_STACK) {
			*err = ".pushsection nested too deeply";
			return -1;
		}
		if (section_parse(st, args, alen, &next)) {
			*err = ".pushsection without a name";
			return -1;
		}
		st->stack[st->sp][0] = st->cur;
		st->stack[st->sp][1] = st->prev;
		st->sp++;
		st->cur = next;
		st->prev = section_named(st->stack[st->sp - 1][0].name,
					 st->stack[st->sp - 1][0].exec);
	} else if (directive_is(name, nlen, ".popsection")) {
		if (st->sp == 0) {
			*err = ".popsection without .pushsection";
			return -1;
		}
		free(st->cur.name);
		free(st->prev.name);
		st->sp--;
		st->cur = st->stack[st->sp][0];
		st->prev = st->stack[st->sp][1];
	} else if (directive_is(name, nlen, ".previous")) {
		struct asm_section t = st->cur;

		st->cur = st->prev;
		st->prev = t;
	} else {
		return 1;
	}
	return 0;
}

static int asm_macro_directive(struct asm_state *st, const char *name,
			       size_t nlen, const char *args, size_t alen,
			       const char **err)
{
	if (directive_is(name, nlen, ".macro")) {
		size_t i = 0, s;

		while (i < alen && isspace((unsigned char)args[i]))
			i++;
		s = i;
		while (i < alen && args[i] != ',' &&
		       !isspace((unsigned char)args[i]))
			i++;
		if (i == s) {
			*err = ".macro without a name";
			return -1;
		}
		st->macros = realloc(st->macros,
				     (st->nr_macros + 1) * sizeof(char *));
		st->macros[st->nr_macros++] = strndup(args + s, i - s);
		st->macro_depth++;
	} else if (directive_is(name, nlen, ".endm")) {
		if (st->macro_depth == 0) {
			*err = ".endm without .macro";
			return -1;
		}
		st->macro_depth--;
	} else if (directive_is(name, nlen, ".purgem")) {
		size_t i = 0;

		while (i < alen && isspace((unsigned char)args[i]))
			i++;
		for (int m = 0; m < st->nr_macros; m++)
			if (strlen(st->macros[m]) == alen - i &&
			    strncasecmp(st->macros[m], args + i, alen - i) == 0)
				st->macros[m][0] = 0;
	} else if (directive_is(name, nlen, ".rept") ||
		   directive_is(name, nlen, ".irp") ||
		   directive_is(name, nlen, ".irpc")) {
		st->repeat_depth++;
	} else if (directive_is(name, nlen, ".endr")) {
		if (st->repeat_depth == 0) {
			*err = ".endr without .rept/.irp/.irpc";
			return -1;
		}
		st->repeat_depth--;
	} else {
		return 1;
	}
	return 0;
}

int asm_directive(struct asm_state *st, const char *name, size_t nlen,
		  const char *args, size_t alen, const char **err)
{
	int r;

	if (nlen >= 5 && strncasecmp(name, ".code", 5) == 0) {
		if (directive_is(name, nlen, ".code16") ||
		    directive_is(name, nlen, ".code16gcc"))
			st->mode = 16;
		else if (directive_is(name, nlen, ".code32"))
			st->mode = 32;
		else if (directive_is(name, nlen, ".code64"))
			st->mode = 64;
		else {
			*err = "unknown .code directive";
			return -1;
		}
		return 0;
	}
	if (directive_is(name, nlen, ".intel_syntax")) {
		st->intel = 1;
		return 0;
	}
	if (directive_is(name, nlen, ".att_syntax")) {
		st->intel = 0;
		return 0;
	}
	r = asm_section_directive(st, name, nlen, args, alen, err);
	if (r <= 0)
		return r;
	r = asm_macro_directive(st, name, nlen, args, alen, err);
	return r < 0 ? r : 0;
}

int asm_is_macro(const struct asm_state *st, const char *name, size_t n)
{
	for (int i = 0; i < st->nr_macros; i++)
		if (strlen(st->macros[i]) == n &&
		    strncasecmp(st->macros[i], name, n) == 0)
			return 1;
	return 0;
}

int asm_byte_list(const char *args, size_t alen, uint8_t *out, size_t max)
{
	size_t i = 0;
	int n = 0;

	for (;;) {
		unsigned long v;
		char *end;
		char tmp[32];
		size_t s;

		while (i < alen && isspace((unsigned char)args[i]))
			i++;
		s = i;
		while (i < alen && args[i] != ',')
			i++;
		while (i > s && isspace((unsigned char)args[i - 1]))
			i--;
		if (i == s || i - s >= sizeof(tmp) || (size_t)n == max)
			return -1;
		memcpy(tmp, args + s, i - s);
		tmp[i - s] = 0;
		if (!isdigit((unsigned char)tmp[0]))
			return -1;
		v = strtoul(tmp, &end, 0);
		if (*end || v > 0xff)
			return -1;
		out[n++] = (uint8_t)v;
		while (i < alen && isspace((unsigned char)args[i]))
			i++;
		if (i >= alen)
			return n;
		i++; /* the ',' */
	}
}
