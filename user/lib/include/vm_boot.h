/*
 * How the root task sets up a VM for the in-place VMM (vmm/): where the
 * VMM, the guest's physical memory and the boot modules sit in the VM
 * task, and the page that describes them. Shared by user/roottask/vm.c
 * and vmm/.
 *
 * Everything the VMM owns sits in the hypervisor slot (abi/map.h), the
 * part of the range Linux x86-64 leaves to hypervisors
 * (Documentation/x86/x86_64/mm.rst) that the microkernel leaves to tasks,
 * so the guest kernel keeps its native layout and never maps over it:
 * the VMM's image, the page that describes the VM, the boot modules and
 * the window onto the guest's physical memory.
 *
 * Except for the near window: a rewritten site reaches its thunk with a
 * rel32 jump, and an inline cli stores the virtual interrupt flag with a
 * rip-relative move, so the thunks, the site entry and the data they
 * touch must lie within 2 GiB of the guest's text and modules. They sit
 * in the 2 MiB gap between the module area (ends 0xffffffffff000000) and
 * the fixmap (whose early_ioremap slots start at 0xffffffffff200000),
 * the one hole Linux leaves up there. vmm/include/near.h has its layout.
 */
#ifndef VM_BOOT_H
#define VM_BOOT_H

#include <abi/map.h>

#define VMM_BASE HYPERVISOR_SLOT_START /* the VMM image */
#define VMM_END (VMM_BASE + (1ul << 30))
#define VM_BOOT_INFO VMM_END			 /* struct vm_boot_info */
#define VM_CONSOLE_RING (VM_BOOT_INFO + 0x1000)	 /* console input */
#define VM_MODULE_BASE (VM_BOOT_INFO + 0x100000) /* module images */
#define VM_MODULE_END (VMM_BASE + (64ul << 30))
#define VM_GPA_WINDOW VM_MODULE_END /* guest physical 0 */
#define VM_GPA_MAX (64ul << 30)

#define VMM_NEAR_BASE 0xffffffffff000000ul /* the near window */
#define VMM_NEAR_END 0xffffffffff200000ul  /* fixmap's btmaps above */
/*
 * Early boot runs identity mapped (startup_64 until its jump to the
 * kernel map), so a rel32 jump written for kernel address V executes at
 * V - __START_KERNEL_map and lands __START_KERNEL_map below its target:
 * the near window is mapped there too until the guest runs at kernel
 * addresses.
 */
#define VMM_ALIAS_OFFSET 0xffffffff80000000ul
#define VMM_ALIAS_BASE (VMM_NEAR_BASE - VMM_ALIAS_OFFSET)

#define VM_MAX_MODULES 4
#define VM_BOOT_MAGIC 0x564d424f4f54ul

enum vm_module_kind {
	VM_MOD_KERNEL,
	VM_MOD_INITRD,
	VM_MOD_CMDLINE
};

struct vm_module {
	unsigned long addr; /* in the VM task, read-only */
	unsigned long size;
};

struct vm_boot_info {
	unsigned long magic;
	unsigned long ram_size; /* bytes at VM_GPA_WINDOW */
	unsigned long vm_index; /* the root task's number for this VM */
	struct vm_module module[VM_MAX_MODULES]; /* by vm_module_kind */
	unsigned long console_ring; /* VM_CONSOLE_RING, or 0: no input */
};

/*
 * Console input: the root task reads the machine's serial line, appends
 * the bytes at head of the ring of the VM with the input focus and raises
 * that vCPU's pending bit VM_CONSOLE_IRQ_BIT; the VMM takes them from tail
 * into its UART. One writer per index; a full ring drops input.
 */
#define VM_CONSOLE_RING_SIZE 2048
#define VM_CONSOLE_IRQ_BIT 2
struct vm_console_ring {
	volatile unsigned head; /* written by the root task */
	volatile unsigned tail; /* written by the VMM */
	unsigned char buf[VM_CONSOLE_RING_SIZE];
};

#endif
