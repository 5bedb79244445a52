/*
 * The lexer behind lex.h. It follows gas's own rules for x86 ELF targets:
 * '#' starts a comment anywhere, '/' only at the start of a line, block
 * comments may span lines, ';' separates statements, strings use '"' with
 * backslash escapes, and 'c is a character constant (so '; or '# are not
 * separators). Lines beginning with a linemarker only move the position.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"

int lex_source_load(struct lex_source *src, const char *path)
{
	FILE *f = stdin;
	size_t cap = 1 << 16;

	memset(src, 0, sizeof(*src));
	src->name = (!path || strcmp(path, "-") == 0) ? "<stdin>" : path;
	if (path && strcmp(path, "-") != 0) {
		f = fopen(path, "rb");
		if (!f)
			return -1;
	}
	src->buf = malloc(cap + 1);
	for (;;) {
		size_t n;

		if (!src->buf)
			return -1;
		n = fread(src->buf + src->len, 1, cap - src->len, f);
		src->len += n;
		if (src->len < cap)
			break;
		cap *= 2;
		src->buf = realloc(src->buf, cap + 1);
	}
	if (ferror(f))
		return -1;
	if (f != stdin)
		fclose(f);
	src->buf[src->len] = 0;
	src->file = strdup(src->name);
	src->next_lineno = 1;
	return 0;
}

void lex_source_free(struct lex_source *src)
{
	free(src->buf);
	free(src->file);
	free(src->clean);
}

/* "# 12 "file.S" 1 3" or "#line 12 "file"": set the next line's position. */
static int lex_linemarker(struct lex_source *src, const char *p,
			  const char *end)
{
	long n;
	char *q;
	const char *name, *name_end;

	p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p > 4 && strncmp(p, "line", 4) == 0)
		p += 4;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end || !isdigit((unsigned char)*p))
		return 0;
	n = strtol(p, &q, 10);
	p = q;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	src->next_lineno = n;
	if (p >= end || *p != '"')
		return 1;
	name = ++p;
	while (p < end && *p != '"')
		p += (*p == '\\') ? 2 : 1;
	name_end = p < end ? p : end;
	free(src->file);
	src->file = strndup(name, name_end - name);
	return 1;
}

static int lex_add_stmt(struct lex_line *line, const char *clean, size_t s,
			size_t e)
{
	while (s < e && isspace((unsigned char)clean[s]))
		s++;
	while (e > s && isspace((unsigned char)clean[e - 1]))
		e--;
	if (s == e)
		return 0;
	if (line->nr_stmts == LEX_MAX_STMTS)
		return -1; /* never skip a statement silently */
	line->stmts[line->nr_stmts].off = s;
	line->stmts[line->nr_stmts].len = e - s;
	line->nr_stmts++;
	return 0;
}

int lex_next_line(struct lex_source *src, struct lex_line *line,
		  const char **err)
{
	const char *raw;
	char *c;
	size_t n, i, stmt_start = 0;

	if (src->pos >= src->len)
		return 0;
	raw = src->buf + src->pos;
	c = memchr(raw, '\n', src->len - src->pos);
	n = c ? (size_t)(c - raw) : src->len - src->pos;

	if (src->clean_cap < n + 1) {
		src->clean_cap = 2 * (n + 1);
		src->clean = realloc(src->clean, src->clean_cap);
		if (!src->clean) {
			*err = "out of memory";
			return -1;
		}
	}
	memcpy(src->clean, raw, n);
	src->clean[n] = 0;
	c = src->clean;

	line->start = src->pos;
	line->len = n;
	line->clean = c;
	line->file = src->file;
	line->lineno = src->next_lineno++;
	line->nr_stmts = 0;
	src->pos += n + 1;

	i = 0;
	if (!src->in_comment) {
		while (i < n && (c[i] == ' ' || c[i] == '\t'))
			i++;
		if (i < n && c[i] == '#') {
			if (i == 0)
				lex_linemarker(src, c, c + n);
			return 1;
		}
		if (i < n && c[i] == '/' && (i + 1 == n || c[i + 1] != '*'))
			return 1; /* '/' is a line comment char */
	}
	for (i = 0; i < n; i++) {
		if (src->in_comment) {
			if (c[i] == '*' && i + 1 < n && c[i + 1] == '/') {
				c[i] = c[i + 1] = ' ';
				i++;
				src->in_comment = 0;
			} else {
				c[i] = ' ';
			}
			continue;
		}
		switch (c[i]) {
		case '"':
			for (i++; i < n && c[i] != '"'; i++)
				if (c[i] == '\\')
					i++;
			if (i >= n) {
				*err = "unterminated string";
				return -1;
			}
			break;
		case '\'':
			if (i + 1 < n && c[i + 1] == '\\')
				i++;
			i++;
			break;
		case '/':
			if (i + 1 < n && c[i + 1] == '*') {
				src->in_comment = 1;
				src->comment_file = line->file;
				src->comment_lineno = line->lineno;
				c[i] = c[i + 1] = ' ';
				i++;
			}
			break;
		case '#':
			memset(c + i, ' ', n - i);
			i = n;
			break;
		case ';':
			if (lex_add_stmt(line, c, stmt_start, i))
				goto too_many;
			stmt_start = i + 1;
			break;
		}
	}
	if (lex_add_stmt(line, c, stmt_start, n))
		goto too_many;
	return 1;
too_many:
	*err = "too many statements on one line";
	return -1;
}

int lex_finish(struct lex_source *src, const char **err)
{
	if (src->in_comment) {
		*err = "unterminated /* comment";
		return -1;
	}
	return 0;
}

static int char_is_label(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '$' || c == '@' ||
	       c == '\\';
}

size_t lex_skip_labels(const char *text, size_t len, int *nr_labels)
{
	size_t i = 0;

	*nr_labels = 0;
	for (;;) {
		size_t j = i;

		while (j < len && isspace((unsigned char)text[j]))
			j++;
		i = j;
		if (j < len && text[j] == '"') { /* "quoted symbol": */
			for (j++; j < len && text[j] != '"'; j++)
				;
			j++;
		} else {
			while (j < len && char_is_label((unsigned char)text[j]))
				j++;
		}
		if (j == i || j >= len || text[j] != ':')
			return i;
		/* "a::" is not a label form we know; leave it to the caller. */
		if (j + 1 < len && text[j + 1] == ':')
			return i;
		i = j + 1;
		(*nr_labels)++;
	}
}
