/*
 * Console input for VM 0. The microkernel owns the serial line's output
 * (polled, interrupts off); the root task, which holds every port and
 * interrupt line at boot, takes its input: it turns on the UART's
 * receive interrupt (ISA IRQ 4), drains the received bytes on each
 * interrupt message into a ring page it shares with VM 0's VMM
 * (struct vm_console_ring, user/lib/include/vm_boot.h) and raises the
 * vCPU's pending bit VM_CONSOLE_IRQ_BIT. The VMM feeds them to its
 * virtual 16550 (vmm/dev/uart.c). Other VMs get no input.
 */
#include "root.h"
#include <portio.h>
#include <vm_boot.h>

#define COM1 0x3f8
#define UART_RBR 0
#define UART_IER 1
#define UART_LSR 5
#define LSR_DR 0x01
#define IER_RDI 0x01
#define CONSOLE_IRQ 4
/* Distinct from every child's badge (their indices), so no child can
 * pass for the interrupt. */
#define CONSOLE_BADGE (1ul << 32 | CONSOLE_IRQ)
#define ROOT_SLOT_CONSOLE_IRQ 120

static struct vm_console_ring *ring; /* root-window address */
static u64 vcpu_thread;		     /* our slot for VM 0's vCPU */

/* Received bytes into the ring; true if there were any. */
static bool drain(void)
{
	bool any = false;

	while (inb(COM1 + UART_LSR) & LSR_DR) {
		u8 c = inb(COM1 + UART_RBR);
		unsigned head = ring->head;

		any = true;
		if (head - ring->tail >= VM_CONSOLE_RING_SIZE)
			continue; /* full: dropped */
		ring->buf[head % VM_CONSOLE_RING_SIZE] = c;
		asm volatile("" ::: "memory"); /* byte before index */
		ring->head = head + 1;
	}
	return any;
}

/* VM 0 (task slot `task`, vCPU thread slot `thread`) gets the input. */
long console_give(u64 task, u64 thread, struct vm_boot_info *info)
{
	long err;

	ring = (struct vm_console_ring *)frame_alloc();
	if (!ring)
		return -E_NOMEM;
	err = sys_map(task, (u64)ring, VM_CONSOLE_RING, 1, MAP_R | MAP_W) ?:
		      sys_ioport_grant(SLOT_ROOT_IOPORT, SLOT_SELF_TASK, COM1, 8) ?:
		      sys_cap_copy(SLOT_ROOT_IRQ + CONSOLE_IRQ, SLOT_SELF_TASK, ROOT_SLOT_CONSOLE_IRQ, CR_CONTROL, CONSOLE_BADGE) ?:
		      sys_irq_control(ROOT_SLOT_CONSOLE_IRQ, IRQ_ATTACH,
				      SLOT_SELF_THREAD);
	if (err)
		return err;
	vcpu_thread = thread;
	info->console_ring = VM_CONSOLE_RING;
	drain(); /* whatever came before */
	outb(COM1 + UART_IER, IER_RDI);
	return 0;
}

/*
 * An interrupt message for the console? Drain, acknowledge, drain again
 * (a byte that came between would leave the edge-triggered line high with
 * no new edge), and wake the vCPU.
 */
bool console_irq(u64 badge, const struct ipc_msg *m)
{
	bool any;

	if (!ring || badge != CONSOLE_BADGE || TAG_LABEL(m->tag) != LABEL_IRQ)
		return false;
	any = drain();
	sys_irq_control(ROOT_SLOT_CONSOLE_IRQ, IRQ_ACK, 0);
	any |= drain();
	if (any)
		sys_vcpu_signal(vcpu_thread, VM_CONSOLE_IRQ_BIT);
	return true;
}
