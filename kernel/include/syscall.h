/* System call dispatch (syscall.c) and the small calls that live there. */
#ifndef SYSCALL_H
#define SYSCALL_H

#include <arch/frame.h>

void syscall_dispatch(struct frame *f);

#endif
