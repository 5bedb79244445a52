/*
 * Capability tables (cap.c): one per task, CAP_SLOTS entries. Lookups
 * check slot range, type and rights, so a task can only name objects the
 * root task (or a task it trusted) copied into its table.
 */
#ifndef CAP_H
#define CAP_H

#include <types.h>
#include <abi/cap.h>

struct task;
struct frame;

struct cap {
	void *obj;
	u8 type;
	u8 rights;
	u64 badge;
};

/* Returns the capability or NULL with *err set (E_BADCAP / E_PERM). */
struct cap *cap_lookup(struct task *t, u64 slot, unsigned type, unsigned rights,
		       long *err);
long cap_install(struct task *t, u64 slot, void *obj, unsigned type,
		 unsigned rights, u64 badge);

long sys_cap_copy(struct frame *f);
long sys_cap_delete(struct frame *f);
long sys_cap_info(struct frame *f);

#endif
