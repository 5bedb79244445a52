/*
 * Host unit tests of the guest's debug registers (vmm/debug.c): which of
 * the guest's breakpoints the VMM hands the microkernel. Data
 * breakpoints on guest user and guest-kernel addresses are armed;
 * execute breakpoints only on user addresses; nothing on the VMM's own
 * ranges, on non-canonical addresses or across the end of the user half,
 * and no I/O breakpoints. One PASS/FAIL line per test.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "vmm.h"

#define KERNEL_RANGE_START 0xffff800000000000ul
#define HYPERVISOR_SLOT_END 0xffff880000000000ul
#define NEAR_BASE 0xffffffffff000000ul
#define NEAR_END 0xffffffffff082000ul

u64 counters[CNT_COUNT];
static u64 given_dr7, given[4];
static int failed;

bool vmm_reserved(u64 va)
{
	return (va >= KERNEL_RANGE_START && va < HYPERVISOR_SLOT_END) ||
	       (va >= NEAR_BASE && va < NEAR_END);
}

long sys_thread_debug(u64 thread, u64 dr7, const u64 addr[4])
{
	(void)thread;
	given_dr7 = dr7;
	for (int i = 0; i < 4; i++)
		given[i] = addr[i];
	return 0;
}

void vmm_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	exit(2);
}

static void verdict(bool ok, const char *id, const char *text)
{
	printf("%s vmm-debug.%s %s\n", ok ? "PASS" : "FAIL", id, text);
	failed += !ok;
}

/* Slot 0 with RW and LEN on at addr: is it armed, and is it counted? */
static bool armed(u64 addr, unsigned rw, unsigned len, bool *unarmed)
{
	struct vcpu v = { .dr = { 0 } };
	u64 before = counters[CNT_DEBUG_UNARMED];

	cpu_write_dr(&v, 7, 0); /* off: what the microkernel held goes */
	cpu_write_dr(&v, 0, addr);
	cpu_write_dr(&v, 7, 1 | (u64)rw << 16 | (u64)len << 18);
	*unarmed = counters[CNT_DEBUG_UNARMED] != before;
	return (given_dr7 & 3) && given[0] == addr;
}

static void t_kinds(void)
{
	bool u1, u2, u3, u4, u5;
	bool ok = armed(0x601000, 1, 3, &u1) && !u1 && /* user write */
		  armed(0x401000, 0, 0, &u2) && !u2 && /* user exec */
		  armed(0xffffffff81234560, 3, 2, &u3) && !u3 && /* kernel rw */
		  !armed(0xffffffff81000000, 0, 0, &u4) &&
		  u4 &&				     /* kernel exec */
		  !armed(0x601000, 2, 0, &u5) && u5; /* I/O */

	verdict(ok, "kinds",
		"data breakpoints on user and kernel addresses and execute "
		"breakpoints on user code are armed; a kernel execute and an "
		"I/O breakpoint stay unarmed and are counted");
}

static void t_ranges(void)
{
	static const u64 bad[] = {
		0xffff800000100000ul, /* the microkernel */
		0xffff878000000000ul, /* the VMM */
		0xffffffffff000000ul, /* the near window */
		0x0000800000000000ul, /* not canonical */
		0x00007ffffffffffcul, /* 8 bytes across the user half's end */
	};
	bool ok = true, u;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok &= !armed(bad[i], 1, 2, &u) && u;
	ok &= armed(0xffffffffff082000ul, 1, 3, &u) && !u; /* after it */
	verdict(ok, "ranges",
		"nothing is armed on the microkernel, the VMM or its near "
		"window, at a non-canonical address or across the end of the "
		"user half; the page after the near window is the guest's");
}

static void t_dr6(void)
{
	struct vcpu v = { .dr = { 0 } };

	cpu_write_dr(&v, 6, 0);
	cpu_debug_trap(&v, 0xffff4ff1); /* B0 and BS, with the fixed ones */
	verdict(cpu_read_dr(&v, 6) == (0xffff0ff0 | 0x4001) &&
			cpu_read_dr(&v, 4) == cpu_read_dr(&v, 6),
		"dr6",
		"a #DB's B0 and BS reach the guest's DR6, which DR4 aliases");
}

int main(void)
{
	t_kinds();
	t_ranges();
	t_dr6();
	return failed != 0;
}
