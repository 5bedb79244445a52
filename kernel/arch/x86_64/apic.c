/*
 * Interrupt controllers and the timer. The legacy 8259 PICs are masked
 * (everything goes through the local APIC and IOAPIC); the local APIC
 * timer, calibrated against PIT channel 2 (Intel SDM Vol. 3A 12.5.4; 8254
 * data sheet), runs in one-shot mode: kernel/timer.c arms it for each
 * next event (a scheduler tick or a vCPU's deadline) as a TSC value. The IOAPIC routes input n
 * to vector VECTOR_IRQ_BASE + n, edge/level as the ISA/PCI convention says
 * (inputs 0-15 edge high, 16-23 level low, as QEMU's q35 wires them).
 */
#include <lib.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/layout.h>

#define LAPIC_PHYS 0xfee00000
#define IOAPIC_PHYS 0xfec00000
#define LAPIC_ID 0x020
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define LVT_MASKED (1u << 16)

KERNEL_HOT_DATA static u64 tsc_per_tick, counts_per_tick;

static volatile u32 *lapic_reg(u32 off)
{
	return phys_to_virt(LAPIC_PHYS + off);
}

static void lapic_write(u32 off, u32 v)
{
	*lapic_reg(off) = v;
}

static u32 lapic_read(u32 off)
{
	return *lapic_reg(off);
}

KERNEL_HOT void apic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

u64 apic_tsc_per_tick(void)
{
	return tsc_per_tick;
}

/* The local APIC id, as MSI destinations name it (Vol. 3A 12.4.6). */
u32 apic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void apic_init(void)
{
	outb(0x21, 0xff); /* mask both 8259s */
	outb(0xa1, 0xff);
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));
	lapic_write(LAPIC_SVR, 0x100 | VECTOR_SPURIOUS); /* enable */
}

/* Busy-wait 10 ms on PIT channel 2 (1.193182 MHz), gate via port 0x61. */
static void pit_wait_10ms(void)
{
	u16 count = 11932;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0); /* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	while (!(inb(0x61) & 0x20))
		;
}

/*
 * Interrupt when the TSC reaches `deadline` (or at once if it has): the
 * distance, at most two ticks, in the timer's counts. Writing the initial
 * count restarts the one-shot countdown.
 */
KERNEL_HOT void apic_timer_arm(u64 deadline)
{
	u64 now = rdtsc(), delta = deadline > now ? deadline - now : 0;

	if (delta > 2 * tsc_per_tick)
		delta = 2 * tsc_per_tick;
	lapic_write(LAPIC_TIMER_INIT,
		    (u32)(delta * counts_per_tick / tsc_per_tick) + 1);
}

/* Calibrate against the PIT; the caller arms the first event. */
void apic_timer_start(u32 hz)
{
	u32 start = 0xffffffff, elapsed;
	u64 tsc;

	lapic_write(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, start);
	tsc = rdtsc();
	pit_wait_10ms();
	elapsed = start - lapic_read(LAPIC_TIMER_CUR);
	tsc = rdtsc() - tsc;
	tsc_per_tick = tsc * 100 / hz;
	counts_per_tick = (u64)elapsed * 100 / hz;
	lapic_write(LAPIC_LVT_TIMER, VECTOR_TIMER); /* one-shot */
	printk("timer: local APIC one-shot, tick %u Hz, %lu APIC counts and %lu TSC cycles per tick\n",
	       hz, counts_per_tick, tsc_per_tick);
}

static void ioapic_write(u32 reg, u32 v)
{
	*(volatile u32 *)phys_to_virt(IOAPIC_PHYS) = reg;
	*(volatile u32 *)phys_to_virt(IOAPIC_PHYS + 0x10) = v;
}

/* Redirection entry n at registers 0x10 + 2n (82093AA data sheet 3.2.4). */
static void ioapic_route(u32 line, bool masked)
{
	u32 lo = VECTOR_IRQ_BASE + line;

	if (line >= 16)
		lo |= (1u << 15) | (1u << 13); /* level, active low */
	if (masked)
		lo |= 1u << 16;
	ioapic_write(0x10 + 2 * line + 1, lapic_read(LAPIC_ID) & 0xff000000);
	ioapic_write(0x10 + 2 * line, lo);
}

void ioapic_mask(u32 line, bool masked)
{
	ioapic_route(line, masked);
}

void ioapic_init(void)
{
	for (u32 i = 0; i < 24; i++)
		ioapic_route(i, true);
}
