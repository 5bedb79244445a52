/*
 * Basic system calls and argument validation: every call rejects bad
 * arguments with its documented error, unknown calls get E_NOSYS, and a
 * task without authority cannot read the kernel's counters. Also per
 * thread FPU/SSE state and user-level FS/GS base across switches.
 */
#include <test.h>

struct bad_call {
	const char *what;
	u64 nr, a, b, c, d, e;
	long expect;
};

#define NOCAP 100 /* an empty slot */

static const struct bad_call bad_calls[] = {
	{ "debug_write unmapped buffer", SYS_DEBUG_WRITE, 0x1000, 4, 0, 0, 0,
	  -E_FAULT },
	{ "debug_write kernel buffer", SYS_DEBUG_WRITE, 0xffff800000100000, 4,
	  0, 0, 0, -E_FAULT },
	{ "debug_write too long", SYS_DEBUG_WRITE, CHILD_STACK_TOP - 64, 10000,
	  0, 0, 0, -E_INVAL },
	{ "ipc no flags", SYS_IPC, SLOT_SELF_THREAD, CAP_NONE, 0, 0, 0,
	  -E_INVAL },
	{ "ipc unknown flags", SYS_IPC, SLOT_SELF_THREAD, CAP_NONE, 0x80, 0, 0,
	  -E_INVAL },
	{ "ipc send to self", SYS_IPC, SLOT_SELF_THREAD, CAP_NONE, IPC_SEND, 0,
	  0, -E_INVAL },
	{ "ipc send to empty slot", SYS_IPC, NOCAP, CAP_NONE, IPC_SEND, 0, 0,
	  -E_BADCAP },
	{ "ipc send to slot out of range", SYS_IPC, 5000, CAP_NONE, IPC_SEND, 0,
	  0, -E_BADCAP },
	{ "ipc send to a task cap", SYS_IPC, SLOT_SELF_TASK, CAP_NONE, IPC_SEND,
	  0, 0, -E_BADCAP },
	{ "ipc call with zero receive timeout", SYS_IPC, SLOT_PARENT, CAP_NONE,
	  IPC_CALL, 0, 0, -E_INVAL },
	{ "ipc reply without caller", SYS_IPC, CAP_REPLY, CAP_NONE, IPC_SEND, 0,
	  0, -E_STATE },
	{ "ipc closed receive from empty slot", SYS_IPC, CAP_NONE, NOCAP,
	  IPC_RECV, 0, 0, -E_BADCAP },
	{ "ipc receive, nothing there, no wait", SYS_IPC, CAP_NONE, CAP_NONE,
	  IPC_RECV, 0, 0, -E_TIMEOUT },
	{ "task_create slot out of range", SYS_TASK_CREATE, 999, 65536, 0, 0, 0,
	  -E_BADCAP },
	{ "task_create slot in use", SYS_TASK_CREATE, SLOT_SELF_TASK, 65536, 0,
	  0, 0, -E_BUSY },
	{ "task_create tiny quota", SYS_TASK_CREATE, NOCAP, 16, 0, 0, 0,
	  -E_INVAL },
	{ "task_create quota beyond own", SYS_TASK_CREATE, NOCAP, 1ul << 39, 0,
	  0, 0, -E_NOMEM },
	{ "thread_create on a thread cap", SYS_THREAD_CREATE, SLOT_SELF_THREAD,
	  NOCAP, 0, 0, 0, -E_BADCAP },
	{ "thread_create slot in use", SYS_THREAD_CREATE, SLOT_SELF_TASK,
	  SLOT_SELF_TASK, 0, 0, 0, -E_BUSY },
	{ "thread_create slot out of range", SYS_THREAD_CREATE, SLOT_SELF_TASK,
	  4096, 0, 0, 0, -E_BADCAP },
	{ "thread_control empty slot", SYS_THREAD_CONTROL, NOCAP, 0, 0, 0, 0,
	  -E_BADCAP },
	{ "thread_control unknown flags", SYS_THREAD_CONTROL, SLOT_SELF_THREAD,
	  0, 0, 0x100, 0, -E_INVAL },
	{ "thread_control priority above own", SYS_THREAD_CONTROL,
	  SLOT_SELF_THREAD, 0, 255, TC_SET_PRIO, 0, -E_PERM },
	{ "thread_control priority 0", SYS_THREAD_CONTROL, SLOT_SELF_THREAD, 0,
	  0, TC_SET_PRIO, 0, -E_PERM },
	{ "thread_control start a running thread", SYS_THREAD_CONTROL,
	  SLOT_SELF_THREAD, 0, 0, TC_START, 0, -E_STATE },
	{ "thread_control pager is a task", SYS_THREAD_CONTROL,
	  SLOT_SELF_THREAD, SLOT_SELF_TASK, 0, TC_SET_PAGER, 0, -E_BADCAP },
	{ "thread_control parent cap lacks control", SYS_THREAD_CONTROL,
	  SLOT_PARENT, 0, 0, 0, 0, -E_PERM },
	{ "thread_exregs kernel ip", SYS_THREAD_EXREGS, SLOT_SELF_THREAD,
	  0xffff800000100000, 0, EX_SET_IP, 0, -E_INVAL },
	{ "thread_exregs non-canonical ip", SYS_THREAD_EXREGS, SLOT_SELF_THREAD,
	  0x0000900000000000, 0, EX_SET_IP, 0, -E_INVAL },
	{ "thread_exregs halt and resume", SYS_THREAD_EXREGS, SLOT_SELF_THREAD,
	  0, 0, EX_HALT | EX_RESUME, 0, -E_INVAL },
	{ "thread_exregs unknown flags", SYS_THREAD_EXREGS, SLOT_SELF_THREAD, 0,
	  0, 0x1000, 0, -E_INVAL },
	{ "thread_exregs on a task cap", SYS_THREAD_EXREGS, SLOT_SELF_TASK, 0,
	  0, 0, 0, -E_BADCAP },
	{ "cap_copy empty source", SYS_CAP_COPY, NOCAP, SLOT_SELF_TASK,
	  NOCAP + 1, CR_ALL, 0, -E_BADCAP },
	{ "cap_copy without grant right", SYS_CAP_COPY, SLOT_PARENT,
	  SLOT_SELF_TASK, NOCAP + 1, CR_ALL, 0, -E_PERM },
	{ "cap_copy into a thread cap", SYS_CAP_COPY, SLOT_SELF_TASK,
	  SLOT_SELF_THREAD, NOCAP + 1, CR_ALL, 0, -E_BADCAP },
	{ "cap_copy to occupied slot", SYS_CAP_COPY, SLOT_SELF_TASK,
	  SLOT_SELF_TASK, SLOT_PARENT, CR_ALL, 0, -E_BUSY },
	{ "cap_copy bad rights", SYS_CAP_COPY, SLOT_SELF_TASK, SLOT_SELF_TASK,
	  NOCAP + 1, 0xff, 0, -E_INVAL },
	{ "cap_delete empty slot", SYS_CAP_DELETE, NOCAP, 0, 0, 0, 0,
	  -E_BADCAP },
	{ "cap_delete out of range", SYS_CAP_DELETE, ~0ul, 0, 0, 0, 0,
	  -E_BADCAP },
	{ "cap_info out of range", SYS_CAP_INFO, 128, 0, 0, 0, 0, -E_BADCAP },
	{ "map empty task slot", SYS_MAP, NOCAP, CHILD_HEAP_BASE, 0x10000000, 1,
	  MAP_R, -E_BADCAP },
	{ "map misaligned source", SYS_MAP, SLOT_SELF_TASK, CHILD_HEAP_BASE + 8,
	  0x10000000, 1, MAP_R, -E_INVAL },
	{ "map into kernel range", SYS_MAP, SLOT_SELF_TASK, CHILD_HEAP_BASE,
	  0xffff800000200000, 1, MAP_R, -E_INVAL },
	{ "map non-canonical", SYS_MAP, SLOT_SELF_TASK, CHILD_HEAP_BASE,
	  0x0000800000000000, 1, MAP_R, -E_INVAL },
	{ "map zero pages", SYS_MAP, SLOT_SELF_TASK, CHILD_HEAP_BASE,
	  0x10000000, 0, MAP_R, -E_INVAL },
	{ "map too many pages", SYS_MAP, SLOT_SELF_TASK, CHILD_HEAP_BASE,
	  0x10000000, 100000, MAP_R, -E_INVAL },
	{ "map without read right", SYS_MAP, SLOT_SELF_TASK, CHILD_HEAP_BASE,
	  0x10000000, 1, MAP_W, -E_INVAL },
	{ "map unknown rights", SYS_MAP, SLOT_SELF_TASK, CHILD_HEAP_BASE,
	  0x10000000, 1, 0x81, -E_INVAL },
	{ "map unmapped source", SYS_MAP, SLOT_SELF_TASK, 0x20000000,
	  0x10000000, 1, MAP_R, -E_NOMAP },
	{ "map a page onto itself", SYS_MAP, SLOT_SELF_TASK, CHILD_HEAP_BASE,
	  CHILD_HEAP_BASE, 1, MAP_R, -E_INVAL },
	{ "unmap misaligned", SYS_UNMAP, CHILD_HEAP_BASE + 1, 1, 0, 0, 0,
	  -E_INVAL },
	{ "unmap kernel range", SYS_UNMAP, 0xffff800000000000, 1, 0, 0, 0,
	  -E_INVAL },
	{ "unmap unknown flags", SYS_UNMAP, CHILD_HEAP_BASE, 1, 0x10, 0, 0,
	  -E_INVAL },
	{ "task_unmap empty task slot", SYS_TASK_UNMAP, NOCAP, 0x10000000,
	  0x10001000, 0, 0, -E_BADCAP },
	{ "task_unmap on a thread cap", SYS_TASK_UNMAP, SLOT_SELF_THREAD,
	  0x10000000, 0x10001000, 0, 0, -E_BADCAP },
	{ "task_unmap parent cap lacks control", SYS_TASK_UNMAP, SLOT_PARENT,
	  0x10000000, 0x10001000, 0, 0, -E_BADCAP },
	{ "task_unmap misaligned", SYS_TASK_UNMAP, SLOT_SELF_TASK, 0x10000008,
	  0x10001000, 0, 0, -E_INVAL },
	{ "task_unmap empty range", SYS_TASK_UNMAP, SLOT_SELF_TASK, 0x10001000,
	  0x10001000, 0, 0, -E_INVAL },
	{ "task_unmap kernel range", SYS_TASK_UNMAP, SLOT_SELF_TASK,
	  0xffff800000000000, 0xffff800000001000, 0, 0, -E_INVAL },
	{ "task_unmap non-canonical end", SYS_TASK_UNMAP, SLOT_SELF_TASK,
	  0x10000000, 0x0000900000000000, 0, 0, -E_INVAL },
	{ "vcpu_resume unknown flags", SYS_VCPU_RESUME, CAP_NONE, 0x4, 0, 0, 0,
	  -E_STATE },
	{ "stats without authority", SYS_STATS, STAT_SYSCALLS, 0, 0, 0, 0,
	  -E_PERM },
	{ "ioport_grant without a port cap", SYS_IOPORT_GRANT, SLOT_SELF_TASK,
	  SLOT_SELF_TASK, 0x70, 1, 0, -E_BADCAP },
	{ "ioport_grant empty slot", SYS_IOPORT_GRANT, SLOT_ROOT_IOPORT,
	  SLOT_SELF_TASK, 0x70, 1, 0, -E_BADCAP },
	{ "irq_control without an irq cap", SYS_IRQ_CONTROL, SLOT_SELF_THREAD,
	  IRQ_ACK, 0, 0, 0, -E_BADCAP },
	{ "irq_control empty slot", SYS_IRQ_CONTROL, SLOT_ROOT_IRQ + 1, IRQ_ACK,
	  0, 0, 0, -E_BADCAP },
	{ "debug_exit without authority", SYS_DEBUG_EXIT, 3, 0, 0, 0, 0,
	  -E_PERM },
	{ "dma_map misaligned address", SYS_DMA_MAP, CHILD_HEAP_BASE + 8,
	  0x100000, 1, DMA_R, 0, -E_INVAL },
	{ "dma_map misaligned iova", SYS_DMA_MAP, CHILD_HEAP_BASE, 0x100008, 1,
	  DMA_R, 0, -E_INVAL },
	{ "dma_map iova beyond the limit", SYS_DMA_MAP, CHILD_HEAP_BASE,
	  DMA_IOVA_LIMIT, 1, DMA_R, 0, -E_INVAL },
	{ "dma_map range crosses the limit", SYS_DMA_MAP, CHILD_HEAP_BASE,
	  DMA_IOVA_LIMIT - PAGE_SIZE, 2, DMA_R, 0, -E_INVAL },
	{ "dma_map zero pages", SYS_DMA_MAP, CHILD_HEAP_BASE, 0x100000, 0,
	  DMA_R, 0, -E_INVAL },
	{ "dma_map too many pages", SYS_DMA_MAP, CHILD_HEAP_BASE, 0x100000,
	  MAP_MAX_PAGES + 1, DMA_R, 0, -E_INVAL },
	{ "dma_map without read right", SYS_DMA_MAP, CHILD_HEAP_BASE, 0x100000,
	  1, DMA_W, 0, -E_INVAL },
	{ "dma_map unknown rights", SYS_DMA_MAP, CHILD_HEAP_BASE, 0x100000, 1,
	  DMA_R | 0x10, 0, -E_INVAL },
	{ "dma_map kernel address", SYS_DMA_MAP, 0xffff800000100000, 0x100000,
	  1, DMA_R, 0, -E_INVAL },
	{ "dma_map unmapped source", SYS_DMA_MAP, 0x20000000, 0x100000, 1,
	  DMA_R, 0, -E_NOMAP },
	{ "dma_unmap misaligned", SYS_DMA_UNMAP, 0x100001, 1, 0, 0, 0,
	  -E_INVAL },
	{ "dma_unmap zero pages", SYS_DMA_UNMAP, 0x100000, 0, 0, 0, 0,
	  -E_INVAL },
	{ "dma_unmap beyond the limit", SYS_DMA_UNMAP, ~0ul & ~4095ul, 1, 0, 0,
	  0, -E_INVAL },
	{ "dma_assign empty slot", SYS_DMA_ASSIGN, NOCAP, SLOT_SELF_TASK, 8, 0,
	  0, -E_BADCAP },
	{ "dma_assign without the iommu cap", SYS_DMA_ASSIGN, SLOT_SELF_TASK,
	  SLOT_SELF_TASK, 8, 0, 0, -E_BADCAP },
	{ "dma_assign root's slot", SYS_DMA_ASSIGN, SLOT_ROOT_IOMMU,
	  SLOT_SELF_TASK, 8, 0, 0, -E_BADCAP },
	{ "dma_faults empty slot", SYS_DMA_FAULTS, NOCAP, 0, 0, 0, 0,
	  -E_BADCAP },
	{ "dma_faults on a thread cap", SYS_DMA_FAULTS, SLOT_SELF_THREAD, 0, 0,
	  0, 0, -E_BADCAP },
	{ "dma_faults slot out of range", SYS_DMA_FAULTS, 4096, 0, 0, 0, 0,
	  -E_BADCAP },
	{ "thread_debug empty slot", SYS_THREAD_DEBUG, NOCAP, 0, 0, 0, 0,
	  -E_BADCAP },
	{ "thread_debug on a task cap", SYS_THREAD_DEBUG, SLOT_SELF_TASK, 0, 0,
	  0, 0, -E_BADCAP },
	{ "thread_debug GD bit", SYS_THREAD_DEBUG, SLOT_SELF_THREAD, 1ul << 13,
	  0, 0, 0, -E_INVAL },
	{ "thread_debug kernel address", SYS_THREAD_DEBUG, SLOT_SELF_THREAD,
	  0x1ul | 1ul << 16, 0xffff800000100000, 0, 0, -E_INVAL },
	{ "thread_debug non-canonical", SYS_THREAD_DEBUG, SLOT_SELF_THREAD,
	  0x4ul | 1ul << 20, 0, 0x0000800000000000, 0, -E_INVAL },
	{ "unknown call number", SYS_COUNT, 0, 0, 0, 0, 0, -E_NOSYS },
	{ "huge call number", ~0ul, 0, 0, 0, 0, 0, -E_NOSYS },
};

static void test_bad_args(void)
{
	unsigned failed = 0;

	(void)heap_alloc(PAGE_SIZE); /* CHILD_HEAP_BASE is mapped */
	for (unsigned i = 0; i < ARRAY_SIZE(bad_calls); i++) {
		const struct bad_call *b = &bad_calls[i];
		long r =
			syscall6(b->nr, b->a, b->b, b->c, b->d, b->e, 0).status;

		if (r != b->expect) {
			printf("  bad_args: %s: got %ld, expected %ld\n",
			       b->what, r, b->expect);
			failed++;
		}
	}
	t_result(
		"basic.bad_args", failed == 0,
		"%u invalid calls across all %u system calls return their documented errors (%u wrong)",
		(unsigned)ARRAY_SIZE(bad_calls), SYS_COUNT, failed);
}

static void test_caps(void)
{
	u64 type, rights, badge;
	bool ok = true;

	ok &= sys_cap_info(SLOT_SELF_TASK, &type, &rights, &badge) == 0 &&
	      type == CAPT_TASK;
	ok &= sys_cap_info(SLOT_SELF_THREAD, &type, &rights, &badge) == 0 &&
	      type == CAPT_THREAD;
	ok &= sys_cap_info(SLOT_PARENT, &type, &rights, &badge) == 0 &&
	      type == CAPT_THREAD && rights == CR_SEND;
	/* nothing but the three slots the root task gave us */
	for (u64 s = 3; s < CAP_SLOTS; s++)
		ok &= sys_cap_info(s, &type, &rights, &badge) == -E_BADCAP;
	t_result(
		"basic.caps", ok,
		"a started task holds exactly its task, its thread and a send-only cap to its parent");
}

/* FPU/SSE state is per thread: two threads keep different xmm values. */
static volatile u64 fpu_other_ok;

static void fpu_thread(u64 v)
{
	u64 out;

	asm volatile("movq %0, %%xmm5" : : "r"(v));
	for (int i = 0; i < 50; i++)
		sys_yield();
	asm volatile("movq %%xmm5, %0" : "=r"(out));
	fpu_other_ok = out == v ? 1 : 2;
}

static void test_fpu(void)
{
	struct spawn s;
	u64 mine = 0x1122334455667788ul, out, fs = 0x12345000, fs2 = 0;
	bool fsgs;
	u32 a, b, c, d;

	asm volatile("cpuid"
		     : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(7), "c"(0));
	fsgs = b & 1;
	if (fsgs)
		asm volatile("wrfsbase %0" : : "r"(fs));
	asm volatile("movq %0, %%xmm5" : : "r"(mine));
	spawn_thread(&s, fpu_thread, 0x99aabbccddeeff00ul, 100, SLOT_PARENT);
	for (int i = 0; i < 100 && !fpu_other_ok; i++)
		sys_yield();
	asm volatile("movq %%xmm5, %0" : "=r"(out));
	if (fsgs)
		asm volatile("rdfsbase %0" : "=r"(fs2));
	t_result("basic.fpu", out == mine && fpu_other_ok == 1,
		 "SSE registers are per thread across switches");
	t_result(
		"basic.fsgsbase", fsgs && fs2 == fs,
		"user-level wrfsbase works (CR4.FSGSBASE) and FS base survives switches");
}

int main(void)
{
	test_bad_args();
	test_caps();
	test_fpu();
	return 0;
}
