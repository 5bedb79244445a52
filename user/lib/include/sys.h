/*
 * System call stubs: one inline function per call, following the register
 * conventions of abi/syscall.h and abi/ipc.h. Each returns 0 or a negated
 * E_* code; extra results come back through pointer arguments.
 */
#ifndef SYS_H
#define SYS_H

#include <types.h>
#include <abi/boot.h>
#include <abi/cap.h>
#include <abi/debug.h>
#include <abi/dma.h>
#include <abi/errno.h>
#include <abi/ipc.h>
#include <abi/map.h>
#include <abi/syscall.h>
#include <abi/vcpu.h>

struct sys_ret {
	long status;
	u64 r1, r2, r3; /* rdi, rsi, rdx on return */
};

static inline struct sys_ret syscall6(u64 nr, u64 a, u64 b, u64 c, u64 d, u64 e,
				      u64 f)
{
	struct sys_ret r;
	register u64 r10 asm("r10") = d;
	register u64 r8 asm("r8") = e;
	register u64 r9 asm("r9") = f;

	asm volatile("syscall"
		     : "=a"(r.status), "+D"(a), "+S"(b), "+d"(c), "+r"(r10),
		       "+r"(r8), "+r"(r9)
		     : "a"(nr)
		     : "rcx", "r11", "memory");
	r.r1 = a;
	r.r2 = b;
	r.r3 = c;
	return r;
}

static inline long sys_debug_write(const char *s, u64 n)
{
	return syscall6(SYS_DEBUG_WRITE, (u64)s, n, 0, 0, 0, 0).status;
}

static inline long sys_task_create(u64 slot, u64 quota)
{
	return syscall6(SYS_TASK_CREATE, slot, quota, 0, 0, 0, 0).status;
}

/* Hardware breakpoints of a thread: DR7 and DR0-DR3 (abi/debug.h). */
static inline long sys_thread_debug(u64 thread, u64 dr7, const u64 addr[4])
{
	return syscall6(SYS_THREAD_DEBUG, thread, dr7, addr[0], addr[1],
			addr[2], addr[3])
		.status;
}

/*
 * Move delta bytes of kernel-memory quota to task (delta > 0) or back
 * from it (delta < 0); 0 only asks. *limit and *used: the task's after.
 */
static inline long sys_task_quota(u64 task, long delta, u64 *limit, u64 *used)
{
	struct sys_ret r =
		syscall6(SYS_TASK_QUOTA, task, (u64)delta, 0, 0, 0, 0);

	if (r.status == 0) {
		if (limit)
			*limit = r.r1;
		if (used)
			*used = r.r2;
	}
	return r.status;
}

static inline long sys_thread_create(u64 task, u64 slot)
{
	return syscall6(SYS_THREAD_CREATE, task, slot, 0, 0, 0, 0).status;
}

static inline long sys_thread_control(u64 thread, u64 pager, u64 prio,
				      u64 flags)
{
	return syscall6(SYS_THREAD_CONTROL, thread, pager, prio, flags, 0, 0)
		.status;
}

static inline long sys_thread_exregs(u64 thread, u64 *ip, u64 *sp, u64 flags,
				     u64 *state)
{
	struct sys_ret r = syscall6(SYS_THREAD_EXREGS, thread, ip ? *ip : 0,
				    sp ? *sp : 0, flags, 0, 0);

	if (r.status == 0) {
		if (ip)
			*ip = r.r1;
		if (sp)
			*sp = r.r2;
		if (state)
			*state = r.r3;
	}
	return r.status;
}

static inline long sys_cap_copy(u64 src, u64 task, u64 dst, u64 rights,
				u64 badge)
{
	return syscall6(SYS_CAP_COPY, src, task, dst, rights, badge, 0).status;
}

static inline long sys_cap_delete(u64 slot)
{
	return syscall6(SYS_CAP_DELETE, slot, 0, 0, 0, 0, 0).status;
}

static inline long sys_cap_info(u64 slot, u64 *type, u64 *rights, u64 *badge)
{
	struct sys_ret r = syscall6(SYS_CAP_INFO, slot, 0, 0, 0, 0, 0);

	if (r.status == 0) {
		*type = r.r1;
		*rights = r.r2;
		*badge = r.r3;
	}
	return r.status;
}

static inline long sys_map(u64 task, u64 src, u64 dst, u64 npages, u64 rights)
{
	return syscall6(SYS_MAP, task, src, dst, npages, rights, 0).status;
}

static inline long sys_unmap(u64 addr, u64 npages, u64 flags, u64 *status)
{
	struct sys_ret r = syscall6(SYS_UNMAP, addr, npages, flags, 0, 0, 0);

	if (status)
		*status = r.r1;
	return r.status;
}

static inline long sys_yield(void)
{
	return syscall6(SYS_YIELD, 0, 0, 0, 0, 0, 0).status;
}

static inline long sys_stats(u64 which, u64 *value)
{
	struct sys_ret r = syscall6(SYS_STATS, which, 0, 0, 0, 0, 0);

	if (value)
		*value = r.r1;
	return r.status;
}

static inline long sys_ioport_grant(u64 ioport, u64 task, u64 base, u64 count)
{
	return syscall6(SYS_IOPORT_GRANT, ioport, task, base, count, 0, 0)
		.status;
}

static inline long sys_irq_control(u64 irq, u64 op, u64 thread)
{
	return syscall6(SYS_IRQ_CONTROL, irq, op, thread, 0, 0, 0).status;
}

static inline u64 sys_time(u64 *tsc_per_tick)
{
	struct sys_ret r = syscall6(SYS_TIME, 0, 0, 0, 0, 0, 0);

	if (tsc_per_tick)
		*tsc_per_tick = r.r2;
	return r.r1;
}

static inline long sys_debug_exit(u64 status)
{
	return syscall6(SYS_DEBUG_EXIT, status, 0, 0, 0, 0, 0).status;
}

/* vCPU mode (abi/vcpu.h). */
static inline long sys_vcpu_control(u64 thread, u64 state_area)
{
	return syscall6(SYS_VCPU_CONTROL, thread, state_area, 0, 0, 0, 0).status;
}

/*
 * Returns only on error: success continues at the state area's rip.
 * set_flags (VCPU_F_IRQ, VCPU_F_FAULTS) are ORed into the state area's
 * flags as part of the call, so enabling virtual interrupts and resuming
 * is one atomic step.
 */
static inline long sys_vcpu_resume_flags(u64 task, u64 set_flags)
{
	return syscall6(SYS_VCPU_RESUME, task, set_flags, 0, 0, 0, 0).status;
}

static inline long sys_vcpu_resume(u64 task)
{
	return sys_vcpu_resume_flags(task, 0);
}

/* Remove task's mappings in [start, end) and those derived from them. */
static inline long sys_task_unmap(u64 task, u64 start, u64 end)
{
	return syscall6(SYS_TASK_UNMAP, task, start, end, 0, 0, 0).status;
}

static inline long sys_vcpu_signal(u64 thread, u64 bit)
{
	return syscall6(SYS_VCPU_SIGNAL, thread, bit, 0, 0, 0, 0).status;
}

/* Raise virtual interrupt bit of thread when the TSC reaches tsc; 0 cancels. */
static inline long sys_vcpu_timer(u64 thread, u64 tsc, u64 bit)
{
	return syscall6(SYS_VCPU_TIMER, thread, tsc, bit, 0, 0, 0).status;
}

/* DMA domains (abi/dma.h). */
static inline long sys_dma_map(u64 va, u64 iova, u64 npages, u64 rights)
{
	return syscall6(SYS_DMA_MAP, va, iova, npages, rights, 0, 0).status;
}

static inline long sys_dma_unmap(u64 iova, u64 npages)
{
	return syscall6(SYS_DMA_UNMAP, iova, npages, 0, 0, 0, 0).status;
}

static inline long sys_dma_assign(u64 iommu, u64 task, u64 bdf)
{
	return syscall6(SYS_DMA_ASSIGN, iommu, task, bdf, 0, 0, 0).status;
}

struct dma_fault_info {
	u64 count, addr, info; /* info: DMA_FAULT_* */
};

static inline long sys_dma_faults(u64 task, struct dma_fault_info *fi)
{
	struct sys_ret r = syscall6(SYS_DMA_FAULTS, task, 0, 0, 0, 0, 0);

	if (r.status == 0 && fi) {
		fi->count = r.r1;
		fi->addr = r.r2;
		fi->info = r.r3;
	}
	return r.status;
}

/* IPC: the message lives in registers; struct ipc_msg mirrors them. */
struct ipc_msg {
	u64 tag;
	u64 w[MSG_WORDS];
};

static inline long sys_ipc(u64 dest, u64 from, u64 flags, u64 timeouts,
			   struct ipc_msg *m, u64 *badge)
{
	register u64 r10 asm("r10") = timeouts;
	register u64 r8 asm("r8") = m->tag;
	register u64 r9 asm("r9") = m->w[0];
	register u64 r12 asm("r12") = m->w[1];
	register u64 r13 asm("r13") = m->w[2];
	register u64 r14 asm("r14") = m->w[3];
	register u64 r15 asm("r15") = m->w[4];
	u64 want_msg = flags & IPC_RECV;
	long status;

	asm volatile("syscall"
		     : "=a"(status), "+D"(dest), "+S"(from), "+d"(flags),
		       "+r"(r10), "+r"(r8), "+r"(r9), "+r"(r12), "+r"(r13),
		       "+r"(r14), "+r"(r15)
		     : "a"((u64)SYS_IPC)
		     : "rcx", "r11", "memory");
	if (status == 0 && want_msg) {
		m->tag = r8;
		m->w[0] = r9;
		m->w[1] = r12;
		m->w[2] = r13;
		m->w[3] = r14;
		m->w[4] = r15;
		if (badge)
			*badge = dest;
	}
	return status;
}

static inline long ipc_call(u64 dest, struct ipc_msg *m, u32 timeout)
{
	return sys_ipc(dest, CAP_NONE, IPC_CALL, IPC_TIMEOUTS(timeout, timeout),
		       m, NULL);
}

static inline long ipc_send(u64 dest, struct ipc_msg *m, u32 timeout)
{
	return sys_ipc(dest, CAP_NONE, IPC_SEND, IPC_TIMEOUTS(timeout, 0), m,
		       NULL);
}

static inline long ipc_wait(struct ipc_msg *m, u64 *badge, u32 timeout)
{
	return sys_ipc(CAP_NONE, CAP_NONE, IPC_RECV, IPC_TIMEOUTS(0, timeout),
		       m, badge);
}

/* Reply to the caller, then wait for the next message (server loop). */
static inline long ipc_reply_wait(struct ipc_msg *m, u64 *badge, u32 timeout)
{
	return sys_ipc(CAP_REPLY, CAP_NONE, IPC_SEND | IPC_RECV,
		       IPC_TIMEOUTS(0, timeout), m, badge);
}

static inline long ipc_reply(struct ipc_msg *m)
{
	return sys_ipc(CAP_REPLY, CAP_NONE, IPC_SEND, 0, m, NULL);
}

#endif
