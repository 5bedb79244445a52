/*
 * vCPU execution mode (vcpu.c, arch vcpu_regs.c): events of a vCPU thread
 * become upcalls into its own task with the interrupted state saved in a
 * user-level state area (abi/vcpu.h); vcpu_resume loads a state again, in
 * the own task or in another one. fault.c, irq.c and syscall.c hand their
 * events to the hooks below.
 */
#ifndef VCPU_H
#define VCPU_H

#include <types.h>
#include <abi/vcpu.h>

struct frame;
struct thread;

/* Hooks: true when the event became (or will become) an upcall. */
bool vcpu_fault(struct thread *t, struct frame *f, u64 fault_addr);
bool vcpu_syscall(struct thread *t, struct frame *f);
bool vcpu_irq(struct thread *t, u32 bit);
void vcpu_return_check(void);

long sys_vcpu_control(struct frame *f);
long sys_vcpu_resume(struct frame *f);
long sys_vcpu_signal(struct frame *f);
long sys_vcpu_timer(struct frame *f);

/* Architecture part: frame <-> vcpu_regs, FS/GS base. */
void vcpu_regs_save(struct vcpu_regs *r, const struct frame *f);
long vcpu_regs_check(const struct vcpu_regs *r, bool fsgs);
/* rip and cs from chk, the copy vcpu_regs_check() passed */
void vcpu_regs_load(struct frame *f, const struct vcpu_regs *r,
		    const struct vcpu_regs *chk, bool away);
void vcpu_upcall_frame(struct frame *f, u64 ip, u64 sp, u64 area);
void vcpu_fsgs_save(struct vcpu_regs *r);
void vcpu_sel_save(struct vcpu_regs *r);
void vcpu_sel_load(const struct vcpu_regs *chk);
void vcpu_fsgs_load(const struct vcpu_regs *r);

#endif
