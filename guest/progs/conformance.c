/*
 * The conformance test: does ordinary Linux user space behave under this
 * kernel (natively, and later as a VM)? It runs every check from the tables
 * in conformance_*.c, each in its own forked child and process group, so a
 * crash or hang in one check cannot take the others down. The child arms
 * alarm() as a watchdog; the parent also gives up on it after a deadline and
 * kills its process group. Output is one line per check,
 *   ok - <name>            or   not ok - <name>: <reason>
 * and finally "conformance: N passed, M failed"; the exit status is 0 iff
 * nothing failed.
 *
 * usage: conformance [NAME-SUBSTRING...]
 * The same binary is also the target of the execve check (EXEC_PROBE_ARG).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conformance.h"

/* The parent waits a little longer than the child's own alarm() watchdog. */
#define DEADLINE_EXTRA_S 5
#define REASON_LEN 512

static const struct check *const check_tables[] = {
	proc_checks,   signal_checks, mm_checks,    big_checks,
	thread_checks, fs_checks,     event_checks, debug_checks,
	cpu_checks,    fault_checks,  dev_checks,   compat_checks,
};

/* Shared with the check children so they can hand back a failure reason. */
static char *reason;
static char self_exe[PATH_MAX];
static char scratch[PATH_MAX];

int check_fail(const char *fmt, ...)
{
	va_list ap;

	if (reason[0]) /* keep the first, most specific reason */
		return -1;
	va_start(ap, fmt);
	vsnprintf(reason, REASON_LEN, fmt, ap);
	va_end(ap);
	return -1;
}

int check_fail_errno(const char *what)
{
	return check_fail("%s: %s", what, strerror(errno));
}

const char *self_path(void)
{
	return self_exe;
}

const char *scratch_dir(void)
{
	return scratch;
}

int check_child_ok(int pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return check_fail_errno(what);
	if (WIFSIGNALED(status))
		return check_fail("%s: killed by signal %d", what,
				  WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return check_fail("%s: exit status %d", what,
				  WEXITSTATUS(status));
	return 0;
}

/*
 * Run as the execve target: prove that argv and envp crossed the exec and
 * answer with a distinctive exit status.
 */
static int exec_probe(int argc, char **argv)
{
	const char *env = getenv("CONFORMANCE_PROBE");

	if (argc != 3 || strcmp(argv[2], "payload") != 0)
		return 1;
	if (!env || strcmp(env, "from-parent") != 0)
		return 2;
	return EXEC_PROBE_STATUS;
}

static void find_self(const char *argv0)
{
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);

	if (n > 0) {
		self_exe[n] = '\0';
		return;
	}
	/* No /proc: fall back to argv[0], which works when it has a slash. */
	if (!realpath(argv0, self_exe))
		snprintf(self_exe, sizeof(self_exe), "%s", argv0);
}

static int make_scratch(void)
{
	const char *base = getenv("TMPDIR");

	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 01777); /* a bare initramfs may have no /tmp */
	snprintf(scratch, sizeof(scratch), "%s/conformance.XXXXXX", base);
	if (!mkdtemp(scratch)) {
		fprintf(stderr, "conformance: mkdtemp in %s: %s\n", base,
			strerror(errno));
		return -1;
	}
	return 0;
}

static unsigned watchdog_s(const struct check *c)
{
	return c->watchdog_s ? c->watchdog_s : CHECK_WATCHDOG_S;
}

static void check_child(const struct check *c)
{
	sigset_t none;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGALRM, SIG_DFL);
	alarm(watchdog_s(c));
	_exit(c->run() == 0 ? 0 : 1);
}

/* Wait for the check child until the deadline; SIGCHLD is blocked here. */
static int wait_check(int pid, int *status, unsigned deadline)
{
	struct timespec start, now, left;
	sigset_t chld;
	int r;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= deadline)
			return -1;
		left.tv_sec = deadline - (now.tv_sec - start.tv_sec);
		left.tv_nsec = 0;
		sigtimedwait(&chld, NULL, &left);
	}
}

static int run_check(const struct check *c)
{
	unsigned deadline = watchdog_s(c) + DEADLINE_EXTRA_S;
	int status = 0;
	int pid;

	memset(reason, 0, REASON_LEN);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("not ok - %s: fork: %s\n", c->name, strerror(errno));
		return -1;
	}
	if (pid == 0)
		check_child(c);
	setpgid(pid, pid); /* either side may win the race; both agree */

	if (wait_check(pid, &status, deadline) < 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
		printf("not ok - %s: no verdict after %u s%s%s\n", c->name,
		       deadline, reason[0] ? "; " : "", reason);
		return -1;
	}
	kill(-pid, SIGKILL); /* reap anything the check left behind */
	while (waitpid(-pid, NULL, WNOHANG) > 0)
		;

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok - %s\n", c->name);
		return 0;
	}
	if (WIFSIGNALED(status)) {
		printf("not ok - %s: killed by signal %d%s%s%s\n", c->name,
		       WTERMSIG(status),
		       WTERMSIG(status) == SIGALRM ? " (watchdog)" : "",
		       reason[0] ? "; " : "", reason);
		return -1;
	}
	printf("not ok - %s: %s\n", c->name, reason[0] ? reason : "failed");
	return -1;
}

static int selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	const struct check *c;
	sigset_t chld;
	size_t t;

	if (argc >= 2 && strcmp(argv[1], EXEC_PROBE_ARG) == 0)
		return exec_probe(argc, argv);

	setvbuf(stdout, NULL, _IOLBF, 0);
	reason = mmap(NULL, REASON_LEN, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (reason == MAP_FAILED) {
		perror("conformance: mmap");
		return 1;
	}
	find_self(argv[0]);
	if (make_scratch() < 0)
		return 1;

	/* Blocked so wait_check() can sleep on it with a timeout. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);

	for (t = 0; t < ARRAY_SIZE(check_tables); t++) {
		for (c = check_tables[t]; c->name; c++) {
			if (!selected(c->name, argc, argv))
				continue;
			if (run_check(c) == 0)
				passed++;
			else
				failed++;
		}
	}

	rmdir(scratch);
	printf("conformance: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
