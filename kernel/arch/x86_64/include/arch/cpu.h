/*
 * Thin wrappers around x86-64 instructions the generic kernel needs, and
 * the MSR and control-register bits it sets (Intel SDM Vol. 3A 2.5, 2.2.1).
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <types.h>

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_FMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102 /* swapped with GS base by SWAPGS */
#define MSR_APIC_BASE 0x1b

#define EFER_SCE (1ul << 0)
#define EFER_LME (1ul << 8)
#define EFER_NXE (1ul << 11)

#define CR0_MP (1ul << 1)
#define CR0_EM (1ul << 2)
#define CR0_TS (1ul << 3)
#define CR0_NE (1ul << 5)
#define CR0_WP (1ul << 16)
#define CR0_AM (1ul << 18)
#define CR4_TSD (1ul << 2)
#define CR4_PGE (1ul << 7)
#define CR4_OSFXSR (1ul << 9)
#define CR4_OSXMMEXCPT (1ul << 10)
#define CR4_UMIP (1ul << 11)
#define CR4_SMEP (1ul << 20)
#define CR4_FSGSBASE (1ul << 16)
#define CR4_OSXSAVE (1ul << 18)

#define RFLAGS_IF (1ul << 9)
#define RFLAGS_TF (1ul << 8)
#define RFLAGS_DF (1ul << 10)
#define RFLAGS_IOPL (3ul << 12)
#define RFLAGS_NT (1ul << 14)
#define RFLAGS_AC (1ul << 18)
#define RFLAGS_RF (1ul << 16)
#define RFLAGS_ID (1ul << 21)
#define RFLAGS_USER_MASK 0xcd5ul /* CF PF AF ZF SF DF OF */

static inline u8 inb(u16 port)
{
	u8 v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

/*
 * The data segment selectors of user mode, DS ES FS GS at bits 0, 16,
 * 32 and 48. 64-bit code ignores them but may load and read them, and
 * 32-bit code uses DS and ES, so they are part of a thread's registers.
 */
static inline u64 user_sel_read(void)
{
	u16 ds, es, fs, gs;

	asm volatile("mov %%ds, %0; mov %%es, %1; mov %%fs, %2; mov %%gs, %3"
		     : "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs));
	return ds | (u64)es << 16 | (u64)fs << 32 | (u64)gs << 48;
}

/*
 * Load them (each null or a user segment: user_sel_valid). Loading FS
 * or GS also sets its base, so the caller writes the bases after. User
 * mode's GS is the one SWAPGS put aside; interrupts are off in here.
 */
static inline void user_sel_load(u64 sel)
{
	asm volatile("mov %w0, %%ds; mov %w1, %%es; mov %w2, %%fs"
		     :
		     : "r"(sel), "r"(sel >> 16), "r"(sel >> 32));
	asm volatile("swapgs; mov %w0, %%gs; swapgs" : : "r"(sel >> 48));
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline u64 read_cr2(void)
{
	u64 v;
	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline u64 read_cr3(void)
{
	u64 v;
	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(u64 v)
{
	asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline u64 read_cr0(void)
{
	u64 v;
	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void write_cr0(u64 v)
{
	asm volatile("mov %0, %%cr0" : : "r"(v));
}

static inline u64 read_cr4(void)
{
	u64 v;
	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(u64 v)
{
	asm volatile("mov %0, %%cr4" : : "r"(v));
}

static inline void invlpg(u64 va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid"
		     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
		     : "a"(leaf), "c"(sub));
}

static inline noreturn void cpu_halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

void cpu_init(void);
void cpu_set_kernel_stack(u64 top);
void cpu_qemu_exit(u32 status);

#endif
