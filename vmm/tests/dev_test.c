/*
 * Host unit tests of the VMM's MC146818 model (vmm/dev/rtc.c), and of
 * the DSDT's AML (vmm/dev/aml.c, in aml_test.c), built
 * against the stand-in vmm.h in vmm/tests/host: the test owns the TSC
 * (1 GHz), records IRQ 8 and the deadline the model arms, and drives
 * ports 0x70/0x71 as a guest would. It covers what Linux's rtc-cmos
 * does not: binary and 12-hour fields, "don't care" alarms, periodic
 * rates, the divider reset and the update-in-progress window.
 * One "PASS"/"FAIL" line per test.
 */
#include <stdarg.h>
#include <stdio.h>

#include "vmm.h"

void rtc_init(void);
void rtc_poll(u64 now);

#define HZ 1000000000ull

u64 test_tsc = 5 * HZ;
static const struct ioport_handler *ports;
static unsigned irqs;
static u64 deadline;
static int failed;

u64 tsc_hz(void)
{
	return HZ;
}

void timer_set(enum timer_source src, u64 d)
{
	if (src == TIMER_RTC)
		deadline = d;
}

void pic_raise(unsigned irq)
{
	if (irq == 8)
		irqs++;
}

void ioport_register(const struct ioport_handler *h)
{
	ports = h;
}

static u8 rd(u8 reg)
{
	ports->write(0x70, 1, reg);
	return ports->read(0x71, 1);
}

static void wr(u8 reg, u8 val)
{
	ports->write(0x70, 1, reg);
	ports->write(0x71, 1, val);
}

/* Advance the TSC to t; let the vCPU timer fire if it was due. */
static void run_to(u64 t)
{
	test_tsc = t;
	if (deadline && deadline <= t)
		rtc_poll(t);
}

static bool ok = true;

static void expect(bool cond, const char *fmt, ...)
{
	va_list ap;

	if (cond || !ok)
		return;
	ok = false;
	printf("  ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void verdict(const char *id, const char *text)
{
	printf("%s vmm-dev.%s %s\n", ok ? "PASS" : "FAIL", id, text);
	failed += !ok;
	ok = true;
}

/* Fields as one number, hhmmss or yymmdd, read in BCD. */
static unsigned clock_of(void)
{
	return rd(4) << 16 | rd(2) << 8 | rd(0);
}

static unsigned date_of(void)
{
	return rd(9) << 16 | rd(8) << 8 | rd(7);
}

static void set_time(u8 b, u8 y, u8 mo, u8 d, u8 h, u8 mi, u8 s)
{
	wr(0x0b, b | 0x80);
	wr(0x32, b & 0x04 ? 20 : 0x20);
	wr(9, y);
	wr(8, mo);
	wr(7, d);
	wr(4, h);
	wr(2, mi);
	wr(0, s);
	wr(0x0b, b);
}

static void t_start(void)
{
	expect(date_of() == 0x260101 && clock_of() == 0 && rd(0x32) == 0x20,
	       "start %06x %06x", date_of(), clock_of());
	expect(rd(6) == 5, "2026-01-01 a Thursday (5), not %u", rd(6));
	expect(rd(0x0a) == 0x26 && rd(0x0b) == 0x02 && rd(0x0d) == 0x80,
	       "registers A-D %02x %02x %02x", rd(0x0a), rd(0x0b), rd(0x0d));
	run_to(test_tsc + 3661 * HZ);
	expect(clock_of() == 0x010101, "3661 s later %06x", clock_of());
	verdict("rtc_start",
		"starts at 2026-01-01 in BCD, 24 hours, and counts");
}

static void t_set(void)
{
	set_time(0x02, 0x31, 0x06, 0x30, 0x23, 0x59, 0x58);
	expect(clock_of() == 0x235958, "set, reads %06x", clock_of());
	run_to(test_tsc + HZ - 1);
	expect(clock_of() == 0x235958, "a second not yet over");
	run_to(test_tsc + HZ + 1);
	expect(date_of() == 0x310701 && clock_of() == 0,
	       "midnight is %06x %06x", date_of(), clock_of());
	expect(rd(6) == 3, "2031-07-01 a Tuesday (3), not %u", rd(6));
	wr(7, 0x29); /* one field, while it runs */
	expect(date_of() == 0x310729, "day set alone: %06x", date_of());
	verdict("rtc_set", "SET stops it; fields carry across days and months");
}

static void t_modes(void)
{
	/* binary, 12 hours: 11:59:59 PM on 2028-02-28 */
	set_time(0x04, 28, 2, 28, 0x80 | 11, 59, 59);
	run_to(test_tsc + HZ);
	expect(rd(4) == 12 && rd(2) == 0 && rd(8) == 2 && rd(7) == 29,
	       "binary 12-hour midnight: hour %02x, %u-%u", rd(4), rd(8),
	       rd(7));
	run_to(test_tsc + 13 * 3600 * HZ);
	expect(rd(4) == (0x80 | 1), "1 PM reads %02x", rd(4));
	set_time(0x02, 0x28, 0x02, 0x29, 0x13, 0x00, 0x00);
	verdict("rtc_modes", "binary and 12-hour fields; 2028 is a leap year");
}

static void t_uip(void)
{
	u64 second = test_tsc; /* set_time: a second begins now */

	set_time(0x02, 0x26, 0x03, 0x01, 0x10, 0x00, 0x00);
	for (int i = 0; i < 2; i++) {
		u8 s = rd(0);

		run_to(second + HZ - 300000); /* 300 us before the update */
		expect(!(rd(0x0a) & 0x80), "UIP 300 us before the update");
		run_to(second + HZ - 1000);
		expect(rd(0x0a) & 0x80, "no UIP 1 us before the update");
		expect(rd(0) == s, "the update came early");
		run_to(second + HZ + 1);
		expect(!(rd(0x0a) & 0x80), "UIP after the update");
		second += HZ;
	}
	verdict("rtc_uip", "update in progress in the last 244 us of a second");
}

static void t_update_irq(void)
{
	u64 next;

	rd(0x0c);
	irqs = 0;
	wr(0x0b, 0x02 | 0x10);
	next = deadline;
	expect(next > test_tsc && next <= test_tsc + HZ, "UIE arms %llu",
	       (unsigned long long)(next - test_tsc));
	run_to(next - 1);
	expect(irqs == 0, "interrupt before the update");
	run_to(next);
	expect(irqs == 1 && !deadline, "update: %u irqs, deadline %llu", irqs,
	       (unsigned long long)deadline);
	run_to(next + 3 * HZ); /* not read: the line stays up, no more */
	expect(irqs == 1, "%u interrupts while register C was not read", irqs);
	/* PF (0x40) comes at register A's rate whether enabled or not */
	expect((rd(0x0c) & ~0x40) == 0x90 && rd(0x0c) == 0,
	       "register C read-clear");
	expect(deadline == next + 4 * HZ, "rearmed for the next second");
	wr(0x0b, 0x02);
	expect(!deadline, "UIE off still armed");
	verdict("rtc_update_irq", "UIE: one interrupt a second, C clears IRQF");
}

static void t_alarm(void)
{
	set_time(0x02, 0x26, 0x03, 0x01, 0x10, 0x00, 0x05);
	rd(0x0c);
	wr(1, 0x30);
	wr(3, 0xff);
	wr(5, 0xc0); /* at :30 of any minute of any hour */
	irqs = 0;
	wr(0x0b, 0x02 | 0x20);
	run_to(deadline - 1);
	expect(irqs == 0 && rd(0) == 0x29, "alarm early: %02x", rd(0));
	run_to(deadline);
	expect(irqs == 1 && rd(0) == 0x30, "alarm: %u irqs at %02x", irqs,
	       rd(0));
	expect((rd(0x0c) & ~0x40) == 0xb0, "register C at the alarm");
	run_to(deadline);
	expect(rd(2) == 0x01 && rd(0) == 0x30, "next alarm a minute on");
	rd(0x0c);
	wr(1, 0x60); /* no second is 60: never */
	expect(!deadline, "an alarm no time meets is armed");
	wr(0x0b, 0x02);
	wr(1, 0x15);
	run_to(test_tsc + 60 * HZ); /* AF set while AIE is off... */
	irqs = 0;
	wr(0x0b, 0x02 | 0x20); /* ...interrupts as soon as it is enabled */
	expect(irqs == 1 && (rd(0x0c) & 0xa0) == 0xa0, "late enable: %u", irqs);
	wr(0x0b, 0x02);
	verdict("rtc_alarm",
		"AIE with don't-care fields; a set flag interrupts "
		"when enabled");
}

static void t_periodic(void)
{
	rd(0x0c);
	wr(0x0b, 0x02 | 0x40);
	expect(deadline > test_tsc && deadline <= test_tsc + HZ / 1024,
	       "1024 Hz: %llu", (unsigned long long)(deadline - test_tsc));
	wr(0x0a, 0x2f);
	expect(deadline == test_tsc + HZ / 2, "2 Hz: %llu",
	       (unsigned long long)(deadline - test_tsc));
	irqs = 0;
	run_to(deadline);
	expect(irqs == 1 && (rd(0x0c) & 0xc0) == 0xc0, "periodic flag");
	wr(0x0a, 0x20);
	expect(!deadline, "rate 0 still armed");
	wr(0x0b, 0x02);
	wr(0x0a, 0x26);
	verdict("rtc_periodic", "PIE at register A's rate");
}

static void t_divider(void)
{
	unsigned t = 0x100000;
	u64 resume;

	set_time(0x02, 0x26, 0x03, 0x01, 0x10, 0x00, 0x00);
	wr(0x0a, 0x76); /* divider in reset */
	run_to(test_tsc + 5 * HZ);
	expect(clock_of() == t, "counted in reset: %06x", clock_of());
	wr(0x0a, 0x26);
	resume = test_tsc;
	run_to(resume + HZ / 2 - 1);
	expect(clock_of() == t, "update before 0.5 s");
	run_to(resume + HZ / 2);
	expect(clock_of() == t + 1, "no update at 0.5 s: %06x", clock_of());
	verdict("rtc_divider",
		"divider reset holds the clock; 0.5 s to resume");
}

int aml_tests(void);

/* 0x72-0x77: described with the RTC, but no upper bank behind them */
static void t_upper_bank(void)
{
	ports->write(0x72, 1, 0x90);
	ports->write(0x73, 1, 0x5a);
	ports->write(0x72, 1, 0x90);
	expect(ports->read(0x73, 1) == 0xff && ports->read(0x72, 1) == 0xff,
	       "upper bank read %02x", ports->read(0x73, 1));
	expect(rd(0x0a) == 0x26, "register A changed: %02x", rd(0x0a));
	verdict("rtc_upper_bank",
		"ports 0x72-0x77 read as ones and change nothing, as on QEMU");
}

int main(void)
{
	rtc_init();
	t_start();
	t_set();
	t_modes();
	t_uip();
	t_update_irq();
	t_alarm();
	t_periodic();
	t_divider();
	t_upper_bank();
	failed += aml_tests();
	return failed != 0;
}
