/*
 * How the root task sets up a VM for the in-place VMM (vmm/): where the
 * VMM, the guest's physical memory and the boot modules sit in the VM
 * task, and the page that describes them. Shared by user/roottask/vm.c
 * and vmm/.
 *
 * The addresses are holes of Linux's x86-64 4-level layout
 * (Documentation/x86/x86_64/mm.rst), so the guest kernel's own mappings
 * never collide with the VMM's: the guest-physical window and the boot
 * modules live in the unused hole at 0xfffffc0000000000 (2 TiB), the VMM
 * in the 2 MiB gap between the module area (ends 0xffffffffff000000) and
 * the fixmap (whose early_ioremap slots start at 0xffffffffff200000),
 * within a rel32 jump of kernel text and modules.
 */
#ifndef VM_BOOT_H
#define VM_BOOT_H

#define VM_GPA_WINDOW 0xfffffc0000000000ul /* guest physical 0 */
#define VM_GPA_MAX (64ul << 30)
#define VM_BOOT_INFO 0xfffffd0000000000ul    /* struct vm_boot_info */
#define VM_CONSOLE_RING 0xfffffd0000001000ul /* VM 0: console input */
#define VM_MODULE_BASE 0xfffffd0000100000ul  /* module images */
#define VM_MODULE_END 0xfffffd8000000000ul
#define VMM_BASE 0xffffffffff000000ul /* the VMM image */
#define VMM_END 0xffffffffff200000ul  /* fixmap's btmaps below */
/*
 * Early boot runs identity mapped (startup_64 until its jump to the
 * kernel map), so a rel32 call written for kernel address V executes at
 * V - __START_KERNEL_map and lands __START_KERNEL_map below its target:
 * the VMM is mapped there too until the guest runs at kernel addresses.
 */
#define VMM_ALIAS_OFFSET 0xffffffff80000000ul
#define VMM_ALIAS_BASE (VMM_BASE - VMM_ALIAS_OFFSET)

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
 * Console input (VM 0 only): the root task reads the machine's serial
 * line, appends the bytes at head and raises the vCPU's pending bit
 * VM_CONSOLE_IRQ_BIT; the VMM takes them from tail into its UART. One
 * writer per index; a full ring drops input.
 */
#define VM_CONSOLE_RING_SIZE 2048
#define VM_CONSOLE_IRQ_BIT 2
struct vm_console_ring {
	volatile unsigned head; /* written by the root task */
	volatile unsigned tail; /* written by the VMM */
	unsigned char buf[VM_CONSOLE_RING_SIZE];
};

#endif
