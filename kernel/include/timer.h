/*
 * Timer events (timer.c): the scheduler tick and vCPU deadlines on the
 * one-shot local APIC timer.
 */
#ifndef TIMER_H
#define TIMER_H

#include <types.h>

struct thread;

void timer_start(void);
void timer_interrupt(void);
void vcpu_timer_set(struct thread *t, u64 tsc, u32 bit);
void vcpu_timer_cancel(struct thread *t);

#endif
