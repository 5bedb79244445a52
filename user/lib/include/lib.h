/*
 * The user library: string helpers and printf (shared sources with the
 * kernel, kernel/lib/), console output through SYS_DEBUG_WRITE, exit.
 */
#ifndef LIB_H
#define LIB_H

#include <types.h>
#include <stdarg.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void exit(long status);

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
