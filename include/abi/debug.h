/*
 * Hardware breakpoints of a thread (SYS_THREAD_DEBUG) and what a #DB
 * reports (docs/abi.md, "Debug registers"). The values are the CPU's own
 * DR7 and DR6 layouts (Intel SDM Vol. 3B 19.2).
 */
#ifndef ABI_DEBUG_H
#define ABI_DEBUG_H

#define DEBUG_SLOTS	4			/* DR0-DR3 */

/* DR7: slot i is on if either of its L and G bits is. */
#define DR7_ENABLE(i)	(3ul << (2 * (i)))
#define DR7_ENABLES	0xfful
#define DR7_RW(i)	((0x3ul << (16 + 4 * (i))))	/* 0 exec, 1 write, 3 r/w */
#define DR7_LEN(i)	((0x3ul << (18 + 4 * (i))))	/* 1, 2, 8 (2), 4 (3) bytes */
#define DR7_FIXED	(1ul << 10)		/* reads as 1 */
/* Slot i's RW field of a DR7 value, and the bytes its LEN field covers. */
#define DR7_RW_OF(dr7, i)	(((dr7) >> (16 + 4 * (i))) & 3)
#define DR7_BYTES(dr7, i)	\
	((0x04080201u >> (8 * (((dr7) >> (18 + 4 * (i))) & 3))) & 0xff)
/* A kind of breakpoint thread_debug takes: not I/O, execute 1 byte long. */
#define DR7_KIND_OK(dr7, i)	(DR7_RW_OF(dr7, i) != 2 && \
				 (DR7_RW_OF(dr7, i) != 0 || DR7_BYTES(dr7, i) == 1))
/* What thread_debug accepts: enables, LE/GE, bit 10, RW/LEN; not GD, RTM. */
#define DR7_ACCEPTED	0xffff07fful

/* DR6, as a #DB reports it in the exception's error word. */
#define DR6_HIT(i)	(1ul << (i))		/* slot i's condition was met */
#define DR6_BD		(1ul << 13)
#define DR6_BS		(1ul << 14)		/* single step (TF) */
#define DR6_BT		(1ul << 15)
#define DR6_INIT	0xffff0ff0ul		/* nothing hit */

#endif
