/*
 * The kernel's entry from boot.S, in the higher half with the boot page
 * tables. Reads like the boot order: console, CPU tables, memory,
 * interrupts, IOMMU and timer, scheduler, then the root task, which gets all
 * resources and starts everything else.
 */
#include <lib.h>
#include <dma.h>
#include <irq.h>
#include <pmem.h>
#include <sched.h>
#include <thread.h>
#include <timer.h>
#include <abi/boot.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/serial.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002

void root_task_start(struct boot_info *bi);

static struct boot_info boot_info;

noreturn void kernel_main(u32 magic, u32 mb_info)
{
	serial_init(); /* COM1: printk works from here on */
	printk("\nmicrokernel: booting\n");
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("not started by a multiboot loader (magic %x)", magic);
	cpu_init(); /* GDT, TSS, IDT, SYSCALL, CR4 features */
	fpu_init(); /* per-thread XSAVE area fits */
	pmem_init(mb_info, &boot_info); /* memory map, kernel pool, root RAM */
	apic_init();   /* mask the 8259s, enable the local APIC */
	irq_init();    /* IOAPIC lines masked until attached */
	iommu_init();  /* DMA blocked until devices are assigned */
	timer_start(); /* one-shot APIC timer, first tick */
	boot_info.tsc_per_tick = apic_tsc_per_tick();
	sched_init();		     /* idle thread */
	root_task_start(&boot_info); /* module 0 with all authority */
	sched_start();		     /* never returns */
}
