/*
 * Synchronous IPC. A send meets a receiver that waits for it, or queues
 * on the receiver (in FIFO order) until the send timeout. A call is a send
 * followed, atomically, by a closed receive from the same partner, which
 * learns the caller as its reply target (CAP_REPLY). Messages are copied
 * register to register: tag and MSG_WORDS words, never user memory.
 * Fault messages come from the faulting thread's kmsg; a reply to a thread
 * waiting on a fault is applied by fault_reply() instead of copied.
 */
#include <lib.h>
#include <fault.h>
#include <ipc.h>
#include <irq.h>
#include <sched.h>
#include <stats.h>
#include <task.h>
#include <abi/errno.h>

KERNEL_HOT void msg_from_frame(struct msg *m, const struct frame *f)
{
	m->tag = f->r8;
	m->w[0] = f->r9;
	m->w[1] = f->r12;
	m->w[2] = f->r13;
	m->w[3] = f->r14;
	m->w[4] = f->r15;
}

KERNEL_HOT void msg_to_frame(struct frame *f, const struct msg *m)
{
	f->r8 = m->tag;
	f->r9 = m->w[0];
	f->r12 = m->w[1];
	f->r13 = m->w[2];
	f->r14 = m->w[3];
	f->r15 = m->w[4];
}

static void sender_msg(struct thread *s, struct msg *m)
{
	if (s->kmsg_valid)
		*m = s->kmsg;
	else
		msg_from_frame(m, thread_frame(s));
}

/* Give m to r (waiting in receive); returns the result for the sender. */
static long transfer(struct thread *s, struct thread *r, u64 badge,
		     const struct msg *m)
{
	struct frame *f = thread_frame(r);

	stat_inc(STAT_IPCS);
	if (r->in_fault)
		return fault_reply(r, s, m);
	msg_to_frame(f, m);
	f->rdi = badge;
	return 0;
}

static void wake(struct thread *t, long result)
{
	timeout_cancel(t);
	t->ipc_result = result;
	t->partner = NULL;
	t->state = TS_READY;
	sched_ready(t);
}

static void queue_remove(struct thread *dest, struct thread *s)
{
	struct thread **pp, *prev = NULL;

	for (pp = &dest->send_head; *pp && *pp != s; pp = &(*pp)->q_next)
		prev = *pp;
	if (!*pp)
		return;
	*pp = s->q_next;
	if (dest->send_tail == s)
		dest->send_tail = prev;
}

/*
 * Returns 0 when the message was delivered, 1 when it was a call whose
 * reply (or failure) has already arrived (result in self->ipc_result),
 * or a negative error.
 */
KERNEL_HOT long ipc_send(struct thread *self, struct thread *dest, u64 badge,
			 bool call, u32 timeout)
{
	struct msg m;
	long r;

	if (dest == self)
		return -E_INVAL;
	if (dest->state == TS_RECV &&
	    (!dest->partner || dest->partner == self)) {
		sender_msg(self, &m);
		r = transfer(self, dest, badge, &m);
		if (call && !dest->in_fault)
			dest->reply_to = self;
		wake(dest, 0);
		return r;
	}
	if (timeout == 0)
		return -E_TIMEOUT;
	self->q_next = NULL;
	if (dest->send_tail)
		dest->send_tail->q_next = self;
	else
		dest->send_head = self;
	dest->send_tail = self;
	self->state = TS_SEND;
	self->partner = dest;
	self->send_badge = badge;
	self->send_call = call;
	self->call_converted = false;
	if (timeout != TIMEOUT_NEVER)
		timeout_set(self, timeout);
	sched_block();
	if (self->call_converted) {
		self->call_converted = false;
		return 1;
	}
	return self->ipc_result;
}

KERNEL_HOT long ipc_receive(struct thread *self, struct thread *from,
			    u32 timeout)
{
	struct thread *s;
	struct msg m;
	u64 badge;
	u32 line;
	long r;

	if (!from && irq_take_pending(self, &badge, &line)) {
		m.tag = TAG_MAKE(LABEL_IRQ, 0);
		m.w[0] = line;
		transfer(NULL, self, badge, &m);
		return 0;
	}
	for (s = self->send_head; s && from && s != from; s = s->q_next)
		;
	if (!s) {
		if (timeout == 0)
			return -E_TIMEOUT;
		self->state = TS_RECV;
		self->partner = from;
		if (timeout != TIMEOUT_NEVER)
			timeout_set(self, timeout);
		sched_block();
		return self->ipc_result;
	}
	queue_remove(self, s);
	timeout_cancel(s);
	sender_msg(s, &m);
	r = transfer(s, self, s->send_badge, &m);
	if (s->send_call && !self->in_fault) {
		/* The caller now waits for our reply. */
		self->reply_to = s;
		s->send_call = false;
		s->call_converted = true;
		s->state = TS_RECV;
		s->partner = self;
		if (s->call_rcv_timeout != TIMEOUT_NEVER)
			timeout_set(s, s->call_rcv_timeout);
	} else {
		wake(s, r);
	}
	return 0;
}

/* Abort t's IPC (timeout, exregs, halt); t becomes ready with result. */
void ipc_cancel(struct thread *t, long result)
{
	if (t->state == TS_SEND)
		queue_remove(t->partner, t);
	else if (t->state != TS_RECV)
		return;
	wake(t, result);
}

/* A message without a sending thread (IRQ): only to an open receiver. */
KERNEL_HOT bool ipc_deliver_async(struct thread *dest, u64 badge,
				  const struct msg *m)
{
	if (dest->state != TS_RECV || dest->partner || dest->in_fault)
		return false;
	transfer(NULL, dest, badge, m);
	wake(dest, 0);
	return true;
}

/* The SYS_IPC register protocol is described in abi/ipc.h. */
KERNEL_HOT long sys_ipc(struct frame *f)
{
	struct thread *self = current(), *dest = NULL, *from = NULL;
	u64 flags = f->rdx, badge = 0;
	u32 snd_to = (u32)f->r10, rcv_to = (u32)(f->r10 >> 32);
	bool call = flags & 4;
	struct cap *c;
	long err;

	if (!flags || (flags & ~(u64)IPC_CALL) || (call && flags != IPC_CALL))
		return -E_INVAL;
	if (call && rcv_to == 0)
		return -E_INVAL;
	if (flags & IPC_SEND) {
		if (f->rdi == CAP_REPLY) {
			if (call)
				return -E_INVAL;
			dest = self->reply_to;
			self->reply_to = NULL;
			if (!dest || dest->state != TS_RECV ||
			    dest->partner != self)
				return -E_STATE;
		} else {
			c = cap_lookup(self->task, f->rdi, CAPT_THREAD, CR_SEND,
				       &err);
			if (!c)
				return err;
			dest = c->obj;
			badge = c->badge;
		}
		self->call_rcv_timeout = rcv_to;
		err = ipc_send(self, dest, badge, call, snd_to);
		if (err < 0)
			return err;
		if (err == 1)
			return self->ipc_result;
	}
	if (flags & IPC_RECV) {
		if (call) {
			from = dest;
		} else if (f->rsi != CAP_NONE) {
			c = cap_lookup(self->task, f->rsi, CAPT_THREAD, 0,
				       &err);
			if (!c)
				return err;
			from = c->obj;
		}
		return ipc_receive(self, from, rcv_to);
	}
	return 0;
}
