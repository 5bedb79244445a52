/*
 * File checks on the scratch directory (tmpfs or the initramfs' ramfs in the
 * guest): create/write/read, rename and unlink, readdir, ftruncate with
 * lseek and holes; one writev and one readv whose buffers lie far apart;
 * and reads of /proc/self, which the guest's user space (ps, glibc
 * itself) relies on.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "conformance.h"

#define DIR_FILES 20

static void scratch_file(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", scratch_dir(), name);
}

static int file_create_write_read(void)
{
	static char data[100000], back[100000];
	char path[4096];
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(data); i++)
		data[i] = 'a' + i % 23;
	scratch_file(path, sizeof(path), "plain");
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0640);
	if (fd < 0)
		return check_fail_errno("open O_CREAT");
	if (write(fd, data, sizeof(data)) != sizeof(data))
		return check_fail_errno("write");
	if (fstat(fd, &st) < 0 || st.st_size != sizeof(data) ||
	    (st.st_mode & 0777) != 0640 || !S_ISREG(st.st_mode))
		return check_fail("fstat: size %lld mode %o",
				  (long long)st.st_size, st.st_mode);
	close(fd);

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return check_fail_errno("reopen");
	if (read(fd, back, sizeof(back)) != sizeof(back))
		return check_fail_errno("read");
	if (memcmp(data, back, sizeof(data)) != 0)
		return check_fail("data read back differs");
	if (read(fd, back, 1) != 0)
		return check_fail("no EOF after the last byte");
	close(fd);
	if (open(path, O_RDWR | O_CREAT | O_EXCL, 0600) >= 0 || errno != EEXIST)
		return check_fail("O_EXCL on an existing file did not EEXIST");
	return unlink(path) < 0 ? check_fail_errno("unlink") : 0;
}

static int file_rename_unlink(void)
{
	char a[4096], b[4096], buf[8];
	int fd;

	scratch_file(a, sizeof(a), "before");
	scratch_file(b, sizeof(b), "after");
	fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "moved", 5) != 5)
		return check_fail_errno("create");
	close(fd);
	if (rename(a, b) < 0)
		return check_fail_errno("rename");
	if (access(a, F_OK) == 0 || errno != ENOENT)
		return check_fail("old name still exists");
	fd = open(b, O_RDONLY);
	if (fd < 0)
		return check_fail_errno("open new name");
	/* An unlinked file stays readable through an open descriptor. */
	if (unlink(b) < 0)
		return check_fail_errno("unlink");
	if (access(b, F_OK) == 0)
		return check_fail("unlinked name still exists");
	if (read(fd, buf, sizeof(buf)) != 5 || memcmp(buf, "moved", 5))
		return check_fail("open descriptor lost the data");
	close(fd);
	return 0;
}

static int file_readdir(void)
{
	char dir[4096], path[4200];
	unsigned long seen = 0;
	struct dirent *de;
	int i, fd, dots = 0;
	DIR *d;

	scratch_file(dir, sizeof(dir), "dir");
	if (mkdir(dir, 0700) < 0)
		return check_fail_errno("mkdir");
	for (i = 0; i < DIR_FILES; i++) {
		snprintf(path, sizeof(path), "%s/f%02d", dir, i);
		fd = open(path, O_WRONLY | O_CREAT, 0600);
		if (fd < 0)
			return check_fail_errno("create");
		close(fd);
	}
	d = opendir(dir);
	if (!d)
		return check_fail_errno("opendir");
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
			dots++;
			continue;
		}
		if (de->d_name[0] != 'f' || (i = atoi(de->d_name + 1)) < 0 ||
		    i >= DIR_FILES || (seen & (1ul << i)))
			return check_fail("unexpected entry %s", de->d_name);
		seen |= 1ul << i;
	}
	closedir(d);
	if (seen != (1ul << DIR_FILES) - 1 || dots != 2)
		return check_fail("entries seen %#lx, dots %d", seen, dots);
	for (i = 0; i < DIR_FILES; i++) {
		snprintf(path, sizeof(path), "%s/f%02d", dir, i);
		unlink(path);
	}
	if (rmdir(dir) < 0)
		return check_fail_errno("rmdir");
	return 0;
}

static int file_ftruncate_lseek(void)
{
	char path[4096], buf[16];
	struct stat st;
	int fd, i;

	scratch_file(path, sizeof(path), "sparse");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return check_fail_errno("open");
	unlink(path);
	if (write(fd, "0123456789", 10) != 10)
		return check_fail_errno("write");
	if (ftruncate(fd, 4) < 0 || fstat(fd, &st) < 0 || st.st_size != 4)
		return check_fail("shrink to 4 failed");
	if (lseek(fd, 0, SEEK_END) != 4)
		return check_fail("SEEK_END not at 4");
	/* Write past the end: the gap must read as zeros. */
	if (lseek(fd, 100000, SEEK_SET) != 100000 || write(fd, "E", 1) != 1)
		return check_fail_errno("write past end");
	if (fstat(fd, &st) < 0 || st.st_size != 100001)
		return check_fail("size %lld, want 100001",
				  (long long)st.st_size);
	if (pread(fd, buf, sizeof(buf), 0) != sizeof(buf))
		return check_fail_errno("pread");
	if (memcmp(buf, "0123", 4) != 0)
		return check_fail("head changed");
	for (i = 4; i < (int)sizeof(buf); i++)
		if (buf[i] != 0)
			return check_fail("hole byte %d is %d", i, buf[i]);
	if (ftruncate(fd, 8192) < 0 || lseek(fd, -1, SEEK_END) != 8191 ||
	    read(fd, buf, 2) != 1 || buf[0] != 0)
		return check_fail("truncate to 8192 / SEEK_END -1 wrong");
	if (lseek(fd, -2, SEEK_CUR) != 8190)
		return check_fail("SEEK_CUR wrong");
	close(fd);
	return 0;
}

static int proc_self(void)
{
	char buf[4096], want[64], link[4096];
	ssize_t n;
	int fd;

	fd = open("/proc/self/status", O_RDONLY);
	if (fd < 0)
		return check_fail_errno("open /proc/self/status");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return check_fail_errno("read status");
	buf[n] = '\0';
	snprintf(want, sizeof(want), "\nPid:\t%d\n", getpid());
	if (!strstr(buf, want))
		return check_fail("status has no \"Pid:\t%d\"", getpid());

	n = readlink("/proc/self/exe", link, sizeof(link) - 1);
	if (n <= 0)
		return check_fail_errno("readlink /proc/self/exe");
	link[n] = '\0';
	if (strcmp(link, self_path()) != 0)
		return check_fail("exe is %s", link);

	fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		return check_fail_errno("open /proc/self/maps");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return check_fail("empty /proc/self/maps");
	buf[n] = '\0';
	if (!strstr(buf, "r-xp") && !strstr(buf, "r-xs"))
		return check_fail("maps shows no executable mapping");

	fd = open("/proc/self/cmdline", O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
		return check_fail_errno("read /proc/self/cmdline");
	close(fd);
	return 0;
}

/*
 * One writev from IOVECS buffers and one readv into IOVECS others, each
 * in a 1 GiB region of its own: the kernel touches all of them within
 * one system call. Under the VMM that maps two page tables per buffer
 * into the VM's own task (32 MiB for both calls), more than its
 * kernel-memory quota holds even after taking back what it lent the user
 * tasks, so the soft TLB is emptied in the middle of a copy and
 * refilled; every byte must still arrive.
 */
#define IOVECS 1024
#define IOV_REGION (1ul << 30)
#define IOV_LEN 16

static void iov_fill(struct iovec *iov, unsigned char *base, int salt)
{
	for (int i = 0; i < IOVECS; i++) {
		iov[i].iov_base = base + i * IOV_REGION + 4096 * (i % 16);
		iov[i].iov_len = IOV_LEN;
		memset(iov[i].iov_base, (i * 13 + salt) & 0xff, IOV_LEN);
	}
}

static int sparse_iovec(void)
{
	static struct iovec iov[IOVECS];
	const size_t total = (size_t)IOVECS * IOV_LEN;
	size_t size = 2 * IOVECS * IOV_REGION;
	unsigned char *base;
	char path[4096];
	int fd, i, j;

	base = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return check_fail_errno("mmap");
	scratch_file(path, sizeof(path), "sparse");
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return check_fail_errno("open");
	iov_fill(iov, base, 1);
	if (writev(fd, iov, IOVECS) != (ssize_t)total)
		return check_fail_errno("writev");
	iov_fill(iov, base + size / 2, 0); /* read them back elsewhere */
	if (lseek(fd, 0, SEEK_SET) != 0 ||
	    readv(fd, iov, IOVECS) != (ssize_t)total)
		return check_fail_errno("readv");
	for (i = 0; i < IOVECS; i++)
		for (j = 0; j < IOV_LEN; j++) {
			unsigned char c = ((unsigned char *)iov[i].iov_base)[j];

			if (c != ((i * 13 + 1) & 0xff))
				return check_fail("buffer %d byte %d is %u", i,
						  j, c);
		}
	close(fd);
	unlink(path);
	return munmap(base, size) < 0 ? check_fail_errno("munmap") : 0;
}

const struct check fs_checks[] = {
	{ "file_create_write_read", file_create_write_read },
	{ "file_rename_unlink", file_rename_unlink },
	{ "file_readdir", file_readdir },
	{ "file_ftruncate_lseek", file_ftruncate_lseek },
	{ "sparse_iovec", sparse_iovec },
	{ "proc_self", proc_self },
	{ NULL, NULL },
};
