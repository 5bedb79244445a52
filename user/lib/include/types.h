/* Fixed-width types for user programs (same names as the kernel's). */
#ifndef TYPES_H
#define TYPES_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef long s64;
typedef unsigned long size_t;
typedef _Bool bool;

#define true	1
#define false	0
#define NULL	((void *)0)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((u64)(a) - 1))
#define noreturn	__attribute__((noreturn))

#endif
