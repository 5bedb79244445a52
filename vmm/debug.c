/*
 * The guest's debug registers (SPEC 6, "virtual CPU"). DR0-DR3 and DR7
 * are what ptrace's hardware breakpoints and watchpoints (gdb's
 * "watch", "hbreak") and perf's breakpoint events come down to. The VMM
 * keeps the guest's values and hands the microkernel those it can make
 * real (thread_debug, docs/abi.md), which it arms in the guest process's
 * task and in the VMM's own task alike:
 *
 *   - execute breakpoints on guest user addresses;
 *   - data breakpoints on any guest address, user or kernel. The guest
 *     kernel's own accesses hit them as on hardware (a copy_to_user into
 *     watched bytes, a module's watched variable). The VMM never touches
 *     guest virtual addresses itself (guest_mem.c goes through the
 *     guest-physical window) and refuses a breakpoint on its own ranges,
 *     so a #DB in the own task always comes from guest code.
 *
 * An execute breakpoint on a guest-kernel address stays recorded but
 * never fires (counted in debug_unarmed): resuming the guest kernel past
 * it would need RF, which the VMM's direct resume cannot set. Linux
 * refuses those anyway unless it has kprobes.
 *
 * A #DB from guest code (single step, breakpoint, int1) arrives with the
 * real DR6; its status bits go into the guest's DR6, where Linux's
 * handler reads them, as the CPU would set them.
 */
#include "vmm.h"
#include <abi/debug.h>

#define DR6_STATUS                                                             \
	(DR6_HIT(0) | DR6_HIT(1) | DR6_HIT(2) | DR6_HIT(3) | DR6_BD | DR6_BS | \
	 DR6_BT)

/* What the microkernel holds now: DR7 (0: nothing) and the addresses. */
static u64 given_dr7, given_addr[DEBUG_SLOTS];

static bool canonical(u64 va)
{
	u64 top = va >> 47;

	return top == 0 || top == 0x1ffff;
}

/* Bytes [a, last] the guest may watch: its own, none of the VMM's. */
static bool guest_range(u64 a, u64 last)
{
	if (last < a || !canonical(a) || !canonical(last))
		return false;
	if (last < GUEST_USER_END)
		return true;
	return a >= GUEST_USER_END && !vmm_reserved(a) && !vmm_reserved(last);
}

/* The guest's slot i as the microkernel accepts it, or 0 for "off". */
static u64 slot_bits(const struct vcpu *v, unsigned i)
{
	u64 dr7 = v->dr[7], a = v->dr[i], last = a + DR7_BYTES(dr7, i) - 1;
	bool exec = DR7_RW_OF(dr7, i) == 0;

	if (!(dr7 & DR7_ENABLE(i)))
		return 0;
	if (!DR7_KIND_OK(dr7, i) || !guest_range(a, last) ||
	    (exec && last >= GUEST_USER_END)) {
		counters[CNT_DEBUG_UNARMED]++;
		return 0;
	}
	return dr7 & (DR7_ENABLE(i) | DR7_RW(i) | DR7_LEN(i));
}

static void debug_sync(struct vcpu *v)
{
	u64 dr7 = 0, addr[DEBUG_SLOTS] = { 0 };
	bool same;
	long err;

	for (unsigned i = 0; i < DEBUG_SLOTS; i++) {
		u64 bits = slot_bits(v, i);

		if (bits) {
			dr7 |= bits;
			addr[i] = v->dr[i];
		}
	}
	same = dr7 == given_dr7;
	for (unsigned i = 0; i < DEBUG_SLOTS; i++)
		same &= addr[i] == given_addr[i];
	if (same)
		return;
	err = sys_thread_debug(SLOT_VCPU_THREAD, dr7, addr);
	if (err)
		vmm_fatal("thread_debug dr7 %lx refused (%ld)", dr7, err);
	counters[CNT_DEBUG_SETS]++;
	given_dr7 = dr7;
	for (unsigned i = 0; i < DEBUG_SLOTS; i++)
		given_addr[i] = addr[i];
}

/* DR4 and DR5 are DR6 and DR7 while CR4.DE is clear (we never set it). */
static unsigned dr_index(unsigned n)
{
	return n < 4 ? n : (n & 1) ? 7 : 6;
}

VMM_WARM u64 cpu_read_dr(struct vcpu *v, unsigned n)
{
	return v->dr[dr_index(n)];
}

VMM_WARM void cpu_write_dr(struct vcpu *v, unsigned n, u64 val)
{
	n = dr_index(n);
	if (n == 6)
		val |= DR6_INIT;
	if (n == 7)
		val = (val & 0xffffffff) | DR7_FIXED;
	v->dr[n] = val;
	if (n != 6)
		debug_sync(v);
}

/* A #DB from guest code: DR6 as the real one reported it. */
void cpu_debug_trap(struct vcpu *v, u64 dr6)
{
	v->dr[6] |= dr6 & DR6_STATUS;
}
