/*
 * Port I/O dispatch, in the manner of kvmtool's ioport.c: each device
 * registers the ports it owns, every in/out site hands its access to the
 * owner. Ports nobody owns read as all ones (nothing there) and ignore
 * writes, like an empty ISA bus, and silently: Linux probes ports that
 * are absent on QEMU's PC as well (COM2-COM4, DMA page registers). They
 * are listed once when the VM stops (ioport_report).
 */
#include "vmm.h"

#define MAX_HANDLERS 32

static const struct ioport_handler *handlers[MAX_HANDLERS];
static unsigned nr_handlers;
static u8 unowned_used[65536 / 8];

void ioport_register(const struct ioport_handler *h)
{
	if (nr_handlers == MAX_HANDLERS)
		vmm_fatal("too many port handlers");
	handlers[nr_handlers++] = h;
}

static const struct ioport_handler *owner(u16 port)
{
	for (unsigned i = 0; i < nr_handlers; i++)
		if (port >= handlers[i]->base &&
		    port - handlers[i]->base < handlers[i]->count)
			return handlers[i];
	return NULL;
}

static void note_unowned(u16 port)
{
	unowned_used[port / 8] |= 1 << (port % 8);
}

/* "vmm: unemulated ports the guest used: 87 2e9 ..." (up to a line's worth) */
void ioport_report(void)
{
	char line[160];
	int n = 0, shown = 0, more = 0;

	for (unsigned port = 0; port < 65536; port++) {
		if (!(unowned_used[port / 8] & (1 << (port % 8))))
			continue;
		if (n > (int)sizeof(line) - 8) {
			more++;
			continue;
		}
		n += snprintf(line + n, sizeof(line) - n, " %x", port);
		shown++;
	}
	if (shown && more)
		printf("vmm: unemulated ports the guest used:%s and %d more\n",
		       line, more);
	else if (shown)
		printf("vmm: unemulated ports the guest used:%s\n", line);
}

VMM_WARM u32 ioport_read(u16 port, unsigned size)
{
	const struct ioport_handler *h = owner(port);

	if (h && h->read)
		return h->read(port, size);
	if (!h)
		note_unowned(port);
	return size == 4 ? ~0u : (1u << (8 * size)) - 1;
}

VMM_WARM void ioport_write(u16 port, unsigned size, u32 val)
{
	const struct ioport_handler *h = owner(port);

	if (h && h->write)
		h->write(port, size, val);
	else if (!h)
		note_unowned(port);
}

void pic_init(void);
void pit_init(void);
void uart_init(void);
void rtc_init(void);
void pci_init(void);
void board_init(void);
void acpi_init(void);
void vmmctl_init(void);

void devices_init(void)
{
	pic_init();    /* 8259 pair: every other device's interrupts */
	pit_init();    /* 8254: the timer tick and TSC calibration */
	uart_init();   /* 16550 at 0x3f8: the console */
	rtc_init();    /* MC146818 CMOS clock */
	pci_init();    /* configuration space: a host bridge, nothing else */
	board_init();  /* port 0x80, the resets */
	acpi_init();   /* the power-management registers: power-off */
	vmmctl_init(); /* the guest's requests (module sites) */
}
