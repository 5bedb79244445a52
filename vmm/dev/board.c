/*
 * The rest of the PC board the guest pokes: the POST port 0x80 (Linux's
 * I/O delay), and the three ways a PC resets: the keyboard controller's
 * pulse (0xfe to port 0x64), the reset control register at 0xcf9 and the
 * fast reset bit of port 0x92. A reset ends the VM, as a power-off through
 * ACPI does (acpi.c).
 */
#include "vmm.h"

static void reset(void)
{
	vmm_stop(0, "the guest reset the machine");
}

static void post_write(u16 port, unsigned size, u32 val)
{
	(void)port;
	(void)size;
	(void)val;
}

static u32 kbc_read(u16 port, unsigned size)
{
	(void)size;
	return port == 0x64 ? 0x00 : 0x00; /* buffers empty */
}

static void kbc_write(u16 port, unsigned size, u32 val)
{
	(void)size;
	if (port == 0x64 && (val & 0xff) == 0xfe)
		reset();
}

static void reset_control_write(u16 port, unsigned size, u32 val)
{
	(void)port;
	if (size == 1 && (val & 4))
		reset();
}

static void port92_write(u16 port, unsigned size, u32 val)
{
	(void)port;
	(void)size;
	if (val & 1)
		reset();
}

static const struct ioport_handler post = { 0x80, 1, NULL, post_write };
static const struct ioport_handler kbc_data = { 0x60, 1, kbc_read, kbc_write };
static const struct ioport_handler kbc_cmd = { 0x64, 1, kbc_read, kbc_write };
static const struct ioport_handler cf9 = { 0xcf9, 1, NULL,
					   reset_control_write };
static const struct ioport_handler p92 = { 0x92, 1, NULL, port92_write };

void board_init(void)
{
	ioport_register(&post);
	ioport_register(&kbc_data);
	ioport_register(&kbc_cmd);
	ioport_register(&cf9);
	ioport_register(&p92);
}
