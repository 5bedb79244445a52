/*
 * What user mode can see of the CPU it runs on, as Linux x86-64 sets it
 * up: the segment selectors and descriptors of its GDT, the "CPU and
 * node" segment the vDSO's getcpu reads, and what sgdt, sidt, sldt, str
 * and smsw show a process of a kernel that does not turn on UMIP (our
 * config fragments do not). Under the VMM each of these was once the
 * microkernel's instead (selector 0x23 for CS, getcpu saying CPU 123,
 * the microkernel's GDT address).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "conformance.h"

/* Linux x86-64's selectors (arch/x86/include/asm/segment.h). */
#define USER32_CS 0x23
#define USER_DS 0x2b
#define USER_CS 0x33
#define CPUNODE 0x7b
#define GDT_LIMIT 0x7f /* 16 entries */
#define TSS_SEL 0x40
/* The end of the range Linux leaves to hypervisors (and our microkernel) */
#define HYPERVISOR_END 0xffff880000000000ul

/* lar and lsl of a selector: ZF says whether it is usable. */
static int lar(unsigned sel, unsigned *ar)
{
	unsigned char ok;

	asm volatile("lar %2, %0; setz %1" : "=r"(*ar), "=q"(ok) : "r"(sel));
	*ar &= 0xffff00;
	return ok;
}

static int lsl(unsigned sel, unsigned *limit)
{
	unsigned char ok;

	asm volatile("lsl %2, %0; setz %1" : "=r"(*limit), "=q"(ok) : "r"(sel));
	return ok;
}

static int segments(void)
{
	static const struct {
		unsigned sel, ar, limit;
	} want[] = {
		{ USER32_CS, 0xc0fb00, 0xffffffff },
		{ USER_DS, 0xc0f300, 0xffffffff },
		{ USER_CS, 0xa0fb00, 0xffffffff },
		{ CPUNODE, 0x40f500, 0 }, /* CPU 0, node 0 */
	};
	unsigned short cs, ss;
	unsigned ar, limit;

	asm volatile("mov %%cs, %0; mov %%ss, %1" : "=r"(cs), "=r"(ss));
	if (cs != USER_CS || ss != USER_DS)
		return check_fail("cs %x ss %x, want %x %x", cs, ss, USER_CS,
				  USER_DS);
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		if (!lar(want[i].sel, &ar) || !lsl(want[i].sel, &limit))
			return check_fail("selector %x unusable", want[i].sel);
		if (ar != want[i].ar || limit != want[i].limit)
			return check_fail("selector %x: rights %x limit %x, "
					  "want %x %x",
					  want[i].sel, ar, limit, want[i].ar,
					  want[i].limit);
	}
	/* user mode may load the user data selector itself */
	asm volatile("mov %0, %%ds; mov %0, %%es" : : "r"(USER_DS));
	asm volatile("mov %0, %%ds; mov %0, %%es" : : "r"(0));
	return 0;
}

/* glibc asks the vDSO (lsl of CPUNODE) or rseq; the system call, the kernel. */
static int getcpu_agrees(void)
{
	unsigned cpu = ~0u, node = ~0u;
	int lib = sched_getcpu();

	if (syscall(SYS_getcpu, &cpu, &node, NULL) < 0)
		return check_fail_errno("getcpu");
	if (lib != (int)cpu || cpu != 0 || node != 0)
		return check_fail("sched_getcpu %d, getcpu cpu %u node %u, "
				  "want 0 (one CPU)",
				  lib, cpu, node);
	return 0;
}

struct __attribute__((packed)) dtr {
	unsigned short limit;
	unsigned long base;
};

static sigjmp_buf segv_jump;

static void on_segv(int sig)
{
	siglongjmp(segv_jump, sig);
}

static int umip_instructions(void)
{
	struct dtr gdt, idt;
	unsigned long msw = 0, tr = 0, ldt = 1;
	struct dtr *fresh, *ro;
	volatile int faulted = 0;

	asm volatile("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
	asm volatile("smsw %0; str %1; sldt %2"
		     : "=r"(msw), "=r"(tr), "=r"(ldt));
	if (gdt.limit != GDT_LIMIT || idt.limit != 0xfff)
		return check_fail("GDT limit %x, IDT limit %x", gdt.limit,
				  idt.limit);
	if (gdt.base < HYPERVISOR_END || idt.base < HYPERVISOR_END)
		return check_fail("GDT at %lx, IDT at %lx: not Linux's",
				  gdt.base, idt.base);
	if ((msw & 0x80000001) != 0x80000001 || tr != TSS_SEL || ldt != 0)
		return check_fail("smsw %lx (want PE, PG), str %lx, sldt %lx",
				  msw, tr, ldt);
	/* a page not touched yet: faulted in, then written */
	fresh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fresh == MAP_FAILED || ro == MAP_FAILED)
		return check_fail_errno("mmap");
	asm volatile("sgdt %0" : "=m"(*fresh));
	if (memcmp(fresh, &gdt, sizeof(gdt)))
		return check_fail("sgdt into a fresh page stored %x %lx",
				  fresh->limit, fresh->base);
	/* a read-only page: SIGSEGV, as for any store */
	signal(SIGSEGV, on_segv);
	if (sigsetjmp(segv_jump, 1) == 0)
		asm volatile("sidt %0" : "=m"(*ro));
	else
		faulted = 1;
	signal(SIGSEGV, SIG_DFL);
	munmap(fresh, 4096);
	munmap(ro, 4096);
	return faulted ? 0 : check_fail("sidt into a read-only page worked");
}

/*
 * Reading, writing or jumping to addresses a hypervisor may use (Linux
 * leaves 0xffff800000000000-0xffff87ffffffffff to them; ours keeps its
 * microkernel at the start and its VMM at the end, and a window just
 * below the fixmap) is a SIGSEGV like for any kernel address. Under the
 * VMM such a fault once stopped the whole VM.
 */
static int hypervisor_addresses(void)
{
	static const unsigned long addr[] = {
		0xffff800000100000ul, /* the microkernel's image */
		0xffff878000000000ul, /* the VMM's */
		0xffffffffff000000ul, /* the VMM's near window */
	};
	volatile int segvs = 0;
	volatile unsigned i;

	signal(SIGSEGV, on_segv);
	for (i = 0; i < ARRAY_SIZE(addr); i++) {
		volatile unsigned long *p = (unsigned long *)addr[i];

		if (sigsetjmp(segv_jump, 1) == 0)
			(void)*p;
		else
			segvs++;
		if (sigsetjmp(segv_jump, 1) == 0)
			*p = 1;
		else
			segvs++;
		if (sigsetjmp(segv_jump, 1) == 0)
			((void (*)(void))addr[i])();
		else
			segvs++;
	}
	signal(SIGSEGV, SIG_DFL);
	if (segvs != 3 * ARRAY_SIZE(addr))
		return check_fail("%d of %zu accesses faulted", segvs,
				  3 * ARRAY_SIZE(addr));
	return 0;
}

/* A feature user code can use, where CPUID shows it, and Linux's name. */
struct user_feature {
	const char *name;
	unsigned leaf, sub;
	char reg;
	unsigned bit;
};

static const struct user_feature user_features[] = {
	{ "sse4_2", 1, 0, 'c', 20 },
	{ "aes", 1, 0, 'c', 25 },
	{ "avx", 1, 0, 'c', 28 },
	{ "rdrand", 1, 0, 'c', 30 },
	{ "bmi1", 7, 0, 'b', 3 },
	{ "avx2", 7, 0, 'b', 5 },
	{ "bmi2", 7, 0, 'b', 8 },
	{ "rdseed", 7, 0, 'b', 18 },
	{ "adx", 7, 0, 'b', 19 },
	{ "clflushopt", 7, 0, 'b', 23 },
	{ "clwb", 7, 0, 'b', 24 },
	{ "sha_ni", 7, 0, 'b', 29 },
	{ "gfni", 7, 0, 'c', 8 },
	{ "vaes", 7, 0, 'c', 9 },
	{ "vpclmulqdq", 7, 0, 'c', 10 },
	{ "rdpid", 7, 0, 'c', 22 },
	{ "lahf_lm", 0x80000001, 0, 'c', 0 },
	{ "abm", 0x80000001, 0, 'c', 5 },
	{ "sse4a", 0x80000001, 0, 'c', 6 },
	{ "mmxext", 0x80000001, 0, 'd', 22 },
	{ "pdpe1gb", 0x80000001, 0, 'd', 26 },
	{ "rdtscp", 0x80000001, 0, 'd', 27 },
	{ "3dnowext", 0x80000001, 0, 'd', 30 },
	{ "3dnow", 0x80000001, 0, 'd', 31 },
	{ "xsaveopt", 0xd, 1, 'a', 0 },
	{ "xgetbv1", 0xd, 1, 'a', 2 },
};

/*
 * Every feature of the list that CPUID offers a process (it executes
 * CPUID itself) shows in /proc/cpuinfo, which lists what Linux's boot
 * CPU reported, as natively. A VM's kernel sees the VMM's CPUID; it
 * once hid rdtscp, pdpe1gb, mmxext, 3dnow, 3dnowext, vaes and xgetbv1,
 * which the process could use all the same.
 */
static int cpuinfo_flags(void)
{
	static char text[16384];
	char missing[256] = "", *flags, *end;
	unsigned max = __get_cpuid_max(0, NULL);
	unsigned max_ext = __get_cpuid_max(0x80000000, NULL);
	FILE *f = fopen("/proc/cpuinfo", "r");
	size_t n;

	if (!f)
		return check_fail_errno("/proc/cpuinfo");
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = 0;
	flags = strstr(text, "\nflags");
	if (!flags || !(flags = strchr(flags, ':')))
		return check_fail("no flags line in /proc/cpuinfo");
	if ((end = strchr(flags, '\n')))
		*end = ' ';
	*flags = ' ';
	for (unsigned i = 0; i < ARRAY_SIZE(user_features); i++) {
		const struct user_feature *u = &user_features[i];
		unsigned r[4], bit;
		char word[32];

		if (u->leaf >= 0x80000000 ? u->leaf > max_ext : u->leaf > max)
			continue;
		__cpuid_count(u->leaf, u->sub, r[0], r[1], r[2], r[3]);
		bit = r[u->reg - 'a'] >> u->bit & 1;
		snprintf(word, sizeof(word), " %s ", u->name);
		if (bit && !strstr(flags, word) &&
		    strlen(missing) + strlen(word) < sizeof(missing))
			strcat(missing, word);
	}
	if (missing[0])
		return check_fail("CPUID offers, /proc/cpuinfo lacks:%s",
				  missing);
	return 0;
}

static unsigned long read_gs_base(void)
{
	unsigned long v;

	asm volatile("rdgsbase %0" : "=r"(v));
	return v;
}

static void *yield_a_while(void *arg)
{
	for (int i = 0; i < 50; i++)
		sched_yield();
	return arg;
}

/*
 * A CPU with FSGSBASE has Linux turn it on (AT_HWCAP2), and a GS base a
 * process sets with wrgsbase (glibc leaves GS alone) stays across system
 * calls, switches to another thread, sleeps and fork, because Linux
 * saves the live base. A VM's kernel once had FSGSBASE hidden: it kept
 * the base it had set itself and lost the process's at the first switch.
 */
static int fsgsbase_kept(void)
{
	const unsigned long base = 0x12345000;
	unsigned a, b, c, d;
	pthread_t t;
	int pid;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & 1))
		return check_fail("CPUID offers no FSGSBASE");
	if (!(getauxval(AT_HWCAP2) & 2))
		return check_fail(
			"CPUID offers FSGSBASE, AT_HWCAP2 %#lx lacks it",
			getauxval(AT_HWCAP2));
	asm volatile("wrgsbase %0" : : "r"(base));
	getppid();
	if (read_gs_base() != base)
		return check_fail("after a system call: %#lx", read_gs_base());
	if (pthread_create(&t, NULL, yield_a_while, NULL))
		return check_fail("pthread_create");
	yield_a_while(NULL);
	pthread_join(t, NULL);
	usleep(20000);
	if (read_gs_base() != base)
		return check_fail("after switches: %#lx", read_gs_base());
	pid = fork();
	if (pid == 0)
		_exit(read_gs_base() == base ? 0 : 1);
	return check_child_ok(pid, "child's GS base");
}

const struct check cpu_checks[] = {
	{ "segments", segments },
	{ "getcpu_agrees", getcpu_agrees },
	{ "umip_instructions", umip_instructions },
	{ "hypervisor_addresses", hypervisor_addresses },
	{ "cpuinfo_flags", cpuinfo_flags },
	{ "fsgsbase_kept", fsgsbase_kept },
	{ NULL, NULL },
};
