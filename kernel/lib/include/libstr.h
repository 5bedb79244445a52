/*
 * The freestanding string and formatting helpers of kernel/lib/ (string.c,
 * format.c), compiled into the kernel and into the user library alike.
 * Each side's lib.h adds its own console output on top.
 */
#ifndef LIBSTR_H
#define LIBSTR_H

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

#endif
