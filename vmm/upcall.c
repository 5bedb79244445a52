/*
 * The microkernel's upcalls (abi/vcpu.h): every exception, page fault and
 * system call of the guest, and virtual interrupts. Three contexts can be
 * interrupted:
 *
 *  - guest user code (the event came from a user task): a SYSCALL
 *    enters the guest kernel at its LSTAR, a page fault fills the soft
 *    TLB or becomes the guest's #PF, sgdt and the other UMIP
 *    instructions (#GP) get the guest's values, anything else goes
 *    through the guest's IDT;
 *  - guest kernel code (own task, outside the VMM's text): the same, and
 *    #GP/#UD on a sensitive instruction the afterburner missed is
 *    decoded, emulated and counted (trap-and-emulate fallback);
 *  - the VMM itself: only a virtual interrupt may arrive there (while a
 *    site's emulation runs with the guest's interrupts on); its pending
 *    bits are latched for the next delivery check and the VMM goes on
 *    exactly where it was. An idle vCPU (hlt) is woken instead.
 */
#include "vmm.h"

/* The VMM's code, or the site entry in the near window or its alias. */
static VMM_HOT bool in_vmm_text(u64 rip)
{
	u64 near = rip >= VMM_NEAR_BASE ? rip : rip + VMM_ALIAS_OFFSET;

	if (rip >= (u64)vmm_text_start && rip < (u64)vmm_text_end)
		return true;
	return near >= NEAR_SITE_ENTRY && near < NEAR_THUNKS;
}

static VMM_HOT bool has_error_code(unsigned vector)
{
	return vector == VEC_DF || (vector >= VEC_TS && vector <= VEC_PF) ||
	       vector == 17 || vector == 21 || vector == 29 || vector == 30;
}

static VMM_HOT void noreturn page_fault(struct vcpu *v, struct vcpu_regs *r,
					u64 addr, u64 error)
{
	bool user = v->cpl == 3;
	u64 pf_error;

	counters[CNT_PAGE_FAULTS]++;
	switch (softtlb_fill(addr, error, user, &pf_error)) {
	case TLB_MAPPED:
		counters[CNT_TLB_FILLS]++;
		counters[CNT_USER_FILLS] += user;
		guest_resume(v, r);
	case TLB_GUEST_FAULT:
		counters[CNT_GUEST_FAULTS]++;
		softtlb_arm_refill(v, addr, error, r->rip);
		v->cr2 = addr;
		inject_exception(v, r, VEC_PF, true, pf_error);
	case TLB_BAD:
		break;
	}
	vmm_fatal("guest %s access to %lx at rip %lx maps no guest RAM",
		  user ? "user" : "kernel", addr, r->rip);
}

/*
 * sgdt, sidt, sldt, str and smsw of a guest process. The microkernel
 * turns on UMIP where the CPU has it, so in user mode they raise #GP
 * instead of showing the microkernel's descriptor tables, task register
 * and CR0. The guest kernel has not turned UMIP on (the VMM hides it,
 * cpu_state.c), so on its virtual CPU they work at CPL 3: the VMM answers
 * with the guest's own values, what the process would read natively, and
 * writes a memory operand as the process's own store would go (emulate.c).
 */
static bool umip_insn(const struct vcpu *v, enum insn_kind kind)
{
	return !(v->cr4 & CR4_UMIP) &&
	       (kind == INSN_SGDT || kind == INSN_SIDT || kind == INSN_SLDT ||
		kind == INSN_STR || kind == INSN_SMSW);
}

/*
 * #GP or #UD: in the guest kernel a sensitive instruction without site,
 * in a guest process one of the UMIP instructions; anything else is the
 * guest's. The instruction is fetched as its own mode may (up to the
 * first byte that cannot be).
 */
static void noreturn trap_and_emulate(struct vcpu *v, struct vcpu_regs *r,
				      unsigned vector, u64 error)
{
	u8 bytes[15];
	unsigned n = 0;
	struct insn in;
	u64 start = r->rip, fault, present;
	bool user = v->cpl == 3;

	while (n < sizeof(bytes) &&
	       (user ? guest_user_copy(start + n, &bytes[n], 1, false, &fault,
				       &present) :
		       guest_read(start + n, &bytes[n], 1)) == 0)
		n++;
	if (n == 0 ||
	    (user && r->cs == GUEST_USER32_CS ?
		     insn_decode_compat(bytes, n, &in) :
		     insn_decode(bytes, n, &in)) ||
	    (user && !umip_insn(v, in.kind)))
		inject_exception(v, r, vector, vector == VEC_GP, error);
	if (user)
		counters[CNT_UMIP_EMULATIONS]++;
	else if (++counters[CNT_TRAP_EMULATIONS] <= 10)
		printf("vmm: trapped unannotated %s at %lx\n",
		       insn_kind_name(in.kind), start);
	r->rip = start + in.len;
	emulate(v, r, &in, start);
	inject_irq_or_resume(v, r);
}

static VMM_HOT void noreturn guest_event(struct vcpu *v, struct vcpu_state *st,
					 struct vcpu_regs *r)
{
	unsigned vector = st->vector;

	switch (st->cause) {
	case VCPU_CAUSE_SYSCALL:
		counters[CNT_SYSCALLS]++;
		emulate_syscall(v, r);
	case VCPU_CAUSE_IRQ:
		counters[CNT_IRQS]++;
		inject_irq_or_resume(v, r);
	case VCPU_CAUSE_EXCEPTION:
		if (vector == VEC_PF)
			page_fault(v, r, st->fault_addr, st->error);
		if (vector == VEC_GP || (vector == VEC_UD && v->cpl == 0))
			trap_and_emulate(v, r, vector, st->error);
		if (vector == VEC_DB)
			cpu_debug_trap(v, st->error);
		inject_exception(v, r, vector, has_error_code(vector),
				 st->error);
	}
	vmm_fatal("upcall with unknown cause %lu", st->cause);
}

VMM_HOT void noreturn upcall_dispatch(struct vcpu_state *st)
{
	struct vcpu *v = vcpu_current();
	/*
	 * Worked on in place: no upcall can come before the resume (the
	 * microkernel cleared VCPU_F_IRQ, and in_upcall keeps it so), and
	 * guest_resume() then has nothing to copy back.
	 */
	struct vcpu_regs *r = &st->regs;

	counters[CNT_UPCALLS]++;
	if (st->from != CAP_NONE || !in_vmm_text(r->rip) || v->idle) {
		v->in_upcall = true;
		v->upcall_if = st->from == CAP_NONE &&
			       (st->saved_flags & VCPU_F_IRQ);
	}
	if (st->from != CAP_NONE) {
		/* guest user mode: it may have changed these itself */
		v->fs_base = r->fs_base;
		v->gs_base = r->gs_base;
		v->sel[SEG_DS] = r->ds;
		v->sel[SEG_ES] = r->es;
		v->sel[SEG_FS] = r->fs;
		v->sel[SEG_GS] = r->gs;
		guest_event(v, st, r);
	}
	if (!in_vmm_text(r->rip))
		guest_event(v, st, r);
	if (v->idle) {
		v->idle = false;
		*r = v->idle_regs;
		vcpu_set_if(v, true);
		counters[CNT_IRQS]++;
		inject_irq_or_resume(v, r);
	}
	if (st->cause != VCPU_CAUSE_IRQ)
		vmm_fatal(
			"exception %lu (error %lx, address %lx) in the VMM at %lx",
			st->vector, st->error, st->fault_addr, r->rip);
	v->irq_latched |=
		__atomic_exchange_n(&st->pending, 0, __ATOMIC_SEQ_CST);
	sys_vcpu_resume_flags(CAP_NONE, st->saved_flags & VCPU_F_RESUME_MASK);
	vmm_fatal("cannot resume the VMM");
}
