/*
 * System call numbers and register conventions.
 *
 * Entry is the SYSCALL instruction: rax = number, arguments in rdi, rsi,
 * rdx, r10, r8, r9 (the System V order with r10 for rcx, which SYSCALL
 * clobbers). On return rax holds 0 or a negated E_* code; calls with more
 * results return them in rdi, rsi, rdx. rcx and r11 are clobbered, every
 * other register is preserved except those a call defines as results.
 * IPC uses more registers; see ipc.h.
 */
#ifndef ABI_SYSCALL_H
#define ABI_SYSCALL_H

#define SYS_DEBUG_WRITE		0	/* (buf, len) */
#define DEBUG_WRITE_MAX		1024	/* bytes per debug_write */
#define SYS_IPC			1	/* see ipc.h */
#define SYS_TASK_CREATE		2	/* (slot, kmem_quota) */
#define SYS_THREAD_CREATE	3	/* (task_cap, slot) */
#define SYS_THREAD_CONTROL	4	/* (thread, pager, prio, flags) */
#define SYS_THREAD_EXREGS	5	/* (thread, ip, sp, flags) -> ip, sp, flags */
#define SYS_CAP_COPY		6	/* (src, task, dst, rights, badge) */
#define SYS_CAP_DELETE		7	/* (slot) */
#define SYS_MAP			8	/* (task, src, dst, npages, rights) */
#define SYS_UNMAP		9	/* (addr, npages, flags) -> status bits */
#define SYS_YIELD		10	/* () */
#define SYS_STATS		11	/* (which) -> value */
#define SYS_CAP_INFO		12	/* (slot) -> type, rights, badge */
#define SYS_IOPORT_GRANT	13	/* (ioport_cap, task, base, count) */
#define SYS_IRQ_CONTROL		14	/* (irq_cap, op, thread) */
#define SYS_TIME		15	/* () -> ticks, tsc */
#define SYS_DEBUG_EXIT		16	/* (status): root task only */
#define SYS_VCPU_CONTROL	17	/* (thread, state_area): see vcpu.h */
#define SYS_VCPU_RESUME		18	/* (task or CAP_NONE) */
#define SYS_VCPU_SIGNAL		19	/* (thread, bit): raise a virtual irq */
#define SYS_TASK_UNMAP		20	/* (task, start, end): flush a range */
#define SYS_VCPU_TIMER		21	/* (thread, tsc, bit): raise bit at tsc */
/* 22-23: reserved for the VMM calls */
#define SYS_DMA_MAP		24	/* (va, iova, npages, rights): see dma.h */
#define SYS_DMA_UNMAP		25	/* (iova, npages) */
#define SYS_DMA_ASSIGN		26	/* (iommu_cap, task or CAP_NONE, bdf) */
#define SYS_DMA_FAULTS		27	/* (task) -> count, address, info */
#define SYS_TASK_QUOTA		28	/* (task, delta) -> limit, used */
#define SYS_THREAD_DEBUG	29	/* (thread, dr7, dr0..dr3): see debug.h */
#define SYS_COUNT		30

/* SYS_THREAD_CONTROL flags. */
#define TC_SET_PAGER	(1u << 0)
#define TC_SET_PRIO	(1u << 1)
#define TC_START	(1u << 2)	/* make an inactive thread runnable */

/* SYS_THREAD_EXREGS flags (in) and thread state bits (out in rdx). */
#define EX_SET_IP	(1u << 0)
#define EX_SET_SP	(1u << 1)
#define EX_CANCEL	(1u << 2)	/* abort an IPC in progress (E_CANCELED) */
#define EX_RESUME	(1u << 3)	/* restart a halted or inactive thread */
#define EX_HALT		(1u << 4)	/* stop the thread */
#define EX_STATE_HALTED	(1u << 0)
#define EX_STATE_IPC	(1u << 1)

/* SYS_UNMAP flags and result bits. */
#define UNMAP_SELF	(1u << 0)	/* also remove the caller's own mapping */
#define UNMAP_REFERENCED (1u << 0)	/* result: some page was accessed */
#define UNMAP_DIRTY	(1u << 1)	/* result: some page was written */

/* SYS_IRQ_CONTROL operations. */
#define IRQ_ATTACH	0	/* deliver to thread (slot in rdx), unmask */
#define IRQ_ACK		1	/* the last interrupt is handled: unmask */
#define IRQ_DETACH	2	/* mask and unbind */

/* SYS_STATS selectors: counters kept by the kernel. */
#define STAT_SYSCALLS		0
#define STAT_IPCS		1
#define STAT_FAULTS		2
#define STAT_UPCALLS		3
#define STAT_SPACE_SWITCHES	4
#define STAT_TICKS		5
#define STAT_IDLE_TSC		6	/* TSC cycles spent in the idle loop */
#define STAT_TOTAL_TSC		7	/* TSC cycles since boot */
#define STAT_KMEM_FREE		8	/* free kernel pages */
#define STAT_CONTEXT_SWITCHES	9
#define STAT_DMA_FAULTS		10	/* DMA requests the IOMMU blocked */
#define STAT_VCPU_TIMERS	11	/* vcpu_timer deadlines that fired */
#define STAT_COUNT		12

#endif
