/*
 * The mapping database. Each user mapping (space, page) has a node; the
 * node of a mapping made by map_page() is a child of the source mapping's
 * node. Revocation walks a subtree iteratively (no recursion on the small
 * kernel stack, whatever the depth), clears each page-table entry and
 * collects its accessed/dirty bits (Intel SDM Vol. 3A 4.8), so the caller
 * learns whether anyone downstream used or wrote the page. A node's IOVA
 * entry in its task's DMA domain goes with it (dma.c).
 */
#include <lib.h>
#include <dma.h>
#include <kmem.h>
#include <mapdb.h>
#include <space.h>
#include <abi/syscall.h>
#include <arch/paging.h>

KERNEL_HOT struct mapnode *mapdb_insert(struct mapnode *parent, struct space *s,
					u64 va)
{
	struct mapnode *n = kmalloc_charged_uninit(s->task, sizeof(*n));

	if (!n)
		return NULL;
	*n = (struct mapnode){ .space = s, .va = va, .parent = parent };
	if (parent) {
		n->sibling = parent->child;
		parent->child = n;
	}
	return n;
}

KERNEL_HOT bool mapdb_is_ancestor(struct mapnode *anc, struct mapnode *n)
{
	for (; n; n = n->parent)
		if (n == anc)
			return true;
	return false;
}

/* Clear n's entry r (found by the caller), free n; returns its A/D status. */
static KERNEL_HOT unsigned node_clear(struct mapnode *n, struct pte_ref *r)
{
	unsigned st = 0;

	if (n->dma_mapped)
		dma_node_revoke(n); /* the device loses it with the CPU */
	if (r) {
		if (*r->pte & PTE_A)
			st |= UNMAP_REFERENCED;
		if (*r->pte & PTE_D)
			st |= UNMAP_DIRTY;
		*r->pte = 0;
		*r->node = NULL;
		n->space->unmaps++;
		space_flush_page(n->space, n->va);
	}
	kfree_charged(n->space->task, n, sizeof(*n));
	return st;
}

/* Clear the entry n stands for and free n; returns its A/D status. */
static KERNEL_HOT unsigned node_destroy(struct mapnode *n)
{
	struct pte_ref r;

	if (space_walk(n->space, n->va, false, &r) && *r.node == n)
		return node_clear(n, &r);
	return node_clear(n, NULL);
}

static KERNEL_HOT void unlink(struct mapnode *n)
{
	struct mapnode **pp;

	if (!n->parent)
		return;
	for (pp = &n->parent->child; *pp != n; pp = &(*pp)->sibling)
		;
	*pp = n->sibling;
}

KERNEL_HOT unsigned mapdb_revoke(struct mapnode *n, bool self)
{
	unsigned st = 0;

	/* Always destroy the deepest first descendant: a leaf. */
	while (n->child) {
		struct mapnode *c = n->child;

		while (c->child)
			c = c->child;
		c->parent->child = c->sibling;
		st |= node_destroy(c);
	}
	if (self) {
		unlink(n);
		st |= node_destroy(n);
	}
	return st;
}

/* mapdb_revoke(*r->node, true) for a caller that has walked to the entry. */
KERNEL_HOT unsigned mapdb_remove(struct pte_ref *r)
{
	struct mapnode *n = *r->node;
	unsigned st = mapdb_revoke(n, false);

	unlink(n);
	return st | node_clear(n, r);
}
