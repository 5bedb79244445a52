/*
 * Interrupt and exception dispatch. Exceptions from user mode go to the
 * faulting thread's pager (fault.c); exceptions in the kernel are bugs and
 * panic with the registers. The timer drives the scheduler; device
 * interrupts become messages (irq.c); the IOMMU's fault event is read
 * by its driver (iommu.c).
 */
#include <lib.h>
#include <fault.h>
#include <irq.h>
#include <sched.h>
#include <thread.h>
#include <timer.h>
#include <vcpu.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/frame.h>
#include <arch/iommu.h>

static noreturn void kernel_exception(struct frame *f)
{
	printk("kernel exception %lu error %lx at rip %lx rsp %lx cr2 %lx\n",
	       f->vector, f->error, f->rip, f->rsp, read_cr2());
	printk("  rax %lx rbx %lx rcx %lx rdx %lx rsi %lx rdi %lx\n", f->rax,
	       f->rbx, f->rcx, f->rdx, f->rsi, f->rdi);
	panic("unexpected exception %lu in kernel mode at %lx", f->vector,
	      f->rip);
}

KERNEL_EVENT void trap_dispatch(struct frame *f)
{
	u64 v = f->vector;

	if (v < 32) {
		if (!frame_from_user(f))
			kernel_exception(f);
		fault_user(f);
	} else if (v == VECTOR_TIMER) {
		apic_eoi();
		timer_interrupt();
	} else if (v >= VECTOR_IRQ_BASE && v < VECTOR_IRQ_BASE + 24) {
		irq_handle(v - VECTOR_IRQ_BASE);
		apic_eoi();
	} else if (v == VECTOR_IOMMU_FAULT) {
		iommu_fault_irq();
		apic_eoi();
	} else if (v == VECTOR_SPURIOUS) {
		return;
	} else {
		printk("kernel: unexpected vector %lu\n", v);
		apic_eoi();
	}
	sched_preempt_check();
	vcpu_return_check();
}
