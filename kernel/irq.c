/*
 * Interrupts as messages. The root task holds one capability per IOAPIC
 * input; attaching binds the line to a thread of the caller's task. When
 * the line fires the kernel masks it and sends LABEL_IRQ (badge = the IRQ
 * capability's badge) to the thread if it waits in an open receive, or
 * marks it pending for the thread's next receive. IRQ_ACK unmasks it, so
 * a storm costs one message per acknowledgement, never a livelock.
 * A line attached to a vCPU thread raises its virtual interrupt `line`
 * instead (vcpu.c); IRQ_ACK works the same.
 */
#include <lib.h>
#include <ipc.h>
#include <irq.h>
#include <sched.h>
#include <task.h>
#include <vcpu.h>
#include <abi/errno.h>
#include <abi/syscall.h>
#include <arch/apic.h>

static struct irq irqs[IRQ_LINES];

void irq_init(void)
{
	ioapic_init();
	for (u32 i = 0; i < IRQ_LINES; i++) {
		irqs[i].line = i;
		irqs[i].masked = true;
	}
}

struct irq *irq_object(u32 line)
{
	return line < IRQ_LINES ? &irqs[line] : NULL;
}

KERNEL_HOT void irq_handle(u32 line)
{
	struct irq *q = &irqs[line];
	struct msg m = { .tag = TAG_MAKE(LABEL_IRQ, 0), .w = { line } };

	ioapic_mask(line, true);
	q->masked = true;
	q->count++;
	if (!q->thread)
		return;
	if (q->thread->vcpu_area) { /* virtual interrupt `line` */
		vcpu_irq(q->thread, line);
		return;
	}
	if (!ipc_deliver_async(q->thread, q->badge, &m))
		q->pending = true;
}

KERNEL_HOT bool irq_take_pending(struct thread *t, u64 *badge, u32 *line)
{
	for (u32 i = 0; i < IRQ_LINES; i++) {
		if (irqs[i].thread == t && irqs[i].pending) {
			irqs[i].pending = false;
			*badge = irqs[i].badge;
			*line = i;
			return true;
		}
	}
	return false;
}

/* irq_control(irq_cap, op, thread_slot) */
long sys_irq_control(struct frame *f)
{
	struct task *self = current()->task;
	struct cap *c, *tc;
	struct irq *q;
	long err;

	c = cap_lookup(self, f->rdi, CAPT_IRQ, CR_CONTROL, &err);
	if (!c)
		return err;
	q = c->obj;
	switch (f->rsi) {
	case IRQ_ATTACH:
		tc = cap_lookup(self, f->rdx, CAPT_THREAD, CR_CONTROL, &err);
		if (!tc)
			return err;
		if (q->thread)
			return -E_BUSY;
		if (((struct thread *)tc->obj)->task != self)
			return -E_PERM;
		q->thread = tc->obj;
		q->badge = c->badge;
		q->pending = false;
		break;
	case IRQ_ACK:
		if (!q->thread || q->thread->task != self)
			return -E_STATE;
		break;
	case IRQ_DETACH:
		if (!q->thread || q->thread->task != self)
			return -E_STATE;
		q->thread = NULL;
		q->pending = false;
		ioapic_mask(q->line, true);
		q->masked = true;
		return 0;
	default:
		return -E_INVAL;
	}
	q->masked = false;
	ioapic_mask(q->line, false);
	return 0;
}
