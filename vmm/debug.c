/*
 * The guest's debug registers (SPEC 6, "virtual CPU"). DR0-DR3 and DR7
 * are what ptrace's hardware breakpoints and watchpoints (gdb's
 * "watch", "hbreak") come down to. The VMM keeps the guest's values and
 * hands the microkernel those it can make real: breakpoints on guest
 * user addresses, which the microkernel arms while the vCPU runs in a
 * guest process's task (thread_debug, docs/abi.md). A breakpoint on a
 * guest-kernel address (kgdb, perf's kernel breakpoints) stays recorded
 * but never fires, and a user watchpoint does not fire for the guest
 * kernel's own accesses (copy_to_user): the VMM and the guest kernel
 * share their task, where the VMM cannot take a #DB.
 *
 * A #DB from a guest process (single step, breakpoint, int1) arrives
 * with the real DR6; its status bits go into the guest's DR6, where
 * Linux's handler reads them, as the CPU would set them.
 */
#include "vmm.h"
#include <abi/debug.h>

#define DR6_STATUS                                                             \
	(DR6_HIT(0) | DR6_HIT(1) | DR6_HIT(2) | DR6_HIT(3) | DR6_BD | DR6_BS | \
	 DR6_BT)

/* What the microkernel holds now: DR7 (0: nothing) and the addresses. */
static u64 given_dr7, given_addr[DEBUG_SLOTS];

/* The guest's slot i as the microkernel accepts it, or 0 for "off". */
static u64 slot_bits(const struct vcpu *v, unsigned i)
{
	u64 dr7 = v->dr[7], a = v->dr[i], last = a + DR7_BYTES(dr7, i) - 1;

	if (!(dr7 & DR7_ENABLE(i)))
		return 0;
	if (!DR7_KIND_OK(dr7, i) || last < a || last >= GUEST_USER_END) {
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

/* A #DB from guest user mode: DR6 as the real one reported it. */
void cpu_debug_trap(struct vcpu *v, u64 dr6)
{
	v->dr[6] |= dr6 & DR6_STATUS;
}
