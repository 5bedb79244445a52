/*
 * Debugging: what gdb and strace rest on. A tracer single-steps a child
 * (the trap flag), sets hardware watchpoints and breakpoints through the
 * debug registers (ptrace's u_debugreg, gdb's "watch" and "hbreak"), and
 * a process single-steps itself. Each count is exact: the instructions
 * are the check's own. A perf breakpoint event counts the kernel's own
 * writes to a watched variable (a read() into it) unless it excludes the
 * kernel, as ptrace's do. (int1, which also raises #DB, is left out:
 * QEMU's TCG turns it into #UD.)
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "conformance.h"

#define DR_OFFSET(n) (offsetof(struct user, u_debugreg) + (n) * sizeof(long))
#define TF 0x100ul
#define RF 0x10000ul
#define LOOPS 100

static volatile int watched;

/* LOOPS turns of a two-instruction loop, between two labels. */
extern const char step_begin[], step_end[];

static __attribute__((noinline)) void step_loop(void)
{
	asm volatile("mov %0, %%ecx\n\t"
		     "step_begin:\n\t"
		     "1: dec %%ecx\n\t"
		     "jnz 1b\n\t"
		     "step_end:"
		     :
		     : "i"(LOOPS)
		     : "ecx", "cc");
}

static __attribute__((noinline)) void write_watched(void)
{
	for (int i = 0; i < 10; i++)
		watched = i;
}

static __attribute__((noinline)) int breakpoint_target(int x)
{
	asm volatile("");
	return x + 1;
}

/* A child that stops for its tracer, then runs fn and exits. */
static pid_t traced_child(void (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		fn();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return check_fail("traced child did not stop"), -1;
	return pid;
}

static void call_breakpoint_target(void)
{
	if (breakpoint_target(41) != 42)
		_exit(3);
}

static int finish(pid_t pid, int status, const char *what)
{
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return check_fail("%s: child did not exit cleanly (%x)", what,
				  status);
	}
	return 0;
}

/*
 * Let the traced child go on (PTRACE_CONT or PTRACE_SINGLESTEP): 1 when
 * it stopped with SIGTRAP, 0 when it ended, or a failure.
 */
static int next_trap(pid_t pid, int req, int *status)
{
	if (ptrace(req, pid, NULL, NULL) < 0)
		return check_fail_errno("ptrace resume");
	if (waitpid(pid, status, 0) != pid)
		return check_fail_errno("waitpid");
	if (!WIFSTOPPED(*status))
		return 0;
	if (WSTOPSIG(*status) != SIGTRAP)
		return check_fail("stopped by signal %d", WSTOPSIG(*status));
	return 1;
}

/* Single-step the loop: 2 * LOOPS steps from label to label. */
static int ptrace_single_step(void)
{
	struct user_regs_struct r;
	long steps = -1;
	int status, got;
	pid_t pid = traced_child(step_loop);

	if (pid < 0)
		return -1;
	while ((got = next_trap(pid, PTRACE_SINGLESTEP, &status)) > 0) {
		ptrace(PTRACE_GETREGS, pid, NULL, &r);
		if (steps < 0) {
			if (r.rip == (unsigned long)step_begin)
				steps = 0;
		} else if (++steps, r.rip == (unsigned long)step_end) {
			break;
		}
	}
	if (got < 0)
		return -1;
	if (steps != 2 * LOOPS)
		return check_fail("the loop took %ld steps, want %d", steps,
				  2 * LOOPS);
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	waitpid(pid, &status, 0);
	return finish(pid, status, "single step");
}

/* A write watchpoint (DR0, 4 bytes): one stop per write, DR6 says DR0. */
static int ptrace_watchpoint(void)
{
	unsigned long dr7 = 1 | 1ul << 16 | 3ul << 18; /* L0, write, 4 */
	int status, got, hits = 0, bad_dr6 = 0;
	pid_t pid = traced_child(write_watched);

	if (pid < 0)
		return -1;
	if (ptrace(PTRACE_POKEUSER, pid, DR_OFFSET(0), &watched) < 0 ||
	    ptrace(PTRACE_POKEUSER, pid, DR_OFFSET(7), dr7) < 0)
		return check_fail_errno("PTRACE_POKEUSER debug register");
	while ((got = next_trap(pid, PTRACE_CONT, &status)) > 0) {
		hits++;
		if (!(ptrace(PTRACE_PEEKUSER, pid, DR_OFFSET(6), NULL) & 1))
			bad_dr6++;
	}
	if (got < 0)
		return -1;
	if (hits != 10 || bad_dr6)
		return check_fail("%d watchpoint stops (want 10), %d without "
				  "DR6.B0",
				  hits, bad_dr6);
	return finish(pid, status, "watchpoint");
}

/* An execute breakpoint (DR1): one stop at the function, then RF on. */
static int ptrace_hw_breakpoint(void)
{
	struct user_regs_struct r;
	int status, got, hits = 0;
	pid_t pid = traced_child(call_breakpoint_target);

	if (pid < 0)
		return -1;
	if (ptrace(PTRACE_POKEUSER, pid, DR_OFFSET(1), breakpoint_target) < 0 ||
	    ptrace(PTRACE_POKEUSER, pid, DR_OFFSET(7), 1ul << 2) < 0)
		return check_fail_errno("PTRACE_POKEUSER debug register");
	while ((got = next_trap(pid, PTRACE_CONT, &status)) > 0) {
		ptrace(PTRACE_GETREGS, pid, NULL, &r);
		if (r.rip != (unsigned long)breakpoint_target || ++hits > 1) {
			kill(pid, SIGKILL);
			return check_fail("stop %d at %llx", hits, r.rip);
		}
		r.eflags |= RF; /* resume past the breakpoint */
		ptrace(PTRACE_SETREGS, pid, NULL, &r);
	}
	if (got < 0)
		return -1;
	if (hits != 1)
		return check_fail("%d breakpoint stops, want 1", hits);
	return finish(pid, status, "breakpoint");
}

static volatile int self_traps;

static void count_trap(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	(void)ctx;
	self_traps++;
}

/*
 * The process sets TF itself: a SIGTRAP after each of the six
 * instructions up to the popf that clears it.
 */
static int self_trap_flag(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = count_trap;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGTRAP, &sa, NULL) < 0)
		return check_fail_errno("sigaction");
	/* below the red zone: the compiler may keep values there */
	asm volatile("lea -128(%%rsp), %%rsp\n\t"
		     "pushfq; orq %0, (%%rsp); popfq\n\t"
		     "nop; nop; nop\n\t"
		     "pushfq; andq %1, (%%rsp); popfq\n\t"
		     "lea 128(%%rsp), %%rsp"
		     :
		     : "i"(TF), "i"(~TF)
		     : "memory", "cc");
	if (self_traps != 6)
		return check_fail("%d traps while TF was set, want 6",
				  self_traps);
	return 0;
}

/*
 * The data segment selectors are a process's registers: a debugger reads
 * the ES the process loaded, and what it writes there is what the
 * process reads back, as is the GS base. Under the VMM the guest kernel
 * once saw only its own idea of them (ES 0), and a write never reached
 * the process.
 */
static int ptrace_segment_registers(void)
{
	struct user_regs_struct regs;
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return check_fail_errno("fork");
	if (pid == 0) {
		unsigned short es;

		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		asm volatile("mov %0, %%es" : : "r"(0x2b));
		raise(SIGSTOP);
		asm volatile("mov %%es, %0" : "=r"(es));
		_exit(es == 0 ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return check_fail("child did not stop (status %#x)", status);
	if (ptrace(PTRACE_GETREGS, pid, NULL, &regs))
		return check_fail_errno("PTRACE_GETREGS");
	if (regs.es != 0x2b || regs.cs != 0x33 || regs.ss != 0x2b) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return check_fail("GETREGS: es %#llx cs %#llx ss %#llx, want "
				  "0x2b 0x33 0x2b",
				  regs.es, regs.cs, regs.ss);
	}
	if (ptrace(PTRACE_POKEUSER, pid,
		   (void *)offsetof(struct user_regs_struct, es), 0) ||
	    ptrace(PTRACE_CONT, pid, NULL, NULL))
		return check_fail_errno("POKEUSER es");
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return check_fail("child read back an ES other than the 0 "
				  "written (status %#x)",
				  status);
	return 0;
}

/*
 * Writes to `watched` counted by a perf write breakpoint: one read() from
 * a pipe into it (the kernel's write), then one store of our own.
 */
static long perf_watch_count(int exclude_kernel)
{
	struct perf_event_attr a = { .size = sizeof(a) };
	long long n = -1;
	int fd, p[2];

	a.type = PERF_TYPE_BREAKPOINT;
	a.bp_type = HW_BREAKPOINT_W;
	a.bp_addr = (unsigned long)&watched;
	a.bp_len = HW_BREAKPOINT_LEN_4;
	a.sample_period = 1;
	a.disabled = 1;
	a.exclude_kernel = exclude_kernel;
	fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0)
		return check_fail_errno("perf_event_open breakpoint");
	if (pipe(p) < 0 || write(p[1], "wxyz", 4) != 4)
		return check_fail_errno("pipe");
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	if (read(p[0], (void *)&watched, 4) != 4)
		return check_fail_errno("read into the watched variable");
	watched = 1;
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	if (read(fd, &n, sizeof(n)) != sizeof(n))
		n = -1;
	close(fd);
	close(p[0]);
	close(p[1]);
	return n;
}

static int perf_watchpoint_kernel(void)
{
	long with = perf_watch_count(0), without;

	if (with < 0)
		return -1;
	without = perf_watch_count(1);
	if (without < 0)
		return -1;
	/* the kernel's copy may write the 4 bytes one at a time (rep movsb) */
	if (with < 2 || without != 1)
		return check_fail(
			"%ld writes counted with the kernel's (want 2 "
			"or more), %ld without (want 1)",
			with, without);
	return 0;
}

const struct check debug_checks[] = {
	{ "ptrace_single_step", ptrace_single_step },
	{ "ptrace_watchpoint", ptrace_watchpoint },
	{ "ptrace_hw_breakpoint", ptrace_hw_breakpoint },
	{ "self_trap_flag", self_trap_flag },
	{ "ptrace_segment_registers", ptrace_segment_registers },
	{ "perf_watchpoint_kernel", perf_watchpoint_kernel },
	{ NULL, NULL },
};
