/*
 * Tasks. A task is created by a task that holds kernel-memory quota; the
 * new task's quota is taken out of its creator's, so the root task decides
 * how much kernel memory each subsystem may use.
 */
#include <lib.h>
#include <kmem.h>
#include <sched.h>
#include <task.h>
#include <thread.h>
#include <abi/errno.h>

struct task *root_task;
static u32 next_task_id;

struct task *task_create(struct task *parent, u64 quota)
{
	struct task *t;

	if (parent) {
		if (!kmem_charge(parent, quota + sizeof(*t)))
			return NULL;
		parent->kmem_limit -= quota;
		parent->kmem_used -= quota;
	}
	t = kmalloc(sizeof(*t));
	if (!t)
		goto undo;
	t->kmem_limit = quota;
	t->id = next_task_id++;
	if (space_init(&t->space, t) < 0) {
		kfree(t, sizeof(*t));
		goto undo;
	}
	return t;
undo:
	if (parent) {
		parent->kmem_limit += quota;
		parent->kmem_used += quota;
		kmem_uncharge(parent, quota + sizeof(*t));
	}
	return NULL;
}

/* task_create(slot, quota_bytes): the new task's cap goes into slot. */
long sys_task_create(struct frame *f)
{
	struct task *self = current()->task, *t;
	u64 slot = f->rdi, quota = f->rsi;

	if (slot >= CAP_SLOTS)
		return -E_BADCAP;
	if (self->caps[slot].type != CAPT_EMPTY)
		return -E_BUSY;
	if (quota < 4096 || quota > (1ul << 40))
		return -E_INVAL;
	t = task_create(self, quota);
	if (!t)
		return -E_NOMEM;
	return cap_install(self, slot, t, CAPT_TASK, CR_ALL, 0);
}

static u64 unused(const struct task *t)
{
	return t->kmem_limit - t->kmem_used;
}

/*
 * task_quota(task, delta) -> rdi limit, rsi used: move delta bytes of
 * kernel-memory quota from the caller to the task (delta > 0), or from
 * the task's unused part back to the caller (delta < 0); 0 only asks.
 * Needs CR_CONTROL on the task, the authority that created it. A task
 * can ask about itself but not move quota to itself.
 */
long sys_task_quota(struct frame *f)
{
	struct task *self = current()->task, *t;
	long delta = (long)f->rsi, err;
	struct cap *c = cap_lookup(self, f->rdi, CAPT_TASK, CR_CONTROL, &err);

	if (!c)
		return err;
	t = c->obj;
	if (delta < -(1l << 40) || delta > (1l << 40) || (t == self && delta))
		return -E_INVAL;
	if ((delta > 0 && unused(self) < (u64)delta) ||
	    (delta < 0 && unused(t) < (u64)-delta))
		return -E_NOMEM;
	t->kmem_limit += delta;
	self->kmem_limit -= delta;
	f->rdi = t->kmem_limit;
	f->rsi = t->kmem_used;
	return 0;
}
