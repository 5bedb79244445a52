/*
 * Synchronous IPC: message format, flags and timeouts.
 *
 * SYS_IPC registers on entry:
 *   rdi  destination slot (or CAP_REPLY, or CAP_NONE for receive only)
 *   rsi  source slot for a closed receive, or CAP_NONE for an open one
 *   rdx  IPC_* flags
 *   r10  timeouts: send in bits 0-31, receive in bits 32-63, in timer
 *        ticks (1 ms); 0 = do not block, TIMEOUT_NEVER = wait forever
 *   r8   message tag, r9 r12 r13 r14 r15 message words 0-4
 * On return: rax status, rdi the badge of the capability the sender used
 * (or of the IRQ), r8 tag and r9 r12-r15 words of the received message.
 */
#ifndef ABI_IPC_H
#define ABI_IPC_H

#define MSG_WORDS	5

#define IPC_SEND	(1u << 0)
#define IPC_RECV	(1u << 1)
#define IPC_CALL	(IPC_SEND | IPC_RECV | (1u << 2))	/* receive from dest */

#define TIMEOUT_NEVER	0xffffffffu
#define IPC_TIMEOUTS(snd, rcv)	((unsigned long)(snd) | ((unsigned long)(rcv) << 32))

/* Tag: label in bits 16-63 (free for protocols), flags below. */
#define TAG_MAP		(1ul << 0)	/* fault reply: w0 = source page, w1 = rights */
#define TAG_EXREGS	(1ul << 1)	/* fault reply: w0 = new ip, w1 = new sp */
#define TAG_LABEL(t)	((t) >> 16)
#define TAG_MAKE(label, flags)	(((unsigned long)(label) << 16) | (flags))

/* Labels of kernel-generated messages (as seen by the receiver). */
#define LABEL_PAGE_FAULT	0xfff1	/* w0 addr, w1 error code, w2 ip */
#define LABEL_EXCEPTION		0xfff2	/* w0 vector, w1 error, w2 ip, w3 sp, w4 flags */
#define LABEL_IRQ		0xfff3	/* w0 irq line */

/* Page fault error code bits (Intel SDM Vol. 3A 4.7). */
#define PF_PRESENT	(1ul << 0)
#define PF_WRITE	(1ul << 1)
#define PF_USER		(1ul << 2)
#define PF_FETCH	(1ul << 4)

#endif
