/*
 * Synchronous IPC (ipc.c): rendezvous between a sender and a receiver,
 * with send and receive timeouts, call/reply, badges, and messages the
 * kernel sends on a thread's behalf (page faults, exceptions, IRQs).
 */
#ifndef IPC_H
#define IPC_H

#include <thread.h>

long ipc_send(struct thread *self, struct thread *dest, u64 badge, bool call,
	      u32 timeout);
long ipc_receive(struct thread *self, struct thread *from, u32 timeout);
void ipc_cancel(struct thread *t, long result);
bool ipc_deliver_async(struct thread *dest, u64 badge, const struct msg *m);
long sys_ipc(struct frame *f);

void msg_from_frame(struct msg *m, const struct frame *f);
void msg_to_frame(struct frame *f, const struct msg *m);

#endif
