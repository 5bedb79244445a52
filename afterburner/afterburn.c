/*
 * afterburn: annotate the sensitive instructions of GNU as source.
 *
 *   afterburn [-o OUT] [--mode=16|32|64] [IN]
 *
 * Reads AT&T-syntax assembler source (gcc output or preprocessed .S), and
 * writes it back with every sensitive instruction of 64-bit code turned
 * into a site: the instruction unchanged, NOP padding up to the row's
 * minimum length, and a {start, end} record in section .afterburn (SPEC
 * 4.2). The walk is: lex.c splits lines into statements, directive.c keeps
 * mode/section/macro state, insn.c parses instructions, sensitive.c decides,
 * macro_param.c follows mnemonics that are macro parameters ("\op"), and
 * emit.c splices the annotations into the untouched input text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "directive.h"
#include "emit.h"
#include "insn.h"
#include "lex.h"
#include "macro_param.h"
#include "sensitive.h"

/* A site found but not yet emitted: it may still fuse with the next one. */
struct pending_site {
	int open;
	const struct sens_row *row;
	size_t start, end; /* input offsets */
	unsigned int min_len;
	int quoted; /* inside a quoted macro argument */
};

struct afterburn {
	struct lex_source src;
	struct asm_state as;
	struct emitter em;
	struct macro_params mp;
	struct pending_site site;
	int elf64;	 /* 64-bit object (--mode=64): records possible */
	int have_prefix; /* a prefix-only statement ("rep;") is pending */
	size_t prefix_start;
	int errors;
};

/*
 * Sites are made in 64-bit code of 64-bit objects only: a 32-bit object
 * (--mode=32, such as Linux's real-mode trampoline) cannot hold the 64-bit
 * record addresses even around its .code64 parts, which never run under
 * the VMM anyway.
 */
static int afterburn_code64(const struct afterburn *ab)
{
	return ab->elf64 && ab->as.mode == 64;
}

static void afterburn_error(struct afterburn *ab, const char *file, long lineno,
			    const char *msg, const char *text, size_t len)
{
	if (text)
		fprintf(stderr, "%s:%ld: error: %s: `%.*s'\n", file, lineno,
			msg, (int)len, text);
	else
		fprintf(stderr, "%s:%ld: error: %s\n", file, lineno, msg);
	ab->errors++;
}

static void site_close(struct afterburn *ab)
{
	if (!ab->site.open)
		return;
	if (emit_site(&ab->em, ab->site.start, ab->site.end, ab->site.min_len,
		      ab->site.quoted)) {
		fprintf(stderr, "afterburn: out of memory\n");
		exit(2);
	}
	ab->site.open = 0;
}

/*
 * A sensitive instruction at input bytes [start, end). After an
 * interrupt-shadow instruction (sti), a directly following sensitive
 * instruction joins the open site so "sti; hlt" stays back to back.
 */
static void site_found(struct afterburn *ab, const struct sens_row *row,
		       size_t start, size_t end, int after_label, int quoted)
{
	struct pending_site *s = &ab->site;

	if (s->open && !after_label && (s->row->flags & SENS_FLAG_FUSE)) {
		s->end = end;
		if (row->min_len > s->min_len)
			s->min_len = row->min_len;
		s->row = row;
		site_close(ab);
		return;
	}
	site_close(ab);
	s->open = 1;
	s->row = row;
	s->start = start;
	s->end = end;
	s->min_len = row->min_len;
	s->quoted = quoted;
	if (!(row->flags & SENS_FLAG_FUSE))
		site_close(ab);
}

static void afterburn_directive(struct afterburn *ab, struct lex_line *line,
				size_t off, size_t len, int nr_labels)
{
	const char *text = line->clean + off;
	size_t n = 1, a;
	const char *err = NULL;

	while (n < len && text[n] != ' ' && text[n] != '\t' && text[n] != '"')
		n++;
	a = n;
	while (a < len && (text[a] == ' ' || text[a] == '\t'))
		a++;
	if (asm_directive(&ab->as, text, n, text + a, len - a, &err)) {
		afterburn_error(ab, line->file, line->lineno, err, text, len);
		return;
	}
	macro_params_directive(&ab->mp, text, n, text + a, len - a);
	if (n == 5 && strncmp(text, ".byte", 5) == 0 && afterburn_code64(ab) &&
	    ab->as.cur.exec) {
		uint8_t bytes[16];
		int nb = asm_byte_list(text + a, len - a, bytes, sizeof(bytes));
		const struct sens_row *row =
			nb > 0 ? sens_match_bytes(bytes, nb, 0) : NULL;

		if (row) {
			site_found(ab, row, line->start + off,
				   line->start + off + len, nr_labels, 0);
			return;
		}
	}
	site_close(ab);
}

/*
 * One ';'-separated piece of a quoted macro argument, at input bytes
 * [pos, pos + len). Only instructions and .byte count; other directives in
 * the string take effect where the macro expands, not here.
 */
static int afterburn_quoted_piece(struct afterburn *ab, size_t pos, size_t len,
				  int *have_prefix, size_t *prefix_start)
{
	const char *text = ab->src.buf + pos;
	int nr_labels;
	size_t skip = lex_skip_labels(text, len, &nr_labels);
	const struct sens_row *row = NULL;
	struct insn insn;
	const char *err;
	size_t start;

	text += skip;
	pos += skip;
	len -= skip;
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (nr_labels || !len)
		*have_prefix = 0;
	if (!len)
		return 0;
	start = pos;
	if (text[0] == '.') {
		uint8_t bytes[16];
		int nb;

		*have_prefix = 0;
		if (len > 5 && strncmp(text, ".byte", 5) == 0 &&
		    (text[5] == ' ' || text[5] == '\t')) {
			nb = asm_byte_list(text + 6, len - 6, bytes,
					   sizeof(bytes));
			row = nb > 0 ? sens_match_bytes(bytes, nb, 0) : NULL;
		}
	} else {
		switch (insn_parse(text, len, ab->as.intel, &insn, &err)) {
		case INSN_PARSE_PREFIX_ONLY:
			*have_prefix = 1;
			*prefix_start = pos;
			return 0;
		case INSN_PARSE_OK:
			if (!insn.operand_error)
				row = sens_match_insn(&insn);
			break;
		default:
			break;
		}
		start = pos + insn.start;
		if (*have_prefix && !nr_labels)
			start = *prefix_start;
		*have_prefix = 0;
	}
	if (!row) {
		site_close(ab);
		return 0;
	}
	site_found(ab, row, start, pos + len, nr_labels, 1);
	return 1;
}

/*
 * A statement that is not an instruction of ours (typically a macro
 * invocation such as ALTERNATIVE "", ".byte 0x0f,0x01,0xca", X) may carry
 * instructions in quoted arguments: annotate inside the quotes.
 */
static void afterburn_quoted_args(struct afterburn *ab, size_t pos, size_t len)
{
	const char *buf = ab->src.buf;
	size_t i = pos, end = pos + len;
	int sites = 0;

	while (i < end) {
		size_t piece;
		int have_prefix = 0;
		size_t prefix_start = 0;

		if (buf[i] != '"') {
			i++;
			continue;
		}
		piece = ++i;
		for (; i < end && buf[i] != '"'; i++) {
			if (buf[i] == '\\') {
				i++;
				continue;
			}
			if (buf[i] == ';') {
				sites += afterburn_quoted_piece(ab, piece,
								i - piece,
								&have_prefix,
								&prefix_start);
				piece = i + 1;
			}
		}
		sites += afterburn_quoted_piece(ab, piece, i - piece,
						&have_prefix, &prefix_start);
		site_close(ab);
		i++;
	}
	if (sites && emit_declare(&ab->em, pos)) {
		fprintf(stderr, "afterburn: out of memory\n");
		exit(2);
	}
}

static void afterburn_insn(struct afterburn *ab, struct lex_line *line,
			   size_t off, size_t len, int nr_labels)
{
	const char *text = line->clean + off;
	const char *err = NULL;
	struct insn insn;
	const struct sens_row *row;
	size_t start;

	switch (insn_parse(text, len, ab->as.intel, &insn, &err)) {
	case INSN_PARSE_ERROR:
		afterburn_error(ab, line->file, line->lineno, err, text, len);
		return;
	case INSN_PARSE_NOT_INSN:
		site_close(ab);
		if (memchr(text, '"', len) && afterburn_code64(ab))
			afterburn_quoted_args(ab, line->start + off, len);
		return;
	case INSN_PARSE_PREFIX_ONLY:
		site_close(ab);
		ab->have_prefix = 1;
		ab->prefix_start = line->start + off;
		return;
	case INSN_PARSE_OK:
		break;
	}
	start = line->start + off + insn.start;
	if (ab->have_prefix && !nr_labels)
		start = ab->prefix_start;
	ab->have_prefix = 0;
	if (asm_is_macro(&ab->as, insn.mnemonic, strlen(insn.mnemonic)) ||
	    (insn.operand_error && !sens_is_mnemonic(insn.mnemonic))) {
		site_close(ab);
		if (memchr(text, '"', len) && afterburn_code64(ab) &&
		    ab->as.cur.exec)
			afterburn_quoted_args(ab, line->start + off, len);
		return;
	}
	if (insn.operand_error && sens_is_mnemonic(insn.mnemonic)) {
		afterburn_error(ab, line->file, line->lineno,
				insn.operand_error, text, len);
		return;
	}
	/* Like gas, code outside code sections is just bytes. */
	if (!afterburn_code64(ab) || !ab->as.cur.exec || insn.operand_error) {
		site_close(ab);
		return;
	}
	row = sens_match_insn(&insn);
	if (!row) {
		site_close(ab);
		if (memchr(text, '"', len))
			afterburn_quoted_args(ab, line->start + off, len);
		return;
	}
	site_found(ab, row, start, line->start + off + len, nr_labels, 0);
}

/*
 * A statement whose mnemonic is a macro parameter: only the end of the
 * input tells which words the macro receives, so it is kept for
 * afterburn_param_sites. A site open before it does not fuse with it.
 */
static void afterburn_param_stmt(struct afterburn *ab, struct lex_line *line,
				 size_t off, size_t len, size_t param_off,
				 size_t param_len, int group, int nr_labels)
{
	struct mp_site site = {
		.start = line->start + off,
		.end = line->start + off + len,
		.text = line->clean + off,
		.len = len,
		.param_off = param_off,
		.param_len = param_len,
		.group = group,
		.intel = ab->as.intel,
		.after_sti = ab->site.open && !nr_labels &&
			     (ab->site.row->flags & SENS_FLAG_FUSE),
		.file = (char *)line->file,
		.lineno = line->lineno,
	};

	site_close(ab);
	if (ab->have_prefix && !nr_labels)
		site.start = ab->prefix_start;
	ab->have_prefix = 0;
	if (afterburn_code64(ab) && ab->as.cur.exec)
		macro_params_add_site(&ab->mp, &site);
}

/* After the input: the parameter statements get their arms. */
static void afterburn_param_sites(struct afterburn *ab)
{
	macro_params_resolve(&ab->mp);
	for (int i = 0; i < ab->mp.nr_sites; i++) {
		const struct mp_site *s = &ab->mp.sites[i];
		const char *why = NULL;

		if (macro_params_emit(&ab->mp, s, &ab->em, &why)) {
			fprintf(stderr, "afterburn: out of memory\n");
			exit(2);
		}
		if (why)
			afterburn_error(ab, s->file, s->lineno, why, s->text,
					s->len);
	}
}

static void afterburn_statement(struct afterburn *ab, struct lex_line *line,
				const struct lex_stmt *stmt)
{
	const char *text = line->clean + stmt->off;
	int nr_labels;
	size_t skip = lex_skip_labels(text, stmt->len, &nr_labels);
	size_t off = stmt->off + skip, len = stmt->len - skip;
	size_t param_off, param_len;
	int group;

	if (nr_labels)
		ab->have_prefix = 0;
	if (len == 0) {
		site_close(ab);
		return;
	}
	text = line->clean + off;
	if (text[0] == '.' && len > 1 && text[1] != '=' && text[1] != ' ') {
		ab->have_prefix = 0;
		afterburn_directive(ab, line, off, len, nr_labels);
		return;
	}
	macro_params_invocation(&ab->mp, text, len,
				asm_is_macro(&ab->as, text,
					     strcspn(text, " \t;")));
	if (macro_params_statement(&ab->mp, text, len, &param_off, &param_len,
				   &group)) {
		afterburn_param_stmt(ab, line, off, len, param_off, param_len,
				     group, nr_labels);
		return;
	}
	afterburn_insn(ab, line, off, len, nr_labels);
}

static int afterburn_run(struct afterburn *ab)
{
	struct lex_line line;
	const char *err = NULL;
	int r;

	while ((r = lex_next_line(&ab->src, &line, &err)) != 0) {
		if (r < 0) {
			afterburn_error(ab, line.file, line.lineno, err, NULL,
					0);
			continue;
		}
		for (int i = 0; i < line.nr_stmts; i++)
			afterburn_statement(ab, &line, &line.stmts[i]);
	}
	site_close(ab);
	afterburn_param_sites(ab);
	if (lex_finish(&ab->src, &err))
		afterburn_error(ab, ab->src.comment_file,
				ab->src.comment_lineno, err, NULL, 0);
	if (ab->as.macro_depth)
		afterburn_error(ab, ab->src.file, ab->src.next_lineno - 1,
				"unterminated .macro at end of input", NULL, 0);
	if (ab->as.repeat_depth)
		afterburn_error(ab, ab->src.file, ab->src.next_lineno - 1,
				"unterminated .rept/.irp/.irpc at end of input",
				NULL, 0);
	return ab->errors ? -1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: afterburn [-o OUT] [--mode=16|32|64] [IN]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct afterburn ab;
	const char *in = NULL, *out = NULL;
	int mode = 64;
	FILE *f = stdout;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strncmp(argv[i], "--mode=", 7) == 0)
			mode = atoi(argv[i] + 7);
		else if (argv[i][0] == '-' && argv[i][1] &&
			 strcmp(argv[i], "-"))
			usage();
		else if (!in)
			in = argv[i];
		else
			usage();
	}
	if (mode != 16 && mode != 32 && mode != 64)
		usage();
	if (lex_source_load(&ab.src, in)) {
		fprintf(stderr, "afterburn: %s: %s\n", in ? in : "<stdin>",
			strerror(errno));
		return 1;
	}
	asm_state_init(&ab.as, mode);
	macro_params_init(&ab.mp);
	ab.elf64 = mode == 64;
	emit_init(&ab.em, ab.src.buf, ab.src.len);
	if (afterburn_run(&ab))
		return 1;
	if (emit_markers(&ab.em)) {
		fprintf(stderr, "afterburn: out of memory\n");
		return 1;
	}
	if (out && !(f = fopen(out, "w"))) {
		fprintf(stderr, "afterburn: %s: %s\n", out, strerror(errno));
		return 1;
	}
	if (emit_write(&ab.em, f) || (out && fclose(f))) {
		fprintf(stderr, "afterburn: write error: %s\n",
			strerror(errno));
		if (out)
			unlink(out);
		return 1;
	}
	return 0;
}
