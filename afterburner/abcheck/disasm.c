/*
 * objdump output parser (see disasm.h). Sections are named by objdump in
 * section-header order, so the k-th "Disassembly of section NAME" is the
 * k-th executable section called NAME; relocatable objects may repeat names.
 * Instruction lines look like
 *     "  1b:\t65 48 8b 04 25 08 00 00 00 \tmov    %gs:0x8,%rax"
 * and everything after a '#' or '<' in the text is objdump's annotation.
 *
 * objdump 2.40 does not know every encoding the table lists (lkgs, which
 * Linux 6.12 writes as raw bytes) and prints "(bad)", after which its
 * decoding of the following bytes is misaligned. When the section's bytes at
 * a "(bad)" match a table encoding, the instruction is reported with its real
 * length, the bytes after it are decoded again by a second objdump run over a
 * window, and the main stream is skipped until it reaches an instruction
 * start of that window (x86 decoding resynchronises within a few
 * instructions).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "disasm.h"
#include "sensitive.h"

#define RESYNC_WINDOW 128

struct resync {
	struct disasm_insn insns[RESYNC_WINDOW];
	char text[RESYNC_WINDOW][64];
	size_t n;
	const struct elf_image *img;
	unsigned int shndx;
	uint64_t end;	   /* window end, section offset */
	int stopped;	   /* window cut at another table "(bad)" */
	uint64_t next_bad; /* ... at this offset */
};

static unsigned int section_by_occurrence(const struct elf_image *img,
					  const char *name, unsigned int after)
{
	for (unsigned int i = after + 1; i < img->nr_sections; i++)
		if (elf_section_is_exec(img, i) &&
		    strcmp(elf_section_name(img, i), name) == 0)
			return i;
	return 0;
}

static int hex_digit(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* Parse one instruction line; 0 if it is not one. */
static int disasm_parse_line(char *line, uint64_t *addr,
			     struct disasm_insn *insn)
{
	char *p = line, *end;

	while (*p == ' ')
		p++;
	*addr = strtoull(p, &end, 16);
	if (end == p || end[0] != ':' || end[1] != '\t')
		return 0;
	p = end + 2;
	insn->len = 0;
	while (isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1]) &&
	       (p[2] == ' ' || p[2] == '\t' || !p[2])) {
		if (insn->len < DISASM_MAX_BYTES)
			insn->bytes[insn->len] =
				(uint8_t)(hex_digit(p[0]) << 4 |
					  hex_digit(p[1]));
		insn->len++;
		p += 2;
		while (*p == ' ')
			p++;
	}
	if (!insn->len)
		return 0;
	if (*p == '\t')
		p++;
	p[strcspn(p, "#<\n")] = 0;
	insn->text = p;
	return 1;
}

/* Run objdump on img (optionally on [start, stop) only) and hand each
 * instruction line to fn with its section index and offset. */
static int objdump_stream(const struct elf_image *img, uint64_t start,
			  uint64_t stop, disasm_fn fn, void *ctx,
			  int (*bad)(void *ctx, const struct disasm_insn *insn))
{
	const char *objdump = getenv("OBJDUMP") ? getenv("OBJDUMP") : "objdump";
	char from[40], to[40];
	int fds[2], status;
	pid_t pid;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	unsigned int shndx = 0, last = 0;
	struct disasm_insn insn;

	snprintf(from, sizeof(from), "--start-address=%#llx",
		 (unsigned long long)start);
	snprintf(to, sizeof(to), "--stop-address=%#llx",
		 (unsigned long long)stop);
	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		if (stop)
			execlp(objdump, objdump, "-d", "-w", "-z", from, to,
			       img->path, (char *)NULL);
		else
			execlp(objdump, objdump, "-d", "-w", "-z", img->path,
			       (char *)NULL);
		perror(objdump);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	while (getline(&line, &cap, f) > 0) {
		uint64_t addr;

		if (strncmp(line, "Disassembly of section ", 23) == 0) {
			char *name = line + 23;

			name[strcspn(name, ":\n")] = 0;
			shndx = section_by_occurrence(img, name, last);
			if (shndx)
				last = shndx;
			continue;
		}
		if (!shndx || !disasm_parse_line(line, &addr, &insn))
			continue;
		insn.shndx = shndx;
		insn.off = addr - img->shdrs[shndx].sh_addr;
		if (!bad || !bad(ctx, &insn))
			fn(ctx, &insn);
	}
	free(line);
	fclose(f);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return 0;
}

struct main_stream {
	const struct elf_image *img;
	disasm_fn fn;
	void *ctx;
	struct resync *rs;
};

static size_t table_encoding_at(const struct elf_image *img, unsigned int shndx,
				uint64_t off);

static void resync_collect(void *ctx, const struct disasm_insn *insn)
{
	struct resync *rs = ctx;

	if (rs->stopped || rs->n == RESYNC_WINDOW || insn->shndx != rs->shndx)
		return;
	if (strstr(insn->text, "(bad)") &&
	    table_encoding_at(rs->img, insn->shndx, insn->off)) {
		rs->stopped = 1;
		rs->next_bad = insn->off;
		return;
	}
	rs->insns[rs->n] = *insn;
	snprintf(rs->text[rs->n], sizeof(rs->text[0]), "%s", insn->text);
	rs->insns[rs->n].text = rs->text[rs->n];
	rs->n++;
}

/* Hand over the window's instructions that start before off. */
static void resync_flush(struct main_stream *m, uint64_t off)
{
	struct resync *rs = m->rs;

	for (size_t i = 0; i < rs->n; i++)
		if (rs->insns[i].off < off &&
		    rs->insns[i].off + rs->insns[i].len <= rs->end)
			m->fn(m->ctx, &rs->insns[i]);
	rs->n = 0;
	rs->end = 0;
}

/* Length of a table encoding at the section's bytes at off, or 0. */
static size_t table_encoding_at(const struct elf_image *img, unsigned int shndx,
				uint64_t off)
{
	const Elf64_Shdr *sh = &img->shdrs[shndx];
	const uint8_t *p = img->map + sh->sh_offset + off;

	if (sh->sh_type != SHT_PROGBITS)
		return 0;
	for (size_t len = 1; len <= 15 && off + len <= sh->sh_size; len++)
		if (sens_match_bytes(p, len, 0))
			return len;
	return 0;
}

/* Main-stream filter: 1 if the line was consumed here. */
static int main_stream_line(void *ctx, const struct disasm_insn *insn)
{
	struct main_stream *m = ctx;
	struct resync *rs = m->rs;
	const Elf64_Shdr *sh;
	struct disasm_insn real;
	size_t len;

	if (rs->end) {
		if (insn->shndx == rs->shndx && insn->off < rs->end) {
			for (size_t i = 0; i < rs->n; i++) {
				if (rs->insns[i].off == insn->off) {
					resync_flush(m, insn->off);
					return 0; /* in step again */
				}
			}
			return 1; /* still misaligned */
		}
		resync_flush(m, rs->end);
	}
	if (!strstr(insn->text, "(bad)") ||
	    !table_encoding_at(m->img, insn->shndx, insn->off))
		return 0;
	/* A chain of them (two lkgs in a row) is followed window by window. */
	sh = &m->img->shdrs[insn->shndx];
	rs->img = m->img;
	rs->shndx = insn->shndx;
	real = *insn;
	do {
		len = table_encoding_at(m->img, insn->shndx, real.off);
		memcpy(real.bytes, m->img->map + sh->sh_offset + real.off, len);
		real.len = len;
		real.text = sens_match_bytes(real.bytes, len, 0)->mnemonics;
		m->fn(m->ctx, &real);
		rs->n = 0;
		rs->stopped = 0;
		rs->end = real.off + len + RESYNC_WINDOW;
		if (rs->end > sh->sh_size)
			rs->end = sh->sh_size;
		if (objdump_stream(m->img, sh->sh_addr + real.off + len,
				   sh->sh_addr + rs->end, resync_collect, rs,
				   NULL))
			rs->n = 0;
		if (rs->stopped) {
			resync_flush(m, rs->next_bad);
			real.off = rs->next_bad;
		}
	} while (rs->stopped);
	return 1;
}

static void main_stream_insn(void *ctx, const struct disasm_insn *insn)
{
	struct main_stream *m = ctx;

	m->fn(m->ctx, insn);
}

int disasm_image(const struct elf_image *img, disasm_fn fn, void *ctx)
{
	struct main_stream m = { .img = img, .fn = fn, .ctx = ctx };
	int ret;

	m.rs = calloc(1, sizeof(*m.rs));
	if (!m.rs)
		return -1;
	ret = objdump_stream(img, 0, 0, main_stream_insn, &m, main_stream_line);
	if (m.rs->end)
		resync_flush(&m, m.rs->end);
	free(m.rs);
	return ret;
}
