/* System call dispatch (syscall.c) and the small calls that live there. */
#ifndef SYSCALL_H
#define SYSCALL_H

#include <arch/frame.h>

void syscall_dispatch(struct frame *f);
void syscall_compat_dispatch(struct frame *f); /* SYSCALL in 32-bit mode */

#endif
