/*
 * Thread checks: pthread create/join with thread-local storage, a mutex and
 * condition variable under contention, and raw futex(2) FUTEX_WAIT/WAKE
 * between two threads (private futex) and between two processes sharing an
 * anonymous mapping (shared futex, keyed by the physical page).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conformance.h"

#define THREADS 4
#define COUNT_PER_THREAD 20000
#define QUEUE_ITEMS 2000

static __thread int thread_slot;

static long futex(int *word, int op, int val, const struct timespec *timeout)
{
	return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

static void *slot_thread(void *arg)
{
	thread_slot = (int)(intptr_t)arg;
	sched_yield();
	return (void *)(intptr_t)(thread_slot * 10 + (gettid() != getpid()));
}

static int pthread_create_join(void)
{
	pthread_t t[THREADS];
	void *ret;
	int i, err;

	thread_slot = -1;
	for (i = 0; i < THREADS; i++) {
		err = pthread_create(&t[i], NULL, slot_thread,
				     (void *)(intptr_t)i);
		if (err)
			return check_fail("pthread_create: %s", strerror(err));
	}
	for (i = 0; i < THREADS; i++) {
		err = pthread_join(t[i], &ret);
		if (err)
			return check_fail("pthread_join: %s", strerror(err));
		if ((intptr_t)ret != i * 10 + 1)
			return check_fail("thread %d returned %ld", i,
					  (long)(intptr_t)ret);
	}
	if (thread_slot != -1)
		return check_fail("thread-local storage shared with main");
	return 0;
}

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	long counter; /* lock */
	int items;    /* lock: produced, not yet consumed */
	int done;     /* lock: the producer has finished */
};

static struct queue q = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.changed = PTHREAD_COND_INITIALIZER,
};

static void *count_thread(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < COUNT_PER_THREAD; i++) {
		pthread_mutex_lock(&q.lock);
		q.counter++;
		pthread_mutex_unlock(&q.lock);
	}
	return NULL;
}

static void *consumer_thread(void *arg)
{
	long consumed = 0;

	(void)arg;
	pthread_mutex_lock(&q.lock);
	for (;;) {
		while (q.items == 0 && !q.done)
			pthread_cond_wait(&q.changed, &q.lock);
		if (q.items == 0 && q.done)
			break;
		q.items--;
		consumed++;
		pthread_cond_broadcast(&q.changed);
	}
	pthread_mutex_unlock(&q.lock);
	return (void *)consumed;
}

static int pthread_mutex_condvar(void)
{
	pthread_t t[THREADS], consumer;
	void *consumed;
	int i;

	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, count_thread, NULL))
			return check_fail("pthread_create failed");
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	if (q.counter != THREADS * COUNT_PER_THREAD)
		return check_fail("counter %ld, want %d: lost updates",
				  q.counter, THREADS * COUNT_PER_THREAD);

	/* Producer here, consumer there; a bounded queue of 4 slots. */
	if (pthread_create(&consumer, NULL, consumer_thread, NULL))
		return check_fail("pthread_create failed");
	pthread_mutex_lock(&q.lock);
	for (i = 0; i < QUEUE_ITEMS; i++) {
		while (q.items >= 4)
			pthread_cond_wait(&q.changed, &q.lock);
		q.items++;
		pthread_cond_broadcast(&q.changed);
	}
	q.done = 1;
	pthread_cond_broadcast(&q.changed);
	pthread_mutex_unlock(&q.lock);
	pthread_join(consumer, &consumed);
	if ((long)consumed != QUEUE_ITEMS)
		return check_fail("consumed %ld of %d", (long)consumed,
				  QUEUE_ITEMS);
	return 0;
}

/* Sleep on *WORD while it is 0; 0 on success, else an errno value. */
static int futex_waiter(int *word, int op)
{
	struct timespec limit = { .tv_sec = 5 };

	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == 0) {
		if (futex(word, op, 0, &limit) < 0 && errno != EAGAIN &&
		    errno != EINTR)
			return errno;
	}
	return 0;
}

/*
 * Wake until the kernel reports one sleeper actually woken (so the waiter
 * really slept in FUTEX_WAIT), then publish the value and wake for good.
 */
static int futex_waker(int *word, int op)
{
	struct timespec start, now;
	long n;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		n = futex(word, op, 1, NULL);
		if (n < 0)
			return check_fail_errno("FUTEX_WAKE");
		if (n == 1)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 3)
			return check_fail("waiter never slept in FUTEX_WAIT");
		usleep(1000);
	}
	__atomic_store_n(word, 1, __ATOMIC_RELEASE);
	if (futex(word, op, 1, NULL) < 0)
		return check_fail_errno("FUTEX_WAKE");
	return 0;
}

static int thread_word;

static void *futex_thread(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)futex_waiter(&thread_word, FUTEX_WAIT_PRIVATE);
}

static int futex_threads(void)
{
	struct timespec short_wait = { .tv_nsec = 20 * 1000 * 1000 };
	int word = 5;
	pthread_t t;
	void *ret;

	/* Value mismatch returns at once; a match times out. */
	if (futex(&word, FUTEX_WAIT_PRIVATE, 4, &short_wait) != -1 ||
	    errno != EAGAIN)
		return check_fail("FUTEX_WAIT, value changed: no EAGAIN");
	if (futex(&word, FUTEX_WAIT_PRIVATE, 5, &short_wait) != -1 ||
	    errno != ETIMEDOUT)
		return check_fail("FUTEX_WAIT did not time out");

	if (pthread_create(&t, NULL, futex_thread, NULL))
		return check_fail("pthread_create failed");
	if (futex_waker(&thread_word, FUTEX_WAKE_PRIVATE) < 0)
		return -1;
	pthread_join(t, &ret);
	if (ret)
		return check_fail("waiter: %s", strerror((int)(intptr_t)ret));
	return 0;
}

static int futex_processes(void)
{
	int *word, pid;

	word = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (word == MAP_FAILED)
		return check_fail_errno("mmap");
	*word = 0;
	pid = fork();
	if (pid < 0)
		return check_fail_errno("fork");
	if (pid == 0)
		_exit(futex_waiter(word, FUTEX_WAIT) ? 1 : 0);
	if (futex_waker(word, FUTEX_WAKE) < 0) {
		kill(pid, SIGKILL);
		return -1;
	}
	return check_child_ok(pid, "waiting process");
}

const struct check thread_checks[] = {
	{ "pthread_create_join", pthread_create_join },
	{ "pthread_mutex_condvar", pthread_mutex_condvar },
	{ "futex_threads", futex_threads },
	{ "futex_processes", futex_processes },
	{ NULL, NULL },
};
