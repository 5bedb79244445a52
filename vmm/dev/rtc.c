/*
 * The MC146818 real-time clock and CMOS RAM at 0x70/0x71 (Motorola
 * MC146818A data sheet). The time starts from the real CMOS clock, read
 * once through ports the root task grants (its policy gives every task
 * 0x70-0x71 on request), and advances with the TSC; without the grant
 * it starts at 2026-01-01 00:00:00. The guest may set it (register B's
 * SET bit, or a single field at a time) and choose BCD or binary and
 * 12- or 24-hour fields; it counts from 2000 to 2999.
 *
 * Interrupts on IRQ 8, as the chip raises them: the update flag once a
 * second, the alarm flag when an update meets the alarm fields (each a
 * value or "don't care", 0xc0-0xff), the periodic flag at register A's
 * rate. Register C holds the flags; an enabled one sets IRQF and raises
 * the line, and reading C clears them all. The flags are worked out
 * when the guest looks and when the vCPU timer fires: the next event
 * that would interrupt is armed through timer_set, and nothing is armed
 * while IRQF waits to be read.
 *
 * The century is register 0x32, which the FADT names (acpi.c). Ports
 * 0x72-0x77, which the DSDT gives the RTC as QEMU's does, decode
 * nothing: an upper bank of CMOS RAM reads as ones, as on QEMU.
 */
#include "vmm.h"
#include <layout.h>

#define RTC_IRQ 8
#define REG_SECONDS_ALARM 0x01
#define REG_MINUTES_ALARM 0x03
#define REG_HOURS_ALARM 0x05
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define REG_CENTURY 0x32

#define A_UIP 0x80    /* update in progress: the last 244 us of a second */
#define A_DV 0x70     /* divider chain */
#define A_DV_RUN 0x20 /* 32.768 kHz time base, counting */
#define A_RATE 0x0f
#define B_SET 0x80 /* updates stopped while the guest sets the time */
#define B_PIE 0x40 /* the enables sit where register C has the flags */
#define B_AIE 0x20
#define B_UIE 0x10
#define B_BINARY 0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10
#define C_FLAGS (C_PF | C_AF | C_UF)
#define D_VRT 0x80 /* valid RAM and time */
#define UIP_US 244
#define TIME_BASE_HZ 32768

static u8 selected, cmos[128];
/*
 * While the clock runs, the seconds since 2000-01-01 at TSC t are
 * base + (t - base_tsc) / tsc_hz(); seen is the last second whose update
 * the flags in register C account for.
 */
static s64 base;
static u64 base_tsc, seen;
static u64 next_pf, pf_period; /* TSC of the next periodic flag, 0: off */

static const u8 month_days[12] = { 31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31 };

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100) || y % 400 == 0;
}

/* The date and time of day: the fields the clock keeps. */
static bool time_field(u8 reg)
{
	return (reg <= 9 && reg != REG_SECONDS_ALARM &&
		reg != REG_MINUTES_ALARM && reg != REG_HOURS_ALARM) ||
	       reg == REG_CENTURY;
}

static bool running(void)
{
	return !(cmos[REG_B] & B_SET) && (cmos[REG_A] & A_DV) == A_DV_RUN;
}

/* A field's value in the guest's chosen format, and back. */
static u8 enc(unsigned v)
{
	return cmos[REG_B] & B_BINARY ? v : (v / 10) << 4 | v % 10;
}

static unsigned dec(u8 v)
{
	return cmos[REG_B] & B_BINARY ? v : (v >> 4) * 10 + (v & 15);
}

static u8 enc_hour(unsigned h)
{
	if (cmos[REG_B] & B_24H)
		return enc(h);
	return enc(h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0);
}

static unsigned dec_hour(u8 v)
{
	if (cmos[REG_B] & B_24H)
		return dec(v);
	return dec(v & 0x7f) % 12 + (v & 0x80 ? 12 : 0);
}

static unsigned clamp(unsigned v, unsigned lo, unsigned hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The date fields -> seconds since 2000-01-01 (nonsense clamped). */
static u64 fields_seconds(void)
{
	unsigned y =
		clamp(dec(cmos[REG_CENTURY]) * 100 + dec(cmos[9]), 2000, 2999);
	unsigned mo = clamp(dec(cmos[8]), 1, 12),
		 d = clamp(dec(cmos[7]), 1, 31);
	u64 days = d - 1;

	for (unsigned i = 2000; i < y; i++)
		days += leap(i) ? 366 : 365;
	for (unsigned i = 1; i < mo; i++)
		days += month_days[i - 1] + (i == 2 && leap(y));
	return ((days * 24 + clamp(dec_hour(cmos[4]), 0, 23)) * 60 +
		clamp(dec(cmos[2]), 0, 59)) *
		       60 +
	       clamp(dec(cmos[0]), 0, 59);
}

static void set_fields(u64 t)
{
	u64 days = t / 86400;
	unsigned y = 2000, mo = 1;

	cmos[0] = enc(t % 60);
	cmos[2] = enc(t / 60 % 60);
	cmos[4] = enc_hour(t / 3600 % 24);
	cmos[6] = enc((days + 6) % 7 + 1); /* 2000-01-01 was a Saturday */
	while (days >= (leap(y) ? 366u : 365u))
		days -= leap(y++) ? 366 : 365;
	for (;;) {
		u64 n = month_days[mo - 1] + (mo == 2 && leap(y));

		if (days < n)
			break;
		days -= n;
		mo++;
	}
	cmos[7] = enc(days + 1);
	cmos[8] = enc(mo);
	cmos[9] = enc(y % 100);
	cmos[REG_CENTURY] = enc(y / 100);
}

static u64 seconds_at(u64 tsc)
{
	return base + (s64)((tsc - base_tsc) / tsc_hz());
}

static u64 tsc_of_second(u64 s)
{
	return base_tsc + (s - base) * tsc_hz();
}

/* (Re)start counting from the fields, the next update phase TSC away. */
static void start_clock(u64 now, u64 phase)
{
	base = fields_seconds();
	base_tsc = now - phase;
	seen = base;
}

static bool dont_care(u8 alarm)
{
	return (alarm & 0xc0) == 0xc0;
}

static bool matches(u8 alarm, u8 field)
{
	return dont_care(alarm) || alarm == field;
}

/* Can some time of day meet this alarm field? */
static bool can_match(u8 alarm, unsigned v, unsigned limit, u8 encoded)
{
	return dont_care(alarm) || (v < limit && encoded == alarm);
}

/* The first second after `after` that meets the alarm; 0 if none does. */
static u64 next_alarm(u64 after)
{
	u8 h = cmos[REG_HOURS_ALARM], m = cmos[REG_MINUTES_ALARM],
	   sec = cmos[REG_SECONDS_ALARM];

	if (!can_match(h, dec_hour(h), 24, enc_hour(dec_hour(h))) ||
	    !can_match(m, dec(m), 60, enc(dec(m))) ||
	    !can_match(sec, dec(sec), 60, enc(dec(sec))))
		return 0; /* else the loop below takes at most 141 steps */
	for (u64 s = after + 1; s <= after + 86400;) {
		unsigned day_s = s % 86400;

		if (!matches(cmos[REG_HOURS_ALARM], enc_hour(day_s / 3600)))
			s += 3600 - day_s % 3600;
		else if (!matches(cmos[REG_MINUTES_ALARM],
				  enc(day_s / 60 % 60)))
			s += 60 - day_s % 60;
		else if (!matches(cmos[REG_SECONDS_ALARM], enc(day_s % 60)))
			s++;
		else
			return s;
	}
	return 0;
}

/* Bring register C up to the TSC now; raise IRQ 8 on an enabled flag. */
static void sync(u64 now)
{
	u64 s = running() ? seconds_at(now) : seen;

	if (next_pf && now >= next_pf) {
		cmos[REG_C] |= C_PF;
		next_pf += ((now - next_pf) / pf_period + 1) * pf_period;
	}
	if (s > seen) {
		u64 a = next_alarm(seen);

		cmos[REG_C] |= C_UF;
		if (a && a <= s)
			cmos[REG_C] |= C_AF;
		seen = s;
	}
	if (!(cmos[REG_C] & C_IRQF) && (cmos[REG_C] & cmos[REG_B] & C_FLAGS)) {
		cmos[REG_C] |= C_IRQF;
		pic_raise(RTC_IRQ);
	}
}

static u64 earliest(u64 d, u64 e)
{
	return d && (!e || d < e) ? d : e;
}

/* Arm the vCPU timer for the next event that would interrupt. */
static void rearm(void)
{
	u64 d = 0, a;
	u8 enabled = cmos[REG_B];

	if (cmos[REG_C] & C_IRQF)
		enabled = 0; /* the line is up until register C is read */
	if (enabled & B_PIE)
		d = next_pf;
	if (running() && (enabled & B_UIE))
		d = earliest(d, tsc_of_second(seen + 1));
	if (running() && (enabled & B_AIE) && (a = next_alarm(seen)))
		d = earliest(d, tsc_of_second(a));
	timer_set(TIMER_RTC, d);
}

/* The vCPU timer reached this device's deadline (timer_fired). */
VMM_HOT void rtc_poll(u64 now)
{
	sync(now);
	rearm();
}

/* Register A's rate: the periodic flag's period (data sheet table 5). */
static void set_rate(u64 now)
{
	unsigned rate = cmos[REG_A] & A_RATE;

	next_pf = 0;
	if (!rate || (cmos[REG_A] & A_DV) != A_DV_RUN)
		return;
	if (rate < 3)
		rate += 7; /* 1 and 2 repeat 8 and 9 at this time base */
	pf_period = tsc_hz() * (1u << (rate - 1)) / TIME_BASE_HZ;
	next_pf = now + pf_period;
}

static u8 read_reg(u64 now)
{
	u8 v;

	switch (selected) {
	case REG_A:
		v = cmos[REG_A];
		if (running() && tsc_hz() - (now - base_tsc) % tsc_hz() <
					 tsc_hz() / 1000000 * UIP_US)
			v |= A_UIP;
		return v;
	case REG_C:
		v = cmos[REG_C];
		cmos[REG_C] = 0;
		return v;
	default:
		if (time_field(selected) && running())
			set_fields(seconds_at(now));
		return cmos[selected];
	}
}

static void write_reg(u64 now, u8 val)
{
	bool was_running = running(), was_reset = false;

	switch (selected) {
	case REG_A:
		was_reset = (cmos[REG_A] & A_DV) != A_DV_RUN;
		cmos[REG_A] = val & ~A_UIP;
		set_rate(now);
		break;
	case REG_B:
		if (val & B_SET)
			val &= ~B_UIE; /* as the chip does */
		cmos[REG_B] = val;
		break;
	case REG_C:
	case REG_D:
		return; /* read only */
	default:
		if (time_field(selected) && was_running) {
			set_fields(seconds_at(now));
			cmos[selected] = val; /* keep the phase of the second */
			start_clock(now, (now - base_tsc) % tsc_hz());
		} else {
			cmos[selected] = val; /* or alarm fields, NVRAM */
		}
		return;
	}
	if (was_running && !running())
		set_fields(seconds_at(now)); /* stopped: the fields hold */
	else if (!was_running && running())  /* the first update 0.5 s on */
		start_clock(now, was_reset ? tsc_hz() / 2 : 0);
}

static u32 rtc_read(u16 port, unsigned size)
{
	u64 now = rdtsc();
	u8 v;

	(void)size;
	if (port >= 0x72)
		return 0xff; /* the upper bank: none, as on QEMU (acpi.c) */
	if (port == 0x70)
		return selected;
	sync(now);
	v = read_reg(now);
	rearm();
	return v;
}

static void rtc_write(u16 port, unsigned size, u32 val)
{
	u64 now = rdtsc();

	(void)size;
	if (port >= 0x72)
		return;
	if (port == 0x70) {
		selected = val & 0x7f; /* bit 7 masks the NMI: there is none */
		return;
	}
	sync(now); /* the seconds before count with the old registers */
	write_reg(now, val);
	sync(now); /* an enable may meet a flag already set */
	rearm();
}

static u8 real_cmos(u8 reg)
{
	u8 v;

	asm volatile("outb %0, $0x70" : : "a"(reg));
	asm volatile("inb $0x71, %0" : "=a"(v));
	return v;
}

/* The fields from the real clock, in its format (they set ours). */
static void read_real_clock(void)
{
	struct ipc_msg m = { .tag = TAG_MAKE(REQ_IOPORT, 0), .w = { 0x70, 2 } };
	static const u8 regs[] = { 0, 2, 4, 7, 8, 9 };

	if (ipc_call(SLOT_PARENT, &m, TIMEOUT_NEVER) || m.w[0])
		return;
	while (real_cmos(REG_A) & A_UIP)
		;
	cmos[REG_B] = real_cmos(REG_B) & (B_BINARY | B_24H);
	for (unsigned i = 0; i < sizeof(regs); i++)
		cmos[regs[i]] = real_cmos(regs[i]);
	cmos[REG_CENTURY] = enc(20);
}

/* 0x70-0x77, as the DSDT describes the RTC (acpi.c); 0x72-0x77 are idle */
static const struct ioport_handler rtc_ports = { 0x70, 8, rtc_read, rtc_write };

void rtc_init(void)
{
	u64 t;

	cmos[REG_B] = B_24H; /* BCD */
	cmos[7] = cmos[8] = enc(1);
	cmos[9] = enc(26);
	cmos[REG_CENTURY] = enc(20);
	read_real_clock();
	t = fields_seconds();
	cmos[REG_B] = B_24H | (cmos[REG_B] & B_BINARY);
	set_fields(t);		    /* 24-hour fields, the day of the week */
	cmos[REG_A] = A_DV_RUN | 6; /* 1024 Hz periodic rate, as a BIOS */
	cmos[REG_D] = D_VRT;
	start_clock(rdtsc(), 0);
	set_rate(rdtsc());
	ioport_register(&rtc_ports);
}
