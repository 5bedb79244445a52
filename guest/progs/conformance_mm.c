/*
 * Memory checks: anonymous private and shared mappings, a file-backed
 * MAP_SHARED mapping kept coherent with read()/write() through msync,
 * mprotect with the resulting fault, copy-on-write isolation across fork in
 * both directions, SysV shared memory between two processes, and a file
 * truncated under another process's mapping, and accessed bits as
 * /proc/self/smaps reports them after clear_refs. Under the VMM every one
 * of these exercises guest page-table updates and faults.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conformance.h"

#define ANON_BYTES (8u << 20)
#define COW_PAGES 64
#define FILE_BYTES (64u << 10)
#define SHM_BYTES (64u << 10)

static sigjmp_buf fault_jump;
static siginfo_t fault_info;

static void fault_handler(int signo, siginfo_t *info, void *ctx)
{
	(void)signo;
	(void)ctx;
	fault_info = *info;
	siglongjmp(fault_jump, 1);
}

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

static int mmap_anon_private(void)
{
	unsigned int *p;
	size_t i, n = ANON_BYTES / sizeof(*p);

	p = mmap(NULL, ANON_BYTES, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return check_fail_errno("mmap");
	for (i = 0; i < n; i += 512)
		if (p[i] != 0)
			return check_fail("fresh page not zero at %zu", i);
	for (i = 0; i < n; i++)
		p[i] = (unsigned int)(i * 2654435761u);
	for (i = 0; i < n; i++)
		if (p[i] != (unsigned int)(i * 2654435761u))
			return check_fail("word %zu reads back wrong", i);
	if (munmap(p, ANON_BYTES) < 0)
		return check_fail_errno("munmap");
	return 0;
}

static int mmap_anon_shared(void)
{
	long size = page_size();
	volatile int *p;
	int pid;

	p = mmap(NULL, 4 * size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return check_fail_errno("mmap");
	p[0] = 1;
	pid = fork();
	if (pid < 0)
		return check_fail_errno("fork");
	if (pid == 0) {
		if (p[0] != 1)
			_exit(1);
		p[0] = 2;
		/* A page the parent never touched. */
		p[3 * size / sizeof(int)] = 3;
		_exit(0);
	}
	if (check_child_ok(pid, "child") < 0)
		return -1;
	if (p[0] != 2 || p[3 * size / sizeof(int)] != 3)
		return check_fail("child's writes not visible: %d %d", p[0],
				  p[3 * size / sizeof(int)]);
	munmap((void *)p, 4 * size);
	return 0;
}

static int mmap_file_shared_msync(void)
{
	unsigned char *map, buf[256];
	char path[4096];
	size_t i;
	int fd, pid;

	snprintf(path, sizeof(path), "%s/mapped", scratch_dir());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return check_fail_errno("open");
	unlink(path); /* the mapping keeps it alive */
	if (ftruncate(fd, FILE_BYTES) < 0)
		return check_fail_errno("ftruncate");
	map = mmap(NULL, FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return check_fail_errno("mmap");

	for (i = 0; i < FILE_BYTES; i++)
		map[i] = (i * 7) & 0xff;
	if (msync(map, FILE_BYTES, MS_SYNC) < 0)
		return check_fail_errno("msync");
	if (pread(fd, buf, sizeof(buf), FILE_BYTES - sizeof(buf)) !=
	    sizeof(buf))
		return check_fail_errno("pread");
	for (i = 0; i < sizeof(buf); i++)
		if (buf[i] != (((FILE_BYTES - sizeof(buf) + i) * 7) & 0xff))
			return check_fail("read() disagrees with mapping");

	/* write() must show through the mapping, in another process too. */
	if (pwrite(fd, "hello", 5, 4096) != 5)
		return check_fail_errno("pwrite");
	pid = fork();
	if (pid < 0)
		return check_fail_errno("fork");
	if (pid == 0)
		_exit(memcmp(map + 4096, "hello", 5) == 0 ? 0 : 1);
	if (check_child_ok(pid, "child view of pwrite") < 0)
		return -1;
	munmap(map, FILE_BYTES);
	close(fd);
	return 0;
}

static int mprotect_fault(void)
{
	long size = page_size();
	struct sigaction sa;
	volatile char *p;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSEGV, &sa, NULL) < 0)
		return check_fail_errno("sigaction");
	p = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return check_fail_errno("mmap");
	p[0] = 'a';
	p[size] = 'b';
	if (mprotect((void *)p, size, PROT_READ) < 0)
		return check_fail_errno("mprotect");
	if (p[0] != 'a')
		return check_fail("read-only page lost its data");
	if (sigsetjmp(fault_jump, 1) == 0) {
		p[1] = 'x';
		return check_fail("write to read-only page did not fault");
	}
	if (fault_info.si_addr != (void *)(p + 1) ||
	    fault_info.si_code != SEGV_ACCERR)
		return check_fail("si_addr %p code %d", fault_info.si_addr,
				  fault_info.si_code);
	p[size + 1] = 'c'; /* the neighbour page stays writable */
	if (mprotect((void *)p, size, PROT_READ | PROT_WRITE) < 0)
		return check_fail_errno("mprotect back");
	p[1] = 'y';
	if (p[0] != 'a' || p[1] != 'y' || p[size + 1] != 'c')
		return check_fail("data wrong after restoring write access");
	munmap((void *)p, 2 * size);
	return 0;
}

static int fill_check(volatile char *p, long size, char want)
{
	int i;

	for (i = 0; i < COW_PAGES; i++)
		if (p[i * size] != want || p[i * size + size - 1] != want)
			return -1;
	return 0;
}

static void fill(volatile char *p, long size, char v)
{
	int i;

	for (i = 0; i < COW_PAGES; i++) {
		p[i * size] = v;
		p[i * size + size - 1] = v;
	}
}

/*
 * Child writes first and the parent must not see it; then the parent writes
 * and the child must not see that. Two pipes order the steps.
 */
static int fork_cow_isolation(void)
{
	long size = page_size();
	int to_parent[2], to_child[2], pid;
	volatile char *p;
	char token;

	p = mmap(NULL, COW_PAGES * size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return check_fail_errno("mmap");
	fill(p, size, 'o');
	if (pipe(to_parent) < 0 || pipe(to_child) < 0)
		return check_fail_errno("pipe");
	pid = fork();
	if (pid < 0)
		return check_fail_errno("fork");
	if (pid == 0) {
		if (fill_check(p, size, 'o') < 0)
			_exit(1);
		fill(p, size, 'c');
		if (write(to_parent[1], "w", 1) != 1 ||
		    read(to_child[0], &token, 1) != 1)
			_exit(2);
		_exit(fill_check(p, size, 'c') == 0 ? 0 : 3);
	}
	if (read(to_parent[0], &token, 1) != 1)
		return check_fail("child died before writing");
	if (fill_check(p, size, 'o') < 0)
		return check_fail("child's private writes leaked into parent");
	fill(p, size, 'p');
	if (write(to_child[1], "w", 1) != 1)
		return check_fail_errno("write");
	if (check_child_ok(pid, "child (1: inherit, 3: saw parent's write)"))
		return -1;
	munmap((void *)p, COW_PAGES * size);
	return 0;
}

static int sysv_shm(void)
{
	struct shmid_ds ds;
	volatile char *p;
	int id, pid;

	id = shmget(IPC_PRIVATE, SHM_BYTES, IPC_CREAT | 0600);
	if (id < 0)
		return check_fail_errno("shmget");
	p = shmat(id, NULL, 0);
	if (p == (void *)-1) {
		shmctl(id, IPC_RMID, NULL);
		return check_fail_errno("shmat");
	}
	p[0] = 'a';
	pid = fork();
	if (pid < 0)
		return check_fail_errno("fork");
	if (pid == 0) {
		/* A fresh attach at another address sees the same pages. */
		volatile char *q = shmat(id, NULL, 0);

		if (q == (void *)-1 || q[0] != 'a')
			_exit(1);
		q[SHM_BYTES - 1] = 'z';
		p[1] = 'b';
		_exit(0);
	}
	if (check_child_ok(pid, "child") < 0)
		goto out;
	if (p[1] != 'b' || p[SHM_BYTES - 1] != 'z') {
		check_fail("child's writes not visible");
		goto out;
	}
	if (shmctl(id, IPC_STAT, &ds) < 0) {
		check_fail_errno("IPC_STAT");
		goto out;
	}
	if (ds.shm_nattch != 1 || ds.shm_segsz != SHM_BYTES) {
		check_fail("nattch %lu size %zu", (unsigned long)ds.shm_nattch,
			   ds.shm_segsz);
		goto out;
	}
	shmdt((void *)p);
	return shmctl(id, IPC_RMID, NULL) < 0 ? check_fail_errno("RMID") : 0;
out:
	shmctl(id, IPC_RMID, NULL);
	return -1;
}

/*
 * A mapping taken away while its process is not running: the child maps
 * a file page and reads it (so its TLB holds the page), then waits in
 * read() while the parent truncates the file; the child's next access
 * must raise SIGBUS. Linux unmaps the page from the child's address space
 * while another one is loaded, so a TLB that keeps entries per address
 * space (PCIDs) must drop them when the child runs again.
 */
#define TRUNCATE_ROUNDS 20

static int truncated_child(int fd, int go, int ready)
{
	struct sigaction sa = { .sa_sigaction = fault_handler,
				.sa_flags = SA_SIGINFO };
	volatile unsigned char *p;
	char c = 'm';

	p = mmap(NULL, page_size(), PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || p[0] != 0x5a || write(ready, &c, 1) != 1 ||
	    read(go, &c, 1) != 1)
		return 2;
	sigaction(SIGBUS, &sa, NULL);
	if (sigsetjmp(fault_jump, 1) == 0) {
		c = p[0];
		return 3; /* the truncated page was still there */
	}
	return fault_info.si_signo == SIGBUS ? 0 : 4;
}

static int truncate_under_other(void)
{
	char path[4096], c;
	int fd, go[2], ready[2], pid, status;
	unsigned char byte = 0x5a;

	snprintf(path, sizeof(path), "%s/truncated", scratch_dir());
	for (int round = 0; round < TRUNCATE_ROUNDS; round++) {
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || pipe(go) < 0 || pipe(ready) < 0)
			return check_fail_errno("open/pipe");
		if (ftruncate(fd, page_size()) < 0 ||
		    pwrite(fd, &byte, 1, 0) != 1)
			return check_fail_errno("ftruncate/pwrite");
		pid = fork();
		if (pid < 0)
			return check_fail_errno("fork");
		if (pid == 0)
			_exit(truncated_child(fd, go[0], ready[1]));
		if (read(ready[0], &c, 1) != 1)
			return check_fail("round %d: child did not map", round);
		if (ftruncate(fd, 0) < 0 || write(go[1], &c, 1) != 1)
			return check_fail_errno("ftruncate/write");
		if (waitpid(pid, &status, 0) != pid)
			return check_fail_errno("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return check_fail(
				"round %d: child status 0x%x (3: read "
				"the truncated page without SIGBUS)",
				round, status);
		close(fd);
		close(go[0]);
		close(go[1]);
		close(ready[0]);
		close(ready[1]);
	}
	unlink(path);
	return 0;
}

/* Referenced (accessed) kB of the mapping at addr, per /proc/self/smaps. */
static long referenced_kb(const void *addr)
{
	char line[256], start[32];
	long kb = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	snprintf(start, sizeof(start), "%lx-", (unsigned long)addr);
	while (kb < 0 && fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, '-') < strchr(line, ' '))
			in = strncmp(line, start, strlen(start)) == 0;
		else if (in && sscanf(line, "Referenced: %ld kB", &kb) != 1)
			kb = -1;
	}
	fclose(f);
	return kb;
}

/*
 * Accessed bits as Linux's reclaim reads them: after clear_refs cleared
 * them and a TLB flush, exactly the pages touched since count as
 * referenced. clear_refs itself does not flush (a TLB may keep using a
 * translation without setting the bit again, natively too), so an
 * mprotect round trip does, leaving the bits as they were. A soft TLB
 * that kept translations across the flush, or filled without setting
 * the bit, would show fewer.
 */
static int accessed_bits(void)
{
	long ps = page_size(), all, none, some;
	int n = 64, fd;
	volatile char *p;

	p = mmap(NULL, n * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return check_fail_errno("mmap");
	for (int i = 0; i < n; i++)
		p[i * ps] = 1;
	all = referenced_kb((const void *)p);
	fd = open("/proc/self/clear_refs", O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1)
		return check_fail_errno("clear_refs");
	close(fd);
	if (mprotect((void *)p, n * ps, PROT_READ) < 0 ||
	    mprotect((void *)p, n * ps, PROT_READ | PROT_WRITE) < 0)
		return check_fail_errno("mprotect");
	none = referenced_kb((const void *)p);
	for (int i = 0; i < n; i += 4)
		(void)p[i * ps];
	some = referenced_kb((const void *)p);
	if (all != n * ps / 1024 || none != 0 || some != n / 4 * ps / 1024)
		return check_fail(
			"referenced kB: %ld after writing all %d pages "
			"(want %ld), %ld after clear_refs and a flush (want 0), "
			"%ld after reading %d (want %ld)",
			all, n, n * ps / 1024, none, some, n / 4,
			n / 4 * ps / 1024);
	munmap((void *)p, n * ps);
	return 0;
}

const struct check mm_checks[] = {
	{ "mmap_anon_private", mmap_anon_private },
	{ "mmap_anon_shared", mmap_anon_shared },
	{ "mmap_file_shared_msync", mmap_file_shared_msync },
	{ "mprotect_fault", mprotect_fault },
	{ "fork_cow_isolation", fork_cow_isolation },
	{ "sysv_shm", sysv_shm },
	{ "truncate_under_other", truncate_under_other },
	{ "accessed_bits", accessed_bits },
	{ NULL, NULL },
};
