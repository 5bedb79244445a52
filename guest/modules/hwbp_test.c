// SPDX-License-Identifier: GPL-2.0
/*
 * hwbp_test: a hardware watchpoint on kernel data. The module puts a
 * kernel-wide breakpoint (register_wide_hw_breakpoint, what kgdb and
 * perf's "mem:ADDR" events use) on a variable of its own, writes it and
 * its neighbour, reads it, and counts the #DBs that reach the handler.
 * Natively Linux loads DR0 and DR7 and the CPU traps the module's own
 * stores; in a VM those are debug-register sites the VMM emulates, the
 * microkernel arms the breakpoint in the VM's own task, and each #DB
 * comes back through the VMM to the guest kernel's handler.
 *
 * It prints "hwbp_test: N of M checks passed" and fails with -EIO if a
 * count is wrong.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>

#define WRITES 10

static struct {
	long watched;
	long neighbour; /* the next 8 bytes: never a hit */
} vars __aligned(16);

static atomic_t hits;
static int passed, total;

static void hit(struct perf_event *bp, struct perf_sample_data *data,
		struct pt_regs *regs)
{
	atomic_inc(&hits);
}

static void check(int got, int want, const char *what)
{
	total++;
	if (got == want)
		passed++;
	else
		pr_err("check failed: %s: %d hits, not %d\n", what, got, want);
}

/* A breakpoint of `type` on vars.watched; NULL after an error. */
static struct perf_event *__percpu *watch(int type)
{
	struct perf_event_attr attr;
	struct perf_event *__percpu *bp;

	hw_breakpoint_init(&attr);
	attr.bp_addr = (unsigned long)&vars.watched;
	attr.bp_len = HW_BREAKPOINT_LEN_8;
	attr.bp_type = type;
	bp = register_wide_hw_breakpoint(&attr, hit, NULL);
	if (IS_ERR((void __force *)bp)) {
		pr_err("register_wide_hw_breakpoint: %ld\n",
		       PTR_ERR((void __force *)bp));
		return NULL;
	}
	return bp;
}

static int __init hwbp_test_init(void)
{
	struct perf_event *__percpu *bp;
	long sum = 0;
	int i;

	bp = watch(HW_BREAKPOINT_W);
	if (!bp)
		return -EIO;
	atomic_set(&hits, 0);
	for (i = 0; i < WRITES; i++) {
		WRITE_ONCE(vars.watched, i);
		WRITE_ONCE(vars.neighbour, i);
		sum += READ_ONCE(vars.watched);
	}
	check(atomic_read(&hits), WRITES, "write breakpoint, writes");
	unregister_wide_hw_breakpoint(bp);

	atomic_set(&hits, 0);
	WRITE_ONCE(vars.watched, 1);
	check(atomic_read(&hits), 0, "after unregistering");

	bp = watch(HW_BREAKPOINT_RW);
	if (!bp)
		return -EIO;
	atomic_set(&hits, 0);
	for (i = 0; i < WRITES; i++)
		sum += READ_ONCE(vars.watched);
	WRITE_ONCE(vars.neighbour, sum);
	check(atomic_read(&hits), WRITES, "read/write breakpoint, reads");
	unregister_wide_hw_breakpoint(bp);

	pr_info("%d of %d checks passed\n", passed, total);
	return passed == total ? 0 : -EIO;
}

static void __exit hwbp_test_exit(void)
{
}

module_init(hwbp_test_init);
module_exit(hwbp_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("a hardware watchpoint on kernel data");
