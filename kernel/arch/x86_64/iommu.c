/*
 * The VT-d DMA remapping unit (Intel Virtualization Technology for
 * Directed I/O, Architecture Specification, rev. 3.x; "VT-d" below).
 *
 * The unit is found through the ACPI DMAR table (dmar.c). The
 * kernel gives it a root table (VT-d 3.4.2, 9.1) whose per-bus context
 * tables (9.3) point each assigned device (bus/dev/fn) at the second-
 * level tables of its DMA domain (iommu_pt.c). Translation is on from
 * boot, so a device without a context entry is blocked and every request
 * it makes is a fault. Invalidation uses the register interface (VT-d
 * 6.5.1: context command, IOTLB registers); faults are read from the
 * fault recording registers (7.3.1, 10.4.14) on the fault event
 * interrupt (7.3.3) and whenever a task asks for its domain's faults.
 *
 * One unit of segment 0 is driven (QEMU's q35 intel-iommu has one);
 * further units are reported and left alone.
 */
#include <lib.h>
#include <dma.h>
#include <kmem.h>
#include <stats.h>
#include <task.h>
#include <abi/dma.h>
#include <abi/errno.h>
#include <arch/acpi.h>
#include <arch/apic.h>
#include <arch/iommu.h>
#include <arch/layout.h>

/* Register offsets (VT-d 10.4). */
#define DMAR_CAP 0x08
#define DMAR_ECAP 0x10
#define DMAR_GCMD 0x18
#define DMAR_GSTS 0x1c
#define DMAR_RTADDR 0x20
#define DMAR_CCMD 0x28
#define DMAR_FSTS 0x34
#define DMAR_FECTL 0x38
#define DMAR_FEDATA 0x3c
#define DMAR_FEADDR 0x40
#define DMAR_FEUADDR 0x44

#define CAP_ND(c) ((c)&7)		 /* 2^(4+2*ND) domain ids */
#define CAP_RWBF (1ul << 4)		 /* write buffer flush needed */
#define CAP_CM (1ul << 7)		 /* caching mode: not-present cached */
#define CAP_SAGAW(c) (((c) >> 8) & 0x1f) /* bit 1: 3-level, bit 2: 4-level */
#define CAP_FRO(c) ((((c) >> 24) & 0x3ff) * 16)
#define CAP_PSI (1ul << 39) /* page-selective IOTLB invalidation */
#define CAP_NFR(c) ((((c) >> 40) & 0xff) + 1)
#define CAP_DWD (1ul << 54)
#define CAP_DRD (1ul << 55)
#define ECAP_C (1ul << 0) /* table walks snoop the CPU caches */
#define ECAP_IRO(e) ((((e) >> 8) & 0x3ff) * 16)

#define GCMD_TE (1u << 31)   /* GSTS.TES */
#define GCMD_SRTP (1u << 30) /* GSTS.RTPS */
#define GCMD_WBF (1u << 27)  /* GSTS.WBFS */
/* Status bits that GCMD must not echo back: the one-shot ones (10.4.4). */
#define GSTS_ONESHOT ((1u << 30) | (1u << 29) | (1u << 27) | (1u << 24))

#define CCMD_ICC (1ul << 63)
#define CCMD_GLOBAL (1ul << 61)
#define CCMD_DEVICE (3ul << 61)
#define IOTLB_IVT (1ul << 63)
#define IOTLB_GLOBAL (1ul << 60)
#define IOTLB_DOMAIN (2ul << 60)
#define IOTLB_PAGE (3ul << 60)
#define IOTLB_DR (1ul << 49)
#define IOTLB_DW (1ul << 48)
#define IOTLB_DID(d) ((u64)(d) << 32)

#define FSTS_PFO (1u << 0)
#define FECTL_IM (1u << 31)
#define FRCD_F (1ul << 63) /* in the upper quadword */
#define FRCD_T_READ (1ul << 62)

/* Root and context entries, 128 bits each (VT-d 9.1, 9.3). */
#define ENTRY_P (1ul << 0)
#define CTX_AW(levels) ((u64)(levels)-2) /* 1: 39 bits, 2: 48 bits */
#define CTX_DID(d) ((u64)(d) << 8)

#define MSI_ADDR_BASE 0xfee00000u /* SDM Vol. 3A 12.11.1 */
#define SPIN_LIMIT 10000000

struct iommu_unit {
	struct dmar_unit acpi; /* registers, devices it translates */
	volatile u8 *regs;
	u64 cap, ecap;
	u64 *root; /* root table, 256 entries */
	struct dma_domain *
		*owner[256]; /* per bus: the twin of its context table */
	u32 next_did, max_did;
};

static struct iommu_unit unit;
static bool present;
unsigned iommu_levels; /* second-level table depth (iommu_pt.c) */
bool iommu_coherent;

static u32 read32(u32 off)
{
	return *(volatile u32 *)(unit.regs + off);
}

static void write32(u32 off, u32 v)
{
	*(volatile u32 *)(unit.regs + off) = v;
}

static u64 read64(u32 off)
{
	return *(volatile u64 *)(unit.regs + off);
}

static void write64(u32 off, u64 v)
{
	*(volatile u64 *)(unit.regs + off) = v;
}

/* Hardware that does not snoop must find our table writes in memory. */
void iommu_cache_flush(const void *p, u64 len)
{
	const char *c = (const char *)ALIGN_DOWN((u64)p, 64);

	if (iommu_coherent)
		return;
	asm volatile("mfence" ::: "memory");
	for (; c < (const char *)p + len; c += 64)
		asm volatile("clflush (%0)" : : "r"(c) : "memory");
	asm volatile("mfence" ::: "memory");
}

static void spin_until(u32 off, u64 mask, bool set, const char *what)
{
	for (long i = 0; i < SPIN_LIMIT; i++)
		if (!!(read64(off) & mask) == set)
			return;
	panic("iommu: %s did not complete", what);
}

/* GCMD takes the whole enable state each time (VT-d 10.4.4). */
static void global_command(u32 bit, bool on)
{
	u32 st = read32(DMAR_GSTS) & ~GSTS_ONESHOT;

	write32(DMAR_GCMD, on ? st | bit : st & ~bit);
	for (long i = 0; i < SPIN_LIMIT; i++)
		if (!!(read32(DMAR_GSTS) & bit) == on)
			return;
	panic("iommu: global command %x did not complete", bit);
}

static void write_buffer_flush(void)
{
	if (!(unit.cap & CAP_RWBF))
		return;
	write32(DMAR_GCMD, (read32(DMAR_GSTS) & ~GSTS_ONESHOT) | GCMD_WBF);
	for (long i = 0; i < SPIN_LIMIT; i++)
		if (!(read32(DMAR_GSTS) & GCMD_WBF))
			return;
	panic("iommu: write buffer flush did not complete");
}

/* Context-cache invalidation, register based (VT-d 6.5.1.1, 10.4.7). */
static void context_invalidate(u64 granularity, u16 bdf, u16 did)
{
	write_buffer_flush();
	write64(DMAR_CCMD, CCMD_ICC | granularity | ((u64)bdf << 16) | did);
	spin_until(DMAR_CCMD, CCMD_ICC, false, "context invalidation");
}

/* IOTLB invalidation (VT-d 6.5.1.2, 10.4.8); iova only for IOTLB_PAGE. */
static void iotlb_invalidate(u64 granularity, u16 did, u64 iova)
{
	u32 iro = ECAP_IRO(unit.ecap);
	u64 cmd = IOTLB_IVT | granularity | IOTLB_DID(did);

	if (unit.cap & CAP_DRD)
		cmd |= IOTLB_DR; /* drain reads and writes in flight */
	if (unit.cap & CAP_DWD)
		cmd |= IOTLB_DW;
	write_buffer_flush();
	if (granularity == IOTLB_PAGE)
		write64(iro, iova & ~4095ul); /* IVA_REG: AM 0, one page */
	write64(iro + 8, cmd);
	spin_until(iro + 8, IOTLB_IVT, false, "IOTLB invalidation");
}

void iommu_flush_iova(struct dma_domain *d, u64 iova)
{
	if (!present)
		return;
	iotlb_invalidate(unit.cap & CAP_PSI ? IOTLB_PAGE : IOTLB_DOMAIN, d->did,
			 iova);
}

/* The fault event is an MSI the unit sends itself (VT-d 5.1.6, 10.4.10). */
static void fault_event_setup(void)
{
	write32(DMAR_FEDATA, VECTOR_IOMMU_FAULT);
	write32(DMAR_FEADDR, MSI_ADDR_BASE | (apic_id() << 12));
	write32(DMAR_FEUADDR, 0);
	write32(DMAR_FECTL, 0); /* clear IM */
}

void iommu_init(void)
{
	if (!dmar_find_unit(&unit.acpi)) {
		printk("iommu: no DMAR remapping unit; DMA is not contained\n");
		return;
	}
	unit.regs =
		phys_to_virt(unit.acpi.regs_phys); /* uncached: above 3 GiB */
	unit.cap = read64(DMAR_CAP);
	unit.ecap = read64(DMAR_ECAP);
	iommu_coherent = unit.ecap & ECAP_C;
	if (CAP_SAGAW(unit.cap) & 2)
		iommu_levels = 3;
	else if (CAP_SAGAW(unit.cap) & 4)
		iommu_levels = 4;
	else
		panic("iommu: no 3- or 4-level second-level tables (SAGAW %lx)",
		      CAP_SAGAW(unit.cap));
	unit.max_did = (1u << (4 + 2 * CAP_ND(unit.cap))) - 1;
	unit.next_did = 1; /* 0 is reserved in caching mode (VT-d 6.2.2) */

	unit.root = kpage_alloc(1);
	if (!unit.root)
		panic("iommu: no memory for the root table");
	iommu_cache_flush(unit.root, 4096);
	if (read32(DMAR_GSTS) & GCMD_TE)
		global_command(GCMD_TE, false);	       /* firmware left it on */
	write64(DMAR_RTADDR, virt_to_phys(unit.root)); /* legacy mode, TTM 0 */
	global_command(GCMD_SRTP, true);
	context_invalidate(CCMD_GLOBAL, 0, 0);
	iotlb_invalidate(IOTLB_GLOBAL, 0, 0);
	fault_event_setup();
	global_command(GCMD_TE, true);
	present = true;
	printk("iommu: VT-d unit at %lx for %s, %u-level tables, %u domains, %lu fault records%s%s\n",
	       unit.acpi.regs_phys,
	       unit.acpi.include_all ? "all devices" :
				       "the devices listed in DMAR",
	       iommu_levels, unit.max_did, CAP_NFR(unit.cap),
	       unit.cap & CAP_CM ? ", caching mode" : "",
	       iommu_coherent ? "" : ", non-coherent");
}

bool iommu_present(void)
{
	return present;
}

bool iommu_owns_phys(u64 p)
{
	return unit.acpi.regs_phys && p >= unit.acpi.regs_phys &&
	       p - unit.acpi.regs_phys < unit.acpi.regs_size;
}

void *iommu_object(void)
{
	return &unit;
}

long iommu_domain_init(struct dma_domain *d)
{
	if (!present)
		return -E_STATE;
	if (unit.next_did > unit.max_did)
		return -E_NOMEM;
	if (!kmem_charge(d->task, 4096))
		return -E_NOMEM;
	d->top = kpage_alloc(1);
	if (!d->top) {
		kmem_uncharge(d->task, 4096);
		return -E_NOMEM;
	}
	iommu_cache_flush(d->top, 4096);
	d->did = unit.next_did++;
	return 0;
}

/* The context table of a bus (two pages: entries, owner twin). */
static u64 *context_table(u8 bus, bool alloc, struct task *charge)
{
	u64 *ctx;

	if (unit.root[2 * bus] & ENTRY_P)
		return phys_to_virt(unit.root[2 * bus] & ~4095ul);
	if (!alloc || !kmem_charge(charge, 8192))
		return NULL;
	ctx = kpage_alloc(2);
	if (!ctx) {
		kmem_uncharge(charge, 8192);
		return NULL;
	}
	iommu_cache_flush(ctx, 4096);
	unit.owner[bus] = (struct dma_domain **)(ctx + 512);
	unit.root[2 * bus] = virt_to_phys(ctx) | ENTRY_P;
	iommu_cache_flush(&unit.root[2 * bus], 16);
	context_invalidate(CCMD_GLOBAL, 0, 0); /* a new root entry (6.5.3.3) */
	return ctx;
}

/*
 * Point device bdf at domain d, or block it (d NULL). A change of a
 * present entry needs a device-selective context-cache invalidation and
 * then a domain-selective IOTLB invalidation for the old domain id
 * (VT-d 6.5.3.3); we do the same for new entries, which only caching-mode
 * hardware needs (6.1).
 */
long iommu_attach(u16 bdf, struct dma_domain *d, struct task *charge)
{
	u8 bus = bdf >> 8, devfn = bdf & 0xff;
	struct dma_domain *old;
	u64 *ctx;
	u64 *e;

	if (!present)
		return -E_STATE;
	if (!dmar_covers(&unit.acpi, bdf))
		return -E_INVAL; /* not translated: cannot be contained */
	ctx = context_table(bus, d != NULL, charge);
	if (!ctx)
		return d ? -E_NOMEM : 0;
	old = unit.owner[bus][devfn];
	if (old == d)
		return 0;
	if (old && d)
		return -E_BUSY;
	e = &ctx[2 * devfn];
	if (d) {
		e[1] = CTX_AW(iommu_levels) | CTX_DID(d->did);
		iommu_cache_flush(&e[1], 8);
		e[0] = virt_to_phys(d->top) | ENTRY_P; /* T 0: second level */
	} else {
		e[0] = 0;
		iommu_cache_flush(&e[0], 8);
		e[1] = 0;
	}
	iommu_cache_flush(e, 16);
	unit.owner[bus][devfn] = d;
	context_invalidate(CCMD_DEVICE, bdf, old ? old->did : d->did);
	iotlb_invalidate(IOTLB_DOMAIN, old ? old->did : d->did, 0);
	return 0;
}

static struct dma_domain *device_domain(u16 bdf)
{
	struct dma_domain **owner = unit.owner[bdf >> 8];

	return owner ? owner[bdf & 0xff] : NULL;
}

/*
 * Drain the fault recording registers (VT-d 7.3.1): each record with F
 * set is reported and cleared (F is write-1-to-clear), which also lets
 * the unit record the next fault of the same device, since QEMU, like
 * the spec allows, drops a fault whose source already has one pending.
 */
void iommu_fault_poll(void)
{
	u32 fro = CAP_FRO(unit.cap);

	if (!present)
		return;
	for (u64 i = 0; i < CAP_NFR(unit.cap); i++) {
		u32 off = fro + i * 16;
		u64 hi = read64(off + 8), lo;
		u16 source;

		if (!(hi & FRCD_F))
			continue;
		lo = read64(off);
		source = hi & 0xffff;
		write32(off + 12, FRCD_F >> 32);
		stat_inc(STAT_DMA_FAULTS);
		dma_fault_report(device_domain(source), source, lo & ~4095ul,
				 (hi >> 32) & 0xff, !(hi & FRCD_T_READ));
	}
	if (read32(DMAR_FSTS) & FSTS_PFO) {
		printk("iommu: fault records overflowed, some faults were lost\n");
		write32(DMAR_FSTS, FSTS_PFO);
	}
}

void iommu_fault_irq(void)
{
	iommu_fault_poll();
}
