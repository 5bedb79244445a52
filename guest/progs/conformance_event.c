/*
 * Event interface and time checks: epoll over a pipe and an eventfd,
 * eventfd counter and semaphore modes across processes, timerfd expiries,
 * signalfd with the sender's identity and a queued value, POSIX timers
 * signalling with SI_TIMER, and CLOCK_MONOTONIC never going backwards
 * (vDSO and real syscall agreeing, which depends on the guest's view of the
 * TSC and timer interrupts).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conformance.h"

#define CLOCK_READS 20000

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int epoll_pipe(void)
{
	struct epoll_event ev, got[4];
	int ep, fds[2], efd, n;
	int64_t start;
	uint64_t one = 1;

	ep = epoll_create1(EPOLL_CLOEXEC);
	efd = eventfd(0, EFD_NONBLOCK);
	if (ep < 0 || efd < 0 || pipe(fds) < 0)
		return check_fail_errno("epoll_create1/eventfd/pipe");
	ev.events = EPOLLIN;
	ev.data.u64 = 0x1111;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev) < 0)
		return check_fail_errno("EPOLL_CTL_ADD pipe");
	ev.data.u64 = 0x2222;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) < 0)
		return check_fail_errno("EPOLL_CTL_ADD eventfd");

	start = mono_ns();
	n = epoll_wait(ep, got, 4, 50);
	if (n != 0)
		return check_fail("idle epoll_wait returned %d", n);
	if (mono_ns() - start < 40 * 1000000ll)
		return check_fail("50 ms timeout returned after %lld ns",
				  (long long)(mono_ns() - start));

	if (write(fds[1], "x", 1) != 1)
		return check_fail_errno("write");
	n = epoll_wait(ep, got, 4, 1000);
	if (n != 1 || got[0].data.u64 != 0x1111 || !(got[0].events & EPOLLIN))
		return check_fail("pipe readiness: n=%d", n);
	if (write(efd, &one, 8) != 8)
		return check_fail_errno("eventfd write");
	n = epoll_wait(ep, got, 4, 1000);
	if (n != 2)
		return check_fail("want pipe and eventfd ready, got %d", n);
	close(fds[0]);
	close(fds[1]);
	close(efd);
	close(ep);
	return 0;
}

static int eventfd_counter(void)
{
	uint64_t v;
	int fd, pid;

	fd = eventfd(0, EFD_NONBLOCK);
	if (fd < 0)
		return check_fail_errno("eventfd");
	if (read(fd, &v, 8) != -1 || errno != EAGAIN)
		return check_fail("empty eventfd did not EAGAIN");
	v = 3;
	write(fd, &v, 8);
	v = 4;
	write(fd, &v, 8);
	if (read(fd, &v, 8) != 8 || v != 7)
		return check_fail("counter read %llu, want 7",
				  (unsigned long long)v);
	close(fd);

	fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	if (fd < 0)
		return check_fail_errno("eventfd semaphore");
	if (read(fd, &v, 8) != 8 || v != 1 || read(fd, &v, 8) != 8 || v != 1)
		return check_fail("semaphore reads not 1, 1");
	if (read(fd, &v, 8) != -1 || errno != EAGAIN)
		return check_fail("drained semaphore did not EAGAIN");
	close(fd);

	/* A blocking read woken by another process. */
	fd = eventfd(0, 0);
	pid = fork();
	if (pid < 0)
		return check_fail_errno("fork");
	if (pid == 0) {
		usleep(20000);
		v = 9;
		_exit(write(fd, &v, 8) == 8 ? 0 : 1);
	}
	if (read(fd, &v, 8) != 8 || v != 9)
		return check_fail("cross-process read %llu",
				  (unsigned long long)v);
	close(fd);
	return check_child_ok(pid, "writer");
}

static int timerfd_expiry(void)
{
	struct itimerspec its = { .it_interval = { 0, 20000000 },
				  .it_value = { 0, 20000000 } };
	uint64_t expiries;
	int64_t start;
	int fd;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (fd < 0)
		return check_fail_errno("timerfd_create");
	start = mono_ns();
	if (timerfd_settime(fd, 0, &its, NULL) < 0)
		return check_fail_errno("timerfd_settime");
	if (read(fd, &expiries, 8) != 8 || expiries < 1)
		return check_fail_errno("first read");
	if (mono_ns() - start < 19 * 1000000ll)
		return check_fail("first expiry after only %lld ns",
				  (long long)(mono_ns() - start));
	usleep(100000);
	if (read(fd, &expiries, 8) != 8 || expiries < 3)
		return check_fail("after 100 ms: %llu expiries, want >= 3",
				  (unsigned long long)expiries);
	memset(&its, 0, sizeof(its));
	timerfd_settime(fd, 0, &its, NULL);
	close(fd);
	return 0;
}

static int signalfd_read(void)
{
	struct signalfd_siginfo si;
	union sigval val = { .sival_int = 42 };
	sigset_t set;
	int fd, pid;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (fd < 0)
		return check_fail_errno("signalfd");

	pid = fork();
	if (pid < 0)
		return check_fail_errno("fork");
	if (pid == 0)
		_exit(kill(getppid(), SIGUSR2) == 0 ? 0 : 1);
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return check_fail_errno("read");
	if (si.ssi_signo != SIGUSR2 || si.ssi_pid != (uint32_t)pid)
		return check_fail("signo %u from pid %u", si.ssi_signo,
				  si.ssi_pid);
	if (check_child_ok(pid, "sender") < 0)
		return -1;

	if (sigqueue(getpid(), SIGRTMIN, val) < 0)
		return check_fail_errno("sigqueue");
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return check_fail_errno("read");
	if (si.ssi_signo != (uint32_t)SIGRTMIN || si.ssi_int != 42 ||
	    si.ssi_code != SI_QUEUE)
		return check_fail("queued: signo %u int %d code %d",
				  si.ssi_signo, si.ssi_int, si.ssi_code);
	close(fd);
	return 0;
}

static int posix_timer(void)
{
	struct itimerspec its = { .it_value = { 0, 20000000 } };
	struct timespec limit = { .tv_sec = 3 };
	struct sigevent sev;
	siginfo_t info;
	sigset_t set;
	timer_t timer;
	int64_t start, took;
	int signo = SIGRTMIN + 1;

	sigemptyset(&set);
	sigaddset(&set, signo);
	sigprocmask(SIG_BLOCK, &set, NULL);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = signo;
	sev.sigev_value.sival_int = 7;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) < 0)
		return check_fail_errno("timer_create");
	start = mono_ns();
	if (timer_settime(timer, 0, &its, NULL) < 0)
		return check_fail_errno("timer_settime");
	if (sigtimedwait(&set, &info, &limit) != signo)
		return check_fail_errno("no timer signal");
	took = mono_ns() - start;
	if (took < 19 * 1000000ll)
		return check_fail("20 ms timer fired after %lld ns",
				  (long long)took);
	if (info.si_code != SI_TIMER || info.si_value.sival_int != 7)
		return check_fail("si_code %d value %d", info.si_code,
				  info.si_value.sival_int);
	if (timer_gettime(timer, &its) < 0 || its.it_value.tv_sec ||
	    its.it_value.tv_nsec)
		return check_fail("one-shot timer still armed");
	timer_delete(timer);
	return 0;
}

static int clock_monotonic(void)
{
	struct timespec ts, pause = { .tv_nsec = 10000000 };
	int64_t prev, now, start;
	int i;

	prev = mono_ns();
	for (i = 0; i < CLOCK_READS; i++) {
		now = mono_ns();
		if (now < prev)
			return check_fail("went back %lld ns at read %d",
					  (long long)(prev - now), i);
		prev = now;
		if (i % 1000)
			continue;
		/* The real syscall must agree with the vDSO. */
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
		now = ts.tv_sec * 1000000000ll + ts.tv_nsec;
		if (now < prev)
			return check_fail("syscall behind vDSO by %lld ns",
					  (long long)(prev - now));
		prev = now;
	}
	start = mono_ns();
	nanosleep(&pause, NULL);
	if (mono_ns() - start < 10000000)
		return check_fail("nanosleep 10 ms took %lld ns",
				  (long long)(mono_ns() - start));
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec < 946684800) /* 2000-01-01: RTC not read? */
		return check_fail("CLOCK_REALTIME is %lld",
				  (long long)ts.tv_sec);
	return 0;
}

static double rusage_s(const struct timeval *tv)
{
	return tv->tv_sec + tv->tv_usec / 1e6;
}

/*
 * Spend WALL_MS of our clock in a loop that makes a getppid() call every
 * EVERY rounds (never if 0); the fraction of the CPU time added meanwhile
 * that getrusage() counts as system time.
 */
static double system_share(int wall_ms, int every)
{
	struct rusage a, b;
	int64_t end = mono_ns() + wall_ms * 1000000ll;
	volatile unsigned long sink = 0;
	double user, sys;

	getrusage(RUSAGE_SELF, &a);
	while (mono_ns() < end)
		for (int i = 0; i < 10000; i++)
			sink += every && i % every == 0 ?
					(unsigned long)getppid() :
					(unsigned long)i;
	getrusage(RUSAGE_SELF, &b);
	user = rusage_s(&b.ru_utime) - rusage_s(&a.ru_utime);
	sys = rusage_s(&b.ru_stime) - rusage_s(&a.ru_stime);
	return user + sys > 0 ? sys / (user + sys) : -1;
}

/*
 * Linux splits CPU time between user and system by where its timer
 * ticks find the process. A loop of system calls spends most of its
 * time in the kernel (about 60 % under QEMU's TCG), one of arithmetic
 * none, and arithmetic with a call now and then (every 5,000 rounds,
 * 50 us or so) little. Under the VMM the ticks that fell due during a
 * system call were once all taken at its return to user mode: the
 * getppid() loop showed 1 % system time. Then, polled at every system
 * call, the ticks that fell due in user mode were taken at the next
 * call: the mixed loop showed 80 % system time where natively it shows
 * none.
 */
static int cpu_time_split(void)
{
	double spin = system_share(400, 0), calls = system_share(400, 1),
	       mixed = system_share(400, 5000);

	if (spin < 0 || calls < 0 || mixed < 0)
		return check_fail("no CPU time counted in 400 ms");
	if (spin > 0.2 || calls < 0.2 || mixed > 0.5)
		return check_fail("system share %.0f %% in a user loop (want "
				  "< 20 %%), %.0f %% in a getppid() loop "
				  "(want >= 20 %%), %.0f %% with a call every "
				  "5,000 rounds (want <= 50 %%)",
				  spin * 100, calls * 100, mixed * 100);
	return 0;
}

const struct check event_checks[] = {
	{ "epoll_pipe", epoll_pipe },
	{ "eventfd_counter", eventfd_counter },
	{ "timerfd_expiry", timerfd_expiry },
	{ "signalfd_read", signalfd_read },
	{ "posix_timer", posix_timer },
	{ "clock_monotonic", clock_monotonic },
	{ "cpu_time_split", cpu_time_split },
	{ NULL, NULL },
};
