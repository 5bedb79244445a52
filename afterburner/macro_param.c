/*
 * Parameter mnemonics (see macro_param.h). The scope stack mirrors the
 * .macro/.irp/.irpc/.rept nesting that directive.c counts. A "\name" is
 * looked up from the outermost body inwards: gas substitutes an outer
 * macro's parameters into the whole body text, nested bodies included,
 * before an inner body is expanded, so the outermost declaration wins.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emit.h"
#include "insn.h"
#include "macro_param.h"
#include "sensitive.h"

static void *mp_grow(void *p, size_t n, size_t size)
{
	p = realloc(p, n * size);
	if (!p) {
		fprintf(stderr, "afterburn: out of memory\n");
		exit(2);
	}
	return p;
}

static char *mp_strndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (!d) {
		fprintf(stderr, "afterburn: out of memory\n");
		exit(2);
	}
	return d;
}

void macro_params_init(struct macro_params *mp)
{
	memset(mp, 0, sizeof(*mp));
}

static void scope_free(struct mp_scope *s)
{
	for (int i = 0; i < s->nr_params; i++)
		free(s->params[i]);
	free(s->params);
}

void macro_params_free(struct macro_params *mp)
{
	for (int g = 0; g < mp->nr_groups; g++) {
		for (int i = 0; i < mp->groups[g].nr_words; i++)
			free(mp->groups[g].words[i]);
		free(mp->groups[g].words);
		free(mp->groups[g].name);
	}
	free(mp->groups);
	for (int i = 0; i < mp->nr_scopes; i++)
		scope_free(&mp->scopes[i]);
	free(mp->scopes);
	free(mp->edges);
	for (int i = 0; i < mp->nr_sites; i++) {
		free(mp->sites[i].text);
		free(mp->sites[i].file);
	}
	free(mp->sites);
	memset(mp, 0, sizeof(*mp));
}

static int char_is_name(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '$';
}

static int char_is_param(int c)
{
	return isalnum(c) || c == '_';
}

static int char_is_sep(int c)
{
	return c == ',' || c == ' ' || c == '\t';
}

/* An .irp body's group (name NULL), or the group of a macro name. */
static int group_new(struct macro_params *mp, const char *name, size_t n)
{
	struct mp_group *g;

	mp->groups = mp_grow(mp->groups, mp->nr_groups + 1, sizeof(*g));
	g = &mp->groups[mp->nr_groups];
	memset(g, 0, sizeof(*g));
	if (name)
		g->name = mp_strndup(name, n);
	return mp->nr_groups++;
}

static int group_of_macro(struct macro_params *mp, const char *name, size_t n)
{
	/* Macro names are case-insensitive in gas, as in directive.c. */
	for (int g = 0; g < mp->nr_groups; g++)
		if (mp->groups[g].name && strlen(mp->groups[g].name) == n &&
		    strncasecmp(mp->groups[g].name, name, n) == 0)
			return g;
	return group_new(mp, name, n);
}

/* Add word (length n) to group g unless it is there. 1 if added. */
static int group_add_word(struct macro_params *mp, int g, const char *word,
			  size_t n)
{
	struct mp_group *grp = &mp->groups[g];

	for (int i = 0; i < grp->nr_words; i++)
		if (strlen(grp->words[i]) == n &&
		    strncmp(grp->words[i], word, n) == 0)
			return 0;
	grp->words = mp_grow(grp->words, grp->nr_words + 1, sizeof(char *));
	grp->words[grp->nr_words++] = mp_strndup(word, n);
	return 1;
}

/* A bare argument: a word that names a sensitive instruction. */
static void group_consider(struct macro_params *mp, int g, const char *word,
			   size_t n)
{
	char tmp[INSN_MNEMONIC_MAX];

	if (n == 0 || n >= sizeof(tmp))
		return;
	for (size_t i = 0; i < n; i++)
		if (!char_is_name((unsigned char)word[i]))
			return;
	memcpy(tmp, word, n);
	tmp[n] = 0;
	if (sens_is_mnemonic(tmp))
		group_add_word(mp, g, word, n);
}

/* The outermost open body declaring parameter name, or -1. */
static int scope_of_param(const struct macro_params *mp, const char *name,
			  size_t n)
{
	for (int s = 0; s < mp->nr_scopes; s++)
		for (int i = 0; i < mp->scopes[s].nr_params; i++)
			if (strlen(mp->scopes[s].params[i]) == n &&
			    strncmp(mp->scopes[s].params[i], name, n) == 0)
				return s;
	return -1;
}

static struct mp_scope *scope_push(struct macro_params *mp, int group)
{
	struct mp_scope *s;

	mp->scopes = mp_grow(mp->scopes, mp->nr_scopes + 1, sizeof(*s));
	s = &mp->scopes[mp->nr_scopes++];
	memset(s, 0, sizeof(*s));
	s->group = group;
	return s;
}

static void scope_add_param(struct mp_scope *s, const char *name, size_t n)
{
	s->params = mp_grow(s->params, s->nr_params + 1, sizeof(char *));
	s->params[s->nr_params++] = mp_strndup(name, n);
}

/*
 * The next argument token of a list at text[*i..len): quoted strings and
 * parenthesised groups are kept whole. Returns 0 at the end.
 */
static int next_token(const char *text, size_t len, size_t *i, size_t *s,
		      size_t *e)
{
	size_t j = *i;
	int depth = 0;

	while (j < len && char_is_sep((unsigned char)text[j]))
		j++;
	if (j >= len)
		return 0;
	*s = j;
	while (j < len && (depth > 0 || !char_is_sep((unsigned char)text[j]))) {
		if (text[j] == '"') {
			for (j++; j < len && text[j] != '"'; j++)
				if (text[j] == '\\')
					j++;
		} else if (text[j] == '(') {
			depth++;
		} else if (text[j] == ')' && depth > 0) {
			depth--;
		}
		j++;
	}
	*e = j > len ? len : j;
	*i = *e;
	return 1;
}

/* Split "name[:qual][=value]" into its name and value (or no value). */
static void token_split(const char *t, size_t n, size_t *name_len,
			size_t *value_off)
{
	size_t i = 0;

	while (i < n && t[i] != '=' && t[i] != ':')
		i++;
	*name_len = i;
	while (i < n && t[i] != '=')
		i++;
	*value_off = i < n ? i + 1 : n;
}

static void directive_macro(struct macro_params *mp, const char *args,
			    size_t alen)
{
	size_t i = 0, s, e;
	struct mp_scope *scope;
	int g;

	if (!next_token(args, alen, &i, &s, &e))
		return;
	g = group_of_macro(mp, args + s, e - s);
	scope = scope_push(mp, g);
	while (next_token(args, alen, &i, &s, &e)) {
		size_t name_len, value_off;

		token_split(args + s, e - s, &name_len, &value_off);
		scope_add_param(scope, args + s, name_len);
		/* A default is an argument every plain invocation passes. */
		group_consider(mp, g, args + s + value_off, e - s - value_off);
	}
}

static void directive_irp(struct macro_params *mp, const char *args,
			  size_t alen, int with_words)
{
	size_t i = 0, s, e;
	int g = with_words ? group_new(mp, NULL, 0) : -1;
	struct mp_scope *scope = scope_push(mp, g);

	if (!next_token(args, alen, &i, &s, &e))
		return;
	scope_add_param(scope, args + s, e - s);
	while (with_words && next_token(args, alen, &i, &s, &e))
		group_consider(mp, g, args + s, e - s);
}

static int is_directive(const char *name, size_t nlen, const char *want)
{
	return strlen(want) == nlen && strncasecmp(name, want, nlen) == 0;
}

void macro_params_directive(struct macro_params *mp, const char *name,
			    size_t nlen, const char *args, size_t alen)
{
	if (is_directive(name, nlen, ".macro")) {
		directive_macro(mp, args, alen);
	} else if (is_directive(name, nlen, ".irp")) {
		directive_irp(mp, args, alen, 1);
	} else if (is_directive(name, nlen, ".irpc")) {
		directive_irp(mp, args, alen, 0); /* characters only */
	} else if (is_directive(name, nlen, ".rept")) {
		scope_push(mp, -1);
	} else if ((is_directive(name, nlen, ".endm") ||
		    is_directive(name, nlen, ".endr")) &&
		   mp->nr_scopes > 0) {
		scope_free(&mp->scopes[--mp->nr_scopes]);
	}
}

void macro_params_invocation(struct macro_params *mp, const char *text,
			     size_t len, int is_macro)
{
	size_t i = 0, s, e, wlen;
	int g = -1;

	if (!is_macro && mp->nr_scopes == 0)
		return;
	while (i < len && char_is_name((unsigned char)text[i]))
		i++;
	wlen = i;
	if (wlen == 0 || (i < len && !isspace((unsigned char)text[i])))
		return;
	while (next_token(text, len, &i, &s, &e)) {
		size_t name_len, value_off, vn;
		const char *v;

		token_split(text + s, e - s, &name_len, &value_off);
		if (value_off == e - s)
			value_off = 0; /* positional */
		v = text + s + value_off;
		vn = e - s - value_off;
		if (g < 0)
			g = group_of_macro(mp, text, wlen);
		if (vn > 1 && v[0] == '\\') {
			size_t n = 1;
			int scope;

			while (n < vn && char_is_param((unsigned char)v[n]))
				n++;
			scope = n == vn ? scope_of_param(mp, v + 1, n - 1) : -1;
			if (scope >= 0 && mp->scopes[scope].group >= 0 &&
			    mp->scopes[scope].group != g) {
				mp->edges = mp_grow(mp->edges, mp->nr_edges + 1,
						    sizeof(*mp->edges));
				mp->edges[mp->nr_edges].from =
					mp->scopes[scope].group;
				mp->edges[mp->nr_edges++].to = g;
			}
		} else {
			group_consider(mp, g, v, vn);
		}
	}
}

int macro_params_statement(const struct macro_params *mp, const char *text,
			   size_t len, size_t *param_off, size_t *param_len,
			   int *group)
{
	size_t i = 0, w, n;
	int scope;

	if (mp->nr_scopes == 0)
		return 0;
	for (;;) { /* prefixes: "rep \op" */
		while (i < len && isspace((unsigned char)text[i]))
			i++;
		w = i;
		while (i < len && char_is_name((unsigned char)text[i]))
			i++;
		if (i == w || !insn_is_prefix(text + w, i - w)) {
			i = w;
			break;
		}
	}
	if (i >= len || text[i] != '\\')
		return 0;
	w = i++;
	while (i < len && char_is_param((unsigned char)text[i]))
		i++;
	n = i - w;
	/* "\op\()q", "\op@", "\op.x": more text joins the name. */
	if (n < 2 || (i < len && !isspace((unsigned char)text[i])))
		return 0;
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (i < len && text[i] == '=')
		return 0; /* "\opd = 1" is an assignment */
	scope = scope_of_param(mp, text + w + 1, n - 1);
	if (scope < 0 || mp->scopes[scope].group < 0)
		return 0;
	*param_off = w;
	*param_len = n;
	*group = mp->scopes[scope].group;
	return 1;
}

int macro_params_add_site(struct macro_params *mp, const struct mp_site *site)
{
	struct mp_site *s;

	mp->sites = mp_grow(mp->sites, mp->nr_sites + 1, sizeof(*s));
	s = &mp->sites[mp->nr_sites++];
	*s = *site;
	s->text = mp_strndup(site->text, site->len);
	s->file = mp_strndup(site->file, strlen(site->file));
	return 0;
}

void macro_params_resolve(struct macro_params *mp)
{
	int changed = 1;

	/* Words only grow and are finite, so this ends. */
	while (changed) {
		changed = 0;
		for (int i = 0; i < mp->nr_edges; i++) {
			int from = mp->edges[i].from, to = mp->edges[i].to;

			for (int w = 0; w < mp->groups[from].nr_words; w++) {
				const char *word = mp->groups[from].words[w];

				changed |= group_add_word(mp, to, word,
							  strlen(word));
			}
		}
	}
}

int macro_params_arms(const struct macro_params *mp, const struct mp_site *site,
		      struct mp_arm *arms, int max)
{
	const struct mp_group *g = &mp->groups[site->group];
	size_t len = site->len;
	size_t rest = site->param_off + site->param_len;
	int nr = 0;

	for (int w = 0; w < g->nr_words; w++) {
		size_t wn = strlen(g->words[w]);
		char *buf = malloc(len + wn + 1);
		const char *err;
		struct insn insn;
		const struct sens_row *row = NULL;

		if (!buf)
			return -1;
		memcpy(buf, site->text, site->param_off);
		memcpy(buf + site->param_off, g->words[w], wn);
		memcpy(buf + site->param_off + wn, site->text + rest,
		       len - rest);
		if (insn_parse(buf, site->param_off + wn + len - rest,
			       site->intel, &insn, &err) == INSN_PARSE_OK &&
		    !insn.operand_error)
			row = sens_match_insn(&insn);
		free(buf);
		if (!row)
			continue;
		if (nr == max)
			return -1;
		arms[nr].word = g->words[w];
		arms[nr].row = row;
		nr++;
	}
	return nr;
}

/*
 * An interrupt-shadow instruction (sti) cannot take part: its site fuses
 * with the next instruction, which a conditional arm cannot express, and
 * padding between sti and hlt would lose wake-ups. Such a site is an
 * error rather than a silent gap.
 */
int macro_params_emit(const struct macro_params *mp, const struct mp_site *site,
		      struct emitter *em, const char **why)
{
	int max = mp->groups[site->group].nr_words, nr, r = -1;
	struct mp_arm *arms = calloc(max + 1, sizeof(*arms));
	const char **words = calloc(max + 1, sizeof(*words));
	unsigned int *min_lens = calloc(max + 1, sizeof(*min_lens));

	*why = NULL;
	nr = arms ? macro_params_arms(mp, site, arms, max) : -1;
	if (nr < 0 || !words || !min_lens)
		goto out;
	for (int a = 0; a < nr; a++) {
		if (arms[a].row->flags & SENS_FLAG_FUSE)
			*why = "interrupt-shadow instruction passed as a macro "
			       "parameter mnemonic";
		words[a] = arms[a].word;
		min_lens[a] = arms[a].row->min_len;
	}
	if (nr > 0 && site->after_sti)
		*why = "macro parameter mnemonic directly after sti cannot "
		       "join its interrupt shadow";
	r = 0;
	if (nr > 0 && !*why)
		r = emit_site_param(em, site->start, site->end,
				    site->text + site->param_off,
				    site->param_len, words, min_lens, nr);
out:
	free(arms);
	free(words);
	free(min_lens);
	return r;
}
