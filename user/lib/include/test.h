/*
 * The test library for test tasks (user/tests/testlib.c): result lines,
 * heap pages, capability slots, and spawning threads and child tasks that
 * run this program's own code on their own stacks.
 *
 * Result lines (one per test, parsed by tests/groups/30-microkernel):
 *   TEST <id> PASS <description>
 *   TEST <id> FAIL <what went wrong>
 */
#ifndef TEST_H
#define TEST_H

#include <lib.h>
#include <sys.h>
#include <layout.h>

void t_result(const char *id, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define t_expect(id, cond, ...) t_result(id, (cond), __VA_ARGS__)

void *heap_alloc(u64 bytes); /* page granular, mapped, zeroed */
u64 slot_alloc(void);	     /* a free slot in our own table */
u64 self_badged(u64 badge);  /* slot: send cap to us, badged */

struct spawn {
	u64 task;   /* our slot for the child task (0: own task) */
	u64 thread; /* our slot for the new thread */
	u64 stack;  /* our address of the thread's stack page */
};

typedef void (*entry_fn)(u64 arg);

/* A thread in our own task; pager_slot 0 means "no pager". */
long spawn_thread(struct spawn *s, entry_fn fn, u64 arg, u64 prio,
		  u64 pager_slot);
/*
 * A new task running fn: our code and constants mapped read-only at the
 * same addresses, one stack page, quota bytes of kernel memory. Its slot
 * SLOT_PARENT gets a send cap to our main thread badged `badge`, and the
 * same cap is its pager.
 */
long spawn_task(struct spawn *s, entry_fn fn, u64 arg, u64 quota, u64 badge);
#define CHILD_STACK_VA 0x0000600000000000ul

/* Wait for a message with a timeout in ticks; returns the IPC status. */
long t_wait(struct ipc_msg *m, u64 *badge, u32 timeout);
long t_report_parent(u64 label, u64 w0, u64 w1); /* from a child */
u64 ticks_now(void);

/*
 * A thread of ours that pings the root task every two ticks and keeps
 * the slowest answer: the storm tests' measure of a starved root task.
 */
struct root_pinger {
	struct spawn s;
	volatile u64 pings, slowest; /* answers; ticks */
};
long root_pinger_start(struct root_pinger *p, u64 prio);
void root_pinger_stop(struct root_pinger *p);

/*
 * A command interpreter for child tasks: it waits for a command from the
 * parent, performs it and reports CMD_DONE with the result in w0. A fault
 * reaches the parent (its pager) instead; child_restart() answers it by
 * restarting the interpreter.
 */
enum child_cmd {
	CMD_READ = 1, /* w0 addr */
	CMD_WRITE,    /* w0 addr, w1 value */
	CMD_SYSCALL,  /* w0 nr, w1.. w3 args */
	CMD_INB,      /* w0 port */
	CMD_CLI,
	CMD_HLT,
	CMD_UD2,
	CMD_LOOP,	/* spin forever */
	CMD_LOAD_DS,	/* w0 selector */
	CMD_INT4,	/* int $4 (#OF) */
	CMD_X87_DIV,	/* 1/0 with the x87's divide exception unmasked */
	CMD_READ_ES,	/* the ES selector */
	CMD_COMPAT_UD2, /* ud2 in 32-bit compatibility mode */
	CMD_DONE = 100,
};

void child_cmd_loop(u64 unused);
/* Send a command, wait for the answer (or a fault) in *m. */
long child_cmd(struct spawn *c, u64 cmd, u64 a, u64 b, u64 d, u64 e,
	       struct ipc_msg *m);
/* CMD_SYSCALL with a 4th and 5th argument packed as d4 | d5 << 32. */
long child_cmd5(struct spawn *c, u64 nr, u64 a, u64 b, u64 d, u64 packed,
		struct ipc_msg *m);
long child_restart(void); /* reply to a fault: restart the loop */
/* Saved context for vCPU flows (vcpu_ctx.c): ctx_save returns 0, then 1
 * when ctx_jump comes back to it. */
struct ctx {
	u64 rbx, rbp, r12, r13, r14, r15, rsp, rip;
};

int ctx_save(struct ctx *c) __attribute__((returns_twice));
noreturn void ctx_jump(struct ctx *c);

#define IS_FAULT(m)                                 \
	(TAG_LABEL((m)->tag) == LABEL_PAGE_FAULT || \
	 TAG_LABEL((m)->tag) == LABEL_EXCEPTION)

#endif
