/*
 * Error codes returned by every system call (negated, in rax).
 * Shared by the kernel and user code; docs/abi.md lists which call returns
 * which code and why.
 */
#ifndef ABI_ERRNO_H
#define ABI_ERRNO_H

#define E_OK		0
#define E_NOSYS		1	/* unknown system call number */
#define E_INVAL		2	/* malformed argument (alignment, range, flags) */
#define E_BADCAP	3	/* slot empty, out of range, or wrong object type */
#define E_PERM		4	/* capability lacks the right for this operation */
#define E_NOMEM		5	/* the task's kernel-memory quota is exhausted */
#define E_TIMEOUT	6	/* IPC partner not ready within the timeout */
#define E_CANCELED	7	/* IPC aborted by thread_exregs or partner halt */
#define E_BUSY		8	/* object already in use (slot taken, IRQ bound) */
#define E_NOMAP		9	/* source address has no mapping */
#define E_FAULT		10	/* user buffer not mapped or not readable */
#define E_STATE		11	/* object in the wrong state for this call */

#endif
