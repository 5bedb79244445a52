/*
 * The virtual CPU's registers that are not general registers: control
 * registers, the MSRs Linux uses, CPUID as the guest sees it, and the GS
 * base. CPUID hides every feature whose instructions or state the VMM
 * does not emulate (SPEC 9: hide what you do not emulate): XSAVE and AVX
 * only for the microkernel's XCR0 (cpu_host_xcr0), no XSAVEC/XSAVES, no
 * local APIC (the guest uses the 8259 and 8254 of
 * dev/), PCID (emulated with a task per address space, uspace.c) but no INVPCID,
 * FSGSBASE (its four instructions are sites, emulated on the vCPU's
 * bases), no SMAP/SMEP/UMIP/PKU, no machine check, MTRR, PAT, PMU or speculation
 * controls. Hiding SMAP, XSAVES and the IBRS controls also keeps Linux
 * from applying the alternatives whose replacements hold sensitive
 * instructions (rewrite.c).
 */
#include "vmm.h"
#include <arch/paging.h>

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX 0xc0000103
#define MSR_TSC 0x00000010
#define MSR_PAT 0x00000277
#define MSR_SYSENTER_CS 0x00000174
#define MSR_SYSENTER_ESP 0x00000175
#define MSR_SYSENTER_EIP 0x00000176
#define MSR_MISC_ENABLE 0x000001a0
#define MSR_K8_INT_PENDING_MSG 0xc0010055 /* AMD: C1E state */

void cpu_state_reset(struct vcpu *v)
{
	/* The 64-bit boot protocol's entry state (x86/boot.rst). */
	v->cr0 = CR0_PE | CR0_PG | CR0_WP | (1ul << 4) | (1ul << 1);
	v->cr4 = CR4_PAE;
	v->efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
	v->xcr0 = 1;
	v->pat = 0x0007040600070406ul;
	v->dr[6] = 0xffff0ff0;
	v->dr[7] = 0x400;
	v->sel[SEG_CS] = GUEST_KERNEL_CS;
	v->sel[SEG_DS] = v->sel[SEG_ES] = v->sel[SEG_SS] = GUEST_KERNEL_DS;
}

VMM_HOT void cpu_load_gs_base(struct vcpu *v)
{
	/* CR4.FSGSBASE is on for user mode (the microkernel's choice). */
	asm volatile("wrgsbase %0" : : "r"(v->gs_base));
}

VMM_WARM u64 cpu_read_cr(struct vcpu *v, unsigned cr)
{
	switch (cr) {
	case 0:
		return v->cr0;
	case 2:
		return v->cr2;
	case 3:
		return v->cr3;
	case 4:
		return v->cr4;
	default:
		return v->cr8;
	}
}

VMM_WARM bool cpu_write_cr(struct vcpu *v, unsigned cr, u64 val)
{
	u64 old;

	switch (cr) {
	case 0:
		if (!(val & CR0_PG) || !(val & CR0_PE))
			return false; /* long mode needs both */
		v->cr0 = val;
		return true;
	case 2:
		v->cr2 = val;
		return true;
	case 3:
		old = v->cr3;
		v->cr3 = val & ~(1ul << 63);
		softtlb_switch(old, v->cr3,
			       !((v->cr4 & CR4_PCIDE) && (val >> 63)));
		return true;
	case 4:
		old = v->cr4;
		if (!(val & CR4_PAE))
			return false;
		/* PCIDE only with PCID 0 current (Vol. 3A 4.10.1) */
		if ((val & ~old & CR4_PCIDE) && (v->cr3 & 0xfff))
			return false;
		v->cr4 = val;
		/*
		 * A PGE change flushes global entries too, clearing PCIDE
		 * every PCID's (Vol. 3A 4.10.4.1); PCID 0 is current then.
		 */
		if ((old ^ val) & (CR4_PGE | CR4_PSE | CR4_PCIDE))
			softtlb_flush_all(true);
		if ((old & ~val & CR4_PCIDE) && vm.user_task_ready)
			uspace_switch(v->cr3 & PTE_ADDR, true);
		return true;
	case 8:
		v->cr8 = val & 15;
		return true;
	}
	return false;
}

VMM_WARM bool cpu_rdmsr(struct vcpu *v, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_EFER:
		*val = v->efer;
		return true;
	case MSR_STAR:
		*val = v->star;
		return true;
	case MSR_LSTAR:
		*val = v->lstar;
		return true;
	case MSR_CSTAR:
		*val = v->cstar;
		return true;
	case MSR_SFMASK:
		*val = v->sfmask;
		return true;
	case MSR_FS_BASE:
		*val = v->fs_base;
		return true;
	case MSR_GS_BASE:
		*val = v->gs_base;
		return true;
	case MSR_KERNEL_GS_BASE:
		*val = v->kernel_gs_base;
		return true;
	case MSR_TSC_AUX:
		*val = v->tsc_aux;
		return true;
	case MSR_PAT:
		*val = v->pat;
		return true;
	case MSR_SYSENTER_CS:
		*val = v->sysenter_cs;
		return true;
	case MSR_SYSENTER_ESP:
		*val = v->sysenter_esp;
		return true;
	case MSR_SYSENTER_EIP:
		*val = v->sysenter_eip;
		return true;
	case MSR_MISC_ENABLE:
		*val = 1;
		return true; /* fast strings */
	case MSR_TSC:
		*val = rdtsc();
		return true;
	case MSR_K8_INT_PENDING_MSG: /* Linux's AMD erratum 400 check */
		*val = 0;	     /* C1E off */
		return true;
	}
	return false; /* #GP, as for an MSR the CPU does not have */
}

VMM_WARM bool cpu_wrmsr(struct vcpu *v, u32 msr, u64 val)
{
	switch (msr) {
	case MSR_EFER:
		if (!(val & EFER_LME))
			return false;
		v->efer = val | EFER_LMA;
		return true;
	case MSR_STAR:
		v->star = val;
		return true;
	case MSR_LSTAR:
		v->lstar = val;
		return true;
	case MSR_CSTAR:
		v->cstar = val;
		return true;
	case MSR_SFMASK:
		v->sfmask = val;
		return true;
	case MSR_FS_BASE:
		v->fs_base = val;
		return true;
	case MSR_GS_BASE:
		v->gs_base = val;
		cpu_load_gs_base(v);
		return true;
	case MSR_KERNEL_GS_BASE:
		v->kernel_gs_base = val;
		return true;
	case MSR_TSC_AUX:
		v->tsc_aux = val;
		return true;
	case MSR_PAT:
		v->pat = val;
		return true;
	case MSR_SYSENTER_CS:
		v->sysenter_cs = val;
		return true;
	case MSR_SYSENTER_ESP:
		v->sysenter_esp = val;
		return true;
	case MSR_SYSENTER_EIP:
		v->sysenter_eip = val;
		return true;
	case MSR_MISC_ENABLE:
		return true;
	case MSR_TSC:
		return true; /* one shared TSC: writes ignored */
	}
	return false;
}

/* Bits of each register the guest may see, per leaf (Vol. 2A CPUID). */
struct cpuid_mask {
	u32 leaf;
	u32 eax, ebx, ecx, edx;
};

static const struct cpuid_mask masks[] = {
	/* 1: SSE3..SSE4.2, POPCNT, AES, PCLMUL, MOVBE, RDRAND, CX16, SSSE3,
	 *    FMA, PCID (ours, set below), XSAVE, OSXSAVE (the guest's own,
	 *    below), AVX, F16C;
	 *    edx: FPU DE PSE TSC MSR PAE CX8 SEP PGE CMOV PSE36 CLFSH MMX FXSR
	 *    SSE SSE2 SS (DE, PSE36 and self-snoop change nothing in long
	 *    mode: Linux clears CR4.DE, which the VMM never acts on) */
	{ 1, ~0u, 0x0000ffff, 0x7ed83203, 0x0f8aa97d },
	/* 7: FSGSBASE (the four instructions are sites, emulate.c) BMI1
	 *    AVX2 BMI2 ERMS ADX RDSEED CLFLUSHOPT CLWB SHA;
	 *    ecx: GFNI VAES VPCLMULQDQ */
	{ 7, 0, 0x218c0329, 0x00000700, 0 },
	/* 0x80000001: LAHF ABM SSE4A PREFETCHW; SYSCALL NX MMXEXT PDPE1GB
	 *    (the soft TLB walks 1 GiB leaves) RDTSCP (TSC_AUX: cpu_state.c)
	 *    LM 3DNOWEXT 3DNOW */
	{ 0x80000001, ~0u, 0, 0x00000161, 0xec500800 },
	/* 0x80000007: invariant TSC */
	{ 0x80000007, 0, 0, 0, 1u << 8 },
	{ 0x80000008, ~0u, 0, 0, 0 },
};

/*
 * The XCR0 the microkernel set for every thread (x87, SSE, and AVX if the
 * CPU has it). Guest user code sees the real CPUID and XGETBV, not ours:
 * glibc uses AVX whenever the CPU has it. So the guest kernel must know
 * XSAVE and exactly this XCR0, or it would switch its processes' FPU state
 * with FXSAVE and lose the upper halves of their YMM registers.
 */
u64 cpu_host_xcr0(void)
{
	static u64 xcr0;
	u32 a, b, c, d;

	if (xcr0)
		return xcr0;
	asm volatile("cpuid"
		     : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(1), "c"(0));
	if (!(c & (1u << 27)))
		return xcr0 = 3; /* no XSAVE: x87 and SSE, by FXSAVE */
	asm volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	return xcr0 = (u64)d << 32 | a;
}

/* Leaf 0xd for the host's XCR0: XSAVE, XSAVEOPT, XGETBV1; the standard format. */
static void cpuid_xsave(u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	u64 xcr0 = cpu_host_xcr0();

	if (sub == 0) {
		*a &= (u32)xcr0;
		*c = *b; /* the size for XCR0 is the largest we offer */
		*d = 0;
	} else if (sub == 1) {
		*a &= 5; /* XSAVEOPT, XGETBV1; not XSAVEC, XSAVES */
		*b = *c = *d = 0;
	} else if (sub >= 64 || !(xcr0 & (1ul << sub))) {
		*a = *b = *c = *d = 0;
	}
}

void cpu_cpuid(struct vcpu *v, struct vcpu_regs *r)
{
	u32 leaf = r->rax, sub = r->rcx, a, b, c, d;

	asm volatile("cpuid"
		     : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(leaf), "c"(sub));
	if (leaf == 0xd)
		cpuid_xsave(sub, &a, &b, &c, &d);
	else if ((leaf >= 2 && leaf <= 6) || (leaf >= 8 && leaf <= 0x1f) ||
		 (leaf >= 0x40000000 && leaf < 0x80000000) ||
		 (leaf > 0x80000008 && leaf != 0x80000021)) {
		a = b = c = d = 0;
		if (leaf == 4 || leaf == 0xb || leaf == 0x1f ||
		    leaf == 0x80000005 || leaf == 0x80000006)
			asm volatile("cpuid"
				     : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
				     : "a"(leaf), "c"(sub));
		if (leaf == 0xb || leaf == 0x1f)
			d = 0; /* x2APIC id: there is no APIC */
	}
	for (unsigned i = 0; i < ARRAY_SIZE(masks); i++) {
		if (masks[i].leaf != leaf || (leaf == 7 && sub != 0))
			continue;
		a &= masks[i].eax;
		b &= masks[i].ebx;
		c &= masks[i].ecx;
		d &= masks[i].edx;
	}
	if (leaf == 7 && sub != 0)
		a = b = c = d = 0;
	if (leaf == 1) {
		c &= ~(1u << 27); /* OSXSAVE: the guest's CR4, not ours */
		c |= 1u << 17;	  /* PCID: uspace.c, whatever the host has */
		c |= 1u << 31;	  /* a hypervisor is present: no PMU, no
				   * microcode loading (leaves 0x4000000x
				   * are empty: no paravirtual interface) */
		if (v->cr4 & CR4_OSXSAVE)
			c |= 1u << 27;
		if (!(cpu_host_xcr0() & 4)) /* AVX state not switched */
			c &= ~(1u << 12 | 1u << 28 | 1u << 29);
	}
	if (leaf == 7 && !(cpu_host_xcr0() & 4))
		b &= ~(1u << 5);
	if (leaf == 0x80000021)
		a = 1u << 6; /* null selector loads clear the base (we do) */
	r->rax = a;
	r->rbx = b;
	r->rcx = c;
	r->rdx = d;
}
