/*
 * The kernel pool allocator: a bitmap over the pool's pages for page
 * blocks (thread stacks, page tables), and power-of-two object caches for
 * small objects (mapping nodes, tasks). Pages given to caches are never
 * returned to the pool. Also the per-task quota accounting.
 */
#include <lib.h>
#include <kmem.h>
#include <task.h>
#include <arch/layout.h>

#define POOL_MAX_PAGES (192u << 20 >> 12)

static u64 pool_base; /* physical */
static u32 pool_pages;
static u32 pool_free;
static u64 pool_bitmap[POOL_MAX_PAGES / 64]; /* bit set = used */

static KERNEL_HOT bool page_used(u32 i)
{
	return pool_bitmap[i / 64] & (1ul << (i % 64));
}

static KERNEL_HOT void page_mark(u32 i, bool used)
{
	if (used)
		pool_bitmap[i / 64] |= 1ul << (i % 64);
	else
		pool_bitmap[i / 64] &= ~(1ul << (i % 64));
}

void kpool_init(u64 phys_start, u64 npages)
{
	pool_base = phys_start;
	pool_pages = npages > POOL_MAX_PAGES ? POOL_MAX_PAGES : npages;
	pool_free = pool_pages;
}

u64 kpool_free_pages(void)
{
	return pool_free;
}

/*
 * First fit over the bitmap, from the first word that may have a free
 * page (full words are skipped whole): page tables come and go on every
 * soft-TLB flush of a VMM, and a scan bit by bit from the pool's start
 * cost more than the flush itself once the front of the pool was full.
 * Blocks of n pages (1 or 2) start at a multiple of n.
 */
/* No free page in the words before it. */
KERNEL_HOT_DATA static u32 first_free_word;

KERNEL_HOT void *kpage_alloc(unsigned n)
{
	for (u32 i = first_free_word * 64; i + n <= pool_pages;) {
		unsigned j;

		if (i % 64 == 0 && pool_bitmap[i / 64] == ~0ul) {
			if (i / 64 == first_free_word)
				first_free_word++;
			i += 64;
			continue;
		}
		for (j = 0; j < n && !page_used(i + j); j++)
			;
		if (j < n) {
			i += n;
			continue;
		}
		for (j = 0; j < n; j++)
			page_mark(i + j, true);
		pool_free -= n;
		return memset(phys_to_virt(pool_base + ((u64)i << 12)), 0,
			      (u64)n << 12);
	}
	return NULL;
}

KERNEL_HOT void kpage_free(void *p, unsigned n)
{
	u32 i = (virt_to_phys(p) - pool_base) >> 12;

	for (unsigned j = 0; j < n; j++) {
		assert(page_used(i + j));
		page_mark(i + j, false);
	}
	if (i / 64 < first_free_word)
		first_free_word = i / 64;
	pool_free += n;
}

/* Object caches: sizes 32 .. 4096, a free list each. */
struct free_obj {
	struct free_obj *next;
};

KERNEL_HOT_DATA static struct free_obj *cache[8];

static KERNEL_HOT unsigned size_class(size_t size)
{
	unsigned c = 0;

	while ((32ul << c) < size)
		c++;
	assert(c < 8);
	return c;
}

/* An object of the size's class, not cleared. */
static KERNEL_HOT void *cache_alloc(size_t size)
{
	unsigned c = size_class(size);
	size_t osize = 32ul << c;
	struct free_obj *o;

	if (!cache[c]) {
		char *page = kpage_alloc(1);

		if (!page)
			return NULL;
		for (size_t off = 0; off < 4096; off += osize) {
			o = (struct free_obj *)(page + off);
			o->next = cache[c];
			cache[c] = o;
		}
	}
	o = cache[c];
	cache[c] = o->next;
	return o;
}

KERNEL_HOT void *kmalloc(size_t size)
{
	void *p = cache_alloc(size);

	return p ? memset(p, 0, size) : NULL;
}

KERNEL_HOT void kfree(void *p, size_t size)
{
	unsigned c = size_class(size);
	struct free_obj *o = p;

	o->next = cache[c];
	cache[c] = o;
}

KERNEL_HOT bool kmem_charge(struct task *t, u64 bytes)
{
	if (t->kmem_used + bytes > t->kmem_limit)
		return false;
	t->kmem_used += bytes;
	return true;
}

KERNEL_HOT void kmem_uncharge(struct task *t, u64 bytes)
{
	assert(t->kmem_used >= bytes);
	t->kmem_used -= bytes;
}

/*
 * Objects are charged at their size class, what they take from the pool:
 * a 56-byte mapping node costs its task 64 bytes.
 */
static KERNEL_HOT u64 charged(size_t size)
{
	return 32ul << size_class(size);
}

KERNEL_HOT void *kmalloc_charged_uninit(struct task *t, size_t size)
{
	void *p;

	if (!kmem_charge(t, charged(size)))
		return NULL;
	p = cache_alloc(size);
	if (!p)
		kmem_uncharge(t, charged(size));
	return p;
}

KERNEL_HOT void *kmalloc_charged(struct task *t, size_t size)
{
	void *p = kmalloc_charged_uninit(t, size);

	return p ? memset(p, 0, size) : NULL;
}

KERNEL_HOT void kfree_charged(struct task *t, void *p, size_t size)
{
	kfree(p, size);
	kmem_uncharge(t, charged(size));
}
