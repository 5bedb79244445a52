/*
 * The sites of guest kernel modules (SPEC 6). A module arrives after the
 * VMM rewrote the kernel image, so its sites are rewritten when it loads:
 * the guest's module helper (guest/modules/afterburn_helper.c) finds the
 * new module's .afterburn records and names them to the VMM through the
 * control ports (dev/vmmctl.c), before the module's code first runs.
 * The sites become what the kernel's became (rewrite.c), with these
 * differences:
 *
 *   - They are reached through the guest's page tables, not the ELF
 *     file, and must lie in supervisor pages. A site may straddle two
 *     pages that are far apart physically, so each is read into a bounce
 *     copy, rewritten there and written back.
 *   - Every record is checked before any byte changes: a bad request
 *     leaves the module as it was and says which site was wrong.
 *   - A record whose bytes hold no sensitive instruction is left alone
 *     and counted: Linux has applied an alternative over that site
 *     before the module notifier runs. Should the bytes still hold one,
 *     it traps and is emulated and counted.
 *   - Module code comes and goes. FORGET (the module unloads) frees the
 *     sites' slots and thunks; a new site overlapping a remembered one
 *     means that code was freed (a module's init text) and reused, and
 *     the old site is dropped.
 */
#include "vmm.h"
#include <guest/vmmctl.h>

#define MAX_MODULE_RECORDS 2048
#define MAX_SITE_LEN 64

static struct record recs[MAX_MODULE_RECORDS];
static bool left[MAX_MODULE_RECORDS];

static void fail(struct vmmctl_request *req, int err, u64 site, const char *why)
{
	req->status = -err;
	req->bad_site = site;
	if (site)
		printf("vmm: module %s: %s at %lx\n", req->name, why, site);
	else
		printf("vmm: module %s: %s\n", req->name, why);
}

/* The request's records, sorted, zero records (padding) dropped. */
static long read_records(struct vmmctl_request *req, u64 *nr)
{
	u64 size = req->end - req->begin, n = 0;

	if (req->end < req->begin || size % sizeof(struct record) ||
	    size / sizeof(struct record) > MAX_MODULE_RECORDS) {
		fail(req, VMMCTL_EINVAL, 0,
		     "record range is not a whole number of records, or more than the VMM takes");
		return -1;
	}
	if (guest_read(req->begin, recs, size)) {
		fail(req, VMMCTL_EFAULT, req->begin, "records not mapped");
		return -1;
	}
	for (u64 i = 0; i < size / sizeof(struct record); i++)
		if (recs[i].start || recs[i].end)
			recs[n++] = recs[i];
	sort_records(recs, n);
	*nr = n;
	return 0;
}

/* A rel32 jump from va reaches every thunk of the near window (2 MiB). */
static bool in_reach(u64 va)
{
	s64 d = (s64)(VMM_NEAR_BASE - va), margin = 4l << 20;

	return d > -(1l << 31) + margin && d < (1l << 31) - margin;
}

/* Check record i; sets left[i]. */
static long check_record(struct vmmctl_request *req, u64 i)
{
	const struct record *r = &recs[i];
	u8 buf[MAX_SITE_LEN];
	struct site s;

	if (r->end <= r->start || r->end - r->start > MAX_SITE_LEN ||
	    (i && r->start < recs[i - 1].end)) {
		fail(req, VMMCTL_EINVAL, r->start,
		     "record is empty, longer than 64 bytes or overlaps the previous one");
		return -1;
	}
	if (sites_in_kernel(r->start, r->end)) {
		fail(req, VMMCTL_EINVAL, r->start,
		     "record names a site of the kernel image");
		return -1;
	}
	if (guest_kernel_only_copy(r->start, buf, r->end - r->start, false)) {
		fail(req, VMMCTL_EFAULT, r->start,
		     "site is not in mapped supervisor memory");
		return -1;
	}
	s.va = r->start;
	s.len = r->end - r->start;
	left[i] = site_decode(buf, &s) != 0;
	if (!left[i] && s.insn.kind != INSN_CLI && s.len < 5) {
		fail(req, VMMCTL_ESITE, r->start,
		     "site is shorter than the 5 bytes of its replacement");
		return -1;
	}
	if (!left[i] && !in_reach(r->start)) {
		fail(req, VMMCTL_ESITE, r->start,
		     "site is out of rel32 reach of the VMM");
		return -1;
	}
	return 0;
}

void modsites_rewrite(struct vmmctl_request *req)
{
	u64 nr, need = 0;

	req->done = req->left = 0;
	if (read_records(req, &nr))
		return;
	for (u64 i = 0; i < nr; i++) {
		if (check_record(req, i))
			return;
		need += !left[i];
	}
	for (u64 i = 0; i < nr; i++)
		sites_drop(recs[i].start, recs[i].end);
	if (need > sites_free()) {
		fail(req, VMMCTL_ENOSPC, 0, "the VMM's site table is full");
		return;
	}
	for (u64 i = 0; i < nr; i++) {
		u8 buf[MAX_SITE_LEN];
		struct site *s;
		u64 index;

		if (left[i]) {
			req->left++;
			continue;
		}
		s = site_alloc(&index);
		s->va = recs[i].start;
		s->len = recs[i].end - recs[i].start;
		if (guest_kernel_only_copy(s->va, buf, s->len, false) ||
		    site_decode(buf, s) || site_replace(buf, s, index) ||
		    guest_kernel_only_copy(s->va, buf, s->len, true))
			vmm_fatal("module site %lx changed while rewritten",
				  s->va);
		req->done++;
	}
	counters[CNT_MODULE_SITES] += req->done;
	req->status = VMMCTL_OK;
	printf("vmm: module %s: rewrote %llu sites, left %llu\n", req->name,
	       req->done, req->left);
}

void modsites_forget(struct vmmctl_request *req)
{
	u64 nr;

	req->done = req->left = 0;
	if (read_records(req, &nr))
		return;
	for (u64 i = 0; i < nr; i++)
		req->done += sites_drop(recs[i].start, recs[i].end);
	req->status = VMMCTL_OK;
}
