/*
 * Kernel memory: a page pool carved out of RAM at boot (pmem.c) and small
 * object caches on top of it. Every allocation made on behalf of a task is
 * charged to that task's quota, so a task that exhausts its memory gets
 * E_NOMEM and nobody else notices.
 */
#ifndef KMEM_H
#define KMEM_H

#include <types.h>

struct task;
struct frame;

void kpool_init(u64 phys_start, u64 npages);
void *kpage_alloc(unsigned npages); /* zeroed, aligned to npages (pow2) */
void kpage_free(void *p, unsigned npages);
u64 kpool_free_pages(void);

void *kmalloc(size_t size); /* zeroed; size <= 4096 */
void kfree(void *p, size_t size);

/* Quota: charge bytes to a task; false when the quota does not allow it. */
bool kmem_charge(struct task *t, u64 bytes);
void kmem_uncharge(struct task *t, u64 bytes);
void *kmalloc_charged(struct task *t, size_t size);
/* The same, not cleared: for objects whose every field is set at once. */
void *kmalloc_charged_uninit(struct task *t, size_t size);
void kfree_charged(struct task *t, void *p, size_t size);

#endif
