/*
 * The 64-bit TSS (Intel SDM Vol. 3A 8.7) with its I/O permission bitmap
 * (Vol. 1 19.5.2). One per CPU; the bitmap is the current task's.
 */
#ifndef ARCH_TSS_H
#define ARCH_TSS_H

#include <types.h>

#define IO_BITMAP_BYTES 8192

struct tss {
	u32 reserved0;
	u64 rsp0, rsp1, rsp2;
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
	u8 io_bitmap[IO_BITMAP_BYTES + 1]; /* last byte must be 0xff */
} __attribute__((packed));

extern struct tss cpu0_tss;

/* iomap_base past the TSS limit: every port access faults. */
#define IOMAP_NONE 0xffff

#endif
