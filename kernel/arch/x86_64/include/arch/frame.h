/*
 * The saved user register state at the top of every thread's kernel
 * stack. Interrupts, exceptions and SYSCALL all build this layout (entry.S),
 * so fault delivery, thread_exregs and IPC read and write user registers
 * in one place.
 */
#ifndef ARCH_FRAME_H
#define ARCH_FRAME_H

/*
 * vector holds the interrupt vector, or FRAME_SYSCALL when the thread
 * entered through SYSCALL and may leave through SYSRET; anything that
 * changes registers SYSRET cannot restore sets FRAME_FULL.
 */
#define FRAME_SYSCALL 0x100
#define FRAME_FULL 0x101

#ifndef __ASSEMBLER__
#include <types.h>

struct frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss; /* hardware interrupt frame */
};

#endif

/*
 * The selectors of Linux x86-64 (cpu.c's GDT has its layout): a guest
 * process sees the segments it would see natively.
 */
#define KERNEL_CS 0x10
#define KERNEL_DS 0x18
#define USER32_CS 0x23
#define USER_DS 0x2b
#define USER_CS 0x33
#define TSS_SEL 0x40
#define CPUNODE_SEL 0x7b

#ifndef __ASSEMBLER__
static inline int frame_from_user(const struct frame *f)
{
	return (f->cs & 3) == 3;
}

/*
 * A user ip set from outside (a pager's or exregs' new registers): in
 * 64-bit mode. A thread stopped in 32-bit code keeps CS 0x23 in its
 * frame, and an IRET there to an ip beyond 4 GiB faults in ring 0.
 */
static inline void frame_set_user_ip(struct frame *f, u64 ip)
{
	f->rip = ip;
	f->cs = USER_CS;
	f->vector = FRAME_FULL;
}
#endif

#endif
