/*
 * The subset of the ELF64 format (System V gABI, x86-64 psABI) that boot
 * modules use: the kernel loads the root task from module 0 and the root
 * task loads the other modules, both as static executables.
 */
#ifndef ABI_ELF64_H
#define ABI_ELF64_H

#define ELF_MACHINE_X86_64	62
#define ELF_PT_LOAD		1
#define ELF_PF_X		1
#define ELF_PF_W		2

struct elf64_ehdr {
	unsigned char ident[16];	/* "\177ELF", class, data, ... */
	unsigned short type, machine;
	unsigned int version;
	unsigned long entry, phoff, shoff;
	unsigned int flags;
	unsigned short ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	unsigned int type, flags;
	unsigned long offset, vaddr, paddr, filesz, memsz, align;
};

struct elf64_shdr {
	unsigned int name, type;
	unsigned long flags, addr, offset, size;
	unsigned int link, info;
	unsigned long addralign, entsize;
};

#endif
