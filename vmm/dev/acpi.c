/*
 * ACPI, as much as a guest needs to power itself off and to find its
 * legacy devices (ACPI 6.4, chapters 4, 5 and 6): an RSDP in the BIOS
 * area, an RSDT naming one FADT (revision 3, as QEMU's q35 has), the
 * FACS and the DSDT, and the fixed registers the FADT names:
 *
 *   0x600  PM1a_STS (2 bytes, write 1 to clear)  PM1a_EN (2 bytes)
 *   0x604  PM1a_CNT (2 bytes): SCI_EN reads 1, SLP_TYP/SLP_EN
 *   0x608  PM_TMR (4 bytes): 24 bits at 3.579545 MHz, from the TSC
 *
 * The FADT also names the RTC's century register (0x32, rtc.c), so Linux
 * keeps years past 2069 in the clock, and the reset register (0xcf9,
 * board.c). The DSDT holds \_S5 = {5, 5, 0, 0}, so Linux finds the
 * soft-off state and installs acpi_power_off(), which writes SLP_TYP 5
 * with SLP_EN to PM1a_CNT: that ends the VM. SMI_CMD is 0, so ACPI mode
 * is always on; the SCI (IRQ 9) never fires. Under \_SB it describes the
 * RTC (PNP0B00: ports 0x70-0x77, IRQ 8) and the serial port (PNP0501:
 * 0x3f8-0x3ff, IRQ 4) as QEMU's DSDT does, so Linux's PNP drivers bind
 * them as natively (rtc_cmos then offers 242 bytes of NVRAM; as on QEMU,
 * the upper bank's ports 0x72-0x73 decode nothing and read as ones).
 *
 * Nothing else is described: no MADT (the guest uses the 8259 and 8254,
 * and CPUID hides the local APIC), no GPE blocks. Neither is the PCI host
 * bridge, so the VM's command line has pci=noacpi and Linux scans
 * configuration space itself (dev/pci.c), as it did with acpi=off.
 */
#include "vmm.h"

#define ACPI_TABLES 0xe0000 /* guest-physical; e820-reserved (loader.c) */
#define RSDP ACPI_TABLES
#define RSDT (ACPI_TABLES + 0x40)
#define FACS (ACPI_TABLES + 0x80) /* 64-byte aligned */
#define FADT (ACPI_TABLES + 0xc0)
#define FADT_LEN 244 /* revision 3 */
#define DSDT (ACPI_TABLES + 0x200)
#define DSDT_MAX 0x200

#define PM_BASE 0x600
#define PM1_STS (PM_BASE + 0)
#define PM1_EN (PM_BASE + 2)
#define PM1_CNT (PM_BASE + 4)
#define PM_TMR (PM_BASE + 8)
#define PM1_CNT_SCI_EN 0x0001
#define PM1_CNT_SLP_EN 0x2000
#define SLP_TYP_S5 5
#define PM_TMR_HZ 3579545

#define FADT_WBINVD (1u << 0)
#define FADT_PROC_C1 (1u << 2)
#define FADT_PWR_BUTTON (1u << 4) /* none as a fixed feature */
#define FADT_SLP_BUTTON (1u << 5)
#define FADT_RESET_REG_SUP (1u << 10)
/*
 * ISA devices: PIC, PIT, RTC, UART. Not ACPI_FADT_8042, which QEMU sets:
 * board.c has only the keyboard controller's reset pulse, no i8042 for a
 * driver to probe.
 */
#define BOOT_ARCH_LEGACY (1u << 0)
#define RTC_CENTURY 0x32
#define RESET_PORT 0xcf9
#define RESET_VALUE 6 /* board.c: bit 2 resets */

static u16 pm1_sts, pm1_en, pm1_cnt = PM1_CNT_SCI_EN;

static void set(u8 *t, unsigned off, unsigned size, u64 val)
{
	memcpy(t + off, &val, size);
}

/* A generic address structure (5.2.3.2) for an I/O port block. */
static void set_gas_io(u8 *t, unsigned off, unsigned bytes, u64 port)
{
	set(t, off, 1, 1);			    /* system I/O space */
	set(t, off + 1, 1, bytes * 8);		    /* register bit width */
	set(t, off + 3, 1, bytes >= 4 ? 3 : bytes); /* access size */
	set(t, off + 4, 8, port);
}

static u8 checksum(const u8 *p, unsigned n)
{
	u8 sum = 0;

	while (n--)
		sum += *p++;
	return (u8)-sum;
}

/* A system description table header (5.2.6) of length len at gpa. */
static u8 *table(u64 gpa, const char *sig, unsigned len, unsigned rev)
{
	u8 *t = gpa_ptr(gpa);

	memset(t, 0, len);
	memcpy(t, sig, 4);
	set(t, 4, 4, len);
	set(t, 8, 1, rev);
	memcpy(t + 10, "DDVM  ", 6);   /* OEM ID */
	memcpy(t + 16, "DDVMVMM ", 8); /* OEM table ID */
	set(t, 24, 4, 1);	       /* OEM revision */
	memcpy(t + 28, "DDVM", 4);     /* creator ID */
	set(t, 32, 4, 1);	       /* creator revision */
	return t;
}

static void seal(u8 *t)
{
	u32 len;

	memcpy(&len, t + 4, 4);
	t[9] = checksum(t, len);
}

static void fadt_build(void)
{
	u8 *t = table(FADT, "FACP", FADT_LEN, 3);

	set(t, 36, 4, FACS);
	set(t, 40, 4, DSDT);
	set(t, 46, 2, 9);	/* SCI_INT */
	set(t, 56, 4, PM1_STS); /* PM1a_EVT_BLK */
	set(t, 64, 4, PM1_CNT); /* PM1a_CNT_BLK */
	set(t, 76, 4, PM_TMR);	/* PM_TMR_BLK */
	set(t, 88, 1, 4);	/* PM1_EVT_LEN */
	set(t, 89, 1, 2);	/* PM1_CNT_LEN */
	set(t, 91, 1, 4);	/* PM_TMR_LEN */
	set(t, 96, 2, 101);	/* P_LVL2_LAT: no C2 */
	set(t, 98, 2, 1001);	/* P_LVL3_LAT: no C3 */
	set(t, 108, 1, RTC_CENTURY);
	set(t, 109, 2, BOOT_ARCH_LEGACY);
	set(t, 112, 4,
	    FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
		    FADT_RESET_REG_SUP);
	set_gas_io(t, 116, 1, RESET_PORT);
	set(t, 128, 1, RESET_VALUE);
	set(t, 140, 8, DSDT); /* X_DSDT (X_FIRMWARE_CTRL 0: the FACS once) */
	set_gas_io(t, 148, 4, PM1_STS); /* X_PM1a_EVT_BLK */
	set_gas_io(t, 172, 2, PM1_CNT); /* X_PM1a_CNT_BLK */
	set_gas_io(t, 208, 4, PM_TMR);	/* X_PM_TMR_BLK */
	seal(t);
}

/* Write the tables into guest memory; the RSDP's guest-physical address. */
u64 acpi_build(void)
{
	u8 *rsdp = gpa_ptr(RSDP), *t, aml[DSDT_MAX - 36];
	unsigned aml_len;

	memset(rsdp, 0, 20);
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "DDVM  ", 6); /* OEM ID; revision 0: ACPI 1.0 */
	set(rsdp, 16, 4, RSDT);
	rsdp[8] = checksum(rsdp, 20);

	t = table(RSDT, "RSDT", 36 + 4, 1);
	set(t, 36, 4, FADT);
	seal(t);

	t = gpa_ptr(FACS);
	memset(t, 0, 64);
	memcpy(t, "FACS", 4);
	set(t, 4, 4, 64);

	fadt_build();

	aml_len = dsdt_aml(aml, sizeof(aml), SLP_TYP_S5);
	if (!aml_len)
		vmm_fatal("the DSDT does not fit in %u bytes", DSDT_MAX);
	t = table(DSDT, "DSDT", 36 + aml_len, 2);
	memcpy(t + 36, aml, aml_len);
	seal(t);
	return RSDP;
}

/* TSC ticks in PM timer ticks, without a 128-bit division. */
static u32 pm_timer(void)
{
	u64 tsc = rdtsc(), hz = tsc_hz();

	return (u32)((tsc / hz) * PM_TMR_HZ + (tsc % hz) * PM_TMR_HZ / hz) &
	       0xffffff;
}

static u32 pm_read(u16 port, unsigned size)
{
	u32 val = 0;

	if (port >= PM_TMR && port < PM_TMR + 4)
		val = pm_timer() >> (port - PM_TMR) * 8;
	else if (port == PM1_STS || port == PM1_STS + 1)
		val = (u32)(pm1_sts | pm1_en << 16) >> (port - PM1_STS) * 8;
	else if (port == PM1_EN || port == PM1_EN + 1)
		val = pm1_en >> (port - PM1_EN) * 8;
	else if (port == PM1_CNT || port == PM1_CNT + 1)
		val = pm1_cnt >> (port - PM1_CNT) * 8;
	return size == 4 ? val : val & ((1u << size * 8) - 1);
}

static void pm_write(u16 port, unsigned size, u32 val)
{
	u16 v = (u16)val;

	if (port == PM1_STS && size >= 2) {
		pm1_sts &= ~v; /* write 1 to clear */
		if (size == 4)
			pm1_en = (u16)(val >> 16);
	} else if (port == PM1_EN && size >= 2) {
		pm1_en = v;
	} else if (port == PM1_CNT && size >= 2) {
		pm1_cnt = (v & ~PM1_CNT_SLP_EN) | PM1_CNT_SCI_EN;
		if ((v & PM1_CNT_SLP_EN) && ((v >> 10) & 7) == SLP_TYP_S5)
			vmm_stop(0, "the guest powered off (ACPI S5)");
	}
	/* byte writes and the timer: ignored */
}

static const struct ioport_handler pm = { PM_BASE, 12, pm_read, pm_write };

void acpi_init(void)
{
	ioport_register(&pm);
}
