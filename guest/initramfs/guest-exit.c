// SPDX-License-Identifier: GPL-2.0
/*
 * guest-exit: end the machine with a status the host can read.
 *
 * Writes the status byte to QEMU's isa-debug-exit port (tools/qemu.py puts
 * it at 0xf4), which makes QEMU exit with (status << 1) | 1. Natively this
 * is a real port write; in a VM the in-place VMM sees the same port access.
 * Returns (status 1) when the port cannot be reached, so /init can fall
 * back to an ordinary power-off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>
#include <unistd.h>

#define DEBUG_EXIT_PORT 0xf4

int main(int argc, char **argv)
{
	int status = argc > 1 ? atoi(argv[1]) : 0;

	if (ioperm(DEBUG_EXIT_PORT, 1, 1) != 0) {
		perror("guest-exit: ioperm");
		return 1;
	}
	sync();
	outb((unsigned char)status, DEBUG_EXIT_PORT);
	fprintf(stderr, "guest-exit: no exit device at port %#x\n",
		DEBUG_EXIT_PORT);
	return 1;
}
