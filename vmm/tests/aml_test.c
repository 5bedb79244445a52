/*
 * Host unit tests of the DSDT's AML (vmm/dev/aml.c): EISA IDs as ACPI
 * encodes them, and the definition block walked as an AML parser would:
 * \_S5, then Scope (\_SB) whose PkgLength spans the rest, with the serial
 * port's and the RTC's devices, each with its _HID and its I/O and IRQ
 * resources. Part of dev_test (dev_test.c calls aml_tests()).
 */
#include <stdio.h>
#include <string.h>

#include "vmm.h"

int aml_tests(void);

static int failed;

static void verdict(bool ok, const char *id, const char *text)
{
	printf("%s vmm-dev.%s %s\n", ok ? "PASS" : "FAIL", id, text);
	failed += !ok;
}

/* A PkgLength at p (20.2.4): the value, and its own size in *n. */
static unsigned pkg_length(const u8 *p, unsigned *n)
{
	unsigned extra = p[0] >> 6, len = p[0] & (extra ? 0x0f : 0x3f);

	for (unsigned i = 0; i < extra; i++)
		len |= (unsigned)p[1 + i] << (4 + 8 * i);
	*n = 1 + extra;
	return len;
}

static u32 le32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

struct dev {
	char name[5];
	u32 hid;
	unsigned port, count, irq_mask;
};

/* Device (...) at p (after 5B 82); its PkgLength in *len. */
static bool parse_device(const u8 *p, unsigned *len, struct dev *d)
{
	unsigned n, end = pkg_length(p, &n);
	const u8 *b = p + n, *stop = p + end;

	*len = end;
	memcpy(d->name, b, 4);
	d->name[4] = 0;
	for (b += 4; b < stop;) {
		if (b[0] != 0x08)
			return false;
		if (!memcmp(b + 1, "_HID", 4) && b[5] == 0x0c) {
			d->hid = le32(b + 6);
			b += 10;
		} else if (!memcmp(b + 1, "_UID", 4) && b[5] == 0x0a) {
			b += 7;
		} else if (!memcmp(b + 1, "_CRS", 4) && b[5] == 0x11) {
			unsigned blen = pkg_length(b + 6, &n);
			const u8 *r = b + 6 + n + 2; /* after 0A size */

			if (r[0] != 0x47 || r[8] != 0x22 || r[11] != 0x79)
				return false;
			d->port = r[2] | r[3] << 8;
			d->count = r[7];
			d->irq_mask = r[9] | r[10] << 8;
			b += 6 + blen;
		} else {
			return false;
		}
	}
	return b == stop;
}

static void t_eisa_id(void)
{
	u32 rtc = aml_eisa_id("PNP0B00"), com = aml_eisa_id("PNP0501"),
	    host = aml_eisa_id("PNP0A03");

	verdict(rtc == 0x000bd041 && com == 0x0105d041 && host == 0x030ad041,
		"aml_eisa_id",
		"EisaId (\"PNP0B00\") is 41 d0 0b 00, as iasl encodes it");
	if (rtc != 0x000bd041 || com != 0x0105d041 || host != 0x030ad041)
		printf("  got %08x %08x %08x\n", rtc, com, host);
}

static void t_dsdt(void)
{
	static const u8 s5[] = { 0x08, '_',  'S',  '5',	 '_',  0x12, 0x08,
				 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
	u8 buf[512];
	unsigned len = dsdt_aml(buf, sizeof(buf), 5), n, scope, at, dlen;
	struct dev d[2] = { 0 };
	bool ok = len > sizeof(s5) && !memcmp(buf, s5, sizeof(s5)) &&
		  buf[sizeof(s5)] == 0x10;

	at = sizeof(s5) + 1;
	scope = ok ? pkg_length(buf + at, &n) : 0;
	ok = ok && n == 2 && at + scope == len && buf[at + n] == '\\' &&
	     !memcmp(buf + at + n + 1, "_SB_", 4);
	at += n + 5;
	for (unsigned i = 0; ok && i < 2; i++) {
		ok = buf[at] == 0x5b && buf[at + 1] == 0x82 &&
		     parse_device(buf + at + 2, &dlen, &d[i]);
		at += 2 + dlen;
	}
	ok = ok && at == len && !strcmp(d[0].name, "COM1") &&
	     d[0].hid == aml_eisa_id("PNP0501") && d[0].port == 0x3f8 &&
	     d[0].count == 8 && d[0].irq_mask == 1 << 4 &&
	     !strcmp(d[1].name, "RTC_") && d[1].hid == aml_eisa_id("PNP0B00") &&
	     d[1].port == 0x70 && d[1].count == 8 && d[1].irq_mask == 1 << 8;
	verdict(ok && dsdt_aml(buf, 40, 5) == 0, "aml_dsdt",
		"the DSDT parses: \\_S5, Scope (\\_SB) with a two-byte "
		"PkgLength, COM1 (0x3f8, IRQ 4) and RTC (0x70-0x77, IRQ 8); "
		"too small a buffer is refused");
}

int aml_tests(void)
{
	t_eisa_id();
	t_dsdt();
	return failed;
}
