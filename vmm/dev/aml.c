/*
 * The DSDT's definition block in AML (ACPI 6.4, chapter 20), written out
 * by hand: the few encodings it needs are below. acpi.c wraps it in the
 * table header.
 *
 *   Name (_S5, Package (4) { 5, 5, 0, 0 })     soft off: SLP_TYPa/b
 *   Scope (\_SB) {
 *     Device (COM1) { Name (_HID, EisaId ("PNP0501")) Name (_UID, 1)
 *                    Name (_CRS, ResourceTemplate () {
 *                      IO (Decode16, 0x3f8, 0x3f8, 1, 8) IRQNoFlags () {4} }) }
 *     Device (RTC) { Name (_HID, EisaId ("PNP0B00"))
 *                    Name (_CRS, ResourceTemplate () {
 *                      IO (Decode16, 0x70, 0x70, 1, 8) IRQNoFlags () {8} }) }
 *   }
 *
 * A package's PkgLength (20.2.4) counts its own bytes, one to four: the
 * builder reserves one and moves the body up when it needs two.
 */
#include "vmm.h"

#define NAME_OP 0x08
#define BYTE_PREFIX 0x0a
#define DWORD_PREFIX 0x0c
#define SCOPE_OP 0x10
#define BUFFER_OP 0x11
#define PACKAGE_OP 0x12
#define EXT_OP 0x5b
#define DEVICE_OP 0x82 /* after EXT_OP */
#define ROOT_CHAR '\\'

#define RES_IO 0x47 /* small resource: I/O port, 7 bytes follow */
#define RES_IO_DECODE16 1
#define RES_IRQ 0x22 /* IRQ mask, 2 bytes follow */
#define RES_END 0x79 /* end tag; checksum 0: "treat as valid" */

struct aml {
	u8 *p;
	unsigned n, max;
	bool overflow;
};

static void emit(struct aml *a, unsigned n, const u8 *bytes)
{
	if (a->n + n > a->max) {
		a->overflow = true;
		return;
	}
	for (unsigned i = 0; i < n; i++)
		a->p[a->n + i] = bytes[i];
	a->n += n;
}

static void byte(struct aml *a, u8 b)
{
	emit(a, 1, &b);
}

static void dword(struct aml *a, u32 v)
{
	u8 b[4] = { (u8)v, (u8)(v >> 8), (u8)(v >> 16), (u8)(v >> 24) };

	emit(a, 4, b);
}

static void name_seg(struct aml *a, const char *seg)
{
	emit(a, 4, (const u8 *)seg);
}

/* Start a package body: its PkgLength byte, filled in by pkg_close(). */
static unsigned pkg_open(struct aml *a)
{
	byte(a, 0);
	return a->n - 1;
}

/* PkgLength at `at` for the bytes up to here: one byte, or two. */
static void pkg_close(struct aml *a, unsigned at)
{
	unsigned len = a->n - at;

	if (a->overflow)
		return;
	if (len < 0x40) {
		a->p[at] = (u8)len;
		return;
	}
	len++; /* one more byte of PkgLength: the body moves up by one */
	if (len >= 0x1000 || a->n + 1 > a->max) {
		a->overflow = true;
		return;
	}
	for (unsigned i = a->n; i-- > at + 1;)
		a->p[i + 1] = a->p[i];
	a->n++;
	a->p[at] = (u8)(0x40 | (len & 0xf));
	a->p[at + 1] = (u8)(len >> 4);
}

/*
 * EisaId ("PNP0B00"): three letters of five bits each (A = 1) and four
 * hex digits, stored most significant byte first.
 */
u32 aml_eisa_id(const char *id)
{
	u32 v = 0;

	for (unsigned i = 0; i < 3; i++)
		v = v << 5 | ((u32)(id[i] - 'A' + 1) & 0x1f);
	for (unsigned i = 3; i < 7; i++) {
		char c = id[i];

		v = v << 4 | (u32)(c <= '9' ? c - '0' : c - 'A' + 10);
	}
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) |
	       (v << 24);
}

static void name_dword(struct aml *a, const char *name, u32 v)
{
	byte(a, NAME_OP);
	name_seg(a, name);
	byte(a, DWORD_PREFIX);
	dword(a, v);
}

static void name_byte(struct aml *a, const char *name, u8 v)
{
	byte(a, NAME_OP);
	name_seg(a, name);
	byte(a, BYTE_PREFIX);
	byte(a, v);
}

/* Name (_CRS, ResourceTemplate () { IO (Decode16, port, port, 1, n)
 * IRQNoFlags () { irq } }) */
static void crs_io_irq(struct aml *a, u16 port, u8 count, unsigned irq)
{
	const u8 res[] = { RES_IO,
			   RES_IO_DECODE16,
			   (u8)port,
			   (u8)(port >> 8),
			   (u8)port,
			   (u8)(port >> 8),
			   1,
			   count,
			   RES_IRQ,
			   (u8)(1u << irq),
			   (u8)((1u << irq) >> 8),
			   RES_END,
			   0 };
	unsigned at;

	byte(a, NAME_OP);
	name_seg(a, "_CRS");
	byte(a, BUFFER_OP);
	at = pkg_open(a);
	byte(a, BYTE_PREFIX);
	byte(a, sizeof(res));
	emit(a, sizeof(res), res);
	pkg_close(a, at);
}

static void device(struct aml *a, const char *name, const char *hid, int uid,
		   u16 port, u8 count, unsigned irq)
{
	unsigned at;

	byte(a, EXT_OP);
	byte(a, DEVICE_OP);
	at = pkg_open(a);
	name_seg(a, name);
	name_dword(a, "_HID", aml_eisa_id(hid));
	if (uid >= 0)
		name_byte(a, "_UID", (u8)uid);
	crs_io_irq(a, port, count, irq);
	pkg_close(a, at);
}

/*
 * The definition block into out (max bytes), with s5_type the SLP_TYP
 * that PM1_CNT takes for soft off (acpi.c); its length, 0 if too long.
 */
unsigned dsdt_aml(u8 *out, unsigned max, u8 s5_type)
{
	struct aml a = { .p = out, .max = max };
	unsigned at;

	byte(&a, NAME_OP);
	name_seg(&a, "_S5_");
	byte(&a, PACKAGE_OP);
	at = pkg_open(&a);
	byte(&a, 4); /* elements */
	byte(&a, BYTE_PREFIX);
	byte(&a, s5_type); /* SLP_TYPa */
	byte(&a, BYTE_PREFIX);
	byte(&a, s5_type); /* SLP_TYPb */
	byte(&a, 0);	   /* Zero, Zero: reserved */
	byte(&a, 0);
	pkg_close(&a, at);

	byte(&a, SCOPE_OP);
	at = pkg_open(&a);
	byte(&a, ROOT_CHAR);
	name_seg(&a, "_SB_");
	device(&a, "COM1", "PNP0501", 1, 0x3f8, 8, 4);
	device(&a, "RTC_", "PNP0B00", -1, 0x70, 8, 8);
	pkg_close(&a, at);
	return a.overflow ? 0 : a.n;
}
