/*
 * The root task's service loop: page faults of the tasks it started
 * (image pages from the loaded copy, heap and stack pages freshly
 * allocated and zeroed) and their requests (exit, I/O ports, IRQs,
 * devices), and the console's input interrupts (console.c). A
 * fault the root task cannot resolve is reported and left unanswered: that
 * thread stays blocked, every other task goes on.
 */
#include "root.h"

static bool in(u64 a, u64 base, u64 size)
{
	return a >= base && a - base < size;
}

/* The root-task address to map at child address addr, or 0. */
static u64 resolve(struct child *c, u64 addr, unsigned *rights)
{
	for (unsigned i = 0; i < c->nr_seg; i++) {
		struct segment *s = &c->seg[i];

		if (in(addr, s->vaddr, s->memsz)) {
			*rights = s->rights;
			return s->copy + ((addr - s->vaddr) & ~(PAGE_SIZE - 1));
		}
	}
	*rights = MAP_R | MAP_W;
	if (in(addr, CHILD_HEAP_BASE, CHILD_HEAP_SIZE) ||
	    in(addr, CHILD_STACK_TOP - CHILD_STACK_SIZE, CHILD_STACK_SIZE))
		return frame_alloc();
	return 0;
}

static bool page_fault(struct child *c, struct ipc_msg *m)
{
	u64 addr = m->w[0], ip = m->w[2];
	unsigned rights;
	u64 page = resolve(c, addr, &rights);

	if (!page || ((m->w[1] & PF_WRITE) && !(rights & MAP_W))) {
		printf("root: %s: unhandled page fault at %lx (ip %lx, error %lx)\n",
		       c->name, addr, ip, m->w[1]);
		c->faulted = true;
		return false;
	}
	m->tag = TAG_MAP;
	m->w[0] = page;
	m->w[1] = rights;
	return true;
}

static bool request(unsigned idx, struct ipc_msg *m)
{
	struct child *c = &children[idx];
	u64 label = TAG_LABEL(m->tag);
	long err = -E_INVAL;

	switch (label) {
	case LABEL_PAGE_FAULT:
		return page_fault(c, m);
	case LABEL_EXCEPTION:
		printf("root: %s: unhandled exception %lu at ip %lx\n", c->name,
		       m->w[0], m->w[2]);
		c->faulted = true;
		return false;
	case REQ_EXIT:
		c->done = true;
		c->status = (long)m->w[0];
		return false;
	case REQ_IOPORT:
		/* Policy: the CMOS/RTC ports only. */
		if (m->w[0] >= 0x70 && m->w[0] + m->w[1] <= 0x72)
			err = sys_ioport_grant(SLOT_ROOT_IOPORT,
					       ROOT_SLOT_CHILD_TASK(idx),
					       m->w[0], m->w[1]);
		break;
	case REQ_IRQ:
		/* Policy: the RTC line only. */
		if (m->w[0] == 8)
			err = sys_cap_copy(SLOT_ROOT_IRQ + 8,
					   ROOT_SLOT_CHILD_TASK(idx), m->w[1],
					   CR_CONTROL, 8);
		break;
	case REQ_DEVICE:
		return device_request(idx, m);
	case REQ_KMEM:
		err = vm_kmem_lend(idx, m->w[0]);
		break;
	case REQ_PING:
		err = 0;
		break;
	default:
		printf("root: %s: unknown request %lu\n", c->name, label);
		break;
	}
	m->tag = 0;
	m->w[0] = (u64)err;
	return true;
}

static bool all_done(void)
{
	for (unsigned i = 1; i < nr_children; i++)
		if (!children[i].done && !children[i].faulted)
			return false;
	return true;
}

void pager_loop(void)
{
	struct ipc_msg m = { 0 };
	u64 badge = 0;
	bool reply = false;

	while (!all_done()) {
		long err = reply ? ipc_reply_wait(&m, &badge, TIMEOUT_NEVER) :
				   ipc_wait(&m, &badge, TIMEOUT_NEVER);

		reply = false;
		if (err) {
			printf("root: receive failed (%ld)\n", err);
			continue;
		}
		if (console_irq(badge, &m))
			continue;
		if (badge == 0 || badge >= nr_children) {
			printf("root: message with unknown badge %lu\n", badge);
			continue;
		}
		reply = request(badge, &m);
	}
}
