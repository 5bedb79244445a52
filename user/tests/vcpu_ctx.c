/*
 * A minimal saved context (setjmp/longjmp) for vCPU code: the vCPU's
 * flow saves one before vcpu_resume, and its upcall handler, running on
 * its own stack, jumps back to it. Only the System V callee-saved
 * registers, the stack pointer and the return address are kept.
 */
#include <test.h>

asm(".text\n"
    ".globl ctx_save\n"
    "ctx_save:\n"
    "	mov %rbx, 0(%rdi)\n"
    "	mov %rbp, 8(%rdi)\n"
    "	mov %r12, 16(%rdi)\n"
    "	mov %r13, 24(%rdi)\n"
    "	mov %r14, 32(%rdi)\n"
    "	mov %r15, 40(%rdi)\n"
    "	lea 8(%rsp), %rax\n"
    "	mov %rax, 48(%rdi)\n"
    "	mov (%rsp), %rax\n"
    "	mov %rax, 56(%rdi)\n"
    "	xor %eax, %eax\n"
    "	ret\n"
    ".globl ctx_jump\n"
    "ctx_jump:\n"
    "	mov 0(%rdi), %rbx\n"
    "	mov 8(%rdi), %rbp\n"
    "	mov 16(%rdi), %r12\n"
    "	mov 24(%rdi), %r13\n"
    "	mov 32(%rdi), %r14\n"
    "	mov 40(%rdi), %r15\n"
    "	mov 48(%rdi), %rsp\n"
    "	mov $1, %eax\n"
    "	jmp *56(%rdi)\n");
