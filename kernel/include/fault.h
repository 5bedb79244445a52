/*
 * Exception and page-fault delivery (fault.c): a user thread's fault
 * becomes a call to its pager; the reply carries a mapping or new
 * registers. Without a pager the thread halts; other threads go on.
 */
#ifndef FAULT_H
#define FAULT_H

#include <types.h>

struct frame;
struct thread;
struct msg;

void fault_user(struct frame *f);
long fault_reply(struct thread *t, struct thread *pager, const struct msg *m);

#endif
