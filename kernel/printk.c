/*
 * Kernel console output and panic. Everything goes to the serial port
 * (arch serial.c); panic prints one recognisable line, "KERNEL PANIC: ...",
 * that the test groups look for, then stops the machine.
 */
#include <lib.h>
#include <arch/cpu.h>
#include <arch/serial.h>

/*
 * A bare newline becomes CR LF on the serial line; one that already has
 * its CR (a guest's tty sends CR LF) stays as it is, so a VM's output
 * reaches the host byte for byte as a native boot's does.
 */
void console_write(const char *s, size_t n)
{
	static char last;

	while (n--) {
		if (*s == '\n' && last != '\r')
			serial_putc('\r');
		last = *s;
		serial_putc(*s++);
	}
}

void printk(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

noreturn void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	asm volatile("cli");
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("\nKERNEL PANIC: %s\n", buf);
	cpu_qemu_exit(0x7f);
	cpu_halt_forever();
}
