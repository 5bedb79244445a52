/*
 * The root task: owner of all memory, ports and interrupt lines at boot.
 * memory.c hands out physical frames, loader.c turns boot modules into
 * tasks, pager.c serves their page faults and requests, device.c gives
 * PCI devices to the tasks its policy names.
 */
#ifndef ROOT_H
#define ROOT_H

#include <lib.h>
#include <sys.h>
#include <layout.h>

#define MAX_CHILDREN BOOT_MAX_MODULES
#define MAX_SEGMENTS 8

/* Slots in the root task's own table. */
#define ROOT_SLOT_CHILD_TASK(i) (32 + 2 * (i))
#define ROOT_SLOT_CHILD_THREAD(i) (33 + 2 * (i))
#define ROOT_SLOT_PAGER(i) (80 + (i)) /* our thread, badged i */

struct segment {
	u64 vaddr, memsz; /* page aligned */
	u64 copy;	  /* where the root task keeps the loaded pages */
	unsigned rights;
};

struct child {
	const char *name;
	struct segment seg[MAX_SEGMENTS];
	unsigned nr_seg;
	bool done;
	bool faulted;
	bool data; /* a VM's data module, not a task */
	bool vm;   /* an in-place VMM (vm.c) */
	long status;
	bool has_device; /* device.c gave it the PCI function `device` */
	u16 device;
};

extern struct child children[MAX_CHILDREN];
extern unsigned nr_children;

void memory_init(const struct boot_info *bi);
u64 frame_alloc(void); /* returns the root-window address, zeroed */
u64 frame_alloc_run(u64 n);
u64 memory_free_bytes(void);
long map_pages(u64 task, u64 src, u64 dst, u64 pages, unsigned rights);
void *phys_window(u64 phys);

int child_start(unsigned idx, const struct boot_module *m);
int child_create(unsigned idx, const struct boot_module *m, u64 kmem_quota,
		 u64 *entry);
int child_run(unsigned idx, u64 entry);
bool vm_module(const struct boot_module *m);
int vm_start(unsigned idx, const struct boot_module *m, unsigned nr_left);
long vm_kmem_lend(unsigned idx, u64 bytes);
#define VM_MODULES 3 /* after the VMM: kernel, initramfs, cmdline */
void device_init(void);
bool device_request(unsigned idx, struct ipc_msg *m);
void pager_loop(void);
struct vm_boot_info;
long console_give(u64 task, u64 thread, struct vm_boot_info *info);
bool console_irq(u64 badge, const struct ipc_msg *m);

#endif
