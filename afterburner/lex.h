/*
 * Lexing GNU as source into lines and statements. A source buffer is read
 * whole; each physical line is handed out with a "clean" copy in which
 * comments are blanked to spaces (same length, so an offset in the copy is
 * an offset in the original) and with its statements, split at ';' outside
 * strings and character constants. gcc linemarkers ("# 12 "file.S"") are
 * followed, so errors name the original file and line.
 */
#ifndef AFTERBURNER_LEX_H
#define AFTERBURNER_LEX_H

#include <stddef.h>

#define LEX_MAX_STMTS 1024 /* more on one line is an error */

struct lex_stmt {
	size_t off; /* from the start of the line, trimmed */
	size_t len;
};

struct lex_line {
	size_t start;	  /* offset of the line in the source buffer */
	size_t len;	  /* without the newline */
	char *clean;	  /* comment-blanked copy, NUL terminated */
	const char *file; /* original file name, for messages */
	long lineno;	  /* original line number */
	int nr_stmts;
	struct lex_stmt stmts[LEX_MAX_STMTS];
};

struct lex_source {
	const char *name; /* input name ("<stdin>") */
	char *buf;
	size_t len;
	size_t pos;		  /* start of the next line */
	int in_comment;		  /* inside a block comment at pos */
	char *file;		  /* current file per linemarkers */
	long next_lineno;	  /* original line number of the next line */
	const char *comment_file; /* where the open comment began */
	long comment_lineno;
	char *clean; /* buffer behind lex_line.clean */
	size_t clean_cap;
};

/* Read the whole of path (NULL or "-": stdin). 0 on success. */
int lex_source_load(struct lex_source *src, const char *path);
void lex_source_free(struct lex_source *src);

/*
 * Next physical line. Returns 1 with *line filled, 0 at the end of input,
 * -1 on a lexical error (*err set, *line names its position).
 */
int lex_next_line(struct lex_source *src, struct lex_line *line,
		  const char **err);

/* After the last line: -1 if a block comment is still open. */
int lex_finish(struct lex_source *src, const char **err);

/*
 * Skip the labels ("foo:", "1:", ".L3:", "name\@:") that start a statement.
 * Returns the offset of what follows them; *nr_labels counts them.
 */
size_t lex_skip_labels(const char *text, size_t len, int *nr_labels);

#endif
