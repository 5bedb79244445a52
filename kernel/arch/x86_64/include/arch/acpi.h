/*
 * ACPI table lookup (acpi.c): the kernel reads the tables the firmware
 * left in memory, only to find hardware it must own (the DMAR table's
 * remapping units).
 */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include <types.h>

/* The system description table header (ACPI 6.5, 5.2.6). */
struct acpi_header {
	char signature[4];
	u32 length;
	u8 revision, checksum;
	char oem_id[6], oem_table_id[8];
	u32 oem_revision, creator_id, creator_revision;
} __attribute__((packed));

/* The table with this signature (checksum valid), or NULL. */
const struct acpi_header *acpi_find_table(const char *signature);

#endif
