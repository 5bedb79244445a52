// SPDX-License-Identifier: GPL-2.0
/*
 * sensitive_test: a module full of sensitive instructions, each of whose
 * results it checks at load time. Linux's own inline helpers put the
 * instructions into this module's code (not the kernel's), so they are
 * module sites: natively they run as they are; in a VM they are correct
 * only if the VMM rewrote them (afterburn_helper) or trapped and emulated
 * them. Some behave silently differently at CPL 3 without faulting
 * (pushf sees the real interrupt flag), so without the helper this
 * module's checks fail in a VM; with it they pass and nothing traps.
 *
 * Loading prints "sensitive_test: N of M checks passed" and fails with
 * -EIO if any check failed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/irqflags.h>
#include <linux/mc146818rtc.h>
#include <linux/sched.h>
#include <linux/mm_types.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

static int passed, total;

static void check(bool ok, const char *what, unsigned long long seen)
{
	total++;
	if (ok)
		passed++;
	else
		pr_err("check failed: %s (saw %llx)\n", what, seen);
}

static noinline void check_interrupt_flag(void)
{
	bool off, on;

	local_irq_disable();   /* cli */
	off = irqs_disabled(); /* pushf */
	local_irq_enable();    /* sti */
	on = !irqs_disabled();
	check(off, "pushf after cli shows IF clear", native_save_fl());
	check(on, "pushf after sti shows IF set", native_save_fl());
}

static noinline void check_control_registers(void)
{
	unsigned long cr0 = read_cr0(), cr3 = __read_cr3(), cr4 = __read_cr4();
	struct mm_struct *mm = current->active_mm;

	check((cr0 & (X86_CR0_PE | X86_CR0_PG)) == (X86_CR0_PE | X86_CR0_PG),
	      "CR0 has PE and PG", cr0);
	check((cr3 & CR3_ADDR_MASK) == __pa(mm->pgd),
	      "CR3 holds this process's page tables", cr3);
	check(cr4 & X86_CR4_PAE, "CR4 has PAE", cr4);
}

static noinline void check_msr_cpuid(void)
{
	unsigned int eax, ebx, ecx, edx;
	u64 efer;
	char vendor[13];

	rdmsrl(MSR_EFER, efer); /* rdmsr */
	check((efer & (EFER_LME | EFER_LMA | EFER_SCE)) ==
		      (EFER_LME | EFER_LMA | EFER_SCE),
	      "EFER has LME, LMA, SCE", efer);
	cpuid(0, &eax, &ebx, &ecx, &edx); /* cpuid */
	memcpy(vendor, &ebx, 4);
	memcpy(vendor + 4, &edx, 4);
	memcpy(vendor + 8, &ecx, 4);
	vendor[12] = 0;
	check(!strcmp(vendor, boot_cpu_data.x86_vendor_id),
	      "CPUID vendor is the boot CPU's", eax);
}

static noinline void check_descriptor_tables(void)
{
	struct desc_ptr gdt;
	unsigned long tr;

	native_store_gdt(&gdt); /* sgdt */
	tr = native_store_tr(); /* str */
	check(gdt.size == GDT_SIZE - 1, "SGDT shows Linux's GDT limit",
	      gdt.size);
	check(tr == GDT_ENTRY_TSS * 8, "STR shows Linux's TSS selector", tr);
}

static noinline void check_ports(void)
{
	unsigned long flags;
	unsigned char b;

	spin_lock_irqsave(&rtc_lock, flags); /* pushf, cli; popf */
	outb(RTC_REG_B, RTC_PORT(0));	     /* out */
	b = inb(RTC_PORT(1));		     /* in */
	spin_unlock_irqrestore(&rtc_lock, flags);
	check(b != 0xff && (b & RTC_24H), "the RTC answers in 24-hour mode", b);
	check(!irqs_disabled(), "popf restored IF", native_save_fl());
}

static int __init sensitive_test_init(void)
{
	check_interrupt_flag();
	check_control_registers();
	check_msr_cpuid();
	check_descriptor_tables();
	check_ports();
	pr_info("%d of %d checks passed\n", passed, total);
	return passed == total ? 0 : -EIO;
}

static void __exit sensitive_test_exit(void)
{
}

module_init(sensitive_test_init);
module_exit(sensitive_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Sensitive instructions in a module, checked");
