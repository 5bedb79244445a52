/*
 * Microbenchmarks of the kernel paths a virtualization layer slows down:
 * system call entry, process creation, exec, pipe and scheduler round trips,
 * page faults and address-space updates, and a page-cache read. The same
 * binary runs natively and in the VM; bench suites compare the two.
 *
 * usage: microbench [-r REPS] [-s SCALE] [-x EXEC-TARGET] [-v] [NAME...]
 * For each benchmark (all, or those NAMEd) one line
 *   bench <name> <ns_per_op> <iterations>
 * the median over REPS repetitions of <iterations> operations each, timed
 * with CLOCK_MONOTONIC (for two-process benchmarks, from when the partner
 * process is ready); -v adds "samples <name> <ns_per_op>..." with every
 * repetition. "bench-done" ends a complete run. The default iteration counts
 * keep the suite well under a minute on an emulated (QEMU TCG) CPU; SCALE
 * multiplies them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPS 101
#define FAULT_REGION_PAGES 1024
#define FILE_READ_BYTES 4096

struct bench {
	const char *name;
	long iterations;		   /* default, before -s */
	long long (*run)(long iterations); /* returns ns spent */
};

static char exec_target[PATH_MAX];
static char scratch_file[PATH_MAX];
static long page_size;

static void die(const char *what)
{
	fprintf(stderr, "microbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void wait_ok(int pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "microbench: child status 0x%x\n", status);
		exit(1);
	}
}

/*
 * The two-process benchmarks run on one CPU, as in the uniprocessor guest,
 * so the host numbers measure the same switch rather than an IPI.
 */
static void pin_to_cpu0(cpu_set_t *old)
{
	cpu_set_t one;

	sched_getaffinity(0, sizeof(*old), old);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
}

static long long null_syscall(long n)
{
	long long start = now_ns();
	long i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	return now_ns() - start;
}

static long long fork_exit(long n)
{
	long long start = now_ns();
	long i;
	int pid;

	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0)
			_exit(0);
		wait_ok(pid);
	}
	return now_ns() - start;
}

static long long fork_exec(long n)
{
	char *argv[] = { exec_target, "--exit", NULL };
	char *envp[] = { NULL };
	long long start = now_ns();
	long i;
	int pid;

	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			execve(exec_target, argv, envp);
			_exit(127);
		}
		wait_ok(pid);
	}
	return now_ns() - start;
}

static long long pipe_rtt(long n)
{
	int ping[2], pong[2], pid;
	long long start, took;
	cpu_set_t old;
	char c = 0;
	long i;

	if (pipe(ping) < 0 || pipe(pong) < 0)
		die("pipe");
	pin_to_cpu0(&old);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (write(pong[1], &c, 1) != 1) /* ready */
			_exit(1);
		for (i = 0; i < n; i++)
			if (read(ping[0], &c, 1) != 1 ||
			    write(pong[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	if (read(pong[0], &c, 1) != 1)
		die("pipe ready");
	start = now_ns();
	for (i = 0; i < n; i++)
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			die("pipe round trip");
	took = now_ns() - start;
	wait_ok(pid);
	sched_setaffinity(0, sizeof(old), &old);
	close(ping[0]);
	close(ping[1]);
	close(pong[0]);
	close(pong[1]);
	return took;
}

/*
 * N switches: each process yields N/2 times and the other runs in between.
 * The child announces itself, then blocks until the parent's first yield
 * lets it run, so both loops overlap.
 */
static long long ctx_switch(long n)
{
	int ready[2], go[2], pid;
	long long start, took;
	cpu_set_t old;
	long i;
	char c;

	if (pipe(ready) < 0 || pipe(go) < 0)
		die("pipe");
	pin_to_cpu0(&old);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		for (i = 0; i < n / 2; i++)
			sched_yield();
		_exit(0);
	}
	if (read(ready[0], &c, 1) != 1 || write(go[1], "g", 1) != 1)
		die("ready");
	start = now_ns();
	for (i = 0; i < n / 2; i++)
		sched_yield();
	took = now_ns() - start;
	wait_ok(pid);
	sched_setaffinity(0, sizeof(old), &old);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
	return took;
}

/* N page faults: map a region, write one byte per page, unmap. */
static long long page_fault(long n)
{
	size_t len = FAULT_REGION_PAGES * page_size;
	long long start = now_ns();
	long done = 0, pages, i;
	volatile char *p;

	while (done < n) {
		pages = n - done < FAULT_REGION_PAGES ? n - done :
							FAULT_REGION_PAGES;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		for (i = 0; i < pages; i++)
			p[i * page_size] = 1;
		munmap((void *)p, len);
		done += pages;
	}
	return now_ns() - start;
}

static long long mmap_munmap(long n)
{
	long long start = now_ns();
	long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		munmap(p, page_size);
	}
	return now_ns() - start;
}

static long long file_read(long n)
{
	static char buf[FILE_READ_BYTES];
	long long start, took;
	long i;
	int fd;

	fd = open(scratch_file, O_RDONLY);
	if (fd < 0)
		die(scratch_file);
	start = now_ns();
	for (i = 0; i < n; i++)
		if (pread(fd, buf, sizeof(buf), 0) != sizeof(buf))
			die("pread");
	took = now_ns() - start;
	close(fd);
	return took;
}

static const struct bench benches[] = {
	{ "null_syscall", 20000, null_syscall },
	{ "fork_exit", 200, fork_exit },
	{ "fork_exec", 100, fork_exec },
	{ "pipe_rtt", 2000, pipe_rtt },
	{ "ctx_switch", 4000, ctx_switch },
	{ "page_fault", 8192, page_fault },
	{ "mmap_munmap", 2000, mmap_munmap },
	{ "file_read", 5000, file_read },
};

#define BENCH_COUNT (sizeof(benches) / sizeof(benches[0]))

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void bench_run(const struct bench *b, int reps, double scale,
		      int verbose)
{
	double samples[MAX_REPS], sorted[MAX_REPS], median;
	long n = (long)(b->iterations * scale);
	int r;

	if (n < 2)
		n = 2;
	b->run(n / 10 + 1); /* warm caches and the page allocator */
	for (r = 0; r < reps; r++)
		samples[r] = (double)b->run(n) / n;
	memcpy(sorted, samples, reps * sizeof(double));
	qsort(sorted, reps, sizeof(double), cmp_double);
	median = reps % 2 ? sorted[reps / 2] :
			    (sorted[reps / 2 - 1] + sorted[reps / 2]) / 2;
	printf("bench %s %.1f %ld\n", b->name, median, n);
	if (verbose) {
		printf("samples %s", b->name);
		for (r = 0; r < reps; r++)
			printf(" %.1f", samples[r]);
		printf("\n");
	}
	fflush(stdout);
}

/* true-static next to us, else ourselves (which exit at once on --exit). */
static void find_exec_target(void)
{
	char dir[PATH_MAX], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", exec_target, sizeof(exec_target) - 1);
	if (n <= 0)
		die("readlink /proc/self/exe");
	exec_target[n] = '\0';
	memcpy(dir, exec_target, n + 1);
	slash = strrchr(dir, '/');
	if (!slash || strlen(dir) + sizeof("/true-static") > sizeof(dir))
		return;
	strcpy(slash, "/true-static");
	if (access(dir, X_OK) == 0)
		strcpy(exec_target, dir);
}

static void make_scratch_file(void)
{
	static char data[FILE_READ_BYTES];
	const char *dir = getenv("TMPDIR");
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	mkdir(dir, 01777);
	snprintf(scratch_file, sizeof(scratch_file), "%s/microbench.XXXXXX",
		 dir);
	fd = mkstemp(scratch_file);
	if (fd < 0)
		die("mkstemp");
	memset(data, 'm', sizeof(data));
	if (write(fd, data, sizeof(data)) != sizeof(data))
		die("write scratch file");
	close(fd);
}

static void usage(void)
{
	size_t i;

	fprintf(stderr, "usage: microbench [-r REPS] [-s SCALE] "
			"[-x EXEC-TARGET] [-v] [NAME...]\nbenchmarks:");
	for (i = 0; i < BENCH_COUNT; i++)
		fprintf(stderr, " %s", benches[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int reps = 5, verbose = 0, opt, i;
	double scale = 1.0;
	size_t b;

	if (argc == 2 && strcmp(argv[1], "--exit") == 0)
		return 0; /* we are the fork_exec target */

	while ((opt = getopt(argc, argv, "r:s:x:v")) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 's':
			scale = strtod(optarg, NULL);
			break;
		case 'x':
			snprintf(exec_target, sizeof(exec_target), "%s",
				 optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (reps < 1 || reps > MAX_REPS || !(scale > 0))
		usage();
	for (i = optind; i < argc; i++) {
		for (b = 0; b < BENCH_COUNT; b++)
			if (strcmp(argv[i], benches[b].name) == 0)
				break;
		if (b == BENCH_COUNT)
			usage();
	}

	page_size = sysconf(_SC_PAGESIZE);
	if (!exec_target[0])
		find_exec_target();
	make_scratch_file();

	for (b = 0; b < BENCH_COUNT; b++) {
		if (optind < argc) {
			for (i = optind; i < argc; i++)
				if (strcmp(argv[i], benches[b].name) == 0)
					break;
			if (i == argc)
				continue;
		}
		bench_run(&benches[b], reps, scale, verbose);
	}
	unlink(scratch_file);
	printf("bench-done\n");
	return 0;
}
