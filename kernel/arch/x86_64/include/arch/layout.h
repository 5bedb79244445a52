/*
 * Kernel virtual layout. All of physical memory (the first 4 GiB at boot)
 * is mapped at KERNEL_BASE, and the kernel image runs from that same direct
 * map, so a kernel virtual address is KERNEL_BASE + physical address.
 * The kernel's range ends at KERNEL_END (SPEC 5): PML4 slots 256-271.
 */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#define KERNEL_BASE 0xffff800000000000
#define KERNEL_END 0xffff880000000000
#define KERNEL_PML4_FIRST 256
#define KERNEL_PML4_LAST 271
#define DIRECT_MAP_SIZE 0x100000000 /* 4 GiB, 2 MiB pages */

#ifndef __ASSEMBLER__
#include <types.h>

static inline void *phys_to_virt(u64 pa)
{
	return (void *)(pa + KERNEL_BASE);
}

static inline u64 virt_to_phys(const void *va)
{
	return (u64)va - KERNEL_BASE;
}
#endif

#endif
