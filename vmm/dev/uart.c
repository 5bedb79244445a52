/*
 * The 16550A UART at 0x3f8, IRQ 4 (National Semiconductor PC16550D data
 * sheet): what Linux's 8250 driver needs to find it and to send through
 * it with interrupts. Transmission is instant: a written byte goes to a
 * line buffer printed on the microkernel console at each newline, and
 * the transmitter-empty interrupt is raised again at once. Reception:
 * the root task puts the machine's console input, while this VM has the
 * input focus, into a shared ring (user/lib/include/vm_boot.h,
 * user/roottask/console.c) and raises VM_CONSOLE_IRQ_BIT; uart_poll()
 * moves it into a receive FIFO (when that bit was raised, and again when
 * the guest has emptied the FIFO), and the received-data interrupt (IER bit
 * 0) takes priority over the transmitter's in IIR, as on the chip.
 */
#include "vmm.h"

#define IER_RDI 0x01
#define IER_THRI 0x02
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10

#define RX_SIZE 256

static struct {
	u8 ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thre_pending;
	bool irq;
	char line[160];
	unsigned len;
	u8 rx[RX_SIZE];
	unsigned rx_head, rx_count;
} u;

/*
 * A line "@vmm counters LABEL" from the guest asks for a snapshot of the
 * VMM's counters, printed after it as "vmm: counters@LABEL ..." (the
 * benchmarks take one between two measurements; docs/vmm.md).
 */
static void counters_request(void)
{
	static const char cmd[] = "@vmm counters ";
	char label[32];
	unsigned i = 0, k = sizeof(cmd) - 1;

	if (u.len <= k || memcmp(u.line, cmd, k))
		return;
	while (k < u.len && i < sizeof(label) - 1 && u.line[k] > ' ')
		label[i++] = u.line[k++];
	label[i] = 0;
	counters_print(label);
}

void uart_flush(void)
{
	if (u.len) {
		console_write(u.line, u.len);
		counters_request();
	}
	u.len = 0;
}

static void uart_update_irq(void)
{
	bool level = ((u.ier & IER_THRI) && u.thre_pending) ||
		     ((u.ier & IER_RDI) && u.rx_count);

	if (level && !u.irq)
		pic_raise(4);
	else if (!level && u.irq)
		pic_lower(4);
	u.irq = level;
}

/* Console input from the root task's ring into the receive FIFO. */
VMM_HOT void uart_poll(void)
{
	struct vm_console_ring *r =
		(struct vm_console_ring *)vm.boot->console_ring;
	unsigned tail;

	if (!r)
		return;
	for (tail = r->tail; tail != r->head && u.rx_count < RX_SIZE; tail++) {
		asm volatile("" ::: "memory"); /* index before byte */
		u.rx[(u.rx_head + u.rx_count++) % RX_SIZE] =
			r->buf[tail % VM_CONSOLE_RING_SIZE];
	}
	r->tail = tail;
	uart_update_irq();
}

static u8 receive(void)
{
	u8 c;

	if (!u.rx_count)
		return 0;
	c = u.rx[u.rx_head];
	u.rx_head = (u.rx_head + 1) % RX_SIZE;
	u.rx_count--;
	if (!u.rx_count)
		uart_poll();
	return c;
}

static void transmit(u8 c)
{
	if (u.mcr & MCR_LOOP)
		return;
	u.line[u.len++] = c;
	if (c == '\n' || u.len == sizeof(u.line))
		uart_flush();
}

static u32 uart_read(u16 port, unsigned size)
{
	u8 v = 0;

	(void)size;
	switch (port - 0x3f8) {
	case 0:
		v = u.lcr & LCR_DLAB ? u.dll : receive();
		break;
	case 1:
		v = u.lcr & LCR_DLAB ? u.dlm : u.ier;
		break;
	case 2:
		v = u.fcr & 1 ? 0xc0 : 0;
		if ((u.ier & IER_RDI) && u.rx_count) {
			v |= 0x04; /* received data available */
		} else if ((u.ier & IER_THRI) && u.thre_pending) {
			v |= 0x02;
			u.thre_pending = false; /* reading IIR clears it */
		} else {
			v |= 0x01; /* no interrupt pending */
		}
		break;
	case 3:
		v = u.lcr;
		break;
	case 4:
		v = u.mcr;
		break;
	case 5:
		v = 0x60 | (u.rx_count ? 1 : 0); /* THR empty, DR */
		break;
	case 6:
		if (u.mcr & MCR_LOOP) /* loopback: modem outputs fed back */
			v = (u.mcr & 0x0c) << 4 | (u.mcr & 1) << 5 |
			    (u.mcr & 2) << 3;
		else
			v = 0xb0; /* DCD, DSR, CTS */
		break;
	case 7:
		v = u.scr;
		break;
	}
	uart_update_irq();
	return v;
}

static void uart_write(u16 port, unsigned size, u32 val)
{
	(void)size;
	switch (port - 0x3f8) {
	case 0:
		if (u.lcr & LCR_DLAB) {
			u.dll = val;
		} else {
			transmit(val);
			u.thre_pending = true;
		}
		break;
	case 1:
		if (u.lcr & LCR_DLAB) {
			u.dlm = val;
		} else {
			/* enabling THRI with THR empty interrupts at once */
			if ((val & IER_THRI) && !(u.ier & IER_THRI))
				u.thre_pending = true;
			u.ier = val & 0x0f;
		}
		break;
	case 2:
		u.fcr = val;
		break;
	case 3:
		u.lcr = val;
		break;
	case 4:
		u.mcr = val & 0x1f;
		break;
	case 7:
		u.scr = val;
		break;
	}
	uart_update_irq();
}

static const struct ioport_handler com1 = { 0x3f8, 8, uart_read, uart_write };

void uart_init(void)
{
	ioport_register(&com1);
}
