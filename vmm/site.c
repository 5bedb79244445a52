/*
 * A rewritten site jumped into the VMM (entry.S saved the guest's
 * registers in site_regs and the site's number in site_index): emulate
 * the instruction the site held and continue after the site, or deliver
 * an interrupt that the instruction made deliverable (sti, popf, an EOI).
 */
#include "vmm.h"

VMM_HOT void site_dispatch(u64 executing_at)
{
	struct vcpu *v = vcpu_current();
	struct vcpu_regs *r = &vmm_near->site_regs;
	u64 index = vmm_near->site_index;
	const struct site *s = site_get(index);
	bool alias = executing_at < VMM_NEAR_BASE;
	u64 start;

	if (!s)
		vmm_fatal("site entry with unknown site index %lu", index);
	counters[CNT_SITE_CALLS]++;
	site_kind_calls[s->insn.kind]++;
	/* Identity-mapped early boot runs the site at its physical alias. */
	start = alias ? s->va - VMM_ALIAS_OFFSET : s->va;
	if (!alias && vm.alias_mapped)
		softtlb_drop_alias();
	r->rip = start + s->len;
	/* Every return to user mode: straight on, not through emulate(). */
	if (s->insn.kind == INSN_SYSRET)
		emulate_sysret(v, r, s->insn.opsize == 4);
	if (s->insn.kind == INSN_IRET)
		emulate_iret(v, r);
	emulate(v, r, &s->insn, start);
	if (s->fused.kind != INSN_NONE) /* inside sti's interrupt shadow */
		emulate(v, r, &s->fused, start + s->insn.len);
	if (vcpu_if(v) && irq_deliverable(v))
		inject_irq_or_resume(v, r);
}
