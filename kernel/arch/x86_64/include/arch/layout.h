/*
 * Kernel virtual layout. All of physical memory (the first 4 GiB at boot)
 * is mapped at KERNEL_BASE, and the kernel image runs from that same direct
 * map, so a kernel virtual address is KERNEL_BASE + physical address.
 * The kernel's range (SPEC 5) is PML4 slots 256-270, KERNEL_BASE up to
 * KERNEL_END. Slot 271, the rest of the range SPEC 5 gives to the kernel
 * and hypervisors, is left to tasks: a VM's in-place VMM lives there
 * (abi/map.h).
 */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#define KERNEL_BASE 0xffff800000000000
#define KERNEL_END 0xffff878000000000
#define KERNEL_PML4_FIRST 256
#define KERNEL_PML4_LAST 270
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
