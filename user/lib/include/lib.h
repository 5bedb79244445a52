/*
 * The user library: string helpers and printf (shared sources with the
 * kernel, kernel/lib/), console output through SYS_DEBUG_WRITE, exit.
 */
#ifndef LIB_H
#define LIB_H

#include <libstr.h>

void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Text put before each console write (one line, one call): "" at start. */
void console_set_prefix(const char *prefix);
void console_write(const char *s, unsigned long n);
noreturn void exit(long status);

/* The time-stamp counter. */
static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

/* A small, fast pseudo-random generator (xorshift64). */
static inline u64 rand_next(u64 *state)
{
	u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

#endif
