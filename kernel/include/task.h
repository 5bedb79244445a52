/*
 * Tasks (task.c): a protection domain = an address space, a capability
 * table, an I/O permission bitmap, a DMA domain and a kernel-memory quota.
 */
#ifndef TASK_H
#define TASK_H

#include <cap.h>
#include <space.h>

struct dma_domain;

struct task {
	struct space space;
	struct cap caps[CAP_SLOTS];
	u64 kmem_limit; /* bytes this task may hold */
	u64 kmem_used;
	u8 *io_bitmap; /* NULL: no ports; else 8 KiB, bit set = denied */
	struct dma_domain *dma; /* NULL until first used (dma.c) */
	u32 id;
	bool is_root;
};

struct task *task_create(struct task *parent, u64 quota);
long sys_task_create(struct frame *f);
long sys_task_quota(struct frame *f);
void task_io_activate(struct task *t);
void *ioport_root_object(void);
long sys_ioport_grant(struct frame *f);

extern struct task *root_task;

#endif
