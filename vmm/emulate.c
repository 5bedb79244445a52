/*
 * One handler per kind of sensitive instruction (decode.h), shared by the
 * rewritten sites (site.c) and the trap-and-emulate fallback (upcall.c).
 * Operands come from the decoded instruction and the guest's registers;
 * memory operands are guest virtual addresses read and written through
 * the guest's page tables. A fault the instruction would raise on the
 * real CPU is raised in the guest at the instruction's own address, so
 * Linux's exception tables (rdmsr_safe and friends) work unchanged.
 */
#include "vmm.h"

/* x86 register number -> index in struct vcpu_regs (as u64 array). */
static const u8 reg_index[16] = { 0, 2, 3, 1,  16, 6,  4,  5,
				  7, 8, 9, 10, 11, 12, 13, 14 };

static VMM_WARM u64 *gpr(struct vcpu_regs *r, unsigned n)
{
	return (u64 *)r + reg_index[n & 15];
}

static VMM_WARM u64 size_mask(unsigned size)
{
	return size >= 8 ? ~0ul : (1ul << (8 * size)) - 1;
}

/* Write a register the way a 'size'-byte result does (Vol. 1 3.4.1.1). */
static VMM_WARM void set_gpr(struct vcpu_regs *r, unsigned n, unsigned size,
			     u64 val)
{
	u64 *p = gpr(r, n);

	if (size == 4)
		*p = (u32)val;
	else
		*p = (*p & ~size_mask(size)) | (val & size_mask(size));
}

static VMM_WARM u64 effective_address(struct vcpu *v, struct vcpu_regs *r,
				      const struct insn *in, u64 start)
{
	const struct mem_operand *m = &in->mem;
	u64 ea = m->disp;

	if (m->rip_relative)
		ea += start + in->len;
	if (m->base >= 0)
		ea += *gpr(r, m->base);
	if (m->index >= 0)
		ea += *gpr(r, m->index) * m->scale;
	if (in->addr_size == 4)
		ea = (u32)ea;
	else if (in->addr_size == 2)
		ea = (u16)ea;
	if (m->seg == SEG_FS)
		ea += v->fs_base;
	else if (m->seg == SEG_GS)
		ea += v->gs_base;
	return ea;
}

static void noreturn memory_fault(struct vcpu *v, struct vcpu_regs *r,
				  u64 start, u64 va, u64 error)
{
	v->cr2 = va;
	r->rip = start;
	inject_exception(v, r, VEC_PF, true, error);
}

/*
 * Memory operands: the guest kernel's reach all of guest memory; a guest
 * process's (an instruction emulated for user mode, upcall.c) only what its
 * page tables let user mode reach.
 */
static VMM_WARM void mem_copy(struct vcpu *v, struct vcpu_regs *r, u64 start,
			      u64 va, void *buf, u64 len, bool write)
{
	u64 fault, present;

	if (v->cpl == 3) {
		if (guest_user_copy(va, buf, len, write, &fault, &present))
			memory_fault(v, r, start, fault,
				     present | (write ? PFE_W : 0));
		return;
	}
	if (write ? guest_write(va, buf, len) : guest_read(va, buf, len))
		memory_fault(v, r, start, va, write ? PFE_W : 0);
}

static VMM_WARM void mem_read(struct vcpu *v, struct vcpu_regs *r, u64 start,
			      u64 va, void *buf, u64 len)
{
	mem_copy(v, r, start, va, buf, len, false);
}

static VMM_WARM void mem_write(struct vcpu *v, struct vcpu_regs *r, u64 start,
			       u64 va, const void *buf, u64 len)
{
	mem_copy(v, r, start, va, (void *)buf, len, true);
}

/* The r/m operand of in, size bytes. */
static VMM_WARM u64 rm_read(struct vcpu *v, struct vcpu_regs *r,
			    const struct insn *in, u64 start, unsigned size)
{
	u64 val = 0;

	if (!in->has_mem)
		return *gpr(r, in->rm) & size_mask(size);
	mem_read(v, r, start, effective_address(v, r, in, start), &val, size);
	return val;
}

static VMM_WARM void rm_write(struct vcpu *v, struct vcpu_regs *r,
			      const struct insn *in, u64 start, unsigned size,
			      u64 val)
{
	if (!in->has_mem)
		set_gpr(r, in->rm, size, val);
	else
		mem_write(v, r, start, effective_address(v, r, in, start), &val,
			  size);
}

static void noreturn general_protection(struct vcpu *v, struct vcpu_regs *r,
					u64 start)
{
	r->rip = start;
	inject_exception(v, r, VEC_GP, true, 0);
}

static void noreturn idle(struct vcpu *v, struct vcpu_regs *r)
{
	struct ipc_msg m = { 0 };

	counters[CNT_HLT]++;
	if (irq_deliverable(v))
		inject_irq_or_resume(v, r);
	uart_flush();
	v->idle_regs = *r;
	v->idle = true;
	for (;;) {
		/* From here on a virtual interrupt upcalls: upcall.c wakes us. */
		vcpu_open_irq_window(v);
		if (v->state->pending || v->irq_latched) {
			/* close the window again: we may be on the upcall stack */
			v->in_upcall = true;
			v->upcall_if = true;
			*(volatile u8 *)&v->state->flags = 0;
			v->idle = false;
			inject_irq_or_resume(v, &v->idle_regs);
		}
		ipc_wait(&m, NULL, TIMEOUT_NEVER);
	}
}

static void string_io(struct vcpu *v, struct vcpu_regs *r,
		      const struct insn *in, u64 start, u16 port)
{
	unsigned size = in->opsize;
	u64 count = in->rep ? r->rcx : 1;
	s64 step = r->rflags & RFLAGS_DF ? -(s64)size : (s64)size;

	for (; count; count--) {
		u32 val = 0;

		if (in->kind == INSN_INS) {
			val = ioport_read(port, size);
			mem_write(v, r, start, r->rdi, &val, size);
			r->rdi += step;
		} else {
			u64 src = r->rsi;

			if (in->mem.seg == SEG_FS)
				src += v->fs_base;
			else if (in->mem.seg == SEG_GS)
				src += v->gs_base;
			mem_read(v, r, start, src, &val, size);
			ioport_write(port, size, val);
			r->rsi += step;
		}
		if (in->rep)
			r->rcx--;
	}
}

static VMM_WARM void port_io(struct vcpu *v, struct vcpu_regs *r,
			     const struct insn *in, u64 start)
{
	u16 port = in->port_imm ? in->port : (u16)r->rdx;

	counters[CNT_IOPORT]++;
	switch (in->kind) {
	case INSN_IN:
		set_gpr(r, R_AX, in->opsize, ioport_read(port, in->opsize));
		break;
	case INSN_OUT:
		ioport_write(port, in->opsize, r->rax & size_mask(in->opsize));
		break;
	default:
		string_io(v, r, in, start, port);
	}
}

/* Selector loads: 64-bit mode ignores DS/ES/SS bases; FS/GS get 0. */
static VMM_WARM void load_segment(struct vcpu *v, unsigned seg, u16 sel)
{
	v->sel[seg] = sel;
	if (seg == SEG_FS)
		v->fs_base = 0;
	if (seg == SEG_GS) {
		v->gs_base = 0;
		cpu_load_gs_base(v);
	}
}

static VMM_WARM u16 segment_value(struct vcpu *v, unsigned seg)
{
	if (seg == SEG_CS)
		return v->cpl ? GUEST_USER_CS : GUEST_KERNEL_CS;
	return v->sel[seg];
}

static void descriptor_table(struct vcpu *v, struct vcpu_regs *r,
			     const struct insn *in, u64 start)
{
	u64 ea = effective_address(v, r, in, start);
	struct dtr *t = in->kind == INSN_LGDT || in->kind == INSN_SGDT ?
				&v->gdtr :
				&v->idtr;
	u8 raw[10];

	if (in->kind == INSN_LGDT || in->kind == INSN_LIDT) {
		mem_read(v, r, start, ea, raw, 10);
		memcpy(&t->limit, raw, 2);
		memcpy(&t->base, raw + 2, 8);
	} else {
		/* 32-bit code stores the base's low 32 bits (Vol. 2B SGDT) */
		memcpy(raw, &t->limit, 2);
		memcpy(raw + 2, &t->base, 8);
		mem_write(v, r, start, ea, raw, in->compat ? 6 : 10);
	}
}

/* LTR: find the 16-byte TSS descriptor and mark it busy (Vol. 3A 7.2.3). */
static void load_task_register(struct vcpu *v, struct vcpu_regs *r, u64 start,
			       u16 sel)
{
	u8 d[16];
	u64 at = v->gdtr.base + (sel & ~7u);

	if ((sel & ~7u) + 15 > v->gdtr.limit)
		general_protection(v, r, start);
	mem_read(v, r, start, at, d, 16);
	v->tr = sel;
	v->tss_base = d[2] | (u64)d[3] << 8 | (u64)d[4] << 16 |
		      (u64)d[7] << 24 | (u64)d[8] << 32 | (u64)d[9] << 40 |
		      (u64)d[10] << 48 | (u64)d[11] << 56;
	d[5] |= 2;
	mem_write(v, r, start, at + 5, &d[5], 1);
}

static VMM_WARM void stack_push(struct vcpu *v, struct vcpu_regs *r, u64 start,
				u64 val)
{
	mem_write(v, r, start, r->rsp - 8, &val, 8);
	r->rsp -= 8;
}

static VMM_WARM u64 stack_pop(struct vcpu *v, struct vcpu_regs *r, u64 start,
			      unsigned size)
{
	u64 val = 0;

	mem_read(v, r, start, r->rsp, &val, size);
	r->rsp += size;
	return val;
}

static void far_transfer(struct vcpu *v, struct vcpu_regs *r,
			 const struct insn *in, u64 start)
{
	u64 ea = effective_address(v, r, in, start), target = 0;
	unsigned size = in->opsize == 8 ? 8 : 4;

	mem_read(v, r, start, ea, &target, size);
	if (in->kind == INSN_FAR_CALL) {
		stack_push(v, r, start, segment_value(v, SEG_CS));
		stack_push(v, r, start, r->rip);
	}
	r->rip = target;
}

static VMM_WARM void special_registers(struct vcpu *v, struct vcpu_regs *r,
				       const struct insn *in, u64 start)
{
	u64 *p = gpr(r, in->rm);

	switch (in->kind) {
	case INSN_MOV_FROM_CR:
		counters[CNT_CR]++;
		if (in->reg != 0 && in->reg != 2 && in->reg != 3 &&
		    in->reg != 4 && in->reg != 8)
			break;
		*p = cpu_read_cr(v, in->reg);
		return;
	case INSN_MOV_TO_CR:
		counters[CNT_CR]++;
		if (cpu_write_cr(v, in->reg, *p))
			return;
		general_protection(v, r, start);
	case INSN_MOV_FROM_DR:
		*p = cpu_read_dr(v, in->reg & 7);
		return;
	case INSN_MOV_TO_DR:
		cpu_write_dr(v, in->reg & 7, *p);
		return;
	}
	r->rip = start;
	inject_exception(v, r, VEC_UD, false, 0);
}

static VMM_WARM void msr_access(struct vcpu *v, struct vcpu_regs *r,
				const struct insn *in, u64 start)
{
	u32 msr = (u32)r->rcx;
	u64 val;

	counters[CNT_MSR]++;
	if (in->kind == INSN_RDMSR) {
		if (!cpu_rdmsr(v, msr, &val))
			general_protection(v, r, start);
		r->rax = (u32)val;
		r->rdx = val >> 32;
	} else if (!cpu_wrmsr(v, msr, (r->rdx << 32) | (u32)r->rax)) {
		general_protection(v, r, start);
	}
}

VMM_WARM void emulate(struct vcpu *v, struct vcpu_regs *r,
		      const struct insn *in, u64 start)
{
	u64 val;

	switch (in->kind) {
	case INSN_CLI:
		vcpu_set_if(v, false);
		return;
	case INSN_STI:
		vcpu_set_if(v, true);
		return;
	case INSN_HLT:
		if (!vcpu_if(v))
			vmm_stop(0, "the guest halted with interrupts off");
		idle(v, r);
	case INSN_PUSHF:
		val = vcpu_guest_rflags(v, r);
		mem_write(v, r, start, r->rsp - in->opsize, &val, in->opsize);
		r->rsp -= in->opsize;
		return;
	case INSN_POPF:
		val = stack_pop(v, r, start, in->opsize);
		r->rflags = (r->rflags & ~RFLAGS_USER_MASK) |
			    (val & RFLAGS_USER_MASK);
		vcpu_set_if(v, val & RFLAGS_IF);
		return;
	case INSN_IRET:
		emulate_iret(v, r);
	case INSN_SYSRET:
		emulate_sysret(v, r, in->opsize == 4);
	case INSN_SWAPGS:
		val = v->gs_base;
		v->gs_base = v->kernel_gs_base;
		v->kernel_gs_base = val;
		cpu_load_gs_base(v);
		return;
	case INSN_IN:
	case INSN_OUT:
	case INSN_INS:
	case INSN_OUTS:
		port_io(v, r, in, start);
		return;
	case INSN_RDMSR:
	case INSN_WRMSR:
	case INSN_WRMSRNS:
		msr_access(v, r, in, start);
		return;
	case INSN_CPUID:
		counters[CNT_CPUID]++;
		cpu_cpuid(v, r);
		return;
	case INSN_MOV_FROM_CR:
	case INSN_MOV_TO_CR:
	case INSN_MOV_FROM_DR:
	case INSN_MOV_TO_DR:
		special_registers(v, r, in, start);
		return;
	case INSN_LGDT:
	case INSN_LIDT:
	case INSN_SGDT:
	case INSN_SIDT:
		descriptor_table(v, r, in, start);
		return;
	case INSN_LLDT:
		v->ldtr = rm_read(v, r, in, start, 2);
		return;
	case INSN_LTR:
		load_task_register(v, r, start, rm_read(v, r, in, start, 2));
		return;
	case INSN_SLDT:
	case INSN_STR:
	case INSN_SMSW:
		val = in->kind == INSN_SLDT ? v->ldtr :
		      in->kind == INSN_STR  ? v->tr :
					      v->cr0;
		rm_write(v, r, in, start, in->has_mem ? 2 : in->opsize, val);
		return;
	case INSN_LMSW:
		val = rm_read(v, r, in, start, 2);
		v->cr0 = (v->cr0 & ~0xeul) | (val & 0xf) | (v->cr0 & CR0_PE);
		return;
	case INSN_CLTS:
		v->cr0 &= ~CR0_TS;
		return;
	case INSN_INVLPG:
		softtlb_flush_page(effective_address(v, r, in, start));
		return;
	case INSN_INVPCID:
		softtlb_flush_all(true);
		return;
	case INSN_WBINVD:
	case INSN_INVD:
	case INSN_MONITOR:
	case INSN_MWAIT:
	case INSN_STAC:
	case INSN_CLAC:
		return;
	case INSN_MOV_TO_SEG:
		load_segment(v, in->reg, rm_read(v, r, in, start, 2));
		return;
	case INSN_MOV_FROM_SEG:
		rm_write(v, r, in, start, in->has_mem ? 2 : in->opsize,
			 segment_value(v, in->reg));
		return;
	case INSN_PUSH_SEG:
		stack_push(v, r, start, segment_value(v, in->reg));
		return;
	case INSN_POP_SEG:
		load_segment(v, in->reg, stack_pop(v, r, start, 8));
		return;
	case INSN_LAR:
	case INSN_LSL:
	case INSN_VERR:
	case INSN_VERW:
		r->rflags &= ~0x40ul; /* ZF = 0: no access to descriptors */
		return;
	case INSN_XSETBV:
		/* One XCR0 for all threads: the microkernel's (cpu_state.c) */
		val = (r->rdx << 32) | (u32)r->rax;
		if ((u32)r->rcx == 0 && val == cpu_host_xcr0()) {
			v->xcr0 = val;
			return;
		}
		r->rip = start;
		inject_exception(v, r, VEC_GP, true, 0);
	case INSN_RDFSBASE:
		set_gpr(r, in->rm, in->opsize, v->fs_base);
		return;
	case INSN_RDGSBASE:
		set_gpr(r, in->rm, in->opsize, v->gs_base);
		return;
	case INSN_WRFSBASE:
		v->fs_base = *gpr(r, in->rm);
		return;
	case INSN_WRGSBASE:
		v->gs_base = *gpr(r, in->rm);
		cpu_load_gs_base(v);
		return;
	case INSN_LRET:
		val = stack_pop(v, r, start, in->opsize == 8 ? 8 : 4);
		v->sel[SEG_CS] =
			stack_pop(v, r, start, in->opsize == 8 ? 8 : 4);
		r->rsp += (u16)in->mem.disp;
		r->rip = val;
		return;
	case INSN_FAR_JMP:
	case INSN_FAR_CALL:
		far_transfer(v, r, in, start);
		return;
	case INSN_LOAD_FAR_PTR: {
		u64 ea = effective_address(v, r, in, start), off = 0;
		u16 sel;
		unsigned size = in->opsize;

		mem_read(v, r, start, ea, &off, size);
		mem_read(v, r, start, ea + size, &sel, 2);
		set_gpr(r, in->reg, size, off);
		load_segment(v, in->rm, sel);
		return;
	}
	case INSN_INT_N:
		inject_software_interrupt(v, r, in->port);
	case INSN_WBNOINVD:
		return;
	}
	r->rip = start;
	inject_exception(v, r, VEC_UD, false, 0);
}
