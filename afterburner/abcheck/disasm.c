/*
 * objdump output parser (see disasm.h). Sections are named by objdump in
 * section-header order, so the k-th "Disassembly of section NAME" is the
 * k-th executable section called NAME; relocatable objects may repeat names.
 * Instruction lines look like
 *     "  1b:\t65 48 8b 04 25 08 00 00 00 \tmov    %gs:0x8,%rax"
 * and everything after a '#' or '<' in the text is objdump's annotation.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "disasm.h"

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
			insn->bytes[insn->len] = (uint8_t)(hex_digit(p[0]) << 4 |
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

int disasm_image(const struct elf_image *img, disasm_fn fn, void *ctx)
{
	const char *objdump = getenv("OBJDUMP") ? getenv("OBJDUMP") : "objdump";
	int fds[2], status;
	pid_t pid;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	unsigned int shndx = 0, last = 0;
	struct disasm_insn insn;

	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execlp(objdump, objdump, "-d", "-w", "-z", img->path, (char *)NULL);
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
		fn(ctx, &insn);
	}
	free(line);
	fclose(f);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return 0;
}
