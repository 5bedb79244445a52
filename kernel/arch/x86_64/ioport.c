/*
 * I/O-port permissions. A task that was granted ports has an 8 KiB
 * permission bitmap (bit clear = allowed, Intel SDM Vol. 1 19.5.2); the
 * TSS holds the bitmap of the running task, copied in only when a
 * different task with ports runs. Tasks without ports get an I/O map base
 * beyond the TSS limit, so every IN/OUT at CPL 3 raises #GP (IOPL is 0).
 */
#include <lib.h>
#include <kmem.h>
#include <sched.h>
#include <task.h>
#include <thread.h>
#include <abi/errno.h>
#include <arch/percpu.h>
#include <arch/tss.h>

/* The root task's capability object: the whole port space. */
struct ioport_range {
	u32 base, count;
};

static struct ioport_range all_ports = { 0, 65536 };

void *ioport_root_object(void)
{
	return &all_ports;
}

KERNEL_EVENT void task_io_activate(struct task *t)
{
	struct percpu *c = this_cpu();

	/* The TSS is written only on a change: one page fewer per switch. */
	if (!t->io_bitmap) {
		if (c->io_bitmap_on)
			cpu0_tss.iomap_base = IOMAP_NONE;
		c->io_bitmap_on = false;
		return;
	}
	if (c->io_bitmap_owner != t) {
		memcpy(cpu0_tss.io_bitmap, t->io_bitmap, IO_BITMAP_BYTES);
		c->io_bitmap_owner = t;
	}
	if (!c->io_bitmap_on)
		cpu0_tss.iomap_base = offsetof(struct tss, io_bitmap);
	c->io_bitmap_on = true;
}

/* ioport_grant(ioport_cap, task_cap, base, count) */
long sys_ioport_grant(struct frame *f)
{
	struct task *self = current()->task, *t;
	u64 base = f->rdx, count = f->r10;
	struct ioport_range *r;
	struct cap *c, *tc;
	long err;

	c = cap_lookup(self, f->rdi, CAPT_IOPORT, CR_GRANT, &err);
	if (!c)
		return err;
	tc = cap_lookup(self, f->rsi, CAPT_TASK, CR_CONTROL, &err);
	if (!tc)
		return err;
	r = c->obj;
	t = tc->obj;
	if (count == 0 || base < r->base || count > r->count ||
	    base - r->base > r->count - count)
		return -E_INVAL;
	if (!t->io_bitmap) {
		if (!kmem_charge(t, IO_BITMAP_BYTES))
			return -E_NOMEM;
		t->io_bitmap = kpage_alloc(IO_BITMAP_BYTES / 4096);
		if (!t->io_bitmap) {
			kmem_uncharge(t, IO_BITMAP_BYTES);
			return -E_NOMEM;
		}
		memset(t->io_bitmap, 0xff, IO_BITMAP_BYTES);
	}
	for (u64 p = base; p < base + count; p++)
		t->io_bitmap[p / 8] &= ~(1u << (p % 8));
	this_cpu()->io_bitmap_owner = NULL;
	task_io_activate(current()->task);
	return 0;
}
