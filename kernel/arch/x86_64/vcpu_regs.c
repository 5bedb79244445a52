/*
 * The x86-64 half of vCPU mode: copying registers between the saved user
 * frame (arch/frame.h) and a state area's struct vcpu_regs, and the
 * user FS/GS base, which the thread keeps in MSRs while it runs.
 */
#include <lib.h>
#include <space.h>
#include <vcpu.h>
#include <abi/errno.h>
#include <arch/cpu.h>
#include <arch/frame.h>

KERNEL_EVENT void vcpu_regs_save(struct vcpu_regs *r, const struct frame *f)
{
	r->rax = f->rax;
	r->rbx = f->rbx;
	r->rcx = f->rcx;
	r->rdx = f->rdx;
	r->rsi = f->rsi;
	r->rdi = f->rdi;
	r->rbp = f->rbp;
	r->r8 = f->r8;
	r->r9 = f->r9;
	r->r10 = f->r10;
	r->r11 = f->r11;
	r->r12 = f->r12;
	r->r13 = f->r13;
	r->r14 = f->r14;
	r->r15 = f->r15;
	r->rip = f->rip;
	r->rsp = f->rsp;
	r->rflags = f->rflags;
	r->cs = f->cs;
}

/* ds, es, fs, gs in struct vcpu_regs: user_sel_read()'s packing */
_Static_assert(__builtin_offsetof(struct vcpu_regs, gs) ==
		       __builtin_offsetof(struct vcpu_regs, ds) + 6,
	       "vcpu_regs selectors");

/* The selectors of the task the event came from: the CPU's, still. */
KERNEL_EVENT void vcpu_sel_save(struct vcpu_regs *r)
{
	u64 sel = user_sel_read();

	__builtin_memcpy(&r->ds, &sel, sizeof(sel));
}

static u64 vcpu_sel(const struct vcpu_regs *r)
{
	u64 sel;

	__builtin_memcpy(&sel, &r->ds, sizeof(sel));
	return sel;
}

/* All four VCPU_SEL_OK (abi/vcpu.h); mostly all four are null. */
static bool user_sel_valid(u64 sel)
{
	for (; sel; sel >>= 16)
		if (!VCPU_SEL_OK(sel & 0xffff))
			return false;
	return true;
}

/* WRMSR of a non-canonical base raises #GP (SDM Vol. 4, 2.1). */
static bool canonical(u64 va)
{
	u64 top = va >> 47;

	return top == 0 || top == 0x1ffff;
}

/*
 * IRETQ to a non-canonical RIP faults in ring 0 (Intel SDM Vol. 2A,
 * IRET), so the ip must be a user address; FS/GS bases are checked only
 * when they will be loaded.
 */
KERNEL_EVENT long vcpu_regs_check(const struct vcpu_regs *r, bool fsgs)
{
	if (!space_user_address(r->rip))
		return -E_INVAL;
	/* IRET to a 32-bit segment checks rip against its 4 GiB limit */
	if (fsgs && r->cs == USER32_CS && r->rip > 0xffffffffu)
		return -E_INVAL;
	if (fsgs && (!canonical(r->fs_base) || !canonical(r->gs_base)))
		return -E_INVAL;
	if (fsgs && !user_sel_valid(vcpu_sel(r)))
		return -E_INVAL;
	return 0;
}

/*
 * RFLAGS keeps the arithmetic flags and DF; IF set, IOPL 0. In another
 * task also TF and RF, with which a guest kernel single-steps its process
 * and resumes it past an instruction breakpoint, and AC and ID, which a
 * process sets with popf; never in the own task, where a #DB or an #AC
 * would hit the VMM. rip and CS come from the copy vcpu_regs_check()
 * passed: the state area is shared with the task, which could change
 * them in between, and an IRET to a rip its segment does not allow
 * faults in ring 0.
 */
KERNEL_EVENT void vcpu_regs_load(struct frame *f, const struct vcpu_regs *r,
				 const struct vcpu_regs *chk, bool away)
{
	u64 keep = RFLAGS_USER_MASK |
		   (away ? RFLAGS_TF | RFLAGS_RF | RFLAGS_AC | RFLAGS_ID : 0);

	f->rax = r->rax;
	f->rbx = r->rbx;
	f->rcx = r->rcx;
	f->rdx = r->rdx;
	f->rsi = r->rsi;
	f->rdi = r->rdi;
	f->rbp = r->rbp;
	f->r8 = r->r8;
	f->r9 = r->r9;
	f->r10 = r->r10;
	f->r11 = r->r11;
	f->r12 = r->r12;
	f->r13 = r->r13;
	f->r14 = r->r14;
	f->r15 = r->r15;
	f->rip = chk->rip;
	f->rsp = r->rsp;
	f->rflags = (r->rflags & keep) | RFLAGS_IF;
	f->cs = away && chk->cs == USER32_CS ? USER32_CS : USER_CS;
	f->ss = USER_DS;
	f->vector = FRAME_FULL; /* rcx and r11 too: no SYSRET */
}

/* The checked copy's data segment selectors, before the FS/GS bases. */
KERNEL_EVENT void vcpu_sel_load(const struct vcpu_regs *chk)
{
	u64 sel = vcpu_sel(chk);

	if (sel != user_sel_read())
		user_sel_load(sel);
}

/* Enter the upcall handler: handler(state_area) on the upcall stack. */
KERNEL_EVENT void vcpu_upcall_frame(struct frame *f, u64 ip, u64 sp, u64 area)
{
	f->rip = ip;
	f->rsp = sp;
	f->rdi = area;
	f->rflags = RFLAGS_IF;
	f->cs = USER_CS;
	f->ss = USER_DS;
	f->vector = FRAME_FULL;
}

/* In the kernel the user GS base sits in IA32_KERNEL_GS_BASE (SWAPGS). */
KERNEL_EVENT void vcpu_fsgs_save(struct vcpu_regs *r)
{
	r->fs_base = rdmsr(MSR_FS_BASE);
	r->gs_base = rdmsr(MSR_KERNEL_GS_BASE);
}

/* Only after vcpu_regs_check(r, true). */
KERNEL_EVENT void vcpu_fsgs_load(const struct vcpu_regs *r)
{
	wrmsr(MSR_FS_BASE, r->fs_base);
	wrmsr(MSR_KERNEL_GS_BASE, r->gs_base);
}
