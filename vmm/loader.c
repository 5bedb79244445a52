/*
 * Loading the guest (SPEC 6): the vmlinux ELF file itself, not a
 * bzImage. Its PT_LOAD segments go to their physical addresses in guest
 * RAM, the .afterburn records are rewritten (rewrite.c) before anything
 * runs, and the initramfs, command line, boot_params and the page tables
 * that 64-bit entry requires are put in place (Linux's
 * Documentation/x86/boot.rst, "64-bit boot protocol", and zero-page.rst).
 *
 * Guest-physical layout:
 *   0x6000  a flat GDT with __BOOT_CS (0x10) and __BOOT_DS (0x18)
 *   0x7000  boot_params ("zero page")
 *   0x8000  command line
 *   0x9000  PML4, PDPT, PD: identity map of the first 1 GiB (2 MiB pages)
 *   kernel  at its PT_LOAD physical addresses (16 MiB for ours)
 *   initrd  at the top of usable RAM
 *   top     128 KiB reserved in the e820 map, as QEMU's firmware reserves
 *           them natively (for its ACPI tables): the same usable RAM, so
 *           MemTotal and the limits Linux derives from it (RLIMIT_NPROC)
 *           come out as in a native boot
 * Linux keeps its hands off the first megabyte, so all of that survives
 * until it has read it.
 */
#include "vmm.h"
#include <abi/elf64.h>

#define BOOT_GDT 0x6000ul
#define ZERO_PAGE 0x7000ul
#define CMDLINE 0x8000ul
#define CMDLINE_MAX 2048
#define BOOT_PML4 0x9000ul

#define E820_RAM 1
#define E820_RESERVED 2
#define RAM_TOP_RESERVED 0x20000ul

static const struct elf64_ehdr *kernel;
static u64 kernel_size;

static const struct elf64_shdr *section(const char *name)
{
	const struct elf64_shdr *sh =
		(const void *)((u8 *)kernel + kernel->shoff);
	const char *names;

	if (kernel->shoff + (u64)kernel->shnum * sizeof(*sh) > kernel_size ||
	    kernel->shstrndx >= kernel->shnum)
		return NULL;
	names = (const char *)kernel + sh[kernel->shstrndx].offset;
	for (unsigned i = 0; i < kernel->shnum; i++)
		if (sh[i].offset + sh[i].size <= kernel_size &&
		    strncmp(names + sh[i].name, name, strlen(name) + 1) == 0)
			return &sh[i];
	return NULL;
}

/* Guest memory holding kernel virtual range [va, va+len), or NULL. */
static u8 *kernel_bytes(u64 va, u64 len)
{
	const struct elf64_phdr *ph =
		(const void *)((u8 *)kernel + kernel->phoff);

	for (unsigned i = 0; i < kernel->phnum; i++) {
		if (ph[i].type != ELF_PT_LOAD || va < ph[i].vaddr ||
		    va + len > ph[i].vaddr + ph[i].memsz)
			continue;
		return gpa_ptr(ph[i].paddr + (va - ph[i].vaddr));
	}
	return NULL;
}

static const struct elf64_shdr *replacements;

static bool in_replacements(u64 va)
{
	return replacements && va >= replacements->addr &&
	       va < replacements->addr + replacements->size;
}

static u64 kernel_end; /* guest-physical end of the loaded image */

static long load_segments(void)
{
	const struct elf64_phdr *ph =
		(const void *)((u8 *)kernel + kernel->phoff);

	for (unsigned i = 0; i < kernel->phnum; i++) {
		if (ph[i].type != ELF_PT_LOAD)
			continue;
		if (ph[i].offset + ph[i].filesz > kernel_size ||
		    ph[i].filesz > ph[i].memsz ||
		    !gpa_is_ram(ph[i].paddr, ph[i].memsz)) {
			printf("vmm: kernel segment %u (physical %lx, %lx bytes) does not fit %lu MiB of RAM\n",
			       i, ph[i].paddr, ph[i].memsz, vm.ram_size >> 20);
			return -1;
		}
		memcpy(gpa_ptr(ph[i].paddr), (u8 *)kernel + ph[i].offset,
		       ph[i].filesz);
		memset(gpa_ptr(ph[i].paddr + ph[i].filesz), 0,
		       ph[i].memsz - ph[i].filesz);
		if (ph[i].paddr + ph[i].memsz > kernel_end)
			kernel_end = ph[i].paddr + ph[i].memsz;
	}
	return 0;
}

static void put(u64 gpa, unsigned size, u64 val)
{
	memcpy(gpa_ptr(gpa), &val, size);
}

static void e820_add(unsigned *n, u64 addr, u64 size, u32 type)
{
	u64 at = ZERO_PAGE + 0x2d0 + *n * 20;

	put(at, 8, addr);
	put(at + 8, 8, size);
	put(at + 16, 4, type);
	(*n)++;
}

/*
 * The zero page, the command line and the initramfs, which goes at the
 * top of RAM (1 MiB aligned) as a boot loader puts it: 0 or -1 after a
 * message when it does not fit above the kernel.
 */
/*
 * Is WORD one of the command line's words? The VMM's own options start
 * "vmm.": Linux takes a parameter with a dot for a module's and ignores
 * it, so the same command line boots natively.
 */
static bool cmdline_has(const char *cl, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = cl; *p; p++)
		if ((p == cl || p[-1] == ' ') && !strncmp(p, word, n) &&
		    (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

static long boot_params(const struct vm_module *initrd,
			const struct vm_module *cmdline)
{
	const char *text = (const char *)cmdline->addr;
	u64 len = cmdline->size;
	unsigned n = 0;
	char *cl = gpa_ptr(CMDLINE);
	u64 usable = vm.ram_size - RAM_TOP_RESERVED;

	while (len && (text[len - 1] == '\n' || text[len - 1] == 0))
		len--;
	if (len > CMDLINE_MAX - 1) {
		printf("vmm: the kernel command line (%lu bytes) is longer than the %u bytes Linux takes\n",
		       len, CMDLINE_MAX - 1);
		return -1;
	}
	memset(gpa_ptr(ZERO_PAGE), 0, 4096);
	memcpy(cl, text, len);
	cl[len] = 0;
	vm.no_kmem_lend = cmdline_has(cl, "vmm.kmem_lend=0");
	e820_add(&n, 0, 0x9fc00, E820_RAM);
	e820_add(&n, 0x9fc00, 0x100000 - 0x9fc00, E820_RESERVED);
	e820_add(&n, 0x100000, usable - 0x100000, E820_RAM);
	e820_add(&n, usable, RAM_TOP_RESERVED, E820_RESERVED);
	put(ZERO_PAGE + 0x1e8, 1, n);		    /* e820_entries */
	put(ZERO_PAGE + 0x070, 8, acpi_build());    /* acpi_rsdp_addr */
	put(ZERO_PAGE + 0x1fe, 2, 0xaa55);	    /* boot_flag */
	put(ZERO_PAGE + 0x202, 4, 0x53726448);	    /* "HdrS" */
	put(ZERO_PAGE + 0x206, 2, 0x020f);	    /* version */
	put(ZERO_PAGE + 0x210, 1, 0xff);	    /* type_of_loader */
	put(ZERO_PAGE + 0x211, 1, 1);		    /* LOADED_HIGH */
	put(ZERO_PAGE + 0x228, 4, CMDLINE);	    /* cmd_line_ptr */
	put(ZERO_PAGE + 0x238, 4, CMDLINE_MAX - 1); /* cmdline_size */
	if (initrd->size) {
		u64 at = (usable - initrd->size) & ~0xffffful;

		if (initrd->size > usable || at < kernel_end) {
			printf("vmm: the initramfs (%lu MiB) does not fit in this VM's %lu MiB of RAM above the kernel (which ends at %lu MiB)\n",
			       initrd->size >> 20, vm.ram_size >> 20,
			       kernel_end >> 20);
			return -1;
		}
		memcpy(gpa_ptr(at), (const void *)initrd->addr, initrd->size);
		put(ZERO_PAGE + 0x218, 4, at); /* ramdisk_image */
		put(ZERO_PAGE + 0x21c, 4, initrd->size);
		put(ZERO_PAGE + 0x0c0, 4, at >> 32); /* ext_ramdisk_image */
		put(ZERO_PAGE + 0x0c4, 4, initrd->size >> 32);
	}
	return 0;
}

/* A flat GDT and identity-mapping page tables for the 64-bit entry. */
static void boot_tables(struct vcpu *v)
{
	memset(gpa_ptr(BOOT_GDT), 0, 4096);
	memset(gpa_ptr(BOOT_PML4), 0, 3 * 4096);
	put(BOOT_GDT + 0x10, 8, 0x00af9b000000fffful); /* 64-bit code */
	put(BOOT_GDT + 0x18, 8, 0x00cf93000000fffful); /* data */
	v->gdtr.base = BOOT_GDT;
	v->gdtr.limit = 0x1f;
	put(BOOT_PML4, 8, (BOOT_PML4 + 0x1000) | 3);
	put(BOOT_PML4 + 0x1000, 8, (BOOT_PML4 + 0x2000) | 3);
	for (u64 i = 0; i < 512; i++)
		put(BOOT_PML4 + 0x2000 + i * 8, 8, (i << 21) | 0x83);
	v->cr3 = BOOT_PML4;
}

/* Load everything; fills the entry registers. 0 or -1 after a message. */
long loader_load(struct vcpu *v, struct vcpu_regs *r)
{
	const struct vm_module *m = vm.boot->module;
	const struct elf64_shdr *ab;
	long err;

	kernel = (const void *)m[VM_MOD_KERNEL].addr;
	kernel_size = m[VM_MOD_KERNEL].size;
	if (kernel_size < sizeof(*kernel) ||
	    memcmp(kernel->ident, "\177ELF", 4) || kernel->ident[4] != 2 ||
	    kernel->machine != ELF_MACHINE_X86_64) {
		printf("vmm: the kernel module is no x86-64 ELF file (a vmlinux, not a bzImage, is needed)\n");
		return -1;
	}
	ab = section(".afterburn");
	if (!ab || ab->size == 0 || ab->size % 16) {
		printf("vmm: the kernel has no .afterburn records: it was not built through the afterburner\n");
		return -1;
	}
	replacements = section(".altinstr_replacement");
	if (load_segments())
		return -1;
	err = rewrite_sites((const u64 *)((u8 *)kernel + ab->offset),
			    ab->size / 16, kernel_bytes, in_replacements);
	if (err)
		return -1;
	rewrite_report();
	if (boot_params(&m[VM_MOD_INITRD], &m[VM_MOD_CMDLINE]))
		return -1;
	boot_tables(v);
	memset(r, 0, sizeof(*r));
	r->rip = kernel->entry; /* physical: startup_64 */
	r->rsi = ZERO_PAGE;
	r->rsp = ZERO_PAGE - 16;
	r->rflags = RFLAGS_FIXED;
	printf("vmm: kernel entry %lx, %lu MiB RAM, command line \"%s\"\n",
	       kernel->entry, vm.ram_size >> 20, (char *)gpa_ptr(CMDLINE));
	return 0;
}
