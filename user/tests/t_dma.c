/*
 * Device memory and DMA containment with QEMU's edu device (QEMU
 * docs/specs/edu.rst): the root task maps its BAR0 into this task and
 * assigns it to our DMA domain. Its DMA engine copies between a 4 KiB
 * buffer inside the device (at device address 0x40000) and RAM; it
 * starts 100 ms after the command and we poll for the end. The engine
 * masks addresses to 28 bits, so every IOVA here lies below 256 MiB.
 *
 * A blocked DMA leaves its target unchanged and shows up as a fault of
 * our domain (dma_faults); the probe page is root memory no task can
 * reach, which a device would hit if the IOMMU did not translate.
 */
#include <test.h>

#define EDU_ID 0x00
#define EDU_LIVENESS 0x04 /* reads back the inverse of what was written */
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60 /* sets status bits: INTx asserted ... */
#define EDU_IRQ_ACK 0x64   /* ... until they are cleared here */
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_CMD_START (1u << 0)
#define EDU_CMD_TO_RAM (1u << 1) /* device buffer -> RAM */
#define EDU_BUFFER 0x40000
#define EDU_ID_VALUE 0x010000ed
/*
 * Bytes per transfer: QEMU 7.2's edu refuses (with a fatal hardware
 * error) a transfer that ends exactly at the end of its buffer, so we
 * never use the whole 4 KiB.
 */
#define DMA_LEN 2048

#define IOVA_SRC 0x00100000ul /* read-only for the device */
#define IOVA_DST 0x00101000ul
#define IOVA_ALIAS 0x00102000ul
#define IOVA_RO 0x00103000ul
#define ALIAS_VA 0x0000300000000000ul

static volatile u8 *const bar = (volatile u8 *)CHILD_DEVICE_BASE;

static u32 edu_read(u32 reg)
{
	return *(volatile u32 *)(bar + reg);
}

static void edu_write(u32 reg, u64 v)
{
	if (reg >= EDU_DMA_SRC)
		*(volatile u64 *)(bar + reg) = v;
	else
		*(volatile u32 *)(bar + reg) = v;
}

/* DMA_LEN bytes between the device buffer and RAM at iova; true when done. */
static bool edu_dma(u64 iova, bool to_ram)
{
	u64 t0 = ticks_now();

	edu_write(EDU_DMA_SRC, to_ram ? EDU_BUFFER : iova);
	edu_write(EDU_DMA_DST, to_ram ? iova : EDU_BUFFER);
	edu_write(EDU_DMA_COUNT, DMA_LEN);
	edu_write(EDU_DMA_CMD, EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	while (edu_read(EDU_DMA_CMD) & EDU_CMD_START) {
		struct ipc_msg z = { 0 };

		if (ticks_now() - t0 > 3000)
			return false;
		ipc_wait(&z, NULL, 5); /* sleep, let the others run */
	}
	return true;
}

static long root_device(u64 op, u64 arg, u64 arg2, struct ipc_msg *m)
{
	long e;

	*m = (struct ipc_msg){ .tag = TAG_MAKE(REQ_DEVICE, 0),
			       .w = { op, arg, arg2 } };
	e = ipc_call(SLOT_PARENT, m, 1000);
	return e ? e : (long)m->w[0];
}

static u64 faults(struct dma_fault_info *fi)
{
	if (sys_dma_faults(SLOT_SELF_TASK, fi))
		return ~0ul;
	return fi->count;
}

static bool filled(const u8 *p, u8 v)
{
	for (u64 i = 0; i < PAGE_SIZE; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* IRQ messages from `line` within `ticks` (none acknowledged). */
static u64 irq_messages(u64 line, u64 ticks, bool *bad)
{
	u64 t0 = ticks_now(), n = 0, badge = 0;

	while (ticks_now() - t0 < ticks) {
		struct ipc_msg m = { 0 };

		if (ipc_wait(&m, &badge, 5))
			continue;
		if (TAG_LABEL(m.tag) != LABEL_IRQ || m.w[0] != line ||
		    badge != line)
			*bad = true;
		n++;
	}
	return n;
}

/*
 * A level-triggered interrupt that stays asserted: the edu's INTx, held
 * high for 100 ticks. The kernel masks the line when it fires, so we get
 * one message until we acknowledge, and the root task goes on answering;
 * without the mask the line would fire again at once, forever. Then an
 * acknowledgement with the line still high gives exactly one more, and
 * once the device lowers it, none.
 */
static void level_storm(u64 irq_slot, u64 line)
{
	struct root_pinger p;
	bool bad = false;
	u64 held, again, quiet;
	long e;

	e = sys_irq_control(irq_slot, IRQ_ATTACH, SLOT_SELF_THREAD) ?:
		    root_pinger_start(&p, 100);
	if (e) {
		t_result("irq.level_storm", false, "setup failed: %ld", e);
		return;
	}
	edu_write(EDU_IRQ_RAISE, 1);
	held = irq_messages(line, 100, &bad);
	sys_irq_control(irq_slot, IRQ_ACK, 0);
	again = irq_messages(line, 20, &bad);
	edu_write(EDU_IRQ_ACK, edu_read(EDU_IRQ_STATUS));
	sys_irq_control(irq_slot, IRQ_ACK, 0);
	quiet = irq_messages(line, 20, &bad);
	root_pinger_stop(&p);
	sys_irq_control(irq_slot, IRQ_DETACH, 0);
	t_result(
		"irq.level_storm",
		!bad && held == 1 && again == 1 && quiet == 0 &&
			p.pings >= 20 && p.slowest < 20,
		"edu INTx (IOAPIC input %lu) held high for 100 ticks: %lu message(s) "
		"until acknowledged, %lu after an acknowledgement, %lu once lowered; "
		"the root task answered %lu pings, slowest %lu ticks",
		line, held, again, quiet, p.pings, p.slowest);
}

int main(void)
{
	u8 *src = heap_alloc(PAGE_SIZE), *dst = heap_alloc(PAGE_SIZE);
	u8 *page = heap_alloc(PAGE_SIZE);
	struct dma_fault_info fi = { 0 };
	struct ipc_msg m;
	struct spawn c;
	u64 probe, n0, n1, id, live, kf0, kf1;
	bool ok, done, intact;
	long e, e1, e2;
	u64 irq_slot, line;

	irq_slot = slot_alloc();
	e = root_device(DEV_GET, 0x1234u << 16 | 0x11e8, irq_slot, &m);
	line = m.w[4];
	probe = m.w[3];
	if (e) {
		t_result("dma.bar_read", false,
			 "root task did not grant the edu device: %ld", e);
		return 1;
	}
	id = edu_read(EDU_ID);
	edu_write(EDU_LIVENESS, 0x12345678);
	live = edu_read(EDU_LIVENESS);
	t_result(
		"dma.bar_read", id == EDU_ID_VALUE && live == (u32)~0x12345678u,
		"edu BAR0 (%lu KiB, device %02lx:%02lx.%lx) mapped: id %lx, liveness %lx",
		m.w[2] >> 10, m.w[1] >> 8, (m.w[1] >> 3) & 31, m.w[1] & 7, id,
		live);

	/* a task that was not given the BAR cannot reach it */
	spawn_task(&c, child_cmd_loop, 0, 256 << 10, 0xd);
	e = child_cmd(&c, CMD_READ, CHILD_DEVICE_BASE, 0, 0, 0, &m);
	ok = e == 0 && TAG_LABEL(m.tag) == LABEL_PAGE_FAULT &&
	     m.w[0] == CHILD_DEVICE_BASE && !(m.w[1] & PF_PRESENT);
	child_restart();
	t_result("dma.bar_isolated", ok,
		 "a task without the grant faults at the BAR's address");

	/* RAM -> device -> RAM through two IOVA pages */
	for (u64 i = 0; i < PAGE_SIZE; i++)
		src[i] = (u8)(i * 7 + 3);
	e1 = sys_dma_map((u64)src, IOVA_SRC, 1, DMA_R);
	e2 = sys_dma_map((u64)dst, IOVA_DST, 1, DMA_RW);
	n0 = faults(&fi);
	done = edu_dma(IOVA_SRC, false) && edu_dma(IOVA_DST, true);
	t_result(
		"dma.round_trip",
		!e1 && !e2 && done && !memcmp(src, dst, DMA_LEN) &&
			faults(&fi) == n0,
		"edu copied %u bytes from IOVA %lx into its buffer and back to IOVA %lx (map %ld %ld)",
		DMA_LEN, IOVA_SRC, IOVA_DST, e1, e2);

	/*
	 * A page the device may only read: its write is blocked. A fresh
	 * IOVA (mapping src again moves it there), because QEMU blocks a
	 * write through an IOTLB entry cached by a read without recording
	 * a fault; only a table walk reports one.
	 */
	memset(src, 0x11, PAGE_SIZE);
	e = sys_dma_map((u64)src, IOVA_RO, 1, DMA_R);
	n0 = faults(&fi);
	done = edu_dma(IOVA_RO, true);
	n1 = faults(&fi);
	t_result(
		"dma.read_only",
		!e && done && filled(src, 0x11) && n1 == n0 + 1 &&
			fi.addr == IOVA_RO && (fi.info & DMA_FAULT_WRITE),
		"device write to a DMA_R page blocked: page unchanged, fault at %lx reason %lu",
		fi.addr, DMA_FAULT_REASON(fi.info));

	/* root memory we do not own: with translation it is no target */
	n0 = faults(&fi);
	done = probe < (1ul << 28) && edu_dma(probe, true);
	n1 = faults(&fi);
	e = root_device(DEV_PROBE_INTACT, 0, 0, &m);
	intact = !e && m.w[1] == 1;
	t_result(
		"dma.blocked",
		done && intact && n1 == n0 + 1 && fi.addr == probe &&
			(fi.info & DMA_FAULT_WRITE),
		"DMA to the root's page at %lx blocked: page %s, %lu fault(s), source %lx",
		probe, intact ? "unchanged" : "CHANGED", n1 - n0,
		DMA_FAULT_SOURCE(fi.info));

	/* revocation: an alias of page, in the domain, revoked by unmap */
	memset(page, 0, PAGE_SIZE);
	e1 = sys_map(SLOT_SELF_TASK, (u64)page, ALIAS_VA, 1, MAP_R | MAP_W);
	e2 = sys_dma_map(ALIAS_VA, IOVA_ALIAS, 1, DMA_RW);
	done = edu_dma(IOVA_ALIAS, true); /* the buffer still holds src */
	ok = !e1 && !e2 && done && page[1] == 10 &&
	     page[DMA_LEN - 1] == (u8)((DMA_LEN - 1) * 7 + 3);
	memset(page, 0, PAGE_SIZE);
	sys_unmap((u64)page, 1, 0, NULL); /* takes ALIAS_VA and its IOVA */
	n0 = faults(&fi);
	done = edu_dma(IOVA_ALIAS, true);
	n1 = faults(&fi);
	t_result(
		"dma.revoke",
		ok && done && filled(page, 0) && n1 == n0 + 1 &&
			fi.addr == IOVA_ALIAS,
		"unmap of the source mapping removed its IOVA (IOTLB flushed): later DMA blocked");

	/* dma_unmap: the entry is gone for the device at once */
	memset(dst, 0x22, PAGE_SIZE);
	e = sys_dma_unmap(IOVA_DST, 1);
	n0 = faults(&fi);
	done = edu_dma(IOVA_DST, true);
	n1 = faults(&fi);
	t_result(
		"dma.unmap", !e && done && filled(dst, 0x22) && n1 == n0 + 1,
		"after dma_unmap a DMA to the IOVA is blocked, page unchanged");

	/* a device in no domain is blocked altogether */
	sys_dma_map((u64)dst, IOVA_DST, 1, DMA_RW);
	e1 = root_device(DEV_FAULTS, 0, 0, &m);
	kf0 = m.w[1];
	e2 = root_device(DEV_DETACH, 0, 0, &m);
	n0 = faults(&fi);
	done = edu_dma(IOVA_DST, true);
	n1 = faults(&fi);
	e = root_device(DEV_FAULTS, 0, 0, &m);
	kf1 = m.w[1];
	t_result(
		"dma.unassigned",
		!e1 && !e2 && !e && done && filled(dst, 0x22) && n1 == n0 &&
			kf1 == kf0 + 1,
		"a device without a domain is blocked; the fault counts for the kernel (%lu), not for us",
		kf1 - kf0);
	level_storm(irq_slot, line);
	return 0;
}
