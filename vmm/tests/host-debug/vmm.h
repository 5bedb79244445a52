/*
 * What debug.c needs from vmm.h, for building it on the host in a unit
 * test (vmm/tests/debug_test.c): a vCPU with its debug registers, the
 * counters, the VMM's reserved ranges and a thread_debug the test sees.
 */
#ifndef VMM_TEST_HOST_DEBUG_H
#define VMM_TEST_HOST_DEBUG_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t u64;
typedef uint32_t u32;

#define VMM_WARM
#define SLOT_VCPU_THREAD 1
#define GUEST_USER_END 0x0000800000000000ul

struct vcpu {
	u64 dr[8];
};

enum counter {
	CNT_DEBUG_SETS,
	CNT_DEBUG_UNARMED,
	CNT_COUNT
};
extern u64 counters[CNT_COUNT];

bool vmm_reserved(u64 va);
long sys_thread_debug(u64 thread, u64 dr7, const u64 addr[4]);
void vmm_fatal(const char *fmt, ...) __attribute__((noreturn));

u64 cpu_read_dr(struct vcpu *v, unsigned n);
void cpu_write_dr(struct vcpu *v, unsigned n, u64 val);
void cpu_debug_trap(struct vcpu *v, u64 dr6);

#endif
