/*
 * The two cascaded 8259A interrupt controllers (Intel 8259A data sheet):
 * initialization command words, the interrupt mask, request and
 * in-service registers, non-specific and specific EOI, reading IRR/ISR
 * through OCW3, and the edge/level control registers at 0x4d0/0x4d1.
 * Linux (arch/x86/kernel/i8259.c) maps IRQ n to vector 0x30 + n.
 */
#include "vmm.h"

struct pic {
	u8 irr, isr, imr, base;
	u8 icw_step; /* next ICW expected, 0 when initialized */
	bool icw4, read_isr, auto_eoi;
	u8 elcr;
};

VMM_HOT_DATA static struct pic pics[2];

/*
 * The vCPU's IRQ_BIT_PIC pending bit says "the PIC may have a deliverable
 * interrupt", so that a fast sti thunk (thunk.c), which looks only at the
 * pending word, sees our interrupts as well as the microkernel's. Kept
 * up to date after every change of the PIC's state.
 */
static VMM_HOT void pic_hint(void)
{
	u64 *pending = (u64 *)&vcpu_current()->state->pending;

	if (pic_pending_vector() >= 0)
		__atomic_or_fetch(pending, 1ul << IRQ_BIT_PIC,
				  __ATOMIC_SEQ_CST);
	else
		__atomic_and_fetch(pending, ~(1ul << IRQ_BIT_PIC),
				   __ATOMIC_SEQ_CST);
}

/* Highest priority pending and unmasked IRQ of p, not below in service. */
static VMM_HOT int pic_best(struct pic *p)
{
	u8 pending = p->irr & ~p->imr;

	if (!pending)
		return -1;
	for (int i = 0; i < 8; i++) {
		if (p->isr & (1 << i))
			return -1;
		if (pending & (1 << i))
			return i;
	}
	return -1;
}

VMM_HOT int pic_pending_vector(void)
{
	int m = pic_best(&pics[0]);

	if (m < 0)
		return -1;
	if (m == 2) {
		int s = pic_best(&pics[1]);

		return s < 0 ? -1 : pics[1].base + s;
	}
	return pics[0].base + m;
}

VMM_HOT void pic_acknowledge(int vector)
{
	for (int c = 1; c >= 0; c--) {
		struct pic *p = &pics[c];
		int irq = vector - p->base;

		if (irq < 0 || irq > 7 || !(p->irr & (1 << irq)))
			continue;
		if (!(p->elcr & (1 << irq)))
			p->irr &= ~(1 << irq); /* edge: the request is taken */
		if (!p->auto_eoi)
			p->isr |= 1 << irq;
		if (c == 1) {
			if (!(pics[1].irr & ~pics[1].imr))
				pics[0].irr &= ~(1 << 2);
			if (!pics[0].auto_eoi)
				pics[0].isr |= 1 << 2;
		}
		break;
	}
	pic_hint();
}

void pic_raise(unsigned irq)
{
	if (irq >= 8) {
		pics[1].irr |= 1 << (irq - 8);
		pics[0].irr |= 1 << 2;
	} else {
		pics[0].irr |= 1 << irq;
	}
	pic_hint();
}

/* irq's request is still in the IRR (not yet taken by the CPU). */
bool pic_requested(unsigned irq)
{
	return irq >= 8 ? pics[1].irr & (1 << (irq - 8)) :
			  pics[0].irr & (1 << irq);
}

void pic_lower(unsigned irq)
{
	if (irq >= 8) {
		pics[1].irr &= ~(1 << (irq - 8));
		if (!pics[1].irr)
			pics[0].irr &= ~(1 << 2);
	} else {
		pics[0].irr &= ~(1 << irq);
	}
	pic_hint();
}

static struct pic *pic_of(u16 port)
{
	return &pics[port >= 0xa0];
}

static u32 pic_read(u16 port, unsigned size)
{
	struct pic *p = pic_of(port);

	(void)size;
	if (port & 1)
		return p->imr;
	return p->read_isr ? p->isr : p->irr;
}

static void pic_eoi(struct pic *p, int irq)
{
	if (irq < 0) { /* non-specific: the highest in service */
		for (irq = 0; irq < 8 && !(p->isr & (1 << irq)); irq++)
			;
	}
	if (irq < 8)
		p->isr &= ~(1 << irq);
}

static void pic_write_regs(u16 port, unsigned size, u32 val)
{
	struct pic *p = pic_of(port);

	(void)size;
	if (!(port & 1) && (val & 0x10)) { /* ICW1 */
		p->icw4 = val & 1;
		p->icw_step = 2;
		p->imr = p->isr = p->irr = 0;
		p->read_isr = false;
		return;
	}
	if (port & 1) {
		switch (p->icw_step) {
		case 2:
			p->base = val & 0xf8;
			p->icw_step = 3;
			return;
		case 3:
			p->icw_step = p->icw4 ? 4 : 0;
			return;
		case 4:
			p->auto_eoi = val & 2;
			p->icw_step = 0;
			return;
		}
		p->imr = val; /* OCW1 */
		return;
	}
	if ((val & 0x18) == 0x08) { /* OCW3 */
		if (val & 2)
			p->read_isr = val & 1;
		return;
	}
	if ((val & 0xe0) == 0x20) /* OCW2: non-specific EOI */
		pic_eoi(p, -1);
	else if ((val & 0xe0) == 0x60) /* specific EOI */
		pic_eoi(p, val & 7);
}

static u32 elcr_read(u16 port, unsigned size)
{
	(void)size;
	return pics[port & 1].elcr;
}

static void elcr_write_regs(u16 port, unsigned size, u32 val)
{
	(void)size;
	/* IRQ 0, 1, 2, 8, 13 are always edge (PIIX4 ELCR). */
	pics[port & 1].elcr = val & (port & 1 ? 0xde : 0xf8);
}

static void pic_write(u16 port, unsigned size, u32 val)
{
	pic_write_regs(port, size, val);
	pic_hint();
}

static void elcr_write(u16 port, unsigned size, u32 val)
{
	elcr_write_regs(port, size, val);
	pic_hint();
}

static const struct ioport_handler master = { 0x20, 2, pic_read, pic_write };
static const struct ioport_handler slave = { 0xa0, 2, pic_read, pic_write };
static const struct ioport_handler elcr = { 0x4d0, 2, elcr_read, elcr_write };

void pic_init(void)
{
	pics[0].imr = pics[1].imr = 0xff;
	ioport_register(&master);
	ioport_register(&slave);
	ioport_register(&elcr);
}
