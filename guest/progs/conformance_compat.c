/*
 * A 64-bit process running 32-bit code: it far-jumps to the
 * compatibility-mode code segment (USER32_CS) and back. Linux without
 * IA32 emulation has no 32-bit processes, but the segment is there and
 * any process may use it.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>

#include "conformance.h"

/* Linux x86-64's selectors (arch/x86/include/asm/segment.h). */
#define USER32_CS 0x23
#define USER_CS 0x33

/*
 * 32-bit code in a 64-bit process: a far return to USER32_CS runs a
 * loop, makes a system call and touches a fresh page in compatibility
 * mode, then far-jumps back to USER_CS. Timer interrupts, the system
 * call and the page fault all return to the 32-bit code. Linux without
 * IA32 emulation answers the call with -ENOSYS (its MSR_CSTAR stub);
 * Intel's CPUs have no SYSCALL in compatibility mode (#UD), QEMU's TCG
 * and AMD's do.
 * Under the VMM the vCPU state once had no CS: the first event put the
 * process back in 64-bit mode, where `dec %ecx` is a REX prefix.
 * Everything the 32-bit code touches lies below 4 GiB (a static
 * executable, MAP_32BIT), through DS and ES = USER_DS (a null data
 * segment faults in compatibility mode, though QEMU's TCG lets it
 * pass). In by a far jump, not a far return: QEMU's
 * TCG pops a far return's stack as a supervisor access, which under
 * Linux's SMAP oopses the native kernel.
 */
uint32_t compat_sum, compat_ret, compat_loops, compat_syscall, *compat_page;
uint64_t compat_rsp64;
/* room for a signal frame with the largest XSAVE area (compat_signal) */
uint32_t compat_stack[4096] __attribute__((aligned(16)));
void compat_loop32(void);

/*
 * Run the 32-bit code at code32 (below 4 GiB) on compat_stack; it ends
 * with "ljmp $0x33, $compat_back", which returns from here.
 */
void compat_call(void (*code32)(void));
asm(".text\n"
    "compat_call:\n\t"
    "push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n\t"
    "mov %rsp, compat_rsp64(%rip)\n\t"
    "mov %edi, compat_far(%rip)\n\t"
    "lea compat_stack+16384(%rip), %rsp\n\t"
    "mov $0x2b, %eax; mov %eax, %ds; mov %eax, %es\n\t"
    "ljmpl *compat_far(%rip)\n"
    "compat_back:\n\t"
    "mov compat_rsp64(%rip), %rsp\n\t"
    "xor %eax, %eax; mov %eax, %ds; mov %eax, %es\n\t"
    "pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n\t"
    "ret\n"
    ".code32\n"
    "compat_loop32:\n\t"
    "mov compat_loops, %ecx\n\t"
    "xor %edx, %edx\n"
    "2:\tadd %ecx, %edx\n\t"
    "dec %ecx\n\t"
    "jnz 2b\n\t"
    "mov %edx, compat_sum\n\t"
    "cmpl $0, compat_syscall\n\t"
    "je 4f\n\t"
    "mov $39, %eax\n\t" /* getpid, were it a 64-bit call */
    "syscall\n\t"
    "mov %eax, compat_ret\n"
    "4:\tmov compat_page, %ebx\n\t"
    "movl $0x5a5a5a5a, (%ebx)\n\t"
    "ljmp $0x33, $compat_back\n"
    ".code64\n"
    ".data\n"
    "compat_far: .long 0; .word 0x23\n"
    ".text\n");

static void compat_run(void)
{
	compat_call(compat_loop32);
}

static int compat_mode(void)
{
	struct timespec t0, t1;
	uint32_t want = 0;
	int64_t spent = 0;
	unsigned short cs;
	unsigned a, b, c, d;

	if ((uintptr_t)compat_loop32 > 0xffffffffu ||
	    (uintptr_t)compat_stack > 0xffffffffu - sizeof(compat_stack))
		return check_fail("not linked below 4 GiB");
	__cpuid(0, a, b, c, d);
	compat_syscall = b != 0x756e6547; /* "Genu"ineIntel */
	compat_loops = 20000000;
	for (uint32_t i = compat_loops; i; i--)
		want += i;
	/* 50 ms of the loop: several of the kernel's 4 ms ticks */
	while (spent < 50000000) {
		compat_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1,
				   0);
		if (compat_page == MAP_FAILED)
			return check_fail_errno("mmap MAP_32BIT");
		compat_sum = compat_ret = 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		compat_run();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		asm volatile("mov %%cs, %0" : "=r"(cs));
		if (compat_sum != want ||
		    compat_ret != (compat_syscall ? (uint32_t)-ENOSYS : 0) ||
		    *compat_page != 0x5a5a5a5a || cs != USER_CS)
			return check_fail("sum %#x (want %#x), syscall %d, "
					  "page %#x, back in CS %#x",
					  compat_sum, want, (int)compat_ret,
					  *compat_page, cs);
		munmap(compat_page, 4096);
		spent += (t1.tv_sec - t0.tv_sec) * 1000000000ll + t1.tv_nsec -
			 t0.tv_nsec;
	}
	return 0;
}

/*
 * sgdt, sidt, smsw, sldt and str in 32-bit code store what their 64-bit
 * forms do, the descriptor tables' bases cut to 32 bits (Intel SDM Vol.
 * 2B, SGDT). Under the VMM the microkernel's UMIP makes them fault in
 * user mode and the VMM answers for the guest's CPU, which has no UMIP
 * (cpu_state.c); it once did so only for 64-bit code, and the 32-bit
 * forms were a SIGSEGV. Their 16-bit addressing forms (prefix 0x67)
 * store into a page mapped at 0x8000.
 */
#define LOW16 0x8000ul /* reachable with 16-bit addresses */
uint8_t umip32_gdt[8], umip32_idt[8];
uint32_t umip32_msw, umip32_ldt_reg, umip32_tr_reg;
uint16_t umip32_ldt_mem, umip32_tr_mem;
void umip32_code(void);
asm(".text\n"
    ".code32\n"
    "umip32_code:\n\t"
    "sgdt umip32_gdt\n\t" /* disp32: absolute in 32-bit code */
    "mov $umip32_idt, %ebx\n\t"
    "sidt (%ebx)\n\t"
    "smsw %eax\n\t"
    "mov %eax, umip32_msw\n\t"
    "mov $-1, %ecx\n\t"
    "sldt %ecx\n\t"
    "mov %ecx, umip32_ldt_reg\n\t"
    "mov $-1, %edx\n\t"
    "str %edx\n\t"
    "mov %edx, umip32_tr_reg\n\t"
    "sldt umip32_ldt_mem\n\t"
    "mov $umip32_tr_mem - 8, %esi\n\t"
    "str 8(%esi)\n\t"
    /* 16-bit addresses (prefix 0x67) into the page at LOW16 */
    "mov $0x8000, %ebx\n\t"
    "xor %esi, %esi\n\t"
    "sgdt (%bx)\n\t"
    "str 8(%bx,%si)\n\t"
    "ljmp $0x33, $compat_back\n"
    ".code64\n");

static int compat_umip(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} gdt, idt;
	uint64_t msw;
	uint16_t ldt, tr;
	uint8_t want_gdt[8], want_idt[8];

	uint8_t *low = mmap((void *)LOW16, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			    -1, 0);

	if (low != (uint8_t *)LOW16)
		return check_fail_errno("mmap at 0x8000");
	memset(low, 0xee, 16);
	asm volatile("sgdt %0; sidt %1; smsw %2; sldt %3; str %4"
		     : "=m"(gdt), "=m"(idt), "=r"(msw), "=m"(ldt), "=m"(tr));
	memset(umip32_gdt, 0xee, sizeof(umip32_gdt));
	memset(umip32_idt, 0xee, sizeof(umip32_idt));
	umip32_ldt_mem = umip32_tr_mem = 0xeeee;
	compat_call(umip32_code);
	/* limit, 32 bits of base, and the two bytes after left alone */
	memcpy(want_gdt, &gdt, 6);
	memcpy(want_idt, &idt, 6);
	want_gdt[6] = want_gdt[7] = want_idt[6] = want_idt[7] = 0xee;
	if (memcmp(umip32_gdt, want_gdt, 8) || memcmp(umip32_idt, want_idt, 8))
		return check_fail("32-bit sgdt/sidt stored %02x%02x %08x / "
				  "%02x%02x %08x, 64-bit: limit %#x base %#lx "
				  "/ limit %#x base %#lx",
				  umip32_gdt[1], umip32_gdt[0],
				  *(uint32_t *)(umip32_gdt + 2), umip32_idt[1],
				  umip32_idt[0], *(uint32_t *)(umip32_idt + 2),
				  gdt.limit, (unsigned long)gdt.base, idt.limit,
				  (unsigned long)idt.base);
	if (memcmp(low, want_gdt, 8) || memcmp(low + 8, &tr, 2))
		return check_fail("with 16-bit addresses sgdt stored %02x%02x "
				  "%08x, str %02x%02x",
				  low[1], low[0], *(uint32_t *)(low + 2),
				  low[9], low[8]);
	munmap(low, 4096);
	if (umip32_msw != (uint32_t)msw || umip32_ldt_reg != ldt ||
	    umip32_tr_reg != tr || umip32_ldt_mem != ldt || umip32_tr_mem != tr)
		return check_fail("32-bit smsw %#x sldt %#x/%#x str %#x/%#x, "
				  "64-bit %#lx %#x %#x",
				  umip32_msw, umip32_ldt_reg, umip32_ldt_mem,
				  umip32_tr_reg, umip32_tr_mem,
				  (unsigned long)msw, ldt, tr);
	return 0;
}

/*
 * A signal that interrupts 32-bit code: its handler runs in 64-bit mode
 * (CS USER_CS), the frame says where it came from (CS USER32_CS), and
 * rt_sigreturn goes back to the 32-bit loop, which finishes its sum.
 */
static volatile int sig_hits, sig_in32, sig_bad_cs;

static void on_alarm(int sig, siginfo_t *si, void *ctx)
{
	const ucontext_t *uc = ctx;
	unsigned short cs;

	(void)sig;
	(void)si;
	asm volatile("mov %%cs, %0" : "=r"(cs));
	sig_hits++;
	sig_in32 += (uc->uc_mcontext.gregs[REG_CSGSFS] & 0xffff) == USER32_CS;
	sig_bad_cs += cs != USER_CS;
}

static int compat_signal(void)
{
	struct sigaction sa = { .sa_sigaction = on_alarm,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	struct itimerval every_2ms = { { 0, 2000 }, { 0, 2000 } }, off = { 0 };
	uint32_t want = 0;
	int runs = 0, bad_sums = 0;

	compat_loops = 2000000;
	for (uint32_t i = compat_loops; i; i--)
		want += i;
	compat_syscall = 0;
	compat_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (compat_page == MAP_FAILED)
		return check_fail_errno("mmap MAP_32BIT");
	if (sigaction(SIGALRM, &sa, NULL) ||
	    setitimer(ITIMER_REAL, &every_2ms, NULL))
		return check_fail_errno("SIGALRM every 2 ms");
	while (runs < 200 && sig_in32 < 3) {
		compat_sum = 0;
		compat_run();
		bad_sums += compat_sum != want;
		runs++;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	munmap(compat_page, 4096);
	if (sig_in32 < 3 || sig_bad_cs || bad_sums)
		return check_fail("%d signals, %d of them in 32-bit code, %d "
				  "handlers not in 64-bit mode, %d of %d sums "
				  "wrong",
				  sig_hits, sig_in32, sig_bad_cs, bad_sums,
				  runs);
	return 0;
}

const struct check compat_checks[] = {
	{ "compat_mode", compat_mode },
	{ "compat_umip", compat_umip },
	{ "compat_signal", compat_signal },
	{ NULL, NULL },
};
