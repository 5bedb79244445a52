/*
 * abcheck: prove that every sensitive instruction of a built kernel is
 * covered by an .afterburn record (SPEC 4.2).
 *
 *   abcheck [--exceptions FILE] [--summary] FILE.elf...
 *
 * For each file (vmlinux, .ko, .o) it reads the records (elf_image.c),
 * disassembles every executable section (disasm.c), and checks, with the
 * same table and matcher afterburn uses (sensitive.c, insn.c):
 *   - every sensitive instruction lies inside a record and starts it
 *     (or directly follows an interrupt-shadow instruction that starts it);
 *   - a record starts and ends on instruction boundaries, covers exactly
 *     one sensitive instruction (or one fused "sti; hlt"-style pair), and
 *     holds only NOPs after it.
 * Violations inside an excepted symbol or address range (exceptions file:
 * "SYMBOL reason..." or "0xSTART-0xEND reason...", '#' comments) are
 * listed as excused. Prints per-kind site counts and the text growth (pad
 * bytes against the executable size without pads). Exit status 1 on any
 * unexcused violation, 2 on usage or I/O errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disasm.h"
#include "elf_image.h"
#include "insn.h"
#include "sensitive.h"

struct exception {
	char *symbol; /* or NULL for an address range */
	uint64_t start, end;
	char *reason;
};

struct record_state {
	int boundary;	  /* an instruction starts at rec start */
	int end_boundary; /* an instruction ends at rec end */
	int nr_sensitive;
	const struct sens_row *row; /* the (first) sensitive instruction */
	uint64_t insn_end;	    /* end of the last sensitive insn */
};

struct check {
	struct elf_image img;
	struct record_state *rs;
	const struct exception *exc;
	int nr_exc;
	unsigned long violations, excused;
	unsigned long kinds[SENS_NR_KINDS];
	uint64_t pad_bytes;
};

static int record_compare(const void *a, const void *b)
{
	const struct ab_record *x = a, *y = b;

	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	return x->start < y->start ? -1 : (x->start > y->start);
}

/* The record containing (shndx, off), or -1. Records are sorted. */
static long record_find(const struct check *c, unsigned int shndx, uint64_t off)
{
	long lo = 0, hi = (long)c->img.nr_records - 1, hit = -1;

	while (lo <= hi) {
		long mid = (lo + hi) / 2;
		const struct ab_record *r = &c->img.records[mid];

		if (r->shndx < shndx ||
		    (r->shndx == shndx && r->start <= off)) {
			hit = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (hit >= 0) {
		const struct ab_record *r = &c->img.records[hit];

		if (r->shndx != shndx || off >= r->end)
			return -1;
	}
	return hit;
}

static int exception_covers(const struct exception *e, const char *sym,
			    uint64_t addr)
{
	if (e->symbol)
		return strcmp(e->symbol, sym) == 0;
	return addr >= e->start && addr < e->end;
}

static void report(struct check *c, unsigned int shndx, uint64_t off,
		   const char *text, const char *what)
{
	char name[256];
	const char *sym;
	uint64_t addr = elf_location_address(&c->img, shndx, off);

	elf_location_name(&c->img, shndx, off, name, sizeof(name), &sym);
	for (int i = 0; i < c->nr_exc; i++) {
		const struct exception *e = &c->exc[i];

		if (exception_covers(e, sym, addr)) {
			printf("excused   %s: %#llx <%s> %s: %s (%s)\n",
			       c->img.path, (unsigned long long)addr, name,
			       text, what, e->reason);
			c->excused++;
			return;
		}
	}
	printf("VIOLATION %s: %#llx <%s> %s: %s\n", c->img.path,
	       (unsigned long long)addr, name, text, what);
	c->violations++;
}

static int insn_is_nop(const struct disasm_insn *insn)
{
	size_t i = 0;

	while (i < insn->len &&
	       (insn->bytes[i] == 0x66 || insn->bytes[i] == 0x2e ||
		insn->bytes[i] == 0x3e || (insn->bytes[i] & 0xf0) == 0x40))
		i++;
	if (i + 1 == insn->len && insn->bytes[i] == 0x90)
		return 1;
	return i + 2 < insn->len + 1 && insn->bytes[i] == 0x0f &&
	       insn->bytes[i + 1] == 0x1f;
}

static const struct sens_row *insn_sensitive(const struct disasm_insn *d)
{
	struct insn insn;
	const char *err;
	const struct sens_row *row = sens_match_bytes(d->bytes, d->len, 1);

	if (row)
		return row;
	if (insn_parse(d->text, strlen(d->text), 0, &insn, &err) !=
	    INSN_PARSE_OK)
		return NULL;
	return insn.operand_error ? NULL : sens_match_insn(&insn);
}

static void check_insn(void *ctx, const struct disasm_insn *d)
{
	struct check *c = ctx;
	const struct sens_row *row = insn_sensitive(d);
	long r = record_find(c, d->shndx, d->off);
	const struct ab_record *rec;
	struct record_state *rs;

	if (r < 0) {
		if (row)
			report(c, d->shndx, d->off, d->text,
			       "sensitive instruction outside any record");
		return;
	}
	rec = &c->img.records[r];
	rs = &c->rs[r];
	if (d->off == rec->start)
		rs->boundary = 1;
	if (d->off + d->len == rec->end)
		rs->end_boundary = 1;
	if (d->off + d->len > rec->end)
		report(c, d->shndx, d->off, d->text,
		       "instruction crosses the end of its record");
	if (row) {
		int fused = rs->nr_sensitive == 1 &&
			    (rs->row->flags & SENS_FLAG_FUSE) &&
			    rs->insn_end == d->off;

		if (d->off != rec->start && !fused && rs->nr_sensitive)
			report(c, d->shndx, d->off, d->text,
			       "record covers more than one sensitive "
			       "instruction");
		else if (d->off != rec->start && !fused)
			report(c, d->shndx, d->off, d->text,
			       "sensitive instruction does not start its "
			       "record");
		if (!rs->nr_sensitive)
			rs->row = row;
		rs->nr_sensitive++;
		rs->insn_end = d->off + d->len;
		c->kinds[row->kind]++;
	} else if (!rs->nr_sensitive) {
		report(c, d->shndx, d->off, d->text,
		       "record starts with a non-sensitive instruction");
	} else if (!insn_is_nop(d)) {
		report(c, d->shndx, d->off, d->text,
		       "non-NOP instruction in a site's padding");
	}
}

static void check_records(struct check *c)
{
	for (size_t i = 0; i < c->img.nr_records; i++) {
		const struct ab_record *r = &c->img.records[i];
		const struct record_state *rs = &c->rs[i];
		char what[128];

		if (!r->shndx || !elf_section_is_exec(&c->img, r->shndx) ||
		    r->end < r->start ||
		    r->end > c->img.shdrs[r->shndx].sh_size) {
			snprintf(what, sizeof(what),
				 "record %llu does not "
				 "point into executable code",
				 (unsigned long long)r->index);
			report(c, r->shndx, r->start, "-", what);
			continue;
		}
		if (!rs->boundary || !rs->end_boundary) {
			snprintf(what, sizeof(what),
				 "record %llu does not %s on "
				 "an instruction boundary",
				 (unsigned long long)r->index,
				 rs->boundary ? "end" : "start");
			report(c, r->shndx, r->start, "-", what);
		} else if (!rs->nr_sensitive) {
			snprintf(what, sizeof(what),
				 "record %llu covers no "
				 "sensitive instruction",
				 (unsigned long long)r->index);
			report(c, r->shndx, r->start, "-", what);
		} else {
			c->pad_bytes += r->end - rs->insn_end;
		}
	}
}

static uint64_t exec_size(const struct elf_image *img)
{
	uint64_t n = 0;

	for (unsigned int i = 1; i < img->nr_sections; i++)
		if (elf_section_is_exec(img, i) &&
		    img->shdrs[i].sh_type != SHT_NOBITS)
			n += img->shdrs[i].sh_size;
	return n;
}

static void check_summary(const struct check *c, int per_kind)
{
	uint64_t size = exec_size(&c->img);
	uint64_t base = size - c->pad_bytes;
	unsigned long sites = 0;

	for (int k = 0; k < SENS_NR_KINDS; k++) {
		sites += c->kinds[k];
		if (per_kind && c->kinds[k])
			printf("  %-14s %lu\n", sens_table[k].name,
			       c->kinds[k]);
	}
	printf("%s: %zu records, %lu sensitive instructions, %llu pad bytes, "
	       "text %llu -> %llu bytes (+%.3f%%), %lu violations, %lu excused\n",
	       c->img.path, c->img.nr_records, sites,
	       (unsigned long long)c->pad_bytes, (unsigned long long)base,
	       (unsigned long long)size,
	       base ? 100.0 * (double)c->pad_bytes / (double)base : 0.0,
	       c->violations, c->excused);
}

static int exceptions_load(const char *path, struct exception **out)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	if (!f) {
		perror(path);
		exit(2);
	}
	while (getline(&line, &cap, f) > 0) {
		char *p = line + strspn(line, " \t"), *what, *reason;
		struct exception e = { 0 };

		p[strcspn(p, "\n")] = 0;
		if (!*p || *p == '#')
			continue;
		what = strtok_r(p, " \t", &reason);
		reason += strspn(reason, " \t");
		if (!*reason) {
			fprintf(stderr,
				"abcheck: %s: exception '%s' has no reason\n",
				path, what);
			exit(2);
		}
		if (sscanf(what, "0x%lx-0x%lx", &e.start, &e.end) != 2)
			e.symbol = strdup(what);
		e.reason = strdup(reason);
		*out = realloc(*out, (n + 1) * sizeof(**out));
		(*out)[n++] = e;
	}
	free(line);
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	struct exception *exc = NULL;
	int nr_exc = 0, per_kind = 0, status = 0, files = 0;

	for (int i = 1; i < argc; i++) {
		struct check c = { 0 };

		if (strcmp(argv[i], "--exceptions") == 0 && i + 1 < argc) {
			nr_exc = exceptions_load(argv[++i], &exc);
			continue;
		}
		if (strcmp(argv[i], "--summary") == 0) {
			per_kind = 1;
			continue;
		}
		if (argv[i][0] == '-') {
			fputs("usage: abcheck [--exceptions FILE] [--summary] "
			      "FILE.elf...\n",
			      stderr);
			return 2;
		}
		files++;
		if (elf_image_load(&c.img, argv[i])) {
			status = 2;
			continue;
		}
		c.exc = exc;
		c.nr_exc = nr_exc;
		qsort(c.img.records, c.img.nr_records, sizeof(*c.img.records),
		      record_compare);
		c.rs = calloc(c.img.nr_records + 1, sizeof(*c.rs));
		if (disasm_image(&c.img, check_insn, &c)) {
			fprintf(stderr, "abcheck: %s: objdump failed\n",
				argv[i]);
			status = 2;
		}
		check_records(&c);
		check_summary(&c, per_kind);
		if (c.violations && !status)
			status = 1;
		free(c.rs);
		elf_image_free(&c.img);
	}
	if (!files) {
		fprintf(stderr,
			"usage: abcheck [--exceptions FILE] [--summary] "
			"FILE.elf...\n");
		return 2;
	}
	return status;
}
