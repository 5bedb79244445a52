/*
 * ELF reading for abcheck (see elf_image.h). The file is mapped read-only
 * and only ever looked at; all offsets taken from it are bounds-checked
 * before use, since abcheck may be pointed at a truncated or foreign file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_image.h"

#define AB_RECORD_SIZE 16

static int elf_fail(const struct elf_image *img, const char *why)
{
	fprintf(stderr, "abcheck: %s: %s\n", img->path, why);
	return -1;
}

static int elf_range_ok(const struct elf_image *img, uint64_t off, uint64_t len)
{
	return off <= img->size && len <= img->size - off;
}

const char *elf_section_name(const struct elf_image *img, unsigned int shndx)
{
	if (shndx >= img->nr_sections || !img->shstrtab)
		return "?";
	return img->shstrtab + img->shdrs[shndx].sh_name;
}

int elf_section_is_exec(const struct elf_image *img, unsigned int shndx)
{
	return shndx < img->nr_sections &&
	       (img->shdrs[shndx].sh_flags & SHF_EXECINSTR);
}

uint64_t elf_location_address(const struct elf_image *img, unsigned int shndx,
			      uint64_t off)
{
	return (shndx < img->nr_sections ? img->shdrs[shndx].sh_addr : 0) + off;
}

static const Elf64_Shdr *elf_find_section(const struct elf_image *img,
					  const char *name, unsigned int *idx)
{
	for (unsigned int i = 0; i < img->nr_sections; i++)
		if (strcmp(elf_section_name(img, i), name) == 0) {
			if (idx)
				*idx = i;
			return &img->shdrs[i];
		}
	return NULL;
}

/* The executable section holding address addr of a linked image. */
static int elf_section_of_address(const struct elf_image *img, uint64_t addr,
				  unsigned int *shndx)
{
	for (unsigned int i = 1; i < img->nr_sections; i++) {
		const Elf64_Shdr *s = &img->shdrs[i];

		if ((s->sh_flags & SHF_ALLOC) && elf_section_is_exec(img, i) &&
		    addr >= s->sh_addr && addr <= s->sh_addr + s->sh_size) {
			*shndx = i;
			return 0;
		}
	}
	return -1;
}

static int elf_read_linked_records(struct elf_image *img, const Elf64_Shdr *ab)
{
	const uint8_t *p = img->map + ab->sh_offset;

	for (size_t i = 0; i < img->nr_records; i++) {
		uint64_t start, end;
		struct ab_record *r = &img->records[i];

		memcpy(&start, p + i * AB_RECORD_SIZE, 8);
		memcpy(&end, p + i * AB_RECORD_SIZE + 8, 8);
		r->index = i;
		if (elf_section_of_address(img, start, &r->shndx)) {
			fprintf(stderr,
				"abcheck: %s: record %zu: start %#llx is "
				"in no executable section\n",
				img->path, i, (unsigned long long)start);
			r->shndx = 0;
			r->start = start;
			r->end = end;
			continue;
		}
		r->start = start - img->shdrs[r->shndx].sh_addr;
		r->end = end - img->shdrs[r->shndx].sh_addr;
	}
	return 0;
}

/* Relocatable objects: the records are R_X86_64_64 relocations. */
static int elf_read_relocated_records(struct elf_image *img,
				      unsigned int ab_idx)
{
	const Elf64_Shdr *rela = NULL;
	unsigned int *seen;

	for (unsigned int i = 0; i < img->nr_sections; i++)
		if (img->shdrs[i].sh_type == SHT_RELA &&
		    img->shdrs[i].sh_info == ab_idx)
			rela = &img->shdrs[i];
	if (!rela)
		return img->nr_records ? elf_fail(img, ".afterburn has no "
						       "relocations") :
					 0;
	if (!elf_range_ok(img, rela->sh_offset, rela->sh_size) || !img->syms)
		return elf_fail(img, "bad .rela.afterburn");
	seen = calloc(img->nr_records, sizeof(*seen));
	for (size_t i = 0; i < rela->sh_size / sizeof(Elf64_Rela); i++) {
		const Elf64_Rela *r =
			(const Elf64_Rela *)(img->map + rela->sh_offset) + i;
		size_t rec = r->r_offset / AB_RECORD_SIZE;
		size_t sym = ELF64_R_SYM(r->r_info);
		struct ab_record *ar;
		uint64_t off;

		if (ELF64_R_TYPE(r->r_info) != R_X86_64_64 ||
		    rec >= img->nr_records || sym >= img->nr_syms ||
		    r->r_offset % 8) {
			free(seen);
			return elf_fail(img, "unexpected relocation in "
					     ".rela.afterburn");
		}
		ar = &img->records[rec];
		off = img->syms[sym].st_value + (uint64_t)r->r_addend;
		ar->index = rec;
		if (r->r_offset % AB_RECORD_SIZE == 0) {
			ar->shndx = img->syms[sym].st_shndx;
			ar->start = off;
			seen[rec] |= 1;
		} else {
			ar->end = off;
			seen[rec] |= 2;
			if (seen[rec] & 1 &&
			    ar->shndx != img->syms[sym].st_shndx)
				ar->shndx = 0; /* start and end disagree */
		}
	}
	for (size_t i = 0; i < img->nr_records; i++)
		if (seen[i] != 3)
			img->records[i].shndx = 0;
	free(seen);
	return 0;
}

int elf_image_load(struct elf_image *img, const char *path)
{
	struct stat st;
	const Elf64_Shdr *ab, *symtab = NULL;
	unsigned int ab_idx = 0;
	int fd;

	memset(img, 0, sizeof(*img));
	img->path = path;
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(path);
		return -1;
	}
	img->size = st.st_size;
	img->map = mmap(NULL, img->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img->map == MAP_FAILED || img->size < sizeof(Elf64_Ehdr))
		return elf_fail(img, "cannot map, or too small");
	img->ehdr = (const Elf64_Ehdr *)img->map;
	if (memcmp(img->ehdr->e_ident, ELFMAG, SELFMAG) ||
	    img->ehdr->e_ident[EI_CLASS] != ELFCLASS64 ||
	    img->ehdr->e_machine != EM_X86_64)
		return elf_fail(img, "not an x86-64 ELF64 file");
	if (!elf_range_ok(img, img->ehdr->e_shoff,
			  (uint64_t)img->ehdr->e_shnum * sizeof(Elf64_Shdr)))
		return elf_fail(img, "bad section header table");
	img->shdrs = (const Elf64_Shdr *)(img->map + img->ehdr->e_shoff);
	img->nr_sections = img->ehdr->e_shnum;
	for (unsigned int i = 0; i < img->nr_sections; i++)
		if (img->shdrs[i].sh_type != SHT_NOBITS &&
		    !elf_range_ok(img, img->shdrs[i].sh_offset,
				  img->shdrs[i].sh_size))
			return elf_fail(img, "section outside the file");
	if (img->ehdr->e_shstrndx < img->nr_sections)
		img->shstrtab = (const char *)img->map +
				img->shdrs[img->ehdr->e_shstrndx].sh_offset;
	for (unsigned int i = 0; i < img->nr_sections; i++)
		if (img->shdrs[i].sh_type == SHT_SYMTAB)
			symtab = &img->shdrs[i];
	if (symtab && symtab->sh_link < img->nr_sections) {
		img->syms = (const Elf64_Sym *)(img->map + symtab->sh_offset);
		img->nr_syms = symtab->sh_size / sizeof(Elf64_Sym);
		img->strtab = (const char *)img->map +
			      img->shdrs[symtab->sh_link].sh_offset;
	}
	ab = elf_find_section(img, ".afterburn", &ab_idx);
	if (!ab)
		return 0;
	if (ab->sh_size % AB_RECORD_SIZE)
		return elf_fail(img, ".afterburn size is not a multiple of 16");
	img->nr_records = ab->sh_size / AB_RECORD_SIZE;
	img->records = calloc(img->nr_records + 1, sizeof(*img->records));
	if (img->ehdr->e_type == ET_REL)
		return elf_read_relocated_records(img, ab_idx);
	return elf_read_linked_records(img, ab);
}

void elf_image_free(struct elf_image *img)
{
	if (img->map && img->map != MAP_FAILED)
		munmap(img->map, img->size);
	free(img->records);
}

void elf_location_name(const struct elf_image *img, unsigned int shndx,
		       uint64_t off, char *buf, size_t len, const char **sym)
{
	const Elf64_Sym *best = NULL;
	uint64_t addr = img->ehdr->e_type == ET_REL ?
				off :
				elf_location_address(img, shndx, off);

	for (size_t i = 0; i < img->nr_syms; i++) {
		const Elf64_Sym *s = &img->syms[i];
		int type = ELF64_ST_TYPE(s->st_info);

		if (s->st_shndx != shndx || type == STT_SECTION ||
		    type == STT_FILE || !s->st_name || s->st_value > addr)
			continue;
		if (!best || s->st_value > best->st_value)
			best = s;
	}
	if (!best) {
		snprintf(buf, len, "%s+%#llx", elf_section_name(img, shndx),
			 (unsigned long long)off);
		*sym = elf_section_name(img, shndx);
		return;
	}
	*sym = img->strtab + best->st_name;
	snprintf(buf, len, "%s+%#llx", *sym,
		 (unsigned long long)(addr - best->st_value));
}
