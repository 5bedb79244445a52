/*
 * Guest user address spaces (SPEC 6, "Memory"): each PCID the guest uses
 * gets a microkernel task of its own, so a process's soft-TLB entries
 * survive while other processes run, as a real CPU's tagged TLB entries
 * do (Intel SDM Vol. 3A 4.10.1, "Process-context identifiers").
 *
 * The VMM offers CR4.PCIDE and follows the architecture's rules for it:
 * a CR3 load with bit 63 clear invalidates the new PCID's entries, one
 * with bit 63 set keeps them; a PCID's entries are used only while CR3
 * names that PCID. Linux tracks what every PCID may still cache (its
 * tlb_gen per ASID) and loads CR3 without bit 63 whenever a PCID it comes
 * back to could hold stale entries, so no guest page-table change is
 * missed. A guest without PCIDE uses PCID 0 and flushes on every CR3
 * load, as before.
 *
 * There are NR_USER_TASKS tasks; a PCID with no task of its own takes
 * the least recently used one, flushed. Dropping entries is always
 * allowed (a TLB may evict at any time), so eviction and a task running
 * out of kernel memory are within the architecture's rules. INVLPG drops
 * the page from the current PCID's task only, as on the CPU (Vol. 2A
 * INVLPG: other PCIDs keep their entries; user pages are never global).
 */
#include "vmm.h"

/*
 * Linux gives user processes six PCIDs (1-6, its TLB_NR_DYN_ASIDS) and
 * used PCID 0 only before it enabled PCIDE, so six tasks hold all it
 * keeps, and the boot's PCID 0 is evicted once (which the tests see).
 */
#define NR_USER_TASKS 6
#define USER_TASK_QUOTA (512ul << 10) /* page tables of one task */
#define USER_END 0x0000800000000000ul
#define NO_PCID 0xffffu

struct user_task {
	u16 pcid; /* NO_PCID: empty */
	u64 last_use;
};

VMM_HOT_DATA static struct user_task tasks[NR_USER_TASKS];
VMM_HOT_DATA static unsigned current;
VMM_HOT_DATA static u64 use_clock;

static VMM_HOT u64 slot(unsigned i)
{
	return SLOT_USER_TASK0 + i;
}

static VMM_HOT void flush_task(unsigned i)
{
	long err = sys_task_unmap(slot(i), 0, USER_END);

	if (err)
		vmm_fatal("cannot flush user task %u (error %ld)", i, err);
}

void uspace_init(void)
{
	for (unsigned i = 0; i < NR_USER_TASKS; i++) {
		if (sys_task_create(slot(i), USER_TASK_QUOTA))
			vmm_stop(1, "cannot create the guest's user tasks");
		tasks[i].pcid = NO_PCID;
	}
	tasks[0].pcid = 0;
	current = 0;
	vm.user_task_ready = true;
}

VMM_HOT u64 uspace_task(void)
{
	return slot(current);
}

/* CR3 now names pcid; flush: its entries are invalidated too. */
VMM_HOT void uspace_switch(unsigned pcid, bool flush)
{
	unsigned pick = NR_USER_TASKS;

	for (unsigned i = 0; i < NR_USER_TASKS; i++)
		if (tasks[i].pcid == pcid)
			pick = i;
	if (pick == NR_USER_TASKS) {
		pick = 0;
		for (unsigned i = 1; i < NR_USER_TASKS; i++)
			if (tasks[i].last_use < tasks[pick].last_use)
				pick = i;
		if (tasks[pick].pcid != NO_PCID)
			counters[CNT_SPACE_EVICTIONS]++;
		tasks[pick].pcid = pcid;
		flush = true;
	} else if (!flush) {
		counters[CNT_SPACE_KEPT]++;
	}
	if (flush)
		flush_task(pick);
	current = pick;
	tasks[pick].last_use = ++use_clock;
}

void uspace_flush_all(void)
{
	for (unsigned i = 0; i < NR_USER_TASKS; i++)
		if (tasks[i].pcid != NO_PCID)
			flush_task(i);
}

VMM_HOT void uspace_flush_page(u64 va)
{
	long err = sys_task_unmap(slot(current), va, va + 4096);

	if (err)
		vmm_fatal("cannot flush %lx in user task %u (error %ld)", va,
			  current, err);
}

/* The current task ran out of kernel memory for page tables: start over. */
void uspace_reclaim(void)
{
	counters[CNT_SPACE_RECLAIMS]++;
	flush_task(current);
}
