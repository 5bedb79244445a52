/*
 * The emitter (see emit.h). Site labels: numeric local labels are reusable
 * in gas ("8761b" means the nearest preceding "8761:"), so three labels
 * serve every site of a file, inside macros and repeated bodies too. They
 * must only differ from every number the file itself uses as a local label
 * or label reference, or a site would capture the program's own "1b"/"2f";
 * emit_choose_label scans for such numbers and picks three unused ones.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

#define EMIT_LABEL_FIRST 8761UL

/* Collect every N of "N:", "Nb", "Nf" (N not part of a longer word). */
static int label_used(const char *buf, size_t len, unsigned long n)
{
	size_t i = 0;

	while (i < len) {
		size_t s;
		unsigned long v = 0;

		if (!isdigit((unsigned char)buf[i])) {
			i++;
			continue;
		}
		s = i;
		while (i < len && isdigit((unsigned char)buf[i]))
			v = v * 10 + (unsigned long)(buf[i++] - '0');
		if (s > 0 && (isalnum((unsigned char)buf[s - 1]) ||
			      buf[s - 1] == '_' || buf[s - 1] == '.'))
			continue;
		if (v < n || v > n + 2 || i >= len)
			continue;
		if (buf[i] == ':' ||
		    ((buf[i] == 'b' || buf[i] == 'f' || buf[i] == 'B' ||
		      buf[i] == 'F') &&
		     (i + 1 >= len || !isalnum((unsigned char)buf[i + 1]))))
			return 1;
	}
	return 0;
}

unsigned long emit_choose_label(const char *buf, size_t len)
{
	unsigned long n = EMIT_LABEL_FIRST;

	/* Usually the first candidate; the scan is linear in the input. */
	while (label_used(buf, len, n))
		n += 3;
	return n;
}

void emit_init(struct emitter *em, const char *buf, size_t len)
{
	memset(em, 0, sizeof(*em));
	em->buf = buf;
	em->len = len;
	em->label = emit_choose_label(buf, len);
}

void emit_free(struct emitter *em)
{
	for (size_t i = 0; i < em->nr_edits; i++)
		free(em->edits[i].text);
	free(em->edits);
}

static int emit_insert(struct emitter *em, size_t off, char *text)
{
	if (!text)
		return -1;
	if (em->nr_edits == em->cap) {
		em->cap = em->cap ? 2 * em->cap : 256;
		em->edits = realloc(em->edits, em->cap * sizeof(*em->edits));
		if (!em->edits)
			return -1;
	}
	em->edits[em->nr_edits].off = off;
	em->edits[em->nr_edits].seq = em->nr_edits;
	em->edits[em->nr_edits].text = text;
	em->nr_edits++;
	return 0;
}

static char *emit_format(const char *fmt, unsigned long l, unsigned int min)
{
	unsigned long a = l, b = l + 1, c = l + 2;
	char *s = NULL;
	int r;

	if (min)
		r = asprintf(&s, fmt, b, min, b, a, min, b, a, c, a, c);
	else
		r = asprintf(&s, fmt, a);
	return r < 0 ? NULL : s;
}

static const char close_fmt[] =
	"; %lu: .nops -((%u-(%lub-%lub))>0)*(%u-(%lub-%lub)); %lu: ; "
	".pushsection .afterburn,\"a\"; .balign 8; "
	".quad %lub, %lub; .popsection";

int emit_site(struct emitter *em, size_t start, size_t end,
	      unsigned int min_len, int quoted)
{
	static const char close_quoted_fmt[] =
		"; %lu: .nops -((%u-(%lub-%lub))>0)*(%u-(%lub-%lub)); %lu: ; "
		".pushsection .afterburn; .balign 8; "
		".quad %lub, %lub; .popsection";

	em->nr_sites++;
	if (emit_insert(em, start, emit_format("%lu: ", em->label, 0)))
		return -1;
	return emit_insert(em, end,
			   emit_format(quoted ? close_quoted_fmt : close_fmt,
				       em->label, min_len));
}

int emit_site_param(struct emitter *em, size_t start, size_t end,
		    const char *param, size_t param_len,
		    const char *const *words, const unsigned int *min_lens,
		    int nr_arms)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&text, &len);
	if (!f)
		return -1;
	for (int i = 0; i < nr_arms; i++) {
		char *close = emit_format(close_fmt, em->label, min_lens[i]);

		if (!close) {
			fclose(f);
			free(text);
			return -1;
		}
		fprintf(f, "; .ifeqs \"%.*s\",\"%s\"%s; .endif", (int)param_len,
			param, words[i], close);
		free(close);
	}
	if (fclose(f)) {
		free(text);
		return -1;
	}
	em->nr_sites++;
	if (emit_insert(em, start, emit_format("%lu: ", em->label, 0))) {
		free(text);
		return -1;
	}
	return emit_insert(em, end, text);
}

int emit_declare(struct emitter *em, size_t off)
{
	static const char declare[] =
		".pushsection .afterburn,\"a\"; .popsection; ";

	return emit_insert(em, off, strdup(declare));
}

int emit_markers(struct emitter *em)
{
	static const char markers[] =
		"\t.pushsection .afterburn,\"a\"; .balign 8; " AFTERBURN_OBJ_END
		": .popsection; "
		".set " AFTERBURN_OBJ_BEGIN ", .afterburn\n";

	int newline = em->len && em->buf[em->len - 1] != '\n';
	char *text;

	if (!em->nr_sites)
		return 0;
	if (asprintf(&text, "%s%s", newline ? "\n" : "", markers) < 0)
		return -1;
	return emit_insert(em, em->len, text);
}

static int edit_compare(const void *a, const void *b)
{
	const struct emit_edit *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

int emit_write(struct emitter *em, FILE *out)
{
	size_t pos = 0;

	qsort(em->edits, em->nr_edits, sizeof(*em->edits), edit_compare);
	for (size_t i = 0; i < em->nr_edits; i++) {
		struct emit_edit *e = &em->edits[i];

		fwrite(em->buf + pos, 1, e->off - pos, out);
		fputs(e->text, out);
		pos = e->off;
	}
	fwrite(em->buf + pos, 1, em->len - pos, out);
	return fflush(out) == EOF || ferror(out) ? -1 : 0;
}
