/*
 * PCI devices the root task hands out. Functions on bus 0 are found
 * through configuration mechanism #1 (ports 0xcf8/0xcfc, PCI Local Bus
 * 3.0, 3.2.2.3.2). A fixed policy names the task that may have a device:
 * that task gets BAR0 mapped at CHILD_DEVICE_BASE (uncached: the kernel
 * maps non-RAM so) and the function assigned to its DMA domain, so the
 * device reaches only what that task put there. Everyone else gets
 * E_PERM. The probe page is root memory no task can reach, for tests
 * that aim a device at it.
 */
#include "root.h"
#include <portio.h>

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define PCI_COMMAND 0x04
#define PCI_BAR0 0x10
#define PCI_INTERRUPT 0x3c /* byte 1: interrupt pin, 1 = INTA */
#define CMD_MEMORY (1u << 1)
#define CMD_MASTER (1u << 2)
#define PROBE_PATTERN 0xa5a5a5a5a5a5a5a5ul

struct device_policy {
	u16 vendor, device;
	const char *task; /* module name without directory and .elf */
};

static const struct device_policy policy[] = {
	{ 0x1234, 0x11e8, "t_dma" }, /* QEMU edu */
};

static u64 probe_page; /* root-window address, 0: none yet */

static u32 pci_read(u16 bdf, u8 reg)
{
	outl(PCI_ADDR, 0x80000000u | ((u32)bdf << 8) | (reg & 0xfc));
	return inl(PCI_DATA);
}

static void pci_write(u16 bdf, u8 reg, u32 v)
{
	outl(PCI_ADDR, 0x80000000u | ((u32)bdf << 8) | (reg & 0xfc));
	outl(PCI_DATA, v);
}

static long pci_find(u16 vendor, u16 device, u16 *bdf)
{
	for (u16 dev = 0; dev < 32; dev++) {
		for (u16 fn = 0; fn < 8; fn++) {
			u32 id = pci_read(PCI_BDF(0, dev, fn), 0);

			if (id == ((u32)device << 16 | vendor)) {
				*bdf = PCI_BDF(0, dev, fn);
				return 0;
			}
		}
	}
	return -E_NOMAP;
}

/* A 32-bit memory BAR0: its base and size (PCI 3.0, 6.2.5.1). */
static long bar0(u16 bdf, u64 *base, u64 *size)
{
	u32 cmd = pci_read(bdf, PCI_COMMAND), bar = pci_read(bdf, PCI_BAR0);
	u32 mask;

	if (bar & 1 || bar & 6) /* I/O or 64-bit BAR: not handled */
		return -E_INVAL;
	pci_write(bdf, PCI_COMMAND,
		  cmd & ~CMD_MEMORY); /* no decode while sizing */
	pci_write(bdf, PCI_BAR0, ~0u);
	mask = pci_read(bdf, PCI_BAR0) & ~0xfu;
	pci_write(bdf, PCI_BAR0, bar);
	pci_write(bdf, PCI_COMMAND, cmd);
	*base = bar & ~0xful;
	*size = (u64)(~mask + 1);
	return *base && mask ? 0 : -E_INVAL;
}

static bool is_named(const char *name, const char *want)
{
	const char *base = name;
	u64 n = strlen(want);

	for (const char *p = name; *p; p++)
		if (*p == '/')
			base = p + 1;
	return !strncmp(base, want, n) && (!base[n] || base[n] == '.');
}

static const struct device_policy *allowed(struct child *c, u32 id)
{
	for (unsigned i = 0; i < ARRAY_SIZE(policy); i++)
		if (id == ((u32)policy[i].vendor << 16 | policy[i].device) &&
		    is_named(c->name, policy[i].task))
			return &policy[i];
	return NULL;
}

/*
 * The IOAPIC input of a bus-0 function's INTx on QEMU's q35: the ICH9's
 * default routing sends INTA..INTD of slot s (below 25, where added
 * devices sit) to PIRQ E..H, the 4 + (s + pin - 1) mod 4th, and in APIC
 * mode PIRQ n is IOAPIC input 16 + n, level-triggered, active low.
 */
static long intx_line(u16 bdf, u32 *line)
{
	u32 pin = (pci_read(bdf, PCI_INTERRUPT) >> 8) & 0xff;
	u32 slot = (bdf >> 3) & 31;

	if (pin < 1 || pin > 4 || slot >= 25)
		return -E_INVAL;
	*line = 16 + 4 + ((slot + pin - 1) & 3);
	return 0;
}

/*
 * BAR0 into the task, bus mastering on, the function into its domain, and
 * the function's interrupt line into the slot the task named.
 */
static long device_give(unsigned idx, struct ipc_msg *m)
{
	struct child *c = &children[idx];
	const struct device_policy *p = allowed(c, m->w[1]);
	u64 task = ROOT_SLOT_CHILD_TASK(idx), base, size;
	u32 line = 0;
	long err;
	u16 bdf;

	if (!p)
		return -E_PERM;
	err = pci_find(p->vendor, p->device, &bdf);
	if (!err)
		err = bar0(bdf, &base, &size);
	if (err)
		return err;
	err = map_pages(task, (u64)phys_window(base), CHILD_DEVICE_BASE,
			size / PAGE_SIZE, MAP_R | MAP_W);
	if (!err)
		err = sys_dma_assign(SLOT_ROOT_IOMMU, task, bdf);
	if (!err && m->w[2])
		err = intx_line(bdf, &line) ?:
			      sys_cap_copy(SLOT_ROOT_IRQ + line, task, m->w[2],
					   CR_CONTROL, line);
	if (err)
		return err;
	pci_write(bdf, PCI_COMMAND,
		  pci_read(bdf, PCI_COMMAND) | CMD_MEMORY | CMD_MASTER);
	c->device = bdf;
	c->has_device = true;
	if (!probe_page) {
		probe_page = frame_alloc();
		for (u64 *w = (u64 *)probe_page;
		     w < (u64 *)(probe_page + PAGE_SIZE); w++)
			*w = PROBE_PATTERN;
	}
	m->w[1] = bdf;
	m->w[2] = size;
	m->w[3] = probe_page - ROOT_PHYS_WINDOW;
	m->w[4] = line;
	return 0;
}

static bool probe_intact(void)
{
	for (u64 *w = (u64 *)probe_page; w < (u64 *)(probe_page + PAGE_SIZE);
	     w++)
		if (*w != PROBE_PATTERN)
			return false;
	return true;
}

bool device_request(unsigned idx, struct ipc_msg *m)
{
	struct child *c = &children[idx];
	long err = -E_INVAL;
	u64 v;

	switch (m->w[0]) {
	case DEV_GET:
		err = c->has_device ? -E_BUSY : device_give(idx, m);
		break;
	case DEV_DETACH:
		err = c->has_device ? sys_dma_assign(SLOT_ROOT_IOMMU, CAP_NONE,
						     c->device) :
				      -E_STATE;
		break;
	case DEV_PROBE_INTACT:
		err = probe_page ? 0 : -E_STATE;
		m->w[1] = probe_page && probe_intact();
		break;
	case DEV_FAULTS:
		err = sys_stats(STAT_DMA_FAULTS, &v);
		m->w[1] = v;
		break;
	}
	m->w[0] = (u64)err;
	m->tag = 0;
	return true;
}

/*
 * PCI configuration ports for us; on a machine with an IOMMU and an edu
 * (the microkernel test run), the IOMMU capability's argument checks.
 */
void device_init(void)
{
	u64 type, rights, badge;
	u16 bdf = 0;
	bool ok;

	sys_ioport_grant(SLOT_ROOT_IOPORT, SLOT_SELF_TASK, PCI_ADDR, 8);
	if (sys_cap_info(SLOT_ROOT_IOMMU, &type, &rights, &badge) ||
	    pci_find(0x1234, 0x11e8, &bdf))
		return;
	ok = sys_dma_assign(SLOT_SELF_TASK, SLOT_SELF_TASK, bdf) == -E_BADCAP;
	ok &= sys_dma_assign(SLOT_ROOT_IOMMU, 127, bdf) == -E_BADCAP;
	ok &= sys_dma_assign(SLOT_ROOT_IOMMU, SLOT_SELF_THREAD, bdf) ==
	      -E_BADCAP;
	ok &= sys_dma_assign(SLOT_ROOT_IOMMU, SLOT_SELF_TASK, 0x10000) ==
	      -E_INVAL;
	ok &= sys_dma_assign(SLOT_ROOT_IOMMU, SLOT_SELF_TASK,
			     PCI_BDF(7, 0, 0)) == -E_INVAL;
	ok &= sys_dma_assign(SLOT_ROOT_IOMMU, SLOT_SELF_TASK, bdf) == 0;
	ok &= sys_dma_assign(SLOT_ROOT_IOMMU, SLOT_SELF_TASK, bdf) == 0;
	ok &= sys_dma_assign(SLOT_ROOT_IOMMU, CAP_NONE, bdf) == 0;
	ok &= sys_dma_assign(SLOT_ROOT_IOMMU, CAP_NONE, bdf) == 0;
	printf("TEST root.dma_assign %s dma_assign checks its caps and the requester id; edu at %02x:%02x.%x\n",
	       ok ? "PASS" : "FAIL", bdf >> 8, (bdf >> 3) & 31, bdf & 7);
}
