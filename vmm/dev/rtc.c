/*
 * The MC146818 CMOS clock at 0x70/0x71 (Motorola MC146818A data sheet),
 * in BCD and 24-hour mode. The time starts from the real CMOS clock,
 * read once through ports the root task grants (its policy gives every
 * task 0x70-0x71 on request), and advances with the TSC; without the
 * grant it starts at 2026-01-01 00:00:00. No update or alarm interrupts.
 */
#include "vmm.h"
#include <layout.h>

static u8 index;
static u8 cmos[128];
static u64 start_tsc, start_seconds;

static u8 bcd(unsigned v)
{
	return (v / 10) << 4 | v % 10;
}

static unsigned from_bcd(u8 v)
{
	return (v >> 4) * 10 + (v & 15);
}

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100) || y % 400 == 0;
}

static const u8 month_days[12] = { 31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31 };

/* Seconds since 2000-01-01 <-> the CMOS date fields. */
static u64 to_seconds(unsigned y, unsigned mo, unsigned d, unsigned h,
		      unsigned mi, unsigned s)
{
	u64 days = 0;

	for (unsigned i = 2000; i < y; i++)
		days += leap(i) ? 366 : 365;
	for (unsigned i = 1; i < mo; i++)
		days += month_days[i - 1] + (i == 2 && leap(y));
	days += d - 1;
	return ((days * 24 + h) * 60 + mi) * 60 + s;
}

static void set_time(u64 t)
{
	u64 days = t / 86400;
	unsigned y = 2000, mo = 1;

	cmos[0] = bcd(t % 60);
	cmos[2] = bcd(t / 60 % 60);
	cmos[4] = bcd(t / 3600 % 24);
	cmos[6] = bcd((days + 6) % 7 + 1); /* 2000-01-01 was a Saturday */
	while (days >= (leap(y) ? 366u : 365u))
		days -= leap(y++) ? 366 : 365;
	for (;;) {
		u64 n = month_days[mo - 1] + (mo == 2 && leap(y));

		if (days < n)
			break;
		days -= n;
		mo++;
	}
	cmos[7] = bcd(days + 1);
	cmos[8] = bcd(mo);
	cmos[9] = bcd(y % 100);
	cmos[0x32] = bcd(y / 100);
}

static u8 real_cmos(u8 reg)
{
	u8 v;

	asm volatile("outb %0, $0x70" : : "a"(reg));
	asm volatile("inb $0x71, %0" : "=a"(v));
	return v;
}

static void read_real_clock(void)
{
	struct ipc_msg m = { .tag = TAG_MAKE(REQ_IOPORT, 0), .w = { 0x70, 2 } };
	unsigned y;

	start_seconds = to_seconds(2026, 1, 1, 0, 0, 0);
	if (ipc_call(SLOT_PARENT, &m, TIMEOUT_NEVER) || m.w[0])
		return;
	while (real_cmos(0x0a) & 0x80) /* update in progress */
		;
	y = 2000 + from_bcd(real_cmos(9));
	start_seconds =
		to_seconds(y, from_bcd(real_cmos(8)), from_bcd(real_cmos(7)),
			   from_bcd(real_cmos(4)), from_bcd(real_cmos(2)),
			   from_bcd(real_cmos(0)));
}

static u32 rtc_read(u16 port, unsigned size)
{
	(void)size;
	if (port == 0x70)
		return index;
	if (index <= 9 || index == 0x32)
		set_time(start_seconds + (rdtsc() - start_tsc) / tsc_hz());
	return cmos[index & 0x7f];
}

static void rtc_write(u16 port, unsigned size, u32 val)
{
	(void)size;
	if (port == 0x70)
		index = val & 0x7f;
	else if (index >= 0x0e)
		cmos[index] = val; /* NVRAM; the clock itself is ours */
}

static const struct ioport_handler rtc_ports = { 0x70, 2, rtc_read, rtc_write };

void rtc_init(void)
{
	start_tsc = rdtsc();
	read_real_clock();
	cmos[0x0a] = 0x26; /* 32.768 kHz base, no update in progress */
	cmos[0x0b] = 0x02; /* 24 hours, BCD, no interrupts */
	cmos[0x0d] = 0x80; /* valid RAM and time */
	ioport_register(&rtc_ports);
}
