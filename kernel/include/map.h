/*
 * Mapping operations on top of space.c and mapdb.c (map.c): map a page
 * from one space to another, unmap with recursive revocation, and the root
 * task's physical window.
 */
#ifndef MAP_H
#define MAP_H

#include <types.h>

struct space;
struct frame;

long map_page(struct space *src, u64 src_va, struct space *dst, u64 dst_va,
	      unsigned rights);
long map_root_phys(struct space *root, u64 va, u64 phys, unsigned rights);
bool map_root_window_fault(struct space *root, u64 va);
long sys_map(struct frame *f);
long sys_unmap(struct frame *f);
long sys_task_unmap(struct frame *f);

#endif
