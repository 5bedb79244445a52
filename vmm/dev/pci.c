/*
 * PCI configuration space through configuration mechanism #1 (PCI Local
 * Bus Specification 3.0, 3.2.2.3.2): the address register at 0xcf8 and
 * the data window at 0xcfc-0xcff. Bus 0 holds one host bridge at 00:00.0
 * (so Linux's pci_sanity_check accepts the mechanism) and nothing else;
 * the driver-OS stage adds pass-through devices here.
 */
#include "vmm.h"

static u32 address;

/* The host bridge's first 64 bytes (type 0 header), little endian. */
static const u32 host_bridge[16] = {
	[0] = 0x29c08086,  /* Intel, Q35 DRAM controller */
	[1] = 0x00000000,  /* command, status */
	[2] = 0x06000000,  /* class: host bridge, revision 0 */
	[3] = 0x00000000,  /* header type 0 */
	[11] = 0x11001af4, /* subsystem */
};

static u32 config_read(u32 addr)
{
	unsigned bus = (addr >> 16) & 0xff, dev = (addr >> 11) & 0x1f,
		 fn = (addr >> 8) & 7, reg = addr & 0xfc;

	if (bus || dev || fn)
		return ~0u;
	return reg < sizeof(host_bridge) ? host_bridge[reg / 4] : 0;
}

static u32 address_read(u16 port, unsigned size)
{
	return port == 0xcf8 && size == 4 ? address : ~0u;
}

static void address_write(u16 port, unsigned size, u32 val)
{
	if (port == 0xcf8 && size == 4)
		address = val & 0x80fffffcu;
}

static u32 data_read(u16 port, unsigned size)
{
	unsigned shift = 8 * (port & 3);
	u32 v;

	if (!(address & 0x80000000u))
		return ~0u;
	v = config_read(address) >> shift;
	return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

/*
 * The address register is a dword at 0xcf8; byte 0xcf9 is the board's
 * reset control (dev/board.c), so the register is claimed around it.
 */
static const struct ioport_handler address_port = { 0xcf8, 1, address_read,
						    address_write };
static const struct ioport_handler address_high = { 0xcfa, 2, address_read,
						    address_write };
static const struct ioport_handler data_port = { 0xcfc, 4, data_read, NULL };

void pci_init(void)
{
	ioport_register(&address_port);
	ioport_register(&address_high);
	ioport_register(&data_port);
}
