/*
 * Reading what abcheck needs from an x86-64 ELF file (vmlinux, a .ko, any
 * object): the executable sections, the symbol table for "symbol+offset"
 * names, and the .afterburn records. Every location is a (section index,
 * offset in section) pair, so linked images (records hold addresses) and
 * relocatable objects (records are zero and .rela.afterburn says where they
 * point) are checked the same way.
 */
#ifndef ABCHECK_ELF_IMAGE_H
#define ABCHECK_ELF_IMAGE_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

struct ab_record {
	unsigned int shndx;  /* executable section the site lies in */
	uint64_t start, end; /* offsets in that section */
	uint64_t index;	     /* position in .afterburn, for messages */
};

struct elf_image {
	const char *path;
	uint8_t *map;
	size_t size;
	const Elf64_Ehdr *ehdr;
	const Elf64_Shdr *shdrs;
	unsigned int nr_sections;
	const char *shstrtab;
	const Elf64_Sym *syms;
	size_t nr_syms;
	const char *strtab;
	struct ab_record *records;
	size_t nr_records;
};

/* Map and validate path, read its records. 0, or -1 with a message printed. */
int elf_image_load(struct elf_image *img, const char *path);
void elf_image_free(struct elf_image *img);

const char *elf_section_name(const struct elf_image *img, unsigned int shndx);
int elf_section_is_exec(const struct elf_image *img, unsigned int shndx);

/* Address shown for a location: sh_addr + offset (just offset in a .o). */
uint64_t elf_location_address(const struct elf_image *img, unsigned int shndx,
			      uint64_t off);

/* "symbol+0xoff" for a location into buf; the symbol name alone in *sym. */
void elf_location_name(const struct elf_image *img, unsigned int shndx,
		       uint64_t off, char *buf, size_t len, const char **sym);

#endif
