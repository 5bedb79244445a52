/*
 * The thunks that rewritten sites jump to (rewrite.c): one per site, in
 * the near window's RWX thunk area (near.h), within rel32 reach of the
 * guest's text. Everything a thunk touches is in that window too.
 *
 * Most thunks enter the VMM: "movl $i, site_index; jmp vmm_site_entry",
 * and site.c emulates site i's instruction. The two hottest kinds get a
 * fast thunk that does the work in a few instructions and jumps back to
 * the end of the site, never entering the VMM's C code (in a shell
 * workload they are 60 % of all site calls):
 *
 *   pushf   pushfq; pushfq; cmpb $0, vif; jne 1f;
 *           andb $~(IF >> 8), 9(%rsp)      the copy the guest gets: IF
 *        1: popfq; jmp end                 from the virtual flag; the
 *                                          arithmetic flags are real
 *   sti     movb $1, vif; pushfq; cmpq $0, pending; jne 1f;
 *           popfq; jmp end                 nothing pending: done
 *        1: popfq; <the entering thunk>    the VMM delivers it
 *
 * vif is the vCPU state area's VCPU_F_IRQ byte and pending its pending
 * word (abi/vcpu.h). The VMM sets a pending bit of its own when one of
 * its devices raises an interrupt (pic.c), so the sti thunk sees those
 * too. Real IF is always set while guest code runs at CPL 3, and popfq
 * there leaves it alone; the pushfq/popfq pairs only keep the guest's
 * arithmetic flags, below its stack pointer, where the guest kernel
 * (built without a red zone) keeps nothing. An interrupt that arrives
 * inside a thunk is delivered like one in guest code and returns there.
 * Reading state the VMM keeps in memory needs no VMM entry either:
 *
 *   mov %crN, %reg     movq crN, %reg      (CR0, CR2, CR3, CR4)
 *   mov %seg, %reg     movzwl sel, %reg32  (movw for a 16-bit register;
 *                                          DS, ES, SS, FS, GS)
 *   swapgs             the GS base and MSR_KERNEL_GS_BASE exchanged in
 *                      struct vcpu, the new base loaded with wrgsbase
 *                      (CR4.FSGSBASE is on at CPL 3: the microkernel's
 *                      choice); %rax is kept in a VMM scratch word
 *
 * Fused sites (sti; hlt ...), 16-bit pushf and memory operands take the
 * entering thunk. Fast thunks are not counted in site_calls.
 */
#include "vmm.h"

_Static_assert(THUNK_SIZE *MAX_SITES == NEAR_THUNKS_SIZE, "near.h");

struct code {
	u8 *p;
	u64 va; /* where p[0] runs */
	unsigned n;
	bool bad; /* a target was out of rel32 reach */
};

static void b(struct code *c, unsigned n, const u8 *bytes)
{
	memcpy(c->p + c->n, bytes, n);
	c->n += n;
}

static void put32(struct code *c, u32 v)
{
	memcpy(c->p + c->n, &v, 4);
	c->n += 4;
}

/* A rel32 to target; tail bytes of the instruction follow it. */
static void rel(struct code *c, u64 target, unsigned tail)
{
	s64 d = (s64)(target - (c->va + c->n + 4 + tail));

	if (d != (s32)d)
		c->bad = true;
	put32(c, (u32)d);
}

#define B(c, ...) b(c, sizeof((u8[]){ __VA_ARGS__ }), (u8[]){ __VA_ARGS__ })

static void entering(struct code *c, u64 index)
{
	B(c, 0xc7, 0x05); /* movl $index, site_index(%rip) */
	rel(c, (u64)&vmm_near->site_index, 4);
	put32(c, (u32)index);
	B(c, 0xe9); /* jmp vmm_site_entry */
	rel(c, NEAR_SITE_ENTRY, 0);
}

static void fast_pushf(struct code *c, u64 vif, u64 end)
{
	B(c, 0x9c, 0x9c); /* pushfq; pushfq */
	B(c, 0x80, 0x3d); /* cmpb $0, vif(%rip) */
	rel(c, vif, 1);
	B(c, 0x00);
	B(c, 0x75, 0x05); /* jne 1f */
	B(c, 0x80, 0x64, 0x24, 0x09, (u8) ~(RFLAGS_IF >> 8));
	/* andb $~2, 9(%rsp) */
	B(c, 0x9d); /* 1: popfq */
	B(c, 0xe9); /* jmp end */
	rel(c, end, 0);
}

static void fast_sti(struct code *c, u64 vif, u64 pending, u64 end, u64 index)
{
	B(c, 0xc6, 0x05); /* movb $1, vif(%rip) */
	rel(c, vif, 1);
	B(c, 0x01);
	B(c, 0x9c);		/* pushfq */
	B(c, 0x48, 0x83, 0x3d); /* cmpq $0, pending(%rip) */
	rel(c, pending, 1);
	B(c, 0x00);
	B(c, 0x75, 0x06); /* jne 1f */
	B(c, 0x9d);	  /* popfq */
	B(c, 0xe9);	  /* jmp end */
	rel(c, end, 0);
	B(c, 0x9d); /* 1: popfq */
	entering(c, index);
}

/* movq/movzwl/movw disp32(%rip), reg */
static void load_reg(struct code *c, u64 from, unsigned reg, unsigned size)
{
	u8 rex = (size == 8 ? 0x48 : 0x40) | (reg >= 8 ? 4 : 0);
	u8 modrm = 0x05 | (reg & 7) << 3;

	if (size == 2)
		B(c, 0x66);
	if (rex != 0x40)
		B(c, rex);
	if (size == 4)
		B(c, 0x0f, 0xb7, modrm); /* movzwl */
	else
		B(c, 0x8b, modrm); /* mov */
	rel(c, from, 0);
}

static void fast_swapgs(struct code *c, struct vcpu *v, u64 end)
{
	u64 scratch = (u64)&vmm_near->swapgs_scratch;

	B(c, 0x48, 0x89, 0x05); /* mov %rax, scratch */
	rel(c, scratch, 0);
	B(c, 0x48, 0x8b, 0x05); /* mov kernel_gs_base, %rax */
	rel(c, (u64)&v->kernel_gs_base, 0);
	B(c, 0x48, 0x87, 0x05); /* xchg %rax, gs_base */
	rel(c, (u64)&v->gs_base, 0);
	B(c, 0x48, 0x89, 0x05); /* mov %rax, kernel_gs_base */
	rel(c, (u64)&v->kernel_gs_base, 0);
	B(c, 0x48, 0x8b, 0x05); /* mov gs_base, %rax */
	rel(c, (u64)&v->gs_base, 0);
	B(c, 0xf3, 0x48, 0x0f, 0xae, 0xd8); /* wrgsbase %rax */
	B(c, 0x48, 0x8b, 0x05);		    /* mov scratch, %rax */
	rel(c, scratch, 0);
	B(c, 0xe9);
	rel(c, end, 0);
}

/* What a fast thunk reads for s, or 0 if s has none of that kind. */
static u64 fast_load_source(struct vcpu *v, const struct insn *in)
{
	if (in->kind == INSN_MOV_FROM_CR)
		return in->reg == 0 ? (u64)&v->cr0 :
		       in->reg == 2 ? (u64)&v->cr2 :
		       in->reg == 3 ? (u64)&v->cr3 :
		       in->reg == 4 ? (u64)&v->cr4 :
				      0;
	if (in->kind == INSN_MOV_FROM_SEG && !in->has_mem && in->reg != SEG_CS)
		return (u64)&v->sel[in->reg];
	return 0;
}

/* Build site s's thunk (number index); its address, or 0 if out of reach. */
u64 thunk_build(const struct site *s, u64 index)
{
	struct vcpu *v = vcpu_current();
	struct vcpu_state *st = v->state;
	struct code c = {
		.p = (u8 *)NEAR_THUNKS + index * THUNK_SIZE,
		.va = NEAR_THUNKS + index * THUNK_SIZE,
	};
	u64 end = s->va + s->len;
	bool plain = s->fused.kind != INSN_NONE;
	u64 from = plain ? 0 : fast_load_source(v, &s->insn);

	if (s->insn.kind == INSN_PUSHF && s->insn.opsize == 8 && !plain)
		fast_pushf(&c, (u64)&st->flags, end);
	else if (s->insn.kind == INSN_STI && !plain)
		fast_sti(&c, (u64)&st->flags, (u64)&st->pending, end, index);
	else if (s->insn.kind == INSN_SWAPGS && !plain)
		fast_swapgs(&c, v, end);
	else if (from) {
		load_reg(&c, from, s->insn.rm,
			 s->insn.kind == INSN_MOV_FROM_CR ? 8 :
			 s->insn.opsize == 2		  ? 2 :
							    4);
		B(&c, 0xe9);
		rel(&c, end, 0);
	} else
		entering(&c, index);
	while (c.n < THUNK_SIZE)
		B(&c, 0xcc); /* int3: never reached */
	return c.bad ? 0 : c.va;
}
