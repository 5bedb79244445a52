/*
 * Shared declarations of the user space conformance test. conformance.c owns
 * the runner: it forks one child per check, arms a watchdog and prints the
 * verdict line. The conformance_*.c files each hold one family of checks
 * (processes, signals, memory, threads, files, event interfaces) as a table
 * of named functions. A check returns 0 on success, or calls check_fail()
 * with a reason and returns its -1.
 */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

#include <stddef.h>
#include <stdint.h>

struct check {
	const char *name;
	int (*run)(void);
	unsigned watchdog_s; /* 0: CHECK_WATCHDOG_S */
};

/* Tables, each ended by an entry with a NULL name. */
extern const struct check proc_checks[];
extern const struct check signal_checks[];
extern const struct check mm_checks[];
extern const struct check big_checks[];
extern const struct check thread_checks[];
extern const struct check fs_checks[];
extern const struct check event_checks[];
extern const struct check debug_checks[];
extern const struct check cpu_checks[];
extern const struct check fault_checks[];
extern const struct check dev_checks[];
extern const struct check compat_checks[];

/* Record why the running check failed; always returns -1. */
int check_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* check_fail() with ": strerror(errno)" appended. */
int check_fail_errno(const char *what);

/* Path of this executable, for checks that re-exec it. */
const char *self_path(void);

/* Scratch directory (on tmpfs/ramfs) private to this run. */
const char *scratch_dir(void);

/*
 * Wait for PID to exit and check that it exited normally with status 0;
 * otherwise fail naming WHAT.
 */
int check_child_ok(int pid, const char *what);

/*
 * Seconds a check may run before alarm() kills it, unless its entry says
 * otherwise; a check that uses alarm() or ITIMER_REAL itself re-arms the
 * watchdog with this when done.
 */
#define CHECK_WATCHDOG_S 10

/* Argument that makes conformance act as an exec target (see conformance.c). */
#define EXEC_PROBE_ARG "--exec-probe"
#define EXEC_PROBE_ENV "CONFORMANCE_PROBE=from-parent"
#define EXEC_PROBE_STATUS 42

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* CONFORMANCE_H */
