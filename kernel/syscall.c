/*
 * System call dispatch: SYSCALL lands in entry.S, which saves a struct
 * frame and calls syscall_dispatch(). Every handler validates its own
 * arguments and returns 0 or a negated E_* code (abi/errno.h) in rax.
 * The small calls without a file of their own live here.
 */
#include <lib.h>
#include <cap.h>
#include <debug.h>
#include <dma.h>
#include <ipc.h>
#include <irq.h>
#include <map.h>
#include <sched.h>
#include <stats.h>
#include <syscall.h>
#include <task.h>
#include <thread.h>
#include <vcpu.h>
#include <abi/errno.h>
#include <arch/cpu.h>

/* debug_write(buf, len): console output, len <= DEBUG_WRITE_MAX */
static long sys_debug_write(struct frame *f)
{
	char buf[256];

	if (f->rsi > DEBUG_WRITE_MAX)
		return -E_INVAL;
	/* System calls run to completion: the chunks stay together. */
	for (u64 done = 0; done < f->rsi;) {
		u64 n = f->rsi - done < sizeof(buf) ? f->rsi - done :
						      sizeof(buf);
		long err = space_copy_from(&current()->task->space,
					   f->rdi + done, buf, n);

		if (err)
			return err;
		console_write(buf, n);
		done += n;
	}
	return 0;
}

static long sys_yield(struct frame *f)
{
	(void)f;
	sched_yield();
	return 0;
}

/* time() -> rdi ticks, rsi TSC cycles per tick */
static long sys_time(struct frame *f)
{
	extern u64 apic_tsc_per_tick(void);

	f->rdi = ticks;
	f->rsi = apic_tsc_per_tick();
	return 0;
}

/* debug_exit(status): end the QEMU run (isa-debug-exit). Root only. */
static long sys_debug_exit(struct frame *f)
{
	if (!current()->task->is_root)
		return -E_PERM;
	printk("kernel: root task requested exit (%lu)\n", f->rdi);
	cpu_qemu_exit((u32)f->rdi);
	return -E_STATE;
}

KERNEL_HOT_DATA static long (*const handlers[SYS_COUNT])(struct frame *) = {
	[SYS_DEBUG_WRITE] = sys_debug_write,
	[SYS_IPC] = sys_ipc,
	[SYS_TASK_CREATE] = sys_task_create,
	[SYS_THREAD_CREATE] = sys_thread_create,
	[SYS_THREAD_CONTROL] = sys_thread_control,
	[SYS_THREAD_EXREGS] = sys_thread_exregs,
	[SYS_CAP_COPY] = sys_cap_copy,
	[SYS_CAP_DELETE] = sys_cap_delete,
	[SYS_MAP] = sys_map,
	[SYS_UNMAP] = sys_unmap,
	[SYS_YIELD] = sys_yield,
	[SYS_STATS] = sys_stats,
	[SYS_CAP_INFO] = sys_cap_info,
	[SYS_IOPORT_GRANT] = sys_ioport_grant,
	[SYS_IRQ_CONTROL] = sys_irq_control,
	[SYS_TIME] = sys_time,
	[SYS_DEBUG_EXIT] = sys_debug_exit,
	[SYS_VCPU_CONTROL] = sys_vcpu_control,
	[SYS_VCPU_RESUME] = sys_vcpu_resume,
	[SYS_VCPU_SIGNAL] = sys_vcpu_signal,
	[SYS_TASK_UNMAP] = sys_task_unmap,
	[SYS_VCPU_TIMER] = sys_vcpu_timer,
	[SYS_DMA_MAP] = sys_dma_map,
	[SYS_DMA_UNMAP] = sys_dma_unmap,
	[SYS_DMA_ASSIGN] = sys_dma_assign,
	[SYS_DMA_FAULTS] = sys_dma_faults,
	[SYS_TASK_QUOTA] = sys_task_quota,
	[SYS_THREAD_DEBUG] = sys_thread_debug,
};

KERNEL_EVENT void syscall_dispatch(struct frame *f)
{
	u64 nr = f->rax;

	stat_inc(STAT_SYSCALLS);
	if (!vcpu_syscall(current(), f))
		f->rax = nr < SYS_COUNT && handlers[nr] ? handlers[nr](f) :
							  -E_NOSYS;
	sched_preempt_check();
	vcpu_return_check();
}

/*
 * A SYSCALL from 32-bit compatibility mode (entry.S). There are no such
 * calls: -E_NOSYS, as Linux without IA32 emulation answers. A vCPU's
 * guest process upcalls instead (its registers' cs is USER32_CS), so
 * its guest kernel answers as it would natively.
 */
KERNEL_EVENT void syscall_compat_dispatch(struct frame *f)
{
	stat_inc(STAT_SYSCALLS);
	if (!vcpu_syscall(current(), f))
		f->rax = -E_NOSYS;
	sched_preempt_check();
	vcpu_return_check();
}
