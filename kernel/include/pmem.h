/*
 * Physical memory: the multiboot memory map split into the kernel pool and
 * the RAM the root task owns, plus the classification the root task's
 * physical window uses to decide what it may map.
 */
#ifndef PMEM_H
#define PMEM_H

#include <types.h>

struct boot_info;

enum phys_kind {
	PHYS_KERNEL, /* kernel image, pool, local APIC/IOAPIC/IOMMU registers */
	PHYS_RAM,    /* RAM owned by the root task */
	PHYS_DEVICE, /* not RAM: device memory, mapped uncached */
};

void pmem_init(u64 mb_info_phys, struct boot_info *bi);
enum phys_kind pmem_classify(u64 phys);

#endif
