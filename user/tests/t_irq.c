/*
 * Interrupts as messages, with the CMOS RTC's periodic interrupt (ISA
 * IRQ 8; MC146818 registers A, B, C through ports 0x70/0x71). The root
 * task grants the ports and the IRQ capability; every interrupt arrives
 * as a LABEL_IRQ message and the line stays masked until we acknowledge.
 * The storm test runs the RTC at its fastest rate and checks that the
 * root task still answers promptly.
 */
#include <test.h>
#include <portio.h>

static u64 irq_slot;

static u8 cmos_read(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static void cmos_write(u8 reg, u8 v)
{
	outb(0x70, reg);
	outb(0x71, v);
}

/* Periodic interrupt at 32768 >> (rate - 1) Hz. */
static void rtc_start(u8 rate)
{
	cmos_write(0x0a, (cmos_read(0x0a) & 0xf0) | rate);
	cmos_write(0x0b, cmos_read(0x0b) | 0x40); /* PIE */
	cmos_read(0x0c);			  /* clear pending */
}

static void rtc_stop(void)
{
	cmos_write(0x0b, cmos_read(0x0b) & ~0x40);
	cmos_read(0x0c);
}

/* Count IRQ messages (acknowledging each) for `ticks` ticks or `max`. */
static u64 collect(u64 ticks, u64 max, bool *bad)
{
	u64 t0 = ticks_now(), n = 0, badge = 0;

	while (ticks_now() - t0 < ticks && n < max) {
		struct ipc_msg m = { 0 };

		if (ipc_wait(&m, &badge, 20))
			continue;
		if (TAG_LABEL(m.tag) != LABEL_IRQ || m.w[0] != 8 || badge != 8)
			*bad = true;
		cmos_read(0x0c); /* the RTC's own acknowledgement */
		if (sys_irq_control(irq_slot, IRQ_ACK, 0))
			*bad = true;
		n++;
	}
	return n;
}

int main(void)
{
	struct ipc_msg m = { .tag = TAG_MAKE(REQ_IOPORT, 0), .w = { 0x70, 2 } };
	struct root_pinger p;
	bool bad = false;
	long e1, e2, e3;
	u64 n, n2;

	irq_slot = slot_alloc();
	e1 = ipc_call(SLOT_PARENT, &m, 500) ?: (long)m.w[0];
	m = (struct ipc_msg){ .tag = TAG_MAKE(REQ_IRQ, 0),
			      .w = { 8, irq_slot } };
	e2 = ipc_call(SLOT_PARENT, &m, 500) ?: (long)m.w[0];
	e3 = sys_irq_control(irq_slot, IRQ_ATTACH, SLOT_SELF_THREAD);
	if (e1 || e2 || e3) {
		t_result("irq.rtc", false,
			 "setup failed: ports %ld irq %ld attach %ld", e1, e2,
			 e3);
		t_result("irq.storm", false, "setup failed");
		return 1;
	}
	rtc_start(6); /* 1024 Hz */
	n = collect(2000, 20, &bad);
	rtc_stop();
	t_result("irq.rtc", !bad && n == 20,
		 "%lu RTC interrupts as messages, each acknowledged", n);

	root_pinger_start(&p, 100);
	rtc_start(3); /* 8192 Hz */
	n2 = collect(200, ~0ul, &bad);
	rtc_stop();
	root_pinger_stop(&p);
	t_result(
		"irq.storm", !bad && p.pings >= 10 && p.slowest < 20,
		"%lu interrupts in 200 ticks; the root task answered %lu pings, slowest %lu ticks",
		n2, p.pings, p.slowest);
	sys_irq_control(irq_slot, IRQ_DETACH, 0);
	return 0;
}
