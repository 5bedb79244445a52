/*
 * Starting the root task: load boot module 0 (a static ELF64 executable)
 * into fresh pages, give it a stack and the boot information page, and
 * install the capabilities that carry all authority: its own task and
 * thread, every I/O port, every interrupt line and the IOMMU. Its memory
 * grows from its physical window on demand (map.c).
 */
#include <lib.h>
#include <dma.h>
#include <irq.h>
#include <kmem.h>
#include <map.h>
#include <sched.h>
#include <task.h>
#include <thread.h>
#include <abi/boot.h>
#include <abi/elf64.h>
#include <abi/map.h>
#include <arch/frame.h>
#include <arch/layout.h>

static void *root_page(struct task *t, u64 va, unsigned rights)
{
	void *p = kpage_alloc(1);

	if (!p || !kmem_charge(t, 4096))
		panic("root task: out of memory for its image");
	if (map_root_phys(&t->space, va, virt_to_phys(p), rights))
		panic("root task: cannot map %lx", va);
	return p;
}

static u64 load_elf(struct task *t, const struct boot_module *m)
{
	const u8 *img = phys_to_virt(m->start);
	const struct elf64_ehdr *eh = (const void *)img;

	if (memcmp(eh->ident, "\177ELF", 4) || eh->ident[4] != 2 ||
	    eh->machine != ELF_MACHINE_X86_64)
		panic("boot module 0 (%s) is not an x86-64 ELF", m->cmdline);
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct elf64_phdr *ph =
			(const void *)(img + eh->phoff + i * eh->phentsize);
		unsigned rights = MAP_R;

		if (ph->type != ELF_PT_LOAD)
			continue;
		if (ph->flags & ELF_PF_W)
			rights |= MAP_W;
		if (ph->flags & ELF_PF_X)
			rights |= MAP_X;
		for (u64 va = ALIGN_DOWN(ph->vaddr, 4096);
		     va < ph->vaddr + ph->memsz; va += 4096) {
			u8 *page = root_page(t, va, rights);

			for (u64 b = 0; b < 4096; b++) {
				u64 a = va + b;

				if (a >= ph->vaddr &&
				    a < ph->vaddr + ph->filesz)
					page[b] =
						img[ph->offset + a - ph->vaddr];
			}
		}
	}
	return eh->entry;
}

void root_task_start(struct boot_info *bi)
{
	/* The root task may use every pool page the kernel has not used. */
	struct task *t = task_create(NULL, kpool_free_pages() * 4096);
	struct thread *th;
	struct frame *f;
	u64 entry;

	assert(t);
	t->is_root = true;
	bi->kmem_quota = t->kmem_limit / 4096;
	root_task = t;

	entry = load_elf(t, &bi->modules[0]);
	for (u64 i = 1; i <= ROOT_STACK_PAGES; i++)
		root_page(t, ROOT_STACK_TOP - i * 4096, MAP_R | MAP_W);
	bi->magic = BOOT_INFO_MAGIC;
	memcpy(root_page(t, BOOT_INFO_ADDR, MAP_R), bi, sizeof(*bi));

	th = thread_create(t, t);
	assert(th);
	th->prio = 200;
	f = thread_frame(th);
	f->rip = entry;
	f->rsp = ROOT_STACK_TOP - 8;
	f->rdi = BOOT_INFO_ADDR;

	cap_install(t, SLOT_SELF_TASK, t, CAPT_TASK, CR_ALL, 0);
	cap_install(t, SLOT_SELF_THREAD, th, CAPT_THREAD, CR_ALL, 0);
	cap_install(t, SLOT_ROOT_IOPORT, ioport_root_object(), CAPT_IOPORT,
		    CR_ALL, 0);
	for (u32 i = 0; i < IRQ_LINES; i++)
		cap_install(t, SLOT_ROOT_IRQ + i, irq_object(i), CAPT_IRQ,
			    CR_ALL, i);
	if (iommu_present())
		cap_install(t, SLOT_ROOT_IOMMU, iommu_object(), CAPT_IOMMU,
			    CR_ALL, 0);

	th->state = TS_READY;
	sched_ready(th);
	printk("root task: %s, entry %lx, %lu modules\n",
	       bi->modules[0].cmdline, entry, bi->nr_modules);
}
