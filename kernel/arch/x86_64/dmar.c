/*
 * The ACPI DMA Remapping Reporting table (VT-d 8.1): which remapping
 * units exist and which PCI devices each one translates. A unit either
 * covers every device of its segment (INCLUDE_PCI_ALL, 8.3) or lists its
 * devices as scope entries (8.3.1); QEMU's q35 lists every endpoint of
 * bus 0. Only endpoints whose path has one element (a device on the
 * scope's start bus) are understood: following a path through bridges
 * would need their bus numbers, and no machine we run has such a path.
 */
#include <lib.h>
#include <abi/dma.h>
#include <arch/acpi.h>
#include <arch/iommu.h>
#include <arch/layout.h>

#define DMAR_STRUCTS 48 /* header, host width, flags, reserved */
#define DMAR_TYPE_DRHD 0
#define DRHD_INCLUDE_PCI_ALL (1u << 0)
#define SCOPE_ENDPOINT 1

static void read_scopes(struct dmar_unit *u, const u8 *p, const u8 *end)
{
	while (p + 6 <= end && p[1] >= 6 && p + p[1] <= end) {
		u8 type = p[0], len = p[1], bus = p[5];

		if (type == SCOPE_ENDPOINT && len == 8 &&
		    u->nr_devices < DMAR_MAX_DEVICES)
			u->devices[u->nr_devices++] =
				PCI_BDF(bus, p[6] & 31, p[7] & 7);
		else if (type == SCOPE_ENDPOINT)
			printk("dmar: device scope not understood (length %u), its device stays untranslated\n",
			       len);
		p += len;
	}
}

/* The first DRHD of segment 0 with its registers in the direct map. */
bool dmar_find_unit(struct dmar_unit *u)
{
	const struct acpi_header *h = acpi_find_table("DMAR");
	const u8 *p, *end;

	if (!h)
		return false;
	p = (const u8 *)h + DMAR_STRUCTS;
	end = (const u8 *)h + h->length;
	while (p + 4 <= end) {
		u16 type = *(const u16 *)p, len = *(const u16 *)(p + 2);

		if (len < 4 || p + len > end)
			break;
		if (type == DMAR_TYPE_DRHD && len >= 16) {
			u8 flags = p[4], size = p[5] & 0xf;
			u16 segment = *(const u16 *)(p + 6);
			u64 base = *(const u64 *)(p + 8);

			if (segment == 0 && !u->regs_phys && base &&
			    base < DIRECT_MAP_SIZE) {
				u->regs_phys = base;
				u->regs_size = 4096ul << size;
				u->include_all = flags & DRHD_INCLUDE_PCI_ALL;
				read_scopes(u, p + 16, p + len);
			} else {
				printk("dmar: remapping unit at %lx (segment %u) not used\n",
				       base, segment);
			}
		}
		p += len;
	}
	return u->regs_phys != 0;
}

bool dmar_covers(const struct dmar_unit *u, u16 bdf)
{
	if (u->include_all)
		return true;
	for (unsigned i = 0; i < u->nr_devices; i++)
		if (u->devices[i] == bdf)
			return true;
	return false;
}
