/* Freestanding string helpers and the console printf (printk.c). */
#ifndef LIB_H
#define LIB_H

#include <libstr.h>

/*
 * The functions every system call, upcall and switch runs through, packed
 * together at the front of the kernel's text (kernel.ld).
 */
#define KERNEL_HOT __attribute__((hot))
/*
 * The part of it that every entry and return runs (system call and
 * exception entry, dispatch, upcall, vcpu_resume): first of all, so that
 * a period between two address-space switches that maps nothing touches
 * one page of kernel code (kernel.ld).
 */
#define KERNEL_EVENT __attribute__((hot, section(".text.event")))
/* Their data: placed together at the front of .data (kernel.ld). */
#define KERNEL_HOT_DATA __attribute__((section(".data.hot")))

void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_write(const char *s, size_t n);
noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define assert(c)                                                           \
	do {                                                                \
		if (!(c))                                                   \
			panic("assertion failed: %s (%s:%d)", #c, __FILE__, \
			      __LINE__);                                    \
	} while (0)

#endif
