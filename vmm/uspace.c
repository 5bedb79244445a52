/*
 * Guest user address spaces (SPEC 6, "Memory"): each guest address space
 * (the page-table root CR3 names) gets a microkernel task of its own, so
 * a process's soft-TLB entries survive while other processes run, as a
 * real CPU's tagged TLB entries do (Intel SDM Vol. 3A 4.10.1,
 * "Process-context identifiers").
 *
 * The VMM offers CR4.PCIDE and follows the architecture's rules for it:
 * a CR3 load with bit 63 clear invalidates the entries cached for the
 * new context, one with bit 63 set keeps them. Linux tracks what every
 * PCID may still cache (its tlb_gen per ASID) and loads CR3 without bit
 * 63 whenever the context it comes back to could hold stale entries, so
 * no guest page-table change is missed. A guest without PCIDE flushes on
 * every CR3 load.
 *
 * Revalidation instead of flushing. Linux has six PCIDs for all its
 * processes, so a shell that runs a pipeline loses its PCID to the new
 * processes and comes back with another one, flushed, and would fault
 * its whole working set in again. So a flush does not empty the task: it
 * marks it stale, and before guest user code runs in it again every page
 * it holds is checked against the guest's page tables as they are now
 * (revalidate()). A page stays only if a flushed TLB would map it again
 * just so: same guest-physical page, present and accessed, user
 * accessible, writable only if writable and dirty, executable only if
 * executable. Everything else goes. That is what a flush followed by
 * refills looks like from the guest, minus the refills. The task keeps a
 * log of the pages it was given for this; a log that overflows turns the
 * next flush into a real one.
 *
 * There are NR_USER_TASKS tasks; an address space with no task of its
 * own takes the least recently used one, emptied. Dropping entries is
 * always allowed (a TLB may evict at any time), so eviction and a task
 * running out of kernel memory are within the architecture's rules.
 * INVLPG drops the page from the current task only, as on the CPU (Vol.
 * 2A INVLPG: other PCIDs keep their entries; user pages are never
 * global).
 *
 * Capacity follows the running process. A task's mappings cost kernel
 * memory (about 80 bytes a page), charged to a quota the VM moves to it
 * (task_quota, docs/abi.md). Each task starts small; one that fills up
 * gets another QUOTA_STEP from the VM's own task as long as that keeps
 * OWN_RESERVE spare; the own task borrows from the root task while it
 * lends (borrow()); else the quota comes from the other user tasks,
 * which are emptied and shrunk back to their start (as a big process
 * evicts the others from a shared TLB). Only when none has any to give
 * is the full task emptied. The own task takes quota back the same way
 * when the guest kernel's mappings need it (uspace_return_quota()).
 */
#include "vmm.h"
#include <arch/paging.h>
#include <layout.h>

#define NR_USER_TASKS 8
#define USER_TASK_QUOTA (256ul << 10) /* what a task starts with */
#define QUOTA_STEP (1ul << 20)	      /* what a full task gets at a time */
#define BORROW_STEP (4ul << 20)	      /* asked of the root task at a time */
#define OWN_RESERVE (4ul << 20)	      /* spare the own task keeps for itself */
#define USER_END 0x0000800000000000ul
#define NO_SPACE (~0ul)
#define LOG_PAGES 1024 /* pages a task remembers for revalidation */

struct logged {
	u64 va;
	u64 gpa; /* | MAP_* rights in the low bits */
};

struct user_task {
	u64 space; /* guest page-table root, NO_SPACE: none */
	u64 last_use;
	bool stale;	 /* flushed: revalidate before user code runs */
	bool overflowed; /* the log missed pages: flush for real */
	unsigned logged;
	struct logged *log; /* LOG_PAGES */
};

/* Looked at on every resume into user mode: beside the other hot data. */
VMM_HOT_DATA static struct user_task tasks[NR_USER_TASKS];
static struct logged logs[NR_USER_TASKS][LOG_PAGES];
VMM_HOT_DATA static unsigned current;
VMM_HOT_DATA static u64 use_clock;

static VMM_HOT u64 slot(unsigned i)
{
	return SLOT_USER_TASK0 + i;
}

static VMM_HOT void unmap(unsigned i, u64 start, u64 end)
{
	long err = sys_task_unmap(slot(i), start, end);

	if (err)
		vmm_fatal("cannot unmap %lx-%lx from user task %u (error %ld)",
			  start, end, i, err);
}

/* Empty task i for real. */
static VMM_HOT void flush_task(unsigned i)
{
	unmap(i, 0, USER_END);
	tasks[i].logged = 0;
	tasks[i].overflowed = false;
	tasks[i].stale = false;
}

void uspace_init(void)
{
	for (unsigned i = 0; i < NR_USER_TASKS; i++) {
		if (sys_task_create(slot(i), USER_TASK_QUOTA))
			vmm_stop(1, "cannot create the guest's user tasks");
		tasks[i].space = NO_SPACE;
		tasks[i].log = logs[i];
	}
	current = 0;
	vm.user_task_ready = true;
}

/*
 * The guest's last-level tables of a few 2 MiB regions, for checking a
 * task's pages one after the other: they cluster (text, data, stack).
 */
#define REGIONS 4

struct region {
	u64 base;   /* NO_SPACE: unused */
	u64 *table; /* NULL: nothing mapped there */
	u64 upper;
};

enum verdict {
	KEEP,	   /* the guest's tables give the page just so */
	READ_ONLY, /* the same page, no longer writable (copy-on-write) */
	DROP,
};

/* Does the guest's current page table still map va to gpa with rights? */
static VMM_HOT enum verdict still_valid(struct region *r, unsigned *next,
					unsigned *last, u64 va, u64 gpa,
					unsigned rights)
{
	u64 base = va & ~((512ul << 12) - 1), pte;
	struct region *c = &r[*last];

	if (c->base != base)
		c = NULL;
	for (unsigned k = 0; !c && k < REGIONS; k++)
		if (r[k].base == base)
			c = &r[k], *last = k;
	if (!c) {
		*last = (*next)++ % REGIONS;
		c = &r[*last];
		c->base = base;
		c->table = gpt_table(vcpu_current()->cr3, va, &c->upper);
	}
	if (!c->table || !(c->upper & PTE_U))
		return DROP;
	pte = c->table[(va >> 12) & 511];
	if ((pte & (PTE_P | PTE_U | PTE_A)) != (PTE_P | PTE_U | PTE_A) ||
	    (pte & PTE_ADDR) != gpa)
		return DROP;
	if ((rights & MAP_X) && ((pte | c->upper) & PTE_NX))
		return DROP;
	if ((rights & MAP_W) &&
	    !((c->upper & PTE_W) && (pte & (PTE_W | PTE_D)) == (PTE_W | PTE_D)))
		return READ_ONLY;
	return KEEP;
}

/*
 * Keep what the guest's tables still give, unmap the rest. When most of
 * it goes (a new process in a recycled page-table root), one task_unmap
 * of the whole range is cheaper than one per page. A page that is the
 * same but no longer writable (fork made it copy-on-write) is mapped
 * again read-only: the process is likely to read it before it writes.
 */
static u64 gone_va[LOG_PAGES];
static unsigned read_only[LOG_PAGES]; /* indices into the kept log */

/* Not inlined: uspace_task()'s common case then needs no stack frame. */
static VMM_HOT __attribute__((noinline)) void revalidate(unsigned i)
{
	struct user_task *t = &tasks[i];
	unsigned kept = 0, gone = 0, next = 0, last = 0, downgraded = 0;
	struct region r[REGIONS];

	for (unsigned k = 0; k < REGIONS; k++)
		r[k].base = NO_SPACE;
	t->stale = false;
	counters[CNT_REVALIDATIONS]++;
	if (t->overflowed) {
		flush_task(i);
		return;
	}
	for (unsigned k = 0; k < t->logged; k++) {
		struct logged e = t->log[k];

		switch (still_valid(r, &next, &last, e.va, e.gpa & ~4095ul,
				    e.gpa & 4095)) {
		case READ_ONLY:
			e.gpa &= ~(u64)MAP_W;
			read_only[downgraded++] = kept;
			/* fall through */
		case KEEP:
			t->log[kept++] = e;
			break;
		case DROP:
			gone_va[gone++] = e.va;
			break;
		}
	}
	if (gone > kept) {
		flush_task(i);
		return;
	}
	for (unsigned k = 0; k < gone; k++)
		unmap(i, gone_va[k], gone_va[k] + 4096);
	for (unsigned k = 0; k < downgraded; k++) {
		struct logged e = t->log[read_only[k]];

		softtlb_map(slot(i), e.gpa & ~4095ul, e.va, e.gpa & 4095);
	}
	t->logged = kept;
	counters[CNT_PAGES_KEPT] += kept;
}

/* The current task, made safe for guest user code to run in. */
VMM_HOT u64 uspace_task(void)
{
	if (tasks[current].stale)
		revalidate(current);
	return slot(current);
}

/* n pages from va on, at gpa on, went into the current task. */
VMM_HOT void uspace_mapped(u64 va, u64 gpa, u64 n, unsigned rights)
{
	struct user_task *t = &tasks[current];

	for (u64 k = 0; k < n; k++) {
		if (t->logged == LOG_PAGES) {
			t->overflowed = true;
			return;
		}
		t->log[t->logged++] =
			(struct logged){ .va = va + k * 4096,
					 .gpa = (gpa + k * 4096) | rights };
	}
}

/* CR3 now names the page tables at space; flush: invalidate its entries. */
VMM_HOT void uspace_switch(u64 space, bool flush)
{
	unsigned pick = NR_USER_TASKS;

	for (unsigned i = 0; i < NR_USER_TASKS; i++)
		if (tasks[i].space == space)
			pick = i;
	if (pick == NR_USER_TASKS) {
		pick = 0;
		for (unsigned i = 1; i < NR_USER_TASKS; i++)
			if (tasks[i].last_use < tasks[pick].last_use)
				pick = i;
		if (tasks[pick].space != NO_SPACE)
			counters[CNT_SPACE_EVICTIONS]++;
		tasks[pick].space = space;
		flush_task(pick);
	} else if (flush) {
		tasks[pick].stale = true;
	} else {
		counters[CNT_SPACE_KEPT]++;
	}
	current = pick;
	tasks[pick].last_use = ++use_clock;
}

void uspace_flush_all(void)
{
	for (unsigned i = 0; i < NR_USER_TASKS; i++)
		if (tasks[i].space != NO_SPACE)
			flush_task(i);
}

VMM_HOT void uspace_flush_page(u64 va)
{
	unmap(current, va, va + 4096);
}

static u64 spare(u64 task, u64 keep)
{
	u64 limit, used;

	if (sys_task_quota(task, 0, &limit, &used) || limit < used + keep)
		return 0;
	return limit - used - keep;
}

/*
 * Empty task i and give what it holds above its start quota back to the
 * own task (the page tables it keeps for reuse stay charged): true if
 * something came back.
 */
static bool shrink_task(unsigned i)
{
	u64 limit, keep;

	flush_task(i);
	if (sys_task_quota(slot(i), 0, &limit, &keep))
		return false;
	if (keep < USER_TASK_QUOTA)
		keep = USER_TASK_QUOTA;
	if (limit <= keep ||
	    sys_task_quota(slot(i), -(long)(limit - keep), NULL, NULL))
		return false;
	counters[CNT_QUOTA_RETURNS]++;
	return true;
}

/* The user task other than except holding the most quota beyond its start. */
static int largest_task(int except)
{
	u64 limit, best = USER_TASK_QUOTA;
	int pick = -1;

	for (unsigned i = 0; i < NR_USER_TASKS; i++)
		if ((int)i != except &&
		    !sys_task_quota(slot(i), 0, &limit, NULL) && limit > best)
			best = limit, pick = (int)i;
	return pick;
}

/*
 * More quota for the own task from the root task (REQ_KMEM), BORROW_STEP
 * at a time, until it refuses once (its spare only shrinks) or the
 * command line says "vmm.kmem_lend=0" (tests of the reclaim paths).
 */
static bool borrow(void)
{
	static bool refused;
	struct ipc_msg m = { .tag = TAG_MAKE(REQ_KMEM, 0),
			     .w = { BORROW_STEP } };

	if (refused || vm.no_kmem_lend)
		return false;
	if (ipc_call(SLOT_PARENT, &m, TIMEOUT_NEVER) || m.w[0]) {
		refused = true;
		return false;
	}
	counters[CNT_KMEM_BORROWS]++;
	return true;
}

/*
 * More quota for the current task: from the own task's spare, else
 * borrowed from the root task, else taken from the other user tasks;
 * false if nobody has any to give.
 */
static bool grow_current(void)
{
	for (;;) {
		int other;

		if (spare(SLOT_SELF_TASK, OWN_RESERVE) >= QUOTA_STEP) {
			if (sys_task_quota(slot(current), QUOTA_STEP, NULL,
					   NULL))
				return false;
			counters[CNT_QUOTA_GROWS]++;
			return true;
		}
		if (borrow())
			continue;
		other = largest_task((int)current);
		if (other < 0 || !shrink_task((unsigned)other))
			return false;
	}
}

/*
 * The current task ran out of kernel memory for page tables: give it
 * more, or (and when EMPTY) start it over.
 */
void uspace_reclaim(bool empty)
{
	if (!empty && grow_current())
		return;
	counters[CNT_SPACE_RECLAIMS]++;
	flush_task(current);
}

/*
 * The own task ran out: borrow from the root task, or empty the user
 * task that holds the most quota and take back what it held above its
 * start; false if none had more.
 */
bool uspace_return_quota(void)
{
	int i;

	if (borrow())
		return true;
	i = largest_task(-1);
	return i >= 0 && shrink_task((unsigned)i);
}
