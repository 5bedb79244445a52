/*
 * Finding ACPI tables: the RSDP in the first KiB of the EBDA or in the
 * BIOS area 0xe0000-0xfffff (ACPI 6.5, 5.2.5.1), then the XSDT (or, for
 * ACPI 1.0 firmware, the RSDT) it points to. Tables lie in firmware-
 * reserved RAM below 4 GiB, so the direct map reaches them. Only the
 * IOMMU driver uses this.
 */
#include <lib.h>
#include <arch/acpi.h>
#include <arch/layout.h>

struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	u8 checksum;
	char oem_id[6];
	u8 revision; /* 0: ACPI 1.0, RSDT only */
	u32 rsdt;
	u32 length; /* revision >= 2 from here on */
	u64 xsdt;
	u8 extended_checksum, reserved[3];
} __attribute__((packed));

static bool checksum_ok(const void *p, u64 len)
{
	const u8 *b = p;
	u8 sum = 0;

	for (u64 i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

static const struct acpi_rsdp *rsdp_scan(u64 start, u64 len)
{
	for (u64 p = start; p + sizeof(struct acpi_rsdp) <= start + len;
	     p += 16) {
		const struct acpi_rsdp *r = phys_to_virt(p);

		if (!memcmp(r->signature, "RSD PTR ", 8) && checksum_ok(r, 20))
			return r;
	}
	return NULL;
}

static const struct acpi_rsdp *rsdp_find(void)
{
	u64 ebda = (u64) * (const u16 *)phys_to_virt(0x40e) << 4;
	const struct acpi_rsdp *r = NULL;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		r = rsdp_scan(ebda, 1024);
	return r ? r : rsdp_scan(0xe0000, 0x20000);
}

/* A table header at phys, if it lies in the direct map and sums to 0. */
static const struct acpi_header *table_at(u64 phys)
{
	const struct acpi_header *h;

	if (!phys || phys + sizeof(*h) > DIRECT_MAP_SIZE)
		return NULL;
	h = phys_to_virt(phys);
	if (h->length < sizeof(*h) || phys + h->length > DIRECT_MAP_SIZE ||
	    !checksum_ok(h, h->length))
		return NULL;
	return h;
}

const struct acpi_header *acpi_find_table(const char *signature)
{
	const struct acpi_rsdp *r = rsdp_find();
	const struct acpi_header *sdt;
	unsigned entry;

	if (!r)
		return NULL;
	if (r->revision >= 2 && r->xsdt) {
		sdt = table_at(r->xsdt);
		entry = 8;
	} else {
		sdt = table_at(r->rsdt);
		entry = 4;
	}
	if (!sdt)
		return NULL;
	for (u64 off = sizeof(*sdt); off + entry <= sdt->length; off += entry) {
		const u8 *e = (const u8 *)sdt + off;
		u64 phys = entry == 8 ? *(const u64 *)e : *(const u32 *)e;
		const struct acpi_header *h = table_at(phys);

		if (h && !memcmp(h->signature, signature, 4))
			return h;
	}
	return NULL;
}
