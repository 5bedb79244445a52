/*
 * The 8254 programmable interval timer (Intel 8254 data sheet), counting
 * at 1.193182 MHz derived from the real TSC, so the virtual timer and the
 * TSC the guest also reads always agree (SPEC 9, "Time"). Channel 0 is
 * the guest's tick on IRQ 0 (modes 0/4 one-shot, 2/3 periodic), driven
 * by the microkernel's vCPU timer (timer.c); channel 2, gated through
 * port 0x61, is what Linux calibrates the TSC against
 * (arch/x86/kernel/tsc.c, quick_pit_calibrate and pit_calibrate_tsc).
 */
#include "vmm.h"

#define PIT_HZ 1193182ul
#define PIT_MAX_LAG_MS 500

struct channel {
	u32 reload;	 /* 1..65536 */
	u8 mode, access; /* access: 1 lsb, 2 msb, 3 lsb then msb */
	bool write_msb, read_msb;
	bool latched;
	u16 latch;
	u16 partial;
	u64 start; /* TSC when counting began */
	bool running;
};

static struct channel ch[3];
static bool gate2;
static u8 port61;
/* Channel 0's next expiry (TSC), 0: none; TSC per period, 0: one-shot. */
VMM_HOT_DATA static u64 deadline, period;

static u64 elapsed(struct channel *c)
{
	return (rdtsc() - c->start) * PIT_HZ / tsc_hz();
}

static u16 count_now(struct channel *c)
{
	u64 e;

	if (!c->running)
		return c->reload;
	e = elapsed(c);
	if (c->mode == 2 || c->mode == 3)
		return c->reload - e % c->reload;
	return (u16)(c->reload - e); /* 0/4: wraps on after zero */
}

static bool out_high(struct channel *c)
{
	if (!c->running)
		return c->mode != 0;
	if (c->mode == 0)
		return elapsed(c) >= c->reload;
	return true;
}

/*
 * Called when the vCPU timer reached channel 0's deadline (timer_fired,
 * timer.c): raise IRQ 0 for the expiry that has passed and arm the next.
 * Periodic ticks that came while the vCPU was busy or descheduled are
 * owed, not dropped: each is raised once the previous one has left the
 * PIC's request register (until then the timer bit stays latched), so the
 * guest's jiffies keep pace with the TSC (KVM's "reinject" policy for its
 * PIT). Only a backlog of more than PIT_MAX_LAG_MS is given up (and
 * counted).
 */
VMM_HOT void pit_poll(u64 now)
{
	u64 d = deadline, p = period;

	if (pic_requested(0)) {
		__atomic_or_fetch(&vcpu_current()->irq_latched,
				  1ul << IRQ_BIT_TIMER, __ATOMIC_SEQ_CST);
		return;
	}
	pic_raise(0);
	if (!p) {
		deadline = 0;
		timer_set(TIMER_PIT, 0);
		return;
	}
	d += p;
	if (now > d && now - d > tsc_hz() / 1000 * PIT_MAX_LAG_MS) {
		counters[CNT_TICKS_DROPPED] += (now - d) / p;
		d = now + p;
	}
	deadline = d;
	timer_set(TIMER_PIT, d);
}

static void start_counting(unsigned i)
{
	struct channel *c = &ch[i];
	u64 ticks;

	c->running = i != 2 || gate2;
	c->start = rdtsc();
	if (i != 0)
		return;
	ticks = (u64)c->reload * tsc_hz() / PIT_HZ;
	period = c->mode == 2 || c->mode == 3 ? ticks : 0;
	deadline = c->start + ticks;
	timer_set(TIMER_PIT, deadline);
}

static u32 pit_read(u16 port, unsigned size)
{
	struct channel *c = &ch[port - 0x40];
	u16 v;

	(void)size;
	if (port == 0x43)
		return 0xff;
	v = c->latched ? c->latch : count_now(c);
	if (c->access == 1)
		return v & 0xff;
	if (c->access == 2)
		return v >> 8;
	c->read_msb = !c->read_msb;
	if (!c->read_msb)
		c->latched = false;
	return c->read_msb ? v & 0xff : v >> 8;
}

static void control(u8 val)
{
	unsigned sel = val >> 6, access = (val >> 4) & 3;
	struct channel *c;

	if (sel == 3) { /* read-back: latch the named counts */
		for (unsigned i = 0; i < 3; i++)
			if (!(val & 0x20) && (val & (2 << i))) {
				ch[i].latch = count_now(&ch[i]);
				ch[i].latched = true;
				ch[i].read_msb = false;
			}
		return;
	}
	c = &ch[sel];
	if (access == 0) {
		c->latch = count_now(c);
		c->latched = true;
		c->read_msb = false;
		return;
	}
	c->access = access;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4; /* 6, 7 alias 2, 3 */
	c->write_msb = c->read_msb = c->latched = false;
	c->running = false;
	if (sel == 0) {
		deadline = 0; /* stopped until a count is written */
		period = 0;
		timer_set(TIMER_PIT, 0);
	}
}

static void pit_write(u16 port, unsigned size, u32 val)
{
	struct channel *c;
	unsigned i = port - 0x40;

	(void)size;
	if (port == 0x43) {
		control(val);
		return;
	}
	c = &ch[i];
	if (c->access == 3 && !c->write_msb) {
		c->partial = val & 0xff;
		c->write_msb = true;
		return;
	}
	if (c->access == 1)
		c->reload = val & 0xff;
	else if (c->access == 2)
		c->reload = (val & 0xff) << 8;
	else
		c->reload = c->partial | (val & 0xff) << 8;
	c->write_msb = false;
	if (c->reload == 0)
		c->reload = 65536;
	start_counting(i);
}

/* Port 0x61: channel 2 gate (bit 0), speaker (1), OUT2 (5). */
static u32 port61_read(u16 port, unsigned size)
{
	(void)port;
	(void)size;
	port61 ^= 0x10; /* refresh toggle */
	return (port61 & 0x13) | (out_high(&ch[2]) ? 0x20 : 0);
}

static void port61_write(u16 port, unsigned size, u32 val)
{
	bool g = val & 1;

	(void)port;
	(void)size;
	port61 = (port61 & 0x10) | (val & 3);
	if (g && !gate2) {
		gate2 = true;
		start_counting(2);
	}
	gate2 = g;
}

static const struct ioport_handler pit_ports = { 0x40, 4, pit_read, pit_write };
static const struct ioport_handler speaker = { 0x61, 1, port61_read,
					       port61_write };

void pit_init(void)
{
	for (unsigned i = 0; i < 3; i++)
		ch[i].reload = 65536;
	ioport_register(&pit_ports);
	ioport_register(&speaker);
}
