/*
 * Starting a boot module as a task: copy its ELF segments into root-owned
 * pages (mapped into the task on demand by pager.c), create the task and
 * its first thread with the root task as pager, and give it exactly three
 * capabilities: its own task, its own thread and a send capability to the
 * root task badged with its index.
 */
#include "root.h"
#include <abi/elf64.h>

static int load_segments(struct child *c, const u8 *img, u64 size, u64 *entry)
{
	const struct elf64_ehdr *eh = (const void *)img;

	if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4) ||
	    eh->machine != ELF_MACHINE_X86_64)
		return -1;
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct elf64_phdr *ph =
			(const void *)(img + eh->phoff + i * eh->phentsize);
		struct segment *s = &c->seg[c->nr_seg];
		u64 start, end;

		if (ph->type != ELF_PT_LOAD)
			continue;
		if (c->nr_seg == MAX_SEGMENTS) {
			printf("root: %s: more than %u loadable segments\n",
			       c->name, MAX_SEGMENTS);
			return -1;
		}
		start = ph->vaddr & ~(PAGE_SIZE - 1);
		end = ALIGN_UP(ph->vaddr + ph->memsz, PAGE_SIZE);
		s->vaddr = start;
		s->memsz = end - start;
		s->rights = MAP_R | (ph->flags & ELF_PF_W ? MAP_W : 0) |
			    (ph->flags & ELF_PF_X ? MAP_X : 0);
		/* One physically contiguous run, so one window range. */
		s->copy = frame_alloc_run(s->memsz / PAGE_SIZE);
		if (!s->copy)
			return -1;
		for (u64 va = start; va < end; va += PAGE_SIZE) {
			u64 page = s->copy + (va - start);
			u64 lo = va < ph->vaddr ? ph->vaddr : va;
			u64 hi = va + PAGE_SIZE;

			if (hi > ph->vaddr + ph->filesz)
				hi = ph->vaddr + ph->filesz;
			if (hi > lo)
				memcpy((u8 *)page + (lo - va),
				       img + ph->offset + (lo - ph->vaddr),
				       hi - lo);
		}
		c->nr_seg++;
	}
	*entry = eh->entry;
	return 0;
}

/* Load module m as child idx: its task and thread, not yet running. */
int child_create(unsigned idx, const struct boot_module *m, u64 kmem_quota,
		 u64 *entry)
{
	struct child *c = &children[idx];
	u64 task = ROOT_SLOT_CHILD_TASK(idx), th = ROOT_SLOT_CHILD_THREAD(idx);
	long err;

	c->name = m->cmdline;
	if (load_segments(c, phys_window(m->start), m->size, entry)) {
		printf("root: %s: bad ELF image\n", c->name);
		return -1;
	}
	err = sys_task_create(task, kmem_quota);
	if (!err)
		err = sys_thread_create(task, th);
	if (!err)
		err = sys_cap_copy(task, task, SLOT_SELF_TASK, CR_ALL, 0);
	if (!err)
		err = sys_cap_copy(th, task, SLOT_SELF_THREAD, CR_ALL, 0);
	if (!err) /* children may call us but not control us */
		err = sys_cap_copy(SLOT_SELF_THREAD, task, SLOT_PARENT, CR_SEND,
				   idx);
	if (!err)
		err = sys_cap_copy(SLOT_SELF_THREAD, SLOT_SELF_TASK,
				   ROOT_SLOT_PAGER(idx), CR_SEND, idx);
	if (!err)
		err = sys_thread_control(th, ROOT_SLOT_PAGER(idx), 100,
					 TC_SET_PAGER | TC_SET_PRIO);
	if (err)
		printf("root: %s: cannot create (error %ld)\n", c->name, err);
	return err ? -1 : 0;
}

/* Start child idx's first thread at entry. */
int child_run(unsigned idx, u64 entry)
{
	struct child *c = &children[idx];
	u64 th = ROOT_SLOT_CHILD_THREAD(idx);
	u64 ip = entry, sp = CHILD_STACK_TOP - 16;
	long err;

	err = sys_thread_exregs(th, &ip, &sp, EX_SET_IP | EX_SET_SP, NULL);
	err = sys_thread_control(th, 0, 0, TC_START);
	if (err) {
		printf("root: %s: cannot start (error %ld)\n", c->name, err);
		return -1;
	}
	return 0;
}

int child_start(unsigned idx, const struct boot_module *m)
{
	u64 entry;

	if (child_create(idx, m, CHILD_KMEM_QUOTA, &entry))
		return -1;
	return child_run(idx, entry);
}
