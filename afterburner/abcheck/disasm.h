/*
 * Disassembly for abcheck: runs binutils' objdump (-d -w -z, AT&T syntax;
 * $OBJDUMP overrides the program) on the file and hands every decoded
 * instruction of every executable section to a callback, as raw bytes plus
 * objdump's text.
 */
#ifndef ABCHECK_DISASM_H
#define ABCHECK_DISASM_H

#include <stddef.h>
#include <stdint.h>

#include "elf_image.h"

#define DISASM_MAX_BYTES 16

struct disasm_insn {
	unsigned int shndx;
	uint64_t off; /* offset in the section */
	uint8_t bytes[DISASM_MAX_BYTES];
	size_t len;
	const char *text; /* "mov    %cr3,%rax", comments cut */
};

typedef void (*disasm_fn)(void *ctx, const struct disasm_insn *insn);

/* 0 when objdump ran and exited cleanly. */
int disasm_image(const struct elf_image *img, disasm_fn fn, void *ctx);

#endif
