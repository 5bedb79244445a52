/*
 * sgdt, sidt, sldt, str and smsw in a guest process. The microkernel
 * turns on CR4.UMIP where the CPU has it, so in user mode they fault
 * instead of showing the microkernel's descriptor tables, task register
 * and CR0. A guest process's #GP comes here first: if it is one of those
 * five and the guest kernel has not turned on UMIP itself (the VMM hides
 * it, cpu_state.c), the VMM answers with the guest's own values, which
 * is what the process would read natively: Linux's GDT and IDT in its
 * CPU entry area, its task register and CR0. The operand is written as
 * the process's own store would be: a page its tables do not let user
 * mode write is a #PF for the guest. Any other #GP goes to the guest.
 */
#include "vmm.h"

#define INSN_MAX 15

static bool umip_insn(enum insn_kind kind)
{
	return kind == INSN_SGDT || kind == INSN_SIDT || kind == INSN_SLDT ||
	       kind == INSN_STR || kind == INSN_SMSW;
}

/* The instruction at rip as user mode can fetch it: up to 15 bytes. */
static unsigned fetch(u64 rip, u8 *bytes)
{
	u64 fault, present, first = 4096 - (rip & 4095);

	if (!guest_user_copy(rip, bytes, INSN_MAX, false, &fault, &present))
		return INSN_MAX;
	if (first < INSN_MAX &&
	    !guest_user_copy(rip, bytes, first, false, &fault, &present))
		return first;
	return 0;
}

void noreturn umip_user_gp(struct vcpu *v, struct vcpu_regs *r, u64 error)
{
	u8 bytes[INSN_MAX];
	u64 start = r->rip;
	unsigned n = fetch(start, bytes);
	struct insn in;

	if (!n || insn_decode(bytes, n, &in) || !umip_insn(in.kind) ||
	    (v->cr4 & CR4_UMIP))
		inject_exception(v, r, VEC_GP, true, error);
	counters[CNT_UMIP_EMULATIONS]++;
	r->rip = start + in.len;
	emulate(v, r, &in, start);
	inject_irq_or_resume(v, r);
}
