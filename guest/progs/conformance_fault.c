/*
 * What a process sees when an instruction faults: the signal, its
 * si_code, and the trap number, error code and instruction pointer in
 * the signal frame, as Linux x86-64 reports them for each exception.
 * Under the VMM each exception of a process first goes to the
 * microkernel, whose IDT, LDT and CR0 decide what the CPU raises, and
 * is then reflected into the guest: `int $4` was once a #GP, an x87
 * error no exception at all, and an LDT selector a page fault at
 * address 0x28 (the microkernel had never loaded its LDTR).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <cpuid.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "conformance.h"

/* Address of the instruction under test; each case body sets it. */
uintptr_t fault_insn;

/* What the child's handler saw, in a page shared with the parent. */
struct seen {
	int sig, code;
	long trap, err, rip; /* rip relative to fault_insn */
};
static volatile struct seen *seen;

static void record(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;

	seen->sig = sig;
	seen->code = si->si_code;
	seen->trap = g[REG_TRAPNO];
	seen->err = g[REG_ERR];
	seen->rip = (long)(g[REG_RIP] - fault_insn);
	_exit(0);
}

/* Label 1 marks the instruction under test. */
#define CASE(name, body)                                             \
	static void name(void)                                       \
	{                                                            \
		asm volatile("lea 1f(%%rip), %%rax\n\t"              \
			     "mov %%rax, fault_insn(%%rip)\n\t" body \
			     :                                       \
			     :                                       \
			     : "rax", "rcx", "rdx", "memory");       \
	}

CASE(f_int3, "1: int3")
CASE(f_int_4, "1: int $4")
CASE(f_ud2, "1: ud2")
CASE(f_div0, "xor %%ecx, %%ecx; mov $1, %%eax; xor %%edx, %%edx; 1: div %%ecx")
CASE(f_divov, "mov $0x80000000, %%eax; cdq; mov $-1, %%ecx; 1: idiv %%ecx")
CASE(f_x87, "sub $16, %%rsp; fnstcw (%%rsp); andw $~4, (%%rsp); "
	    "fldcw (%%rsp); fld1; fldz; fdivrp; 1: fwait; add $16, %%rsp")
CASE(f_null_read, "xor %%eax, %%eax; 1: mov (%%rax), %%rax")
CASE(f_null_write, "xor %%eax, %%eax; 1: movq $1, (%%rax)")
CASE(f_kernel_read, "mov $0xffffffff81000000, %%rax; 1: mov (%%rax), %%rax")
CASE(f_text_write, "lea 1f(%%rip), %%rax; 1: movb $0x90, (%%rax)")
CASE(f_noncanonical, "mov $0x8000000000000000, %%rax; 1: mov (%%rax), %%rax")
CASE(f_movaps, "sub $64, %%rsp; lea 1(%%rsp), %%rax; "
	       "1: movaps (%%rax), %%xmm0; add $64, %%rsp")

CASE(p_hlt, "1: hlt")
CASE(p_cli, "1: cli")
CASE(p_in, "1: inb $0x80, %%al")
CASE(p_out_dx, "mov $0x3f8, %%dx; 1: outb %%al, %%dx")
CASE(p_rdmsr, "xor %%ecx, %%ecx; 1: rdmsr")
CASE(p_wrmsr, "xor %%ecx, %%ecx; xor %%eax, %%eax; xor %%edx, %%edx; 1: wrmsr")
CASE(p_read_cr0, "1: mov %%cr0, %%rax")
CASE(p_write_cr3, "xor %%eax, %%eax; 1: mov %%rax, %%cr3")
CASE(p_read_dr7, "1: mov %%db7, %%rax")
CASE(p_lgdt, "1: lgdt (%%rsp)")
CASE(p_lidt, "1: lidt (%%rsp)")
CASE(p_ltr, "xor %%eax, %%eax; 1: ltr %%ax")
CASE(p_invlpg, "1: invlpg (%%rsp)")
CASE(p_wbinvd, "1: wbinvd")
CASE(p_clts, "1: clts")
CASE(p_rdpmc, "xor %%ecx, %%ecx; 1: rdpmc")
CASE(p_swapgs, "1: swapgs")
CASE(p_sysret, "1: sysretq")
CASE(p_rdtsc, "1: rdtsc")
CASE(p_rdtscp, "1: rdtscp")
CASE(p_xsetbv, "xor %%ecx, %%ecx; mov $3, %%eax; xor %%edx, %%edx; 1: xsetbv")
CASE(u_into, "1: .byte 0xce")
CASE(u_bound, "1: .byte 0x62, 0x00")
CASE(u_vmcall, "1: vmcall")
CASE(u_rsm, "1: rsm")
CASE(u_lock_nop, "1: .byte 0xf0, 0x90")

CASE(s_kernel_ds, "mov $0x18, %%eax; 1: mov %%eax, %%ds")
CASE(s_ldt, "mov $0x2f, %%eax; 1: mov %%eax, %%ds")
CASE(s_tss, "mov $0x43, %%eax; 1: mov %%eax, %%es")
CASE(s_beyond_gdt, "mov $0x1003, %%eax; 1: mov %%eax, %%fs")
CASE(s_null_ss, "xor %%eax, %%eax; 1: mov %%eax, %%ss")
CASE(s_int_21, "1: int $0x21")

/* trap numbers */
enum {
	DE = 0,
	BP = 3,
	OF = 4,
	UD = 6,
	GP = 13,
	PF = 14,
	MF = 16
};
#define ANY_ERR (-1l)

struct fault {
	const char *name;
	void (*run)(void);
	int sig, code;
	long trap, err, rip;
	long err_alt; /* also accepted, or ANY_ERR */
};

#define GP0(n)                                                   \
	{                                                        \
#n, p_##n, SIGSEGV, SI_KERNEL, GP, 0, 0, ANY_ERR \
	}
#define UD0(n)                                                   \
	{                                                        \
#n, u_##n, SIGILL, ILL_ILLOPN, UD, 0, 0, ANY_ERR \
	}

static const struct fault vectors[] = {
	{ "int3", f_int3, SIGTRAP, SI_KERNEL, BP, 0, 1, ANY_ERR },
	{ "int $4", f_int_4, SIGSEGV, SI_KERNEL, OF, 0, 2, ANY_ERR },
	{ "ud2", f_ud2, SIGILL, ILL_ILLOPN, UD, 0, 0, ANY_ERR },
	{ "div by 0", f_div0, SIGFPE, FPE_INTDIV, DE, 0, 0, ANY_ERR },
	{ "idiv overflow", f_divov, SIGFPE, FPE_INTDIV, DE, 0, 0, ANY_ERR },
	{ "x87 divide", f_x87, SIGFPE, FPE_FLTDIV, MF, 0, 0, ANY_ERR },
	{ "read 0", f_null_read, SIGSEGV, SEGV_MAPERR, PF, 4, 0, ANY_ERR },
	{ "write 0", f_null_write, SIGSEGV, SEGV_MAPERR, PF, 6, 0, ANY_ERR },
	{ "read kernel", f_kernel_read, SIGSEGV, SEGV_MAPERR, PF, 5, 0,
	  ANY_ERR },
	{ "write text", f_text_write, SIGSEGV, SEGV_ACCERR, PF, 7, 0, ANY_ERR },
	{ "non-canonical", f_noncanonical, SIGSEGV, SI_KERNEL, GP, 0, 0,
	  ANY_ERR },
	{ "movaps misaligned", f_movaps, SIGSEGV, SI_KERNEL, GP, 0, 0,
	  ANY_ERR },
	{ NULL },
};

static const struct fault privileged[] = {
	GP0(hlt),   GP0(cli),	   GP0(in),	   GP0(out_dx),	  GP0(rdmsr),
	GP0(wrmsr), GP0(read_cr0), GP0(write_cr3), GP0(read_dr7), GP0(lgdt),
	GP0(lidt),  GP0(ltr),	   GP0(invlpg),	   GP0(wbinvd),	  GP0(clts),
	GP0(rdpmc), GP0(swapgs),   GP0(sysret),	   GP0(xsetbv),	  UD0(into),
	UD0(bound), UD0(vmcall),   UD0(rsm),	   UD0(lock_nop), { NULL },
};

/*
 * A selector's #GP carries the selector's index and TI bit. For int n
 * the CPU sets bit 1 (IDT) and puts n in the index: n * 8 + 2; QEMU's
 * TCG in long mode reports n * 16 + 2, so both are accepted.
 */
static const struct fault selectors[] = {
	{ "kernel data", s_kernel_ds, SIGSEGV, SI_KERNEL, GP, 0x18, 0,
	  ANY_ERR },
	{ "LDT", s_ldt, SIGSEGV, SI_KERNEL, GP, 0x2c, 0, ANY_ERR },
	{ "TSS", s_tss, SIGSEGV, SI_KERNEL, GP, 0x40, 0, ANY_ERR },
	{ "beyond the GDT", s_beyond_gdt, SIGSEGV, SI_KERNEL, GP, 0x1000, 0,
	  ANY_ERR },
	{ "null SS", s_null_ss, SIGSEGV, SI_KERNEL, GP, 0, 0, ANY_ERR },
	{ "int $0x21", s_int_21, SIGSEGV, SI_KERNEL, GP, 0x21 * 8 + 2, 0,
	  0x21 * 16 + 2 },
	{ NULL },
};

/* Run one case in a child; 0 if it raised what Linux raises natively. */
static int run_case(const struct fault *f)
{
	static char altstack[16384];
	int status;

	memset((void *)seen, 0, sizeof(*seen));
	pid_t pid = fork();

	if (pid < 0)
		return check_fail_errno("fork");
	if (pid == 0) {
		stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
		struct sigaction sa = { .sa_sigaction = record,
					.sa_flags = SA_SIGINFO | SA_ONSTACK };
		static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE,
					    SIGTRAP };

		sigaltstack(&ss, NULL);
		for (unsigned i = 0; i < ARRAY_SIZE(sigs); i++)
			sigaction(sigs[i], &sa, NULL);
		f->run();
		_exit(3); /* no exception */
	}
	if (waitpid(pid, &status, 0) != pid)
		return check_fail_errno("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 3)
		return check_fail("%s: no signal (status %#x)", f->name,
				  status);
	if (seen->sig != f->sig || seen->code != f->code ||
	    seen->trap != f->trap || seen->rip != f->rip ||
	    (seen->err != f->err && seen->err != f->err_alt))
		return check_fail("%s: signal %d code %d trap %ld err %#lx at "
				  "insn%+ld, want %d %d %ld %#lx %+ld",
				  f->name, seen->sig, seen->code, seen->trap,
				  seen->err, seen->rip, f->sig, f->code,
				  f->trap, f->err, f->rip);
	return 0;
}

static int run_table(const struct fault *t)
{
	seen = mmap(NULL, sizeof(*seen), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (seen == MAP_FAILED)
		return check_fail_errno("mmap");
	for (; t->name; t++)
		if (run_case(t))
			return -1;
	return 0;
}

static int exception_vectors(void)
{
	return run_table(vectors);
}

static int privileged_instructions(void)
{
	return run_table(privileged);
}

static int selector_faults(void)
{
	return run_table(selectors);
}

/*
 * prctl(PR_SET_TSC, PR_TSC_SIGSEGV) sets CR4.TSD while the process runs
 * (rr and sandboxes use it): rdtsc and rdtscp raise #GP, in its children
 * too, until PR_TSC_ENABLE. The VM once ignored the guest's CR4.TSD.
 */
static int tsc_disabled(void)
{
	const struct fault tsc[] = { GP0(rdtsc), GP0(rdtscp), { NULL } };
	unsigned a, b, c, d, lo, hi;
	int err;

	if (!__get_cpuid(0x80000001, &a, &b, &c, &d) || !(d & (1u << 27)))
		return check_fail("no RDTSCP");
	if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV) < 0)
		return check_fail_errno("PR_SET_TSC");
	err = run_table(tsc);
	prctl(PR_SET_TSC, PR_TSC_ENABLE);
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi)); /* would kill us */
	return err;
}

/*
 * RFLAGS.AC and ID, which a process sets with popf, stay set across a
 * system call and a page fault, as natively. The VMM and microkernel
 * once kept only the arithmetic flags. Nothing between the popf and the
 * last read is a misaligned access, which AC would trap.
 */
static int user_flags_kept(void)
{
	const unsigned long both = (1ul << 18) | (1ul << 21);
	unsigned long after_getpid, after_fault;
	long *fresh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (fresh == MAP_FAILED)
		return check_fail_errno("mmap");
	asm volatile("pushf; orq %2, (%%rsp); popf\n\t"
		     "mov %3, %%eax; syscall\n\t"
		     "pushf; pop %0\n\t"
		     "movq $1, (%4)\n\t"
		     "pushf; pop %1\n\t"
		     "pushf; andq %5, (%%rsp); popf"
		     : "=&r"(after_getpid), "=&r"(after_fault)
		     : "r"(both), "i"(SYS_getpid), "r"(fresh), "r"(~both)
		     : "rax", "rcx", "r11", "memory", "cc");
	munmap(fresh, 4096);
	if ((after_getpid & both) != both || (after_fault & both) != both)
		return check_fail("flags after getpid %#lx, after a page fault "
				  "%#lx: AC and ID not both kept",
				  after_getpid, after_fault);
	return 0;
}

const struct check fault_checks[] = {
	{ "exception_vectors", exception_vectors },
	{ "privileged_instructions", privileged_instructions },
	{ "selector_faults", selector_faults },
	{ "tsc_disabled", tsc_disabled },
	{ "user_flags_kept", user_flags_kept },
	{ NULL, NULL },
};
