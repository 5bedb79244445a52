/*
 * Mapping between tasks: sharing, read-only mappings, transitive
 * revocation along a chain of derived mappings, referenced/dirty
 * reporting, and mappings in the upper half outside the kernel's range.
 */
#include <test.h>

#define VA_B 0x20000000ul

static bool done(struct ipc_msg *m, long err)
{
	return err == 0 && TAG_LABEL(m->tag) == CMD_DONE;
}

static bool faulted_at(struct ipc_msg *m, long err, u64 addr)
{
	return err == 0 && TAG_LABEL(m->tag) == LABEL_PAGE_FAULT &&
	       m->w[0] == addr;
}

int main(void)
{
	struct spawn b, c;
	struct ipc_msg m;
	u64 *p = heap_alloc(PAGE_SIZE), *q = heap_alloc(PAGE_SIZE);
	u64 st = 0, st2 = 0, v1, v2;
	long e1, e2, e3, e4, e5;
	bool ok;

	spawn_task(&b, child_cmd_loop, 0, 256 << 10, 0xb);
	spawn_task(&c, child_cmd_loop, 0, 256 << 10, 0xc);

	/* share: B reads what we wrote, we read what B wrote */
	*p = 0x1234;
	e1 = sys_map(b.task, (u64)p, VA_B, 1, MAP_R | MAP_W);
	e2 = child_cmd(&b, CMD_READ, VA_B, 0, 0, 0, &m);
	v1 = m.w[0];
	e3 = child_cmd(&b, CMD_WRITE, VA_B, 0x5678, 0, 0, &m);
	t_result("map.share",
		 !e1 && done(&m, e3) && !e2 && v1 == 0x1234 && *p == 0x5678,
		 "page mapped into another task: it read %lx, we read back %lx",
		 v1, *p);

	/* read-only: a write faults with PF_WRITE | PF_PRESENT */
	e1 = sys_map(b.task, (u64)q, VA_B + PAGE_SIZE, 1, MAP_R);
	e2 = child_cmd(&b, CMD_WRITE, VA_B + PAGE_SIZE, 1, 0, 0, &m);
	ok = faulted_at(&m, e2, VA_B + PAGE_SIZE) &&
	     (m.w[1] & (PF_WRITE | PF_PRESENT)) == (PF_WRITE | PF_PRESENT);
	child_restart();
	t_result(
		"map.readonly", !e1 && ok && *q == 0,
		"write to a read-only mapping faults (error %lx), page unchanged",
		m.w[1]);

	/* referenced/dirty: reset our own bits, then B reads, then B writes */
	sys_unmap((u64)q, 1, 0, NULL);
	sys_map(b.task, (u64)q, VA_B + PAGE_SIZE, 1, MAP_R | MAP_W);
	child_cmd(&b, CMD_READ, VA_B + PAGE_SIZE, 0, 0, 0, &m);
	sys_unmap((u64)q, 1, 0, &st);
	sys_map(b.task, (u64)q, VA_B + PAGE_SIZE, 1, MAP_R | MAP_W);
	child_cmd(&b, CMD_WRITE, VA_B + PAGE_SIZE, 9, 0, 0, &m);
	sys_unmap((u64)q, 1, 0, &st2);
	t_result("map.refdirty",
		 st == UNMAP_REFERENCED &&
			 st2 == (UNMAP_REFERENCED | UNMAP_DIRTY) && *q == 9,
		 "unmap after a read reports %lx, after a write %lx", st, st2);

	/* transitive: us -> B -> C; our unmap takes it from both */
	*p = 0xc0ffee;
	e1 = sys_cap_copy(c.task, b.task, 10, CR_CONTROL, 0);
	e2 = child_cmd5(&b, SYS_MAP, 10, VA_B, VA_B + 0x10000,
			1 | ((u64)MAP_R << 32), &m);
	ok = !e1 && done(&m, e2);
	v1 = m.w[0];
	e3 = child_cmd(&c, CMD_READ, VA_B + 0x10000, 0, 0, 0, &m);
	v2 = m.w[0];
	ok &= done(&m, e3) && v2 == 0xc0ffee;
	sys_unmap((u64)p, 1, 0, NULL);
	e3 = child_cmd(&c, CMD_READ, VA_B + 0x10000, 0, 0, 0, &m);
	ok &= faulted_at(&m, e3, VA_B + 0x10000);
	child_restart();
	e4 = child_cmd(&b, CMD_READ, VA_B, 0, 0, 0, &m);
	ok &= faulted_at(&m, e4, VA_B);
	child_restart();
	ok &= *p == 0xc0ffee; /* our own mapping stays */
	t_result(
		"map.revoke_transitive", ok,
		"B mapped our page on to C (map %ld, C read %lx); our unmap revoked both",
		(long)v1, v2);

	/*
	 * The same mapping again changes nothing: what B derived from it
	 * stays. Other rights are a new mapping: the old one, and what was
	 * derived from it, go.
	 */
	e1 = sys_map(b.task, (u64)p, VA_B, 1, MAP_R | MAP_W);
	e2 = child_cmd5(&b, SYS_MAP, 10, VA_B, VA_B + 0x10000,
			1 | ((u64)MAP_R << 32), &m);
	ok = !e1 && done(&m, e2) && m.w[0] == 0;
	e1 = sys_map(b.task, (u64)p, VA_B, 1, MAP_R | MAP_W);
	e3 = child_cmd(&c, CMD_READ, VA_B + 0x10000, 0, 0, 0, &m);
	v1 = m.w[0];
	ok &= !e1 && done(&m, e3) && v1 == 0xc0ffee;
	e1 = sys_map(b.task, (u64)p, VA_B, 1, MAP_R);
	e3 = child_cmd(&c, CMD_READ, VA_B + 0x10000, 0, 0, 0, &m);
	ok &= !e1 && faulted_at(&m, e3, VA_B + 0x10000);
	child_restart();
	t_result("map.same_again", ok,
		 "mapping the same page again kept the mapping derived from it "
		 "(C read %lx); mapping it read-only revoked that",
		 v1);

	/* upper half outside the kernel range belongs to the task */
	e1 = sys_map(c.task, (u64)p, 0xffffffff80000000ul, 1, MAP_R);
	e2 = child_cmd(&c, CMD_READ, 0xffffffff80000000ul, 0, 0, 0, &m);
	v1 = m.w[0];
	e3 = sys_map(c.task, (u64)p, 0xffff880000000000ul, 1, MAP_R);
	e4 = sys_map(c.task, (u64)p, KERNEL_RANGE_END - PAGE_SIZE, 1, MAP_R);
	e5 = sys_map(c.task, (u64)p, KERNEL_RANGE_START, 1, MAP_R);
	t_result(
		"map.upper_half",
		!e1 && !e2 && v1 == 0xc0ffee && !e3 && e4 == -E_INVAL &&
			e5 == -E_INVAL,
		"map at 0xffffffff80000000 works (read %lx), the kernel range's "
		"last and first pages refused (%ld, %ld)",
		v1, e4, e5);

	/* the hypervisor slot (abi/map.h) is the task's: a VMM lives there */
	e1 = sys_map(c.task, (u64)p, HYPERVISOR_SLOT_START, 1, MAP_R);
	e2 = child_cmd(&c, CMD_READ, HYPERVISOR_SLOT_START, 0, 0, 0, &m);
	v1 = m.w[0];
	ok = done(&m, e2) && v1 == 0xc0ffee;
	e3 = sys_map(c.task, (u64)p, HYPERVISOR_SLOT_END - PAGE_SIZE, 1, MAP_R);
	e4 = sys_task_unmap(c.task, HYPERVISOR_SLOT_START, HYPERVISOR_SLOT_END);
	e5 = child_cmd(&c, CMD_READ, HYPERVISOR_SLOT_START, 0, 0, 0, &m);
	ok &= !e1 && !e3 && !e4 && faulted_at(&m, e5, HYPERVISOR_SLOT_START);
	child_restart();
	t_result("map.hypervisor_slot", ok,
		 "a task maps, reads (%lx) and unmaps pages at both ends of "
		 "%lx-%lx, the slot SPEC 5's range leaves to VMMs",
		 v1, HYPERVISOR_SLOT_START, HYPERVISOR_SLOT_END);

	/* task_unmap: one call clears a whole range of another task */
	e1 = sys_map(c.task, (u64)p, 0x7ff000000000ul, 1, MAP_R);
	e2 = sys_map(c.task, (u64)q, 0x710000000000ul, 1, MAP_R);
	e3 = sys_task_unmap(c.task, 0x710000000000ul, 0x800000000000ul);
	e4 = child_cmd(&c, CMD_READ, 0x710000000000ul, 0, 0, 0, &m);
	ok = !e1 && !e2 && !e3 && faulted_at(&m, e4, 0x710000000000ul);
	child_restart();
	e4 = child_cmd(&c, CMD_READ, 0xffffffff80000000ul, 0, 0, 0, &m);
	ok &= done(&m, e4) && m.w[0] == 0xc0ffee; /* upper half untouched */
	t_result(
		"map.task_unmap", ok && *p == 0xc0ffee,
		"one task_unmap over 15 TiB of another task removed its mappings there, kept the rest");

	/*
	 * Each map at a fresh GiB needs a new PD and PT (3 pages); the child's
	 * 256 KiB quota holds 64. task_unmap must give the tables back.
	 */
	ok = true;
	for (u64 i = 0; i < 200 && ok; i++) {
		u64 va = 0x200000000000ul + (i << 30);

		e1 = sys_map(c.task, (u64)p, va, 1, MAP_R);
		e2 = sys_task_unmap(c.task, va, va + (1ul << 30));
		ok = !e1 && !e2;
		if (!ok)
			t_result("map.task_unmap_reclaims", false,
				 "map %lu at %lx: %ld, task_unmap %ld", i, va,
				 e1, e2);
	}
	if (ok)
		t_result(
			"map.task_unmap_reclaims", true,
			"200 map/task_unmap rounds at fresh GiBs (600 table pages) fit a 64-page quota");
	return 0;
}
