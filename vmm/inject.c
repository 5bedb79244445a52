/*
 * Entering and leaving the guest kernel the way the CPU would (Intel SDM
 * Vol. 3A 6.14, "Exception and interrupt handling in 64-bit mode"):
 * delivery through the guest's IDT with the 64-bit frame on the right
 * stack (TSS.RSP0 from user mode, an IST stack if the gate names one),
 * IRETQ, SYSCALL and SYSRETQ (Vol. 2B). The guest kernel runs in the VM's
 * own task, its user processes in user tasks (uspace.c); every way back into
 * the guest ends in guest_resume().
 */
#include "vmm.h"

static VMM_HOT u64 read_u64(struct vcpu_regs *r, u64 va, const char *what)
{
	u64 val;

	if (guest_read(va, &val, 8))
		vmm_fatal("cannot read the guest's %s at %lx (rip %lx)", what,
			  va, r->rip);
	return val;
}

/*
 * A data segment selector the guest kernel loaded for its process, as the
 * microkernel takes it (VCPU_SEL_OK: the GDTs agree). Any other, a TLS
 * entry of set_thread_area say, becomes null.
 */
static VMM_HOT u16 user_selector(u16 sel)
{
	return VCPU_SEL_OK(sel) ? sel : 0;
}

VMM_HOT void noreturn guest_resume(struct vcpu *v, struct vcpu_regs *r)
{
	struct vcpu_state *st = v->state;
	bool user = v->cpl == 3;
	u64 flags = VCPU_F_FAULTS;

	if (user || vcpu_if(v))
		flags |= VCPU_F_IRQ;
	if (user && (v->cr4 & CR4_TSD)) /* prctl(PR_SET_TSC, PR_TSC_SIGSEGV) */
		flags |= VCPU_F_TSD;
	if (v->refill.armed)
		softtlb_refill(v, r->rip);
	/* No upcall may overwrite regs from here until the resume. */
	v->in_upcall = false;
	vcpu_set_if(v, false);
	if (r != &st->regs) /* an upcall's own registers are there already */
		st->regs = *r;
	st->regs.rflags = (r->rflags & RFLAGS_KEPT(user)) | RFLAGS_FIXED;
	if (user) {
		u16 ds = v->sel[SEG_DS], es = v->sel[SEG_ES],
		    fs = v->sel[SEG_FS], gs = v->sel[SEG_GS];

		st->regs.fs_base = v->fs_base;
		st->regs.gs_base = v->gs_base;
		if (ds | es | fs | gs) { /* mostly null, as Linux leaves them */
			ds = user_selector(ds);
			es = user_selector(es);
			fs = user_selector(fs);
			gs = user_selector(gs);
		}
		st->regs.ds = ds;
		st->regs.es = es;
		st->regs.fs = fs;
		st->regs.gs = gs;
		counters[CNT_SPACE_SWITCHES]++;
		sys_vcpu_resume_flags(uspace_task(), flags);
	} else {
		cpu_load_gs_base(v);
		/*
		 * Into the guest kernel with its interrupts off (a system
		 * call, an exception or interrupt through an interrupt gate):
		 * nothing can arrive before it runs, so the VMM restores the
		 * registers and jumps, without the microkernel. Taking page
		 * faults again is the one thing resume would have done.
		 */
		if (!(flags & VCPU_F_IRQ) && !(r->rflags & RFLAGS_TF)) {
			__atomic_store_n(&st->flags, flags, __ATOMIC_SEQ_CST);
			counters[CNT_DIRECT_RESUMES]++;
			vmm_jump(&st->regs);
		}
		sys_vcpu_resume_flags(CAP_NONE, flags);
	}
	vmm_fatal("resume at %lx failed", r->rip);
}

/*
 * Is an interrupt deliverable now? The pending bits (IRQ_BIT_TIMER from
 * the microkernel's vCPU timer, IRQ_BIT_CONSOLE from the root task,
 * IRQ_BIT_PIC from the PIC) are consumed here: the PIT and RTC raise what
 * fell due, the UART looks at its input ring, and the PIC sets its
 * bit again while it holds a deliverable interrupt. The PIT is asked
 * only when the timer fired, like a device that interrupts: a tick lands
 * where the guest was when it came, in user mode or in the kernel, and
 * the guest splits CPU time between them as it does natively.
 */
VMM_HOT bool irq_deliverable(struct vcpu *v)
{
	u64 bits =
		__atomic_exchange_n(&v->state->pending, 0, __ATOMIC_SEQ_CST) |
		__atomic_exchange_n(&v->irq_latched, 0, __ATOMIC_SEQ_CST);

	if (bits & (1ul << IRQ_BIT_TIMER))
		timer_fired();
	/* the ring is shared memory: touched only when the root task wrote */
	if (bits & (1ul << IRQ_BIT_CONSOLE))
		uart_poll();
	if (pic_pending_vector() < 0)
		return false;
	__atomic_or_fetch(&v->state->pending, 1ul << IRQ_BIT_PIC,
			  __ATOMIC_SEQ_CST);
	return true;
}

static VMM_HOT void noreturn deliver(struct vcpu *v, struct vcpu_regs *r,
				     unsigned vector, bool has_error, u64 error)
{
	u8 gate[16];
	u64 handler, sp, frame[6];
	unsigned ist, type, n = 0;
	bool from_user = v->cpl == 3;

	if (vector * 16 + 15 > v->idtr.limit ||
	    guest_read(v->idtr.base + vector * 16, gate, 16))
		vmm_fatal(
			"vector %u beyond the guest's IDT (rip %lx): triple fault",
			vector, r->rip);
	type = gate[5] & 0x1f;
	if (!(gate[5] & 0x80) || (type != 0xe && type != 0xf))
		vmm_fatal(
			"vector %u: no present gate in the guest's IDT (rip %lx)",
			vector, r->rip);
	handler = gate[0] | (u64)gate[1] << 8 | (u64)gate[6] << 16 |
		  (u64)gate[7] << 24;
	handler |= (u64)(gate[8] | gate[9] << 8 | gate[10] << 16) << 32 |
		   (u64)gate[11] << 56;
	ist = gate[4] & 7;
	if (ist)
		sp = read_u64(r, v->tss_base + 0x24 + 8 * (ist - 1), "TSS IST");
	else if (from_user)
		sp = read_u64(r, v->tss_base + 4, "TSS RSP0");
	else
		sp = r->rsp;
	sp &= ~15ul;
	if (has_error)
		frame[n++] = error;
	frame[n++] = r->rip;
	frame[n++] = !from_user		      ? GUEST_KERNEL_CS :
		     r->cs == GUEST_USER32_CS ? GUEST_USER32_CS :
						GUEST_USER_CS;
	frame[n++] = vcpu_guest_rflags(v, r);
	frame[n++] = r->rsp;
	frame[n++] = from_user ? GUEST_USER_DS : v->sel[SEG_SS];
	sp -= n * 8;
	if (guest_write(sp, frame, n * 8))
		vmm_fatal("cannot push the frame of vector %u at %lx (rip %lx)",
			  vector, sp, r->rip);
	if (from_user) {
		v->cpl = 0;
		v->sel[SEG_SS] = 0;
	}
	if (type == 0xe) /* interrupt gate: IF off (Vol. 3A 6.12.1.3) */
		vcpu_set_if(v, false);
	r->rip = handler;
	r->rsp = sp;
	r->rflags &= ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF);
	guest_resume(v, r);
}

VMM_HOT void noreturn inject_exception(struct vcpu *v, struct vcpu_regs *r,
				       unsigned vector, bool has_error,
				       u64 error)
{
	if (vector == VEC_PF && v->cpl == 3)
		error |= PFE_U;
	deliver(v, r, vector, has_error, error);
}

/* int $n: delivered like an interrupt, returning after the instruction. */
void noreturn inject_software_interrupt(struct vcpu *v, struct vcpu_regs *r,
					unsigned vector)
{
	deliver(v, r, vector, false, 0);
}

VMM_HOT void noreturn inject_irq_or_resume(struct vcpu *v, struct vcpu_regs *r)
{
	if ((v->cpl == 3 || vcpu_if(v)) && irq_deliverable(v)) {
		int vector = pic_pending_vector();

		pic_acknowledge(vector);
		deliver(v, r, vector, false, 0);
	}
	guest_resume(v, r);
}

VMM_HOT void noreturn emulate_iret(struct vcpu *v, struct vcpu_regs *r)
{
	u64 f[5];

	counters[CNT_IRET]++;
	if (guest_read(r->rsp, f, sizeof(f)))
		vmm_fatal("iret: cannot read the frame at %lx", r->rsp);
	r->rip = f[0];
	r->rflags = f[2];
	r->rsp = f[3];
	if ((f[1] & 3) == 3) {
		v->cpl = 3;
		r->cs = f[1] == GUEST_USER32_CS ? GUEST_USER32_CS :
						  GUEST_USER_CS;
	} else {
		v->sel[SEG_SS] = f[4];
		vcpu_set_if(v, f[2] & RFLAGS_IF);
	}
	inject_irq_or_resume(v, r);
}

VMM_HOT void noreturn emulate_sysret(struct vcpu *v, struct vcpu_regs *r,
				     bool compat)
{
	/* sysretl returns to compatibility mode, at ecx */
	r->rip = compat ? (u32)r->rcx : r->rcx;
	r->cs = compat ? GUEST_USER32_CS : GUEST_USER_CS;
	r->rflags = r->r11;
	v->cpl = 3;
	inject_irq_or_resume(v, r);
}

/*
 * SYSCALL from guest user mode: rcx and r11 already hold the return
 * address and RFLAGS (the real SYSCALL put them there). It enters at
 * LSTAR, or at CSTAR from compatibility mode (Linux without IA32
 * emulation has a two-instruction stub there that returns -ENOSYS with
 * sysretl). Linux's entry begins with a SWAPGS site; doing it here keeps
 * even that one from running on the user's stack. The site at the entry
 * is looked up once per MSR value (a binary search over the sites
 * touches a dozen pages).
 */
VMM_HOT void noreturn emulate_syscall(struct vcpu *v, struct vcpu_regs *r)
{
	VMM_HOT_DATA static u64 entry_of[2];
	VMM_HOT_DATA static const struct site *site_of[2];
	bool compat = r->cs == GUEST_USER32_CS;
	u64 entry = compat ? v->cstar : v->lstar;
	const struct site *s;

	if (entry_of[compat] != entry) {
		entry_of[compat] = entry;
		site_of[compat] = site_lookup(entry);
	}
	s = site_of[compat];

	v->cpl = 0;
	r->rip = entry;
	r->rflags &= ~v->sfmask;
	vcpu_set_if(v, !(v->sfmask & RFLAGS_IF));
	if (s && s->insn.kind == INSN_SWAPGS) {
		u64 t = v->gs_base;

		v->gs_base = v->kernel_gs_base;
		v->kernel_gs_base = t;
		r->rip += s->len;
	}
	inject_irq_or_resume(v, r);
}
