/*
 * Starting a VM: a boot module whose name ends in "vmm.elf" is the
 * in-place VMM, and the three modules after it are its guest's kernel
 * (a vmlinux), initramfs and command line (a text file). The root task
 * loads the VMM like any task but with a larger kernel-memory quota,
 * gives it the guest's RAM at VM_GPA_WINDOW, the three modules read-only
 * from VM_MODULE_BASE, and the page that describes them at VM_BOOT_INFO
 * (user/lib/include/vm_boot.h), and a ring for the console's input, which
 * goes to one VM at a time (console.c). The VMM reaches nothing else.
 */
#include "root.h"
#include <vm_boot.h>

#define VM_RAM (512ul << 20)	   /* a native boot's too (tools/guest.py) */
#define VM_KMEM_QUOTA (32ul << 20) /* three VMs fit the kernel pool */
#define VM_KMEM_MAX (96ul << 20)   /* with what it borrows (REQ_KMEM) */
#define VM_KMEM_STEP_MAX (4ul << 20)
#define ROOT_KMEM_RESERVE (8ul << 20)

static unsigned nr_vms;

bool vm_module(const struct boot_module *m)
{
	const char *name = m->cmdline, *end = name + strlen(name);

	while (end > name && end[-1] == ' ')
		end--;
	return end - name >= 7 && memcmp(end - 7, "vmm.elf", 7) == 0;
}

/* The guest's RAM, in runs of up to 2 MiB of contiguous frames. */
static long give_ram(u64 task)
{
	for (u64 off = 0; off < VM_RAM;) {
		u64 pages = MAP_MAX_PAGES, run;
		long err;

		while (!(run = frame_alloc_run(pages)) && pages > 1)
			pages /= 2;
		if (!run) {
			printf("root: out of RAM for the VM at %lx\n", off);
			return -E_NOMEM;
		}
		err = map_pages(task, run, VM_GPA_WINDOW + off, pages, MAP_RWX);
		if (err) {
			printf("root: mapping guest RAM at %lx: error %ld\n",
			       off, err);
			return err;
		}
		off += pages * PAGE_SIZE;
	}
	return 0;
}

/* Modules are page aligned (multiboot loaders align them): map in place. */
static long give_modules(u64 task, const struct boot_module *m,
			 struct vm_boot_info *info)
{
	u64 at = VM_MODULE_BASE;

	for (unsigned i = 0; i < VM_MODULES; i++) {
		u64 pages = ALIGN_UP(m[i].size, PAGE_SIZE) / PAGE_SIZE;

		if (m[i].start & (PAGE_SIZE - 1))
			return -E_INVAL;
		info->module[i].addr = at;
		info->module[i].size = m[i].size;
		if (pages && map_pages(task, (u64)phys_window(m[i].start), at,
				       pages, MAP_R)) {
			printf("root: cannot map module %s\n", m[i].cmdline);
			return -E_NOMEM;
		}
		at += ALIGN_UP(pages * PAGE_SIZE + PAGE_SIZE, 1ul << 21);
	}
	return 0;
}

/*
 * REQ_KMEM: a VM whose processes map more than its quota holds asks for
 * more (uspace.c). Lent while the root task keeps ROOT_KMEM_RESERVE
 * (every VM is started by then), up to VM_KMEM_MAX a VM; first come,
 * first served. Only VMs may ask.
 */
long vm_kmem_lend(unsigned idx, u64 bytes)
{
	u64 task = ROOT_SLOT_CHILD_TASK(idx), limit, used, held;

	if (!children[idx].vm || !bytes || bytes > VM_KMEM_STEP_MAX)
		return -E_INVAL;
	if (sys_task_quota(SLOT_SELF_TASK, 0, &limit, &used) ||
	    limit < used + bytes + ROOT_KMEM_RESERVE ||
	    sys_task_quota(task, 0, &held, NULL) || held + bytes > VM_KMEM_MAX)
		return -E_NOMEM;
	return sys_task_quota(task, (long)bytes, NULL, NULL);
}

/* Start the VM of module idx and the three after it: 0 or -1. */
int vm_start(unsigned idx, const struct boot_module *m, unsigned nr_left)
{
	u64 task = ROOT_SLOT_CHILD_TASK(idx), entry;
	struct vm_boot_info *info;
	long err;

	if (nr_left < 1 + VM_MODULES) {
		printf("root: %s: a VM needs kernel, initramfs and command line modules after it\n",
		       m->cmdline);
		return -1;
	}
	if (child_create(idx, m, VM_KMEM_QUOTA, &entry))
		return -1;
	children[idx].vm = true;
	info = (struct vm_boot_info *)frame_alloc();
	if (!info)
		return -1;
	info->magic = VM_BOOT_MAGIC;
	info->ram_size = VM_RAM;
	info->vm_index = nr_vms++;
	err = give_ram(task);
	if (!err)
		err = give_modules(task, m + 1, info);
	if (!err)
		err = console_give(task, ROOT_SLOT_CHILD_THREAD(idx), info);
	if (!err)
		err = sys_map(task, (u64)info, VM_BOOT_INFO, 1, MAP_R);
	if (err) {
		printf("root: %s: cannot set up the VM (error %ld)\n",
		       m->cmdline, err);
		return -1;
	}
	printf("root: VM %lu: %lu MiB of RAM, kernel %s\n", info->vm_index,
	       VM_RAM >> 20, m[1].cmdline);
	return child_run(idx, entry);
}
