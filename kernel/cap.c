/*
 * Capability tables. Every system call that names an object goes through
 * cap_lookup(), which checks the slot number, the object type and the
 * rights. Copies can only drop rights and need CR_GRANT on the source.
 */
#include <lib.h>
#include <cap.h>
#include <sched.h>
#include <task.h>
#include <thread.h>
#include <abi/errno.h>

KERNEL_EVENT struct cap *cap_lookup(struct task *t, u64 slot, unsigned type,
				    unsigned rights, long *err)
{
	struct cap *c;

	if (slot >= CAP_SLOTS) {
		*err = -E_BADCAP;
		return NULL;
	}
	c = &t->caps[slot];
	if (c->type == CAPT_EMPTY || (type && c->type != type)) {
		*err = -E_BADCAP;
		return NULL;
	}
	if ((c->rights & rights) != rights) {
		*err = -E_PERM;
		return NULL;
	}
	return c;
}

long cap_install(struct task *t, u64 slot, void *obj, unsigned type,
		 unsigned rights, u64 badge)
{
	if (slot >= CAP_SLOTS)
		return -E_BADCAP;
	if (t->caps[slot].type != CAPT_EMPTY)
		return -E_BUSY;
	t->caps[slot].obj = obj;
	t->caps[slot].type = type;
	t->caps[slot].rights = rights;
	t->caps[slot].badge = badge;
	return 0;
}

/* cap_copy(src_slot, task_cap, dst_slot, rights, badge) */
long sys_cap_copy(struct frame *f)
{
	struct task *self = current()->task;
	struct cap *src, *dt;
	long err;

	src = cap_lookup(self, f->rdi, 0, CR_GRANT, &err);
	if (!src)
		return err;
	dt = cap_lookup(self, f->rsi, CAPT_TASK, CR_CONTROL, &err);
	if (!dt)
		return err;
	if (f->r10 & ~(u64)CR_ALL)
		return -E_INVAL;
	return cap_install(dt->obj, f->rdx, src->obj, src->type,
			   src->rights & f->r10, f->r8);
}

long sys_cap_delete(struct frame *f)
{
	struct task *self = current()->task;
	long err;
	struct cap *c = cap_lookup(self, f->rdi, 0, 0, &err);

	if (!c)
		return err;
	memset(c, 0, sizeof(*c));
	return 0;
}

/* cap_info(slot) -> rdi type, rsi rights, rdx badge */
long sys_cap_info(struct frame *f)
{
	long err;
	struct cap *c = cap_lookup(current()->task, f->rdi, 0, 0, &err);

	if (!c)
		return err;
	f->rdi = c->type;
	f->rsi = c->rights;
	f->rdx = c->badge;
	return 0;
}
