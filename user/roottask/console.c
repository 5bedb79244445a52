/*
 * Console input for the VMs. The microkernel owns the serial line's
 * output (polled, interrupts off); the root task, which holds every port
 * and interrupt line at boot, takes its input: it turns on the UART's
 * receive interrupt (ISA IRQ 4), drains the received bytes on each
 * interrupt message into the ring page it shares with the VM that has
 * the input focus (struct vm_console_ring, user/lib/include/vm_boot.h)
 * and raises that vCPU's pending bit VM_CONSOLE_IRQ_BIT. The VMM feeds
 * them to its virtual 16550 (vmm/dev/uart.c).
 *
 * VM 0 has the focus first. Typing the escape byte (Ctrl-], as in telnet)
 * and then a VM's number moves it there; the escape byte twice sends one
 * escape byte; after any other byte both go to the VM with the focus.
 * Every VM has its own ring, so what one VM has not read yet stays its
 * own when the focus moves. Lines from VM n > 0 carry a "vmn| " prefix
 * (vmm/main.c), so the output tells the VMs apart.
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
#define ESCAPE 0x1d	/* Ctrl-] */
#define MAX_CONSOLES 10 /* one digit names a VM */

struct console {
	struct vm_console_ring *ring; /* root-window address */
	u64 vcpu_thread;	      /* our slot for the VM's vCPU */
	bool signal;		      /* bytes added since the last wake-up */
};

static struct console consoles[MAX_CONSOLES]; /* by VM number */
static unsigned nr_consoles, nr_given, focus;
static bool escaped; /* the last byte was ESCAPE */

static void put(struct console *c, u8 byte)
{
	struct vm_console_ring *r = c->ring;
	unsigned head;

	if (!r)
		return; /* that VM did not start */
	head = r->head;
	if (head - r->tail >= VM_CONSOLE_RING_SIZE)
		return; /* full: dropped */
	r->buf[head % VM_CONSOLE_RING_SIZE] = byte;
	asm volatile("" ::: "memory"); /* byte before index */
	r->head = head + 1;
	c->signal = true;
}

/* One byte typed: for the VM with the focus, or a focus switch. */
static void input(u8 byte)
{
	unsigned to = byte - '0';

	if (!escaped && byte == ESCAPE) {
		escaped = true;
		return;
	}
	if (escaped) {
		escaped = false;
		if (to < nr_consoles && consoles[to].ring) {
			focus = to;
			printf("root: console input goes to VM %u\n", focus);
			return;
		}
		if (byte != ESCAPE)
			put(&consoles[focus], ESCAPE);
	}
	put(&consoles[focus], byte);
}

/* Received bytes into the rings; true if there were any. */
static bool drain(void)
{
	bool any = false;

	while (inb(COM1 + UART_LSR) & LSR_DR) {
		any = true;
		input(inb(COM1 + UART_RBR));
	}
	return any;
}

/* Wake the vCPUs that got bytes. */
static void signal_vcpus(void)
{
	for (unsigned i = 0; i < nr_consoles; i++) {
		if (consoles[i].signal)
			sys_vcpu_signal(consoles[i].vcpu_thread,
					VM_CONSOLE_IRQ_BIT);
		consoles[i].signal = false;
	}
}

/* The first console: take the serial line's input. */
static long console_attach(void)
{
	long err;

	err = sys_ioport_grant(SLOT_ROOT_IOPORT, SLOT_SELF_TASK, COM1, 8) ?:
		      sys_cap_copy(SLOT_ROOT_IRQ + CONSOLE_IRQ, SLOT_SELF_TASK, ROOT_SLOT_CONSOLE_IRQ, CR_CONTROL, CONSOLE_BADGE) ?:
		      sys_irq_control(ROOT_SLOT_CONSOLE_IRQ, IRQ_ATTACH,
				      SLOT_SELF_THREAD);
	if (err)
		return err;
	drain(); /* whatever came before, for VM 0 */
	outb(COM1 + UART_IER, IER_RDI);
	return 0;
}

/*
 * The VM numbered info->vm_index (task slot `task`, vCPU thread slot
 * `thread`) gets a console ring. VMs past the tenth get none.
 */
long console_give(u64 task, u64 thread, struct vm_boot_info *info)
{
	struct console *c;
	long err;

	if (info->vm_index >= MAX_CONSOLES)
		return 0;
	c = &consoles[info->vm_index];
	c->ring = (struct vm_console_ring *)frame_alloc();
	if (!c->ring)
		return -E_NOMEM;
	err = sys_map(task, (u64)c->ring, VM_CONSOLE_RING, 1, MAP_R | MAP_W);
	if (err) {
		c->ring = NULL;
		return err;
	}
	c->vcpu_thread = thread;
	info->console_ring = VM_CONSOLE_RING;
	if (info->vm_index >= nr_consoles)
		nr_consoles = info->vm_index + 1;
	if (++nr_given == 1)
		return console_attach();
	if (nr_given == 2)
		printf("root: console input goes to VM %u; Ctrl-] and a VM's number move it\n",
		       focus);
	return 0;
}

/*
 * An interrupt message for the console? Drain, acknowledge, drain again
 * (a byte that came between would leave the edge-triggered line high with
 * no new edge), and wake the vCPUs that got input.
 */
bool console_irq(u64 badge, const struct ipc_msg *m)
{
	if (!nr_consoles || badge != CONSOLE_BADGE ||
	    TAG_LABEL(m->tag) != LABEL_IRQ)
		return false;
	drain();
	sys_irq_control(ROOT_SLOT_CONSOLE_IRQ, IRQ_ACK, 0);
	drain();
	signal_vcpus();
	return true;
}
