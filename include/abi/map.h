/*
 * Memory mapping: rights and the address layout every task sees.
 */
#ifndef ABI_MAP_H
#define ABI_MAP_H

#define PAGE_SIZE	4096ul

#define MAP_R		(1u << 0)
#define MAP_W		(1u << 1)
#define MAP_X		(1u << 2)
#define MAP_RWX		(MAP_R | MAP_W | MAP_X)
#define MAP_MAX_PAGES	512		/* per SYS_MAP/SYS_UNMAP call */

/*
 * The kernel owns 0xffff800000000000-0xffff877fffffffff; everything else
 * of the 48-bit space (lower half and the rest of the upper half) is
 * available to tasks. The last 512 GiB of the range Linux leaves to
 * hypervisors, HYPERVISOR_SLOT_START up to its end, is ordinary task
 * memory: a VM's in-place VMM lives there, where the guest kernel never
 * maps anything (docs/vmm.md).
 */
#define KERNEL_RANGE_START	0xffff800000000000ul
#define KERNEL_RANGE_END	0xffff878000000000ul
#define HYPERVISOR_SLOT_START	0xffff878000000000ul
#define HYPERVISOR_SLOT_END	0xffff880000000000ul

/*
 * The root task's physical window: physical address P is reachable at
 * ROOT_PHYS_WINDOW + P in the root task (sigma0 style, mapped on first
 * touch), except for memory the kernel itself uses.
 */
#define ROOT_PHYS_WINDOW	0x0000400000000000ul
#define ROOT_PHYS_WINDOW_SIZE	0x0000001000000000ul	/* 64 GiB */

#endif
