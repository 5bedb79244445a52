#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <types.h>

#define VECTOR_TIMER 32
#define VECTOR_IOMMU_FAULT 40 /* the VT-d fault event MSI */
#define VECTOR_IRQ_BASE 48    /* IOAPIC input n -> vector 48 + n */
#define VECTOR_SPURIOUS 255

void apic_init(void);
void apic_timer_start(u32 hz);
void apic_timer_arm(u64 tsc_deadline);
void apic_eoi(void);
u64 apic_tsc_per_tick(void);
u32 apic_id(void);
void ioapic_init(void);
void ioapic_mask(u32 line, bool masked);

#endif
