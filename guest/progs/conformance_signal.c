/*
 * Signal checks: handler delivery, blocking and the pending set, SIGSEGV on
 * a bad access recovered with siglongjmp (both "no mapping" and "no
 * permission"), SIGCHLD with its siginfo, kill() between two processes, and
 * the real-time interval timer behind alarm() and setitimer().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conformance.h"

static volatile sig_atomic_t hits;
static volatile sig_atomic_t last_signo;
static siginfo_t last_info;
static sigjmp_buf fault_jump;
/* Read through a variable so the compiler cannot see the bad pointer. */
static volatile uintptr_t unmapped_address = 16;

static void count_handler(int signo)
{
	hits++;
	last_signo = signo;
}

static void info_handler(int signo, siginfo_t *info, void *ctx)
{
	(void)ctx;
	hits++;
	last_signo = signo;
	last_info = *info;
}

static void fault_handler(int signo, siginfo_t *info, void *ctx)
{
	(void)ctx;
	last_signo = signo;
	last_info = *info;
	siglongjmp(fault_jump, 1);
}

static int install(int signo, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(signo, &sa, NULL) < 0)
		return check_fail_errno("sigaction");
	return 0;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int signal_handler(void)
{
	if (signal(SIGUSR1, count_handler) == SIG_ERR)
		return check_fail_errno("signal");
	hits = 0;
	if (raise(SIGUSR1) != 0)
		return check_fail_errno("raise");
	if (hits != 1 || last_signo != SIGUSR1)
		return check_fail("handler ran %d times", (int)hits);
	return 0;
}

static int sigprocmask_pending(void)
{
	sigset_t set, old, pending;

	if (signal(SIGUSR1, count_handler) == SIG_ERR)
		return check_fail_errno("signal");
	hits = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, &old) < 0)
		return check_fail_errno("sigprocmask");
	raise(SIGUSR1);
	raise(SIGUSR1); /* standard signals do not queue */
	if (hits != 0)
		return check_fail("handler ran while blocked");
	if (sigpending(&pending) < 0 || !sigismember(&pending, SIGUSR1))
		return check_fail("SIGUSR1 not in the pending set");
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (hits != 1)
		return check_fail("handler ran %d times after unblock, want 1",
				  (int)hits);
	sigpending(&pending);
	if (sigismember(&pending, SIGUSR1))
		return check_fail("still pending after delivery");
	return 0;
}

static int sigsegv_siglongjmp(void)
{
	volatile char *bad = (volatile char *)unmapped_address;
	volatile char *page;
	long size = sysconf(_SC_PAGESIZE);

	if (install(SIGSEGV, fault_handler) < 0)
		return -1;
	if (sigsetjmp(fault_jump, 1) == 0) {
		(void)*bad;
		return check_fail("read of address 16 did not fault");
	}
	if (last_info.si_addr != (void *)bad ||
	    last_info.si_code != SEGV_MAPERR)
		return check_fail("unmapped: si_addr %p code %d",
				  last_info.si_addr, last_info.si_code);

	page = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return check_fail_errno("mmap");
	if (sigsetjmp(fault_jump, 1) == 0) {
		page[5] = 1;
		return check_fail("write to PROT_NONE did not fault");
	}
	if (last_info.si_addr != (void *)(page + 5) ||
	    last_info.si_code != SEGV_ACCERR)
		return check_fail("PROT_NONE: si_addr %p code %d",
				  last_info.si_addr, last_info.si_code);
	munmap((void *)page, size);
	return 0;
}

static int sigchld_delivery(void)
{
	sigset_t block, old;
	int pid;

	if (install(SIGCHLD, info_handler) < 0)
		return -1;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	hits = 0;
	pid = fork();
	if (pid < 0)
		return check_fail_errno("fork");
	if (pid == 0)
		_exit(3);
	while (!hits)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (last_info.si_pid != pid || last_info.si_code != CLD_EXITED ||
	    last_info.si_status != 3)
		return check_fail("siginfo pid %d code %d status %d",
				  last_info.si_pid, last_info.si_code,
				  last_info.si_status);
	waitpid(pid, NULL, 0);
	return 0;
}

/* The child waits for SIGUSR1 from us and answers with SIGUSR2. */
static void kill_child(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigwait(&set, &sig) != 0 || sig != SIGUSR1)
		_exit(1);
	_exit(kill(getppid(), SIGUSR2) == 0 ? 0 : 2);
}

static int kill_between_processes(void)
{
	struct timespec limit = { .tv_sec = 5 };
	sigset_t set, old;
	siginfo_t info;
	int pid;

	/* Block both before fork so neither signal can arrive early. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, &old);
	pid = fork();
	if (pid < 0)
		return check_fail_errno("fork");
	if (pid == 0)
		kill_child();
	if (kill(pid, SIGUSR1) < 0)
		return check_fail_errno("kill");
	sigdelset(&set, SIGUSR1);
	if (sigtimedwait(&set, &info, &limit) != SIGUSR2)
		return check_fail_errno("no SIGUSR2 answer");
	if (info.si_pid != pid || info.si_code != SI_USER)
		return check_fail("answer from pid %d code %d", info.si_pid,
				  info.si_code);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return check_child_ok(pid, "child");
}

static int alarm_timer(void)
{
	struct itimerval it = { .it_interval = { 0, 20000 },
				.it_value = { 0, 20000 } };
	sigset_t block, old;
	double start, took;

	if (signal(SIGALRM, count_handler) == SIG_ERR)
		return check_fail_errno("signal");
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);

	hits = 0;
	start = now_seconds();
	alarm(1);
	while (!hits)
		sigsuspend(&old);
	took = now_seconds() - start;
	if (took < 0.9 || took > 5)
		return check_fail("alarm(1) fired after %.3f s", took);

	hits = 0;
	start = now_seconds();
	if (setitimer(ITIMER_REAL, &it, NULL) < 0)
		return check_fail_errno("setitimer");
	while (hits < 5)
		sigsuspend(&old);
	took = now_seconds() - start;
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	if (took < 0.095)
		return check_fail("5 ticks of 20 ms took %.3f s", took);

	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGALRM, SIG_DFL);
	alarm(CHECK_WATCHDOG_S);
	return 0;
}

const struct check signal_checks[] = {
	{ "signal_handler", signal_handler },
	{ "sigprocmask_pending", sigprocmask_pending },
	{ "sigsegv_siglongjmp", sigsegv_siglongjmp },
	{ "sigchld_delivery", sigchld_delivery },
	{ "kill_between_processes", kill_between_processes },
	{ "alarm_timer", alarm_timer },
	{ NULL, NULL },
};
