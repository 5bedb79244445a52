/*
 * What a device model of the VMM needs from vmm.h, for building it on the
 * host in a unit test (vmm/tests/dev_test.c): the types, a TSC the test
 * sets, and the interrupt, timer and port calls the test records.
 */
#ifndef VMM_TEST_HOST_H
#define VMM_TEST_HOST_H

#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define VMM_HOT
#define VMM_HOT_DATA

extern u64 test_tsc;
static inline u64 rdtsc(void)
{
	return test_tsc;
}
u64 tsc_hz(void);

enum timer_source {
	TIMER_PIT,
	TIMER_RTC,
	TIMER_SOURCES
};
void timer_set(enum timer_source src, u64 deadline);
void pic_raise(unsigned irq);

struct ioport_handler {
	u16 base, count;
	u32 (*read)(u16 port, unsigned size);
	void (*write)(u16 port, unsigned size, u32 val);
};
void ioport_register(const struct ioport_handler *h);

/* The parent refuses every request: no real hardware here. */
struct ipc_msg {
	u64 tag;
	u64 w[8];
};
#define TAG_MAKE(label, words) (label)
#define SLOT_PARENT 0
#define TIMEOUT_NEVER 0
static inline long ipc_call(u64 dest, struct ipc_msg *m, u32 timeout)
{
	(void)dest;
	(void)m;
	(void)timeout;
	return -1;
}

/* dev/aml.c */
unsigned dsdt_aml(u8 *out, unsigned max, u8 s5_type);
u32 aml_eisa_id(const char *id);

#endif
