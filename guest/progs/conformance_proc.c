/*
 * Process checks: fork and the exit status seen by wait, death by signal,
 * execve of this same binary with arguments and environment, a few
 * megabytes through a pipe between two processes with every byte verified,
 * and vector registers (all 256 bits of YMM where the CPU has AVX) that
 * survive thousands of switches between two processes using them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conformance.h"

#define PIPE_BYTES (4u << 20)
#define PIPE_CHUNK 4093 /* odd size, so writes straddle pages */

static int fork_wait_status(void)
{
	int me = getpid();
	int status, pid, i;

	for (i = 0; i < 3; i++) {
		pid = fork();
		if (pid < 0)
			return check_fail_errno("fork");
		if (pid == 0)
			_exit(7 + i);
		if (waitpid(pid, &status, 0) != pid)
			return check_fail_errno("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 7 + i)
			return check_fail("child %d: status 0x%x, want exit %d",
					  i, status, 7 + i);
	}
	/* getppid() in the child must name us. */
	pid = fork();
	if (pid < 0)
		return check_fail_errno("fork");
	if (pid == 0)
		_exit(getppid() == me ? 0 : 1);
	return check_child_ok(pid, "getppid in child");
}

static int exit_by_signal(void)
{
	int status, pid;

	pid = fork();
	if (pid < 0)
		return check_fail_errno("fork");
	if (pid == 0) {
		for (;;)
			pause();
	}
	if (kill(pid, SIGKILL) < 0)
		return check_fail_errno("kill");
	if (waitpid(pid, &status, 0) != pid)
		return check_fail_errno("waitpid");
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		return check_fail("status 0x%x, want SIGKILL", status);
	return 0;
}

static int execve_self(void)
{
	char *argv[] = { "conformance", EXEC_PROBE_ARG, "payload", NULL };
	char *envp[] = { EXEC_PROBE_ENV, NULL };
	int status, pid;

	pid = fork();
	if (pid < 0)
		return check_fail_errno("fork");
	if (pid == 0) {
		execve(self_path(), argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return check_fail_errno("waitpid");
	if (!WIFEXITED(status))
		return check_fail("probe died, status 0x%x", status);
	if (WEXITSTATUS(status) == 127)
		return check_fail("execve %s failed", self_path());
	if (WEXITSTATUS(status) != EXEC_PROBE_STATUS)
		return check_fail("probe exit %d (argv/envp lost?)",
				  WEXITSTATUS(status));
	return 0;
}

/* xorshift32: a pattern both ends can regenerate without sharing a buffer. */
static uint32_t pattern_next(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

static void pipe_writer(int fd)
{
	static unsigned char buf[PIPE_CHUNK];
	uint32_t state = 0x12345678;
	size_t sent = 0, n, i, off;
	ssize_t w;

	while (sent < PIPE_BYTES) {
		n = PIPE_BYTES - sent < PIPE_CHUNK ? PIPE_BYTES - sent :
						     PIPE_CHUNK;
		for (i = 0; i < n; i++)
			buf[i] = pattern_next(&state) & 0xff;
		for (off = 0; off < n; off += w) {
			w = write(fd, buf + off, n - off);
			if (w < 0 && errno != EINTR)
				_exit(1);
			if (w < 0)
				w = 0;
		}
		sent += n;
	}
	_exit(0);
}

static int pipe_integrity(void)
{
	static unsigned char buf[65536];
	uint32_t state = 0x12345678;
	size_t got = 0;
	ssize_t r, i;
	int fds[2], pid;

	if (pipe(fds) < 0)
		return check_fail_errno("pipe");
	pid = fork();
	if (pid < 0)
		return check_fail_errno("fork");
	if (pid == 0) {
		close(fds[0]);
		pipe_writer(fds[1]);
	}
	close(fds[1]);
	for (;;) {
		r = read(fds[0], buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return check_fail_errno("read");
		if (r == 0)
			break;
		for (i = 0; i < r; i++) {
			if (buf[i] != (pattern_next(&state) & 0xff))
				return check_fail("byte %zu corrupted",
						  got + i);
		}
		got += r;
	}
	close(fds[0]);
	if (got != PIPE_BYTES)
		return check_fail("got %zu bytes, want %u", got, PIPE_BYTES);
	return check_child_ok(pid, "writer");
}

#define FPU_YIELDS 3000

/*
 * Load ymm12-15 (xmm12-15 without AVX) with a pattern, yield the CPU
 * FPU_YIELDS times by raw system calls, so no library code runs in
 * between, and store the registers again.
 */
static void fpu_hold(uint64_t pattern[16], uint64_t out[16], int avx)
{
	long n = FPU_YIELDS;

	if (avx)
		asm volatile("vmovdqu 0(%[in]), %%ymm12\n\t"
			     "vmovdqu 32(%[in]), %%ymm13\n\t"
			     "vmovdqu 64(%[in]), %%ymm14\n\t"
			     "vmovdqu 96(%[in]), %%ymm15\n"
			     "1:\n\t"
			     "mov %[nr], %%eax\n\t"
			     "syscall\n\t"
			     "dec %[n]\n\t"
			     "jnz 1b\n\t"
			     "vmovdqu %%ymm12, 0(%[out])\n\t"
			     "vmovdqu %%ymm13, 32(%[out])\n\t"
			     "vmovdqu %%ymm14, 64(%[out])\n\t"
			     "vmovdqu %%ymm15, 96(%[out])"
			     : [n] "+r"(n)
			     : [in] "r"(pattern), [out] "r"(out),
			       [nr] "i"(SYS_sched_yield)
			     : "rax", "rcx", "r11", "memory", "xmm12", "xmm13",
			       "xmm14", "xmm15");
	else
		asm volatile("movdqu 0(%[in]), %%xmm12\n\t"
			     "movdqu 16(%[in]), %%xmm13\n"
			     "1:\n\t"
			     "mov %[nr], %%eax\n\t"
			     "syscall\n\t"
			     "dec %[n]\n\t"
			     "jnz 1b\n\t"
			     "movdqu %%xmm12, 0(%[out])\n\t"
			     "movdqu %%xmm13, 16(%[out])"
			     : [n] "+r"(n)
			     : [in] "r"(pattern), [out] "r"(out),
			       [nr] "i"(SYS_sched_yield)
			     : "rax", "rcx", "r11", "memory", "xmm12", "xmm13");
}

static int fpu_state_switch(void)
{
	int avx = __builtin_cpu_supports("avx");
	unsigned words = avx ? 16 : 4;
	int pids[2];

	for (int c = 0; c < 2; c++) {
		pids[c] = fork();
		if (pids[c] < 0)
			return check_fail_errno("fork");
		if (pids[c] == 0) {
			uint64_t in[16], out[16] = { 0 };

			for (unsigned i = 0; i < 16; i++)
				in[i] = 0x0123456789abcdefull * (i + 1) + c;
			fpu_hold(in, out, avx);
			_exit(memcmp(in, out, words * 8) != 0);
		}
	}
	for (int c = 0; c < 2; c++)
		if (check_child_ok(pids[c],
				   avx ? "YMM registers across switches" :
					 "XMM registers across switches"))
			return -1;
	return 0;
}

const struct check proc_checks[] = {
	{ "fork_wait_status", fork_wait_status },
	{ "exit_by_signal", exit_by_signal },
	{ "execve_self", execve_self },
	{ "pipe_integrity", pipe_integrity },
	{ "fpu_state_switch", fpu_state_switch },
	{ NULL, NULL },
};
