/*
 * CPU setup: GDT with TSS, IDT, the SYSCALL MSRs, control-register
 * features (FSGSBASE for user-level FS/GS base, SSE/XSAVE for user FPU
 * state) and the per-CPU block behind GS.
 */
#include <lib.h>
#include <arch/cpu.h>
#include <arch/frame.h>
#include <arch/percpu.h>
#include <arch/tss.h>

KERNEL_HOT_DATA struct percpu cpu0;
/*
 * The CPU reads TSS.RSP0 at every entry from user mode: the TSS starts in
 * the hot data page, right after the other hot data (kernel.ld), and its
 * I/O bitmap, read only by port accesses, runs on into the next pages.
 */
struct tss cpu0_tss __attribute__((section(".data.hot.tss"), aligned(64)));

/*
 * Linux x86-64's GDT layout (frame.h): what user mode can see of it with
 * a selector (mov to a segment register, lar, lsl, far transfers) is what
 * a guest process would see natively, the descriptors included. Entry 15
 * is Linux's "CPU and node" segment, whose limit the vDSO's getcpu reads
 * with lsl: CPU 0, node 0. SYSCALL/SYSRET need kernel CS, kernel DS and
 * user32 CS, user DS, user CS in this order.
 */
#define GDT_ENTRIES 16
_Static_assert(KERNEL_DS == KERNEL_CS + 8 && USER_DS == USER32_CS + 8 &&
		       USER_CS == USER32_CS + 16,
	       "the order SYSCALL and SYSRET assume");
KERNEL_HOT_DATA static u64 gdt[GDT_ENTRIES] __attribute__((aligned(16)));

struct idt_entry {
	u16 off0, sel;
	u8 ist, type;
	u16 off1;
	u32 off2, zero;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(4096))); /* one page */

/* #DB's own stack (IST 1): it can arrive with the user's RSP (debug.c). */
#define IST_DEBUG 1
static u8 debug_stack[1024] __attribute__((aligned(16)));
extern u64 isr_table[256];
extern char syscall_entry[], syscall_compat_entry[];

struct desc_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

static void gdt_init(void)
{
	u64 base = (u64)&cpu0_tss, limit = sizeof(cpu0_tss) - 1;
	struct desc_ptr p = { sizeof(gdt) - 1, (u64)gdt };

	/* flat, 4 GiB limit, accessed: as Linux's (Vol. 3A 3.4.5) */
	gdt[1] = 0x00cf9b000000ffff;		   /* 32-bit code, DPL 0 */
	gdt[KERNEL_CS / 8] = 0x00af9b000000ffff;   /* L=1 code, DPL 0 */
	gdt[KERNEL_DS / 8] = 0x00cf93000000ffff;   /* data, DPL 0 */
	gdt[USER32_CS / 8] = 0x00cffb000000ffff;   /* 32-bit code, DPL 3 */
	gdt[USER_DS / 8] = 0x00cff3000000ffff;	   /* data, DPL 3 */
	gdt[USER_CS / 8] = 0x00affb000000ffff;	   /* L=1 code, DPL 3 */
	gdt[CPUNODE_SEL / 8] = 0x0040f50000000000; /* limit: node << 12 | cpu */
	/* 64-bit available TSS descriptor, Vol. 3A 8.2.3 */
	gdt[TSS_SEL / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			   (0x89ul << 40) | (((limit >> 16) & 0xf) << 48) |
			   (((base >> 24) & 0xff) << 56);
	gdt[TSS_SEL / 8 + 1] = base >> 32;

	cpu0_tss.ist[IST_DEBUG - 1] = (u64)debug_stack + sizeof(debug_stack);
	cpu0_tss.iomap_base = IOMAP_NONE;
	cpu0_tss.io_bitmap[IO_BITMAP_BYTES] = 0xff;
	asm volatile("lgdt %0" : : "m"(p));
	asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss"
		     :
		     : "r"(KERNEL_DS));
	asm volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:"
		     :
		     : "i"(KERNEL_CS)
		     : "rax", "memory");
	asm volatile("ltr %w0" : : "r"(TSS_SEL));
	/*
	 * No LDT. Firmware and reset leave LDTR with base 0 and limit
	 * 0xffff: a selector with TI set would then read its descriptor
	 * from linear address 0 of whatever task runs, one that maps page
	 * 0 could install a call gate to ring 0.
	 */
	asm volatile("lldt %w0" : : "r"(0));
}

static void idt_init(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (u64)idt };

	for (int v = 0; v < 256; v++) {
		u64 a = isr_table[v];

		idt[v].off0 = a & 0xffff;
		idt[v].sel = KERNEL_CS;
		idt[v].ist = v == 1 ? IST_DEBUG : 0;
		/*
		 * Interrupt gates. As in Linux's IDT, user code may raise
		 * only #BP (int3) and #OF (int $4) itself; any other int n
		 * is a #GP.
		 */
		idt[v].type = v == 3 || v == 4 ? 0xee : 0x8e;
		idt[v].off1 = (a >> 16) & 0xffff;
		idt[v].off2 = a >> 32;
		idt[v].zero = 0;
	}
	asm volatile("lidt %0" : : "m"(p));
}

static void features_init(void)
{
	u32 a, b, c, d;
	u64 cr4 = read_cr4() | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT;

	cpuid(7, 0, &a, &b, &c, &d);
	if (b & 1) /* CPUID.07H:EBX.FSGSBASE[bit 0] */
		cr4 |= CR4_FSGSBASE;
	/*
	 * UMIP (ECX bit 2): sgdt, sidt, sldt, str and smsw fault in user
	 * mode instead of showing the kernel's tables and CR0. A VMM then
	 * answers them with its guest's values (vmm/upcall.c).
	 */
	if (c & (1u << 2))
		cr4 |= CR4_UMIP;
	/* SMEP (EBX bit 7): the kernel never runs code of a user page */
	if (b & (1u << 7))
		cr4 |= CR4_SMEP;
	cpuid(1, 0, &a, &b, &c, &d);
	if (c & (1u << 26)) /* XSAVE */
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
	if (cr4 & CR4_OSXSAVE) /* XCR0: x87, SSE, AVX if present */
		asm volatile("xsetbv"
			     :
			     : "c"(0), "a"(c & (1u << 28) ? 7 : 3), "d"(0));
	/*
	 * NE: x87 errors are #MF, not the PC's FERR# line. AM: user code
	 * that sets RFLAGS.AC gets #AC for misaligned accesses. Both as
	 * Linux sets them, so a VM's processes see the same exceptions.
	 */
	write_cr0((read_cr0() | CR0_MP | CR0_NE | CR0_WP | CR0_AM) &
		  ~(CR0_EM | CR0_TS));
}

static void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
	/* SYSCALL: CS = KERNEL_CS, SS = +8; SYSRET: CS = USER32_CS + 16,
	 * SS = USER32_CS + 8 (Vol. 3A 5.8.8) */
	wrmsr(MSR_STAR, ((u64)USER32_CS << 48) | ((u64)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (u64)syscall_entry);
	wrmsr(MSR_CSTAR, (u64)syscall_compat_entry);
	/* Clear IF, TF, DF, AC, NT on entry: the kernel runs with IRQs off. */
	wrmsr(MSR_FMASK,
	      RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT);
	wrmsr(MSR_GS_BASE, (u64)&cpu0);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

void cpu_init(void)
{
	gdt_init();
	idt_init();
	features_init();
	syscall_init();
}

KERNEL_HOT void cpu_set_kernel_stack(u64 top)
{
	cpu0_tss.rsp0 = top;
	cpu0.kstack_top = top;
}

void cpu_qemu_exit(u32 status)
{
	/* isa-debug-exit at 0xf4: QEMU exits with (status << 1) | 1 */
	asm volatile("outl %0, %1" : : "a"(status), "Nd"((u16)0xf4));
}
