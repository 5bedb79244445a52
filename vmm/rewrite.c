/*
 * Rewriting the afterburner's sites (SPEC 4.2, 6) before the guest runs.
 * Each .afterburn record [start, end) holds one sensitive instruction (two
 * when the first is sti: struct site) and NOP padding. The VMM replaces
 * it:
 *
 *   cli               movb $0, vif(%rip)     7 bytes, inline: the virtual
 *                                            IF is the state area's
 *                                            VCPU_F_IRQ byte (abi/vcpu.h)
 *   everything else   jmp thunk_i            5 bytes; thunk_i stores i in
 *                                            site_index and jumps to
 *                                            vmm_site_entry (entry.S)
 *
 * and fills the rest of the site with NOPs. Neither form pushes anything
 * on the guest's stack. A site too short for its replacement, bytes that
 * are not a sensitive instruction, or a thunk out of rel32 reach is a
 * load error naming the site.
 *
 * Sites inside .altinstr_replacement are left as the compiler made them:
 * Linux copies those bytes elsewhere when it applies an alternative, and
 * a copied rel32 jump would land anywhere. The VMM hides the CPU features
 * that gate them (cpu_state.c); should one be applied anyway, its
 * instruction traps and is emulated and counted (upcall.c), which the
 * tests check stays zero.
 */
#include "vmm.h"

static struct site sites[MAX_SITES];
static u64 nr_sites, nr_inline, nr_left;

static const u8 nops[9][8] = {
	{ 0 },
	{ 0x90 },
	{ 0x66, 0x90 },
	{ 0x0f, 0x1f, 0x00 },
	{ 0x0f, 0x1f, 0x40, 0x00 },
	{ 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	{ 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	{ 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
	{ 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
};

/* Intel's recommended multi-byte NOPs (Vol. 2B, NOP). */
static void nop_fill(u8 *p, u64 n)
{
	while (n) {
		u64 k = n > 8 ? 8 : n;

		memcpy(p, nops[k], k);
		p += k;
		n -= k;
	}
}

/* Length of the one NOP at p (the forms .nops and compilers emit), or 0. */
static unsigned nop_length(const u8 *p, unsigned max)
{
	unsigned n = 0, mod, rm, len;

	while (n < max && (p[n] == 0x66 || p[n] == 0x2e))
		n++;
	if (n < max && p[n] == 0x90)
		return n + 1;
	if (n + 2 >= max || p[n] != 0x0f || p[n + 1] != 0x1f ||
	    (p[n + 2] & 0x38))
		return 0;
	mod = p[n + 2] >> 6;
	rm = p[n + 2] & 7;
	len = n + 3 + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
	if (mod != 3 && rm == 4)
		len += 1 +
		       (mod == 0 && n + 3 < max && (p[n + 3] & 7) == 5 ? 4 : 0);
	else if (mod == 0 && rm == 5)
		len += 4;
	return len <= max ? len : 0;
}

static bool is_padding(const u8 *p, unsigned n)
{
	while (n) {
		unsigned k = nop_length(p, n);

		if (!k)
			return false;
		p += k;
		n -= k;
	}
	return true;
}

/*
 * What the site holds: one sensitive instruction, perhaps a second one
 * fused to a leading sti, then only padding.
 */
long site_decode(const u8 *p, struct site *s)
{
	unsigned used;

	if (insn_decode(p, s->len, &s->insn))
		return -1;
	used = s->insn.len;
	s->fused.kind = INSN_NONE;
	if (s->insn.kind == INSN_STI && !is_padding(p + used, s->len - used)) {
		if (insn_decode(p + used, s->len - used, &s->fused) ||
		    s->fused.kind == INSN_STI)
			return -1;
		used += s->fused.len;
	}
	return is_padding(p + used, s->len - used) ? 0 : -1;
}

static bool rel32(u64 from_end, u64 to, s32 *out)
{
	s64 d = (s64)(to - from_end);

	if (d != (s32)d)
		return false;
	*out = (s32)d;
	return true;
}

static void put32(u8 *p, u32 v)
{
	memcpy(p, &v, 4);
}

VMM_HOT const struct site *site_get(u64 index)
{
	return index < MAX_SITES && sites[index].len ? &sites[index] : NULL;
}

/* The kernel's site whose first byte is va, as linked (a binary search). */
const struct site *site_lookup(u64 va)
{
	u64 lo = 0, hi = nr_sites;

	while (lo < hi) {
		u64 mid = (lo + hi) / 2;

		if (sites[mid].va == va)
			return &sites[mid];
		if (sites[mid].va < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static long rewrite_inline_cli(u8 *p, const struct site *s)
{
	u64 vif = (u64)&vcpu_current()->state->flags;
	s32 d;

	if (!rel32(s->va + 7, vif, &d))
		return -1;
	p[0] = 0xc6; /* movb $imm8, disp32(%rip) */
	p[1] = 0x05;
	put32(p + 2, (u32)d);
	p[6] = 0;
	nop_fill(p + 7, s->len - 7);
	nr_inline++;
	return 0;
}

static long rewrite_jump(u8 *p, const struct site *s, u64 index)
{
	u64 t = thunk_build(s, index);
	s32 d;

	if (!t || !rel32(s->va + 5, t, &d))
		return -1;
	p[0] = 0xe9; /* jmp thunk */
	put32(p + 1, (u32)d);
	nop_fill(p + 5, s->len - 5);
	return 0;
}

/*
 * Write the replacement of site s, which has thunk number index, over
 * its bytes p. A site too short for it, or out of reach, is an error
 * with a message naming the site.
 */
long site_replace(u8 *p, const struct site *s, u64 index)
{
	if (s->insn.kind != INSN_CLI && s->len < 5) {
		printf("vmm: site %lx (%s) has %u bytes; its replacement needs 5\n",
		       s->va, insn_kind_name(s->insn.kind), s->len);
		return -1;
	}
	if (s->insn.kind == INSN_CLI && s->len >= 7 ?
		    rewrite_inline_cli(p, s) :
		    rewrite_jump(p, s, index)) {
		printf("vmm: site %lx is out of rel32 reach of the VMM's near window at %lx\n",
		       s->va, VMM_NEAR_BASE);
		return -1;
	}
	return 0;
}

/*
 * Module sites (modsites.c) take the slots after the kernel's, each its
 * own thunk; a slot with len 0 is free. They come and go with modules.
 */
static u64 next_free;

struct site *site_alloc(u64 *index)
{
	for (u64 n = 0, i = next_free; n < MAX_SITES; n++, i++) {
		if (i >= MAX_SITES || i < nr_sites)
			i = nr_sites;
		if (!sites[i].len) {
			next_free = i + 1;
			*index = i;
			return &sites[i];
		}
	}
	return NULL;
}

u64 sites_free(void)
{
	u64 n = 0;

	for (u64 i = nr_sites; i < MAX_SITES; i++)
		n += !sites[i].len;
	return n;
}

/* Module sites overlapping [start, end): their code is gone. */
u64 sites_drop(u64 start, u64 end)
{
	u64 n = 0;

	for (u64 i = nr_sites; i < MAX_SITES; i++)
		if (sites[i].len && sites[i].va < end &&
		    start < sites[i].va + sites[i].len) {
			sites[i].len = 0;
			n++;
		}
	return n;
}

/* Does [start, end) overlap a site of the kernel image? */
bool sites_in_kernel(u64 start, u64 end)
{
	u64 lo = 0, hi = nr_sites;

	while (lo < hi) { /* the first site ending after start */
		u64 mid = (lo + hi) / 2;

		if (sites[mid].va + sites[mid].len <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nr_sites && sites[lo].va < end;
}

static struct record sorted[MAX_SITES];

/* Shell sort by start: the linker concatenates .afterburn per object. */
void sort_records(struct record *r, u64 n)
{
	for (u64 gap = n / 2; gap; gap /= 2)
		for (u64 i = gap; i < n; i++) {
			struct record t = r[i];
			u64 j = i;

			for (; j >= gap && r[j - gap].start > t.start; j -= gap)
				r[j] = r[j - gap];
			r[j] = t;
		}
}

/*
 * Rewrite the sites of records rec[0..nr) (pairs of start, end).
 * map(va, len) gives the bytes in guest memory or NULL; leave(va) says
 * the site must keep its original bytes.
 */
long rewrite_sites(const u64 *raw, u64 nr, u8 *(*map)(u64 va, u64 len),
		   bool (*leave)(u64 va))
{
	const u64 *rec = (const u64 *)sorted;

	if (nr > MAX_SITES) {
		printf("vmm: %lu .afterburn records, more than the %u the VMM holds\n",
		       nr, MAX_SITES);
		return -1;
	}
	memcpy(sorted, raw, nr * sizeof(struct record));
	sort_records(sorted, nr);
	for (u64 i = 0; i < nr; i++) {
		u64 start = rec[2 * i], end = rec[2 * i + 1];
		struct site *s = &sites[nr_sites];
		u8 *p = map(start, end - start);

		if (end <= start || end - start > 64 || !p) {
			printf("vmm: .afterburn record %lu [%lx, %lx) is outside the loaded kernel\n",
			       i, start, end);
			return -1;
		}
		if (i && start < rec[2 * i - 1]) {
			printf("vmm: .afterburn records overlap at %lx\n",
			       start);
			return -1;
		}
		s->va = start;
		s->len = end - start;
		if (site_decode(p, s)) {
			printf("vmm: site %lx: bytes %02x %02x %02x are not a sensitive instruction the VMM knows followed by padding\n",
			       start, p[0], s->len > 1 ? p[1] : 0,
			       s->len > 2 ? p[2] : 0);
			return -1;
		}
		if (leave(start)) {
			s->len = 0; /* the slot stays free */
			nr_left++;
			continue;
		}
		if (site_replace(p, s, nr_sites))
			return -1;
		nr_sites++;
	}
	return 0;
}

void rewrite_report(void)
{
	printf("vmm: rewrote %lu sites (%lu inline, %lu jumps), left %lu in alternative replacements\n",
	       nr_sites, nr_inline, nr_sites - nr_inline, nr_left);
}
