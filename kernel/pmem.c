/*
 * Physical memory at boot. Reads the multiboot memory map (Multiboot
 * Specification 0.6.96, 3.3: mmap_addr/mmap_length, entries prefixed by
 * their size), removes what is in use (first MiB, kernel image, boot
 * modules), carves the kernel pool out of the largest free range and hands
 * the rest to the root task through its boot information.
 */
#include <lib.h>
#include <dma.h>
#include <kmem.h>
#include <pmem.h>
#include <abi/boot.h>
#include <arch/layout.h>

#define MB_INFO_MEM_MAP (1u << 6)
#define MB_INFO_MODS (1u << 3)

struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_mmap {
	u32 size;
	u64 addr, len;
	u32 type; /* 1 = available RAM */
} __attribute__((packed));

struct mb_module {
	u32 start, end, string, reserved;
};

extern char _end[];

static struct boot_range ram[BOOT_MAX_RANGES]; /* free RAM */
static unsigned nr_ram;
static struct boot_range all_ram[BOOT_MAX_RANGES]; /* all RAM */
static unsigned nr_all_ram;
static u64 pool_start, pool_end;

/* Remove [s, e) from the free ranges (splitting one if needed). */
static void reserve(u64 s, u64 e)
{
	s = ALIGN_DOWN(s, 4096);
	e = ALIGN_UP(e, 4096);
	for (unsigned i = 0; i < nr_ram; i++) {
		u64 rs = ram[i].start, re = rs + ram[i].size;

		if (e <= rs || s >= re)
			continue;
		if (s > rs && e < re && nr_ram < BOOT_MAX_RANGES) {
			ram[nr_ram].start = e;
			ram[nr_ram].size = re - e;
			nr_ram++;
			ram[i].size = s - rs;
		} else if (s <= rs && e >= re) {
			ram[i].size = 0;
		} else if (s <= rs) {
			ram[i].start = e;
			ram[i].size = re - e;
		} else {
			ram[i].size = s - rs;
		}
	}
}

static void read_memory_map(struct mb_info *mb)
{
	u64 p = mb->mmap_addr, end = p + mb->mmap_length;

	if (!(mb->flags & MB_INFO_MEM_MAP))
		panic("multiboot: no memory map");
	while (p < end && nr_ram < BOOT_MAX_RANGES) {
		struct mb_mmap *e = phys_to_virt(p);
		u64 s = ALIGN_UP(e->addr, 4096);
		u64 t = ALIGN_DOWN(e->addr + e->len, 4096);

		if (e->type == 1 && t > s && t <= DIRECT_MAP_SIZE) {
			ram[nr_ram].start = s;
			ram[nr_ram].size = t - s;
			nr_ram++;
		}
		p += e->size + 4;
	}
}

static void read_modules(struct mb_info *mb, struct boot_info *bi)
{
	struct mb_module *m = phys_to_virt(mb->mods_addr);

	if (!(mb->flags & MB_INFO_MODS) || mb->mods_count == 0)
		panic("multiboot: no boot modules (the root task is module 0)");
	for (u32 i = 0; i < mb->mods_count && i < BOOT_MAX_MODULES; i++) {
		struct boot_module *bm = &bi->modules[i];
		const char *s = phys_to_virt(m[i].string);
		unsigned n = 0;

		bm->start = m[i].start;
		bm->size = m[i].end - m[i].start;
		if (m[i].string)
			for (; s[n] && n < BOOT_CMDLINE_LEN - 1; n++)
				bm->cmdline[n] = s[n];
		bm->cmdline[n] = 0;
		bi->nr_modules++;
		reserve(m[i].start, m[i].end);
	}
}

/*
 * The pool: an eighth of the largest range up to 64 MiB, or a sixteenth
 * up to 192 MiB when that is more; at least 8 MiB. Mapping a page costs
 * its task about 80 bytes (a node, a share of a page table), so each VM
 * needs its quota and the root task about as much again as that for the
 * guest RAM and the boot modules it passes on: three VMs of 512 MiB with
 * 100 MB initramfs images need about 140 MiB, which a 2.6 GiB machine
 * has (tools/guest.py machine_memory).
 */
static void carve_pool(void)
{
	unsigned best = 0;
	u64 size, sixteenth;

	for (unsigned i = 1; i < nr_ram; i++)
		if (ram[i].size > ram[best].size)
			best = i;
	size = ALIGN_DOWN(ram[best].size / 8, 4096);
	if (size > (64ul << 20))
		size = 64ul << 20;
	sixteenth = ALIGN_DOWN(ram[best].size / 16, 4096);
	if (sixteenth > (192ul << 20))
		sixteenth = 192ul << 20;
	if (sixteenth > size)
		size = sixteenth;
	if (size < (8ul << 20))
		size = 8ul << 20;
	if (ram[best].size < size)
		panic("not enough memory for the kernel pool");
	pool_start = ram[best].start;
	pool_end = pool_start + size;
	reserve(pool_start, pool_end);
	kpool_init(pool_start, size / 4096);
}

void pmem_init(u64 mb_info_phys, struct boot_info *bi)
{
	struct mb_info *mb = phys_to_virt(mb_info_phys);
	u64 total = 0;

	read_memory_map(mb);
	memcpy(all_ram, ram, sizeof(ram));
	nr_all_ram = nr_ram;
	reserve(0, 0x100000);		       /* BIOS data, real-mode IVT */
	reserve(0x100000, virt_to_phys(_end)); /* the kernel image */
	reserve(mb_info_phys, mb_info_phys + sizeof(*mb));
	read_modules(mb, bi);
	carve_pool();

	for (unsigned i = 0; i < nr_ram; i++) {
		if (!ram[i].size)
			continue;
		bi->free[bi->nr_free++] = ram[i];
		total += ram[i].size;
	}
	printk("pmem: kernel pool %lu KiB at %lx, root task RAM %lu KiB in %lu ranges\n",
	       (pool_end - pool_start) >> 10, pool_start, total >> 10,
	       bi->nr_free);
}

/*
 * What the root task's physical window may reach: RAM outside the kernel
 * image and pool, and non-RAM (device memory), except the interrupt
 * controllers and the IOMMU, which only the kernel programs.
 */
enum phys_kind pmem_classify(u64 p)
{
	if (p >= 0xfec00000 && p < 0xfec01000) /* IOAPIC */
		return PHYS_KERNEL;
	if (iommu_owns_phys(p)) /* found in the DMAR table */
		return PHYS_KERNEL;
	if (p >= 0xfee00000 && p < 0xfef00000) /* local APIC */
		return PHYS_KERNEL;
	if (p >= 0x100000 && p < virt_to_phys(_end))
		return PHYS_KERNEL;
	if (p >= pool_start && p < pool_end)
		return PHYS_KERNEL;
	for (unsigned i = 0; i < nr_all_ram; i++)
		if (p >= all_ram[i].start &&
		    p < all_ram[i].start + all_ram[i].size)
			return PHYS_RAM;
	return p < 0x100000 ? PHYS_RAM : PHYS_DEVICE;
}
