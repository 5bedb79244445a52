/*
 * The boot information page the kernel maps into the root task at
 * BOOT_INFO_ADDR: free physical memory and the boot modules.
 */
#ifndef ABI_BOOT_H
#define ABI_BOOT_H

#define BOOT_INFO_ADDR	0x0000000000200000ul
#define ROOT_STACK_TOP	0x0000000000400000ul
#define ROOT_STACK_PAGES 16

#define BOOT_MAX_RANGES	32
#define BOOT_MAX_MODULES 16
#define BOOT_CMDLINE_LEN 64

struct boot_range {
	unsigned long start;	/* physical, page aligned */
	unsigned long size;
};

struct boot_module {
	unsigned long start;	/* physical */
	unsigned long size;
	char cmdline[BOOT_CMDLINE_LEN];
};

struct boot_info {
	unsigned long magic;
	unsigned long nr_free;
	struct boot_range free[BOOT_MAX_RANGES];	/* RAM the root task owns */
	unsigned long nr_modules;
	struct boot_module modules[BOOT_MAX_MODULES];	/* [0] is the root task */
	unsigned long tsc_per_tick;
	unsigned long kmem_quota;	/* the root task's kernel-memory pages */
};

#define BOOT_INFO_MAGIC	0x4d4b424f4f54ul

#endif
