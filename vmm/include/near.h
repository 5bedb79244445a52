/*
 * The VMM's near window (vm_boot.h): what the guest's rewritten sites
 * reach with rel32 jumps and rip-relative moves, at fixed addresses so
 * that the VMM's code, linked far away in the hypervisor slot, reaches it
 * with absolute ones. entry.S lays it out, vmm.ld places it.
 *
 *   VMM_NEAR_BASE           struct near_data: the vCPU state area (the
 *                           page the microkernel shares), the registers
 *                           and number of the site being emulated, the
 *                           vCPU. The inline cli and the fast thunks
 *                           work on these; RW.
 *   NEAR_SITE_ENTRY         vmm_site_entry (entry.S), where thunks go
 *                           to enter the VMM; RX.
 *   NEAR_THUNKS             THUNK_SIZE bytes per site, written at load
 *                           time by thunk.c; RWX.
 *
 * Under QEMU TCG every page touched after an address-space switch costs
 * a TLB refill, so a site call's data stays on one page. The site entry
 * has a page of its own: QEMU retranslates the code of a page at every
 * write to it, and the data page is written at every site call (sharing
 * it doubled the time of a guest system call).
 * Included by entry.S: numbers only outside the C part.
 */
#ifndef VMM_NEAR_H
#define VMM_NEAR_H

#define NEAR_SITE_ENTRY_OFFSET 0x1000
#define NEAR_THUNKS_OFFSET 0x2000
#define NEAR_THUNKS_SIZE (64 * 8192) /* THUNK_SIZE * MAX_SITES */

/* Offsets in struct near_data, for entry.S; checked below. */
#define NEAR_SITE_REGS 0x100
#define NEAR_SITE_INDEX 0x1b0

#ifndef __ASSEMBLER__
#include <abi/vcpu.h>

#define NEAR_SITE_ENTRY (VMM_NEAR_BASE + NEAR_SITE_ENTRY_OFFSET)
#define NEAR_THUNKS (VMM_NEAR_BASE + NEAR_THUNKS_OFFSET)
#define NEAR_END (NEAR_THUNKS + NEAR_THUNKS_SIZE)

struct near_data {
	struct vcpu_state area; /* first: page aligned */
	struct vcpu_regs site_regs;
	u64 site_index;
	u64 swapgs_scratch; /* the swapgs thunk keeps %rax here */
	struct vcpu vcpu0;
};

#define vmm_near ((struct near_data *)VMM_NEAR_BASE)

_Static_assert(__builtin_offsetof(struct near_data, site_regs) ==
		       NEAR_SITE_REGS,
	       "entry.S's NEAR_SITE_REGS");
_Static_assert(__builtin_offsetof(struct near_data, site_index) ==
		       NEAR_SITE_INDEX,
	       "entry.S's NEAR_SITE_INDEX");
_Static_assert(sizeof(struct near_data) <= NEAR_SITE_ENTRY_OFFSET,
	       "struct near_data fits its page");
_Static_assert(NEAR_END <= VMM_NEAR_END, "the near window fits its hole");
#endif

#endif
