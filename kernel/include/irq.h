/*
 * Interrupts as messages (irq.c): an IRQ line bound to a thread is masked
 * when it fires and delivered as an IPC with LABEL_IRQ; the thread's
 * acknowledge unmasks it.
 */
#ifndef IRQ_H
#define IRQ_H

#include <types.h>

struct frame;
struct thread;

struct irq {
	u32 line;
	struct thread *thread; /* bound receiver, NULL if none */
	u64 badge;
	bool pending; /* fired while the thread was not receiving */
	bool masked;
	u64 count;
};

void irq_init(void);
void irq_handle(u32 line);
struct irq *irq_object(u32 line);
bool irq_take_pending(struct thread *t, u64 *badge, u32 *line);
long sys_irq_control(struct frame *f);

#endif
