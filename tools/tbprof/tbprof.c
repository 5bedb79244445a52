/*
 * tbprof: a QEMU TCG plugin that counts the instructions a guest executes,
 * by the virtual address of the translation block that executed them, for
 * the benchmarks' account of where a VM spends its instructions (guest
 * user code, guest kernel, in-place VMM, microkernel: tools/tbprof/
 * tbprof.py sorts them out).
 *
 *   qemu-system-x86_64 ... -icount shift=0,sleep=off \
 *       -plugin build/tools/tbprof.so,out=FILE
 *
 * A guest program splits the run into segments by executing the marker
 * instruction "movabs $0x4b52414d464f5250, %rax" (the immediate spells
 * PROFMARK; guest/progs/tbmark.c): the counts so far are written out as
 * one segment and start again from zero. FILE then holds
 *
 *   segment N
 *   VADDR INSNS EXECUTIONS      one line per block that ran
 *
 * for every segment, the last one written when QEMU exits. The same
 * address in two address spaces is one line: the components the tools
 * tell apart live at disjoint addresses.
 *
 * With "pages=on" it also counts, per segment, the address-space switches
 * (executed "mov ..., %cr3") and the pages touched after each one, code
 * or data, once per page until the next switch:
 *
 *   switches N
 *   touch PAGE N                one line per page touched after a switch
 *
 * QEMU's TCG empties its software TLB at every CR3 load, so a first touch
 * is a TLB refill. The count is a lower bound of QEMU's refills: the
 * CPU's implicit accesses (descriptor tables, the TSS, exception frames)
 * and the page walks themselves are not seen by a plugin.
 *
 * QEMU installs no header for its plugin interface, so the few functions
 * used are declared here, as QEMU 7.2 (plugin API version 1) defines them.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t plugin_id;
struct qemu_plugin_tb;
struct qemu_plugin_insn;

#define EXPORT __attribute__((visibility("default")))
#define INLINE_ADD_U64 0 /* enum qemu_plugin_op */
#define CB_NO_REGS 0	 /* enum qemu_plugin_cb_flags */

void qemu_plugin_register_vcpu_tb_trans_cb(plugin_id id,
					   void (*cb)(plugin_id,
						      struct qemu_plugin_tb *));
void qemu_plugin_register_atexit_cb(plugin_id id, void (*cb)(plugin_id, void *),
				    void *data);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *
qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t i);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, int op,
					      void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    void (*cb)(unsigned, void *),
					    int flags, void *data);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  void (*cb)(unsigned, void *),
					  int flags, void *data);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn,
				      void (*cb)(unsigned, uint32_t, uint64_t,
						 void *),
				      int flags, int rw, void *data);
#define MEM_RW 3 /* enum qemu_plugin_mem_rw */

EXPORT int qemu_plugin_version = 1;

static const unsigned char marker[10] = { 0x48, 0xb8, 'P', 'R', 'O',
					  'F',	'M',  'A', 'R', 'K' };

struct block {
	uint64_t vaddr, insns, runs;
	struct block *next;
};

#define BUCKETS (1u << 18)
static struct block *table[BUCKETS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *out;
static unsigned segment;

/*
 * pages=on. The pages touched since the last switch: an open-addressed
 * set whose entries count only in the current generation, so a switch
 * empties it by a new generation. Half full, it starts over (a TLB has
 * a size, too). Per segment, touches[] counts the first touches by page.
 */
#define SET_SLOTS (1u << 16)
static bool pages_on;
static struct {
	uint64_t page, gen;
} set[SET_SLOTS];
static uint64_t generation = 1, switches;
static unsigned set_used;

struct touch {
	uint64_t page, n;
	struct touch *next;
};
static struct touch *touches[BUCKETS];

static void *zalloc(size_t size)
{
	void *p = calloc(1, size);

	if (!p) {
		perror("tbprof");
		exit(1);
	}
	return p;
}

static unsigned bucket(uint64_t vaddr, uint64_t insns)
{
	return (unsigned)(((vaddr ^ insns) * 0x9e3779b97f4a7c15ull) >> 46) &
	       (BUCKETS - 1);
}

static struct block *block_get(uint64_t vaddr, uint64_t insns)
{
	unsigned h = bucket(vaddr, insns);
	struct block *b;

	for (b = table[h]; b; b = b->next)
		if (b->vaddr == vaddr && b->insns == insns)
			return b;
	b = zalloc(sizeof(*b));
	b->vaddr = vaddr;
	b->insns = insns;
	b->next = table[h];
	table[h] = b;
	return b;
}

static void first_touch(uint64_t page)
{
	unsigned h = bucket(page, 0);
	struct touch *t;

	for (t = touches[h]; t; t = t->next)
		if (t->page == page)
			break;
	if (!t) {
		t = zalloc(sizeof(*t));
		t->page = page;
		t->next = touches[h];
		touches[h] = t;
	}
	t->n++;
}

/* Under the lock. */
static void touch(uint64_t vaddr)
{
	uint64_t page = vaddr & ~4095ull;
	unsigned h = (unsigned)((page * 0x9e3779b97f4a7c15ull) >> 48) &
		     (SET_SLOTS - 1);

	while (set[h].gen == generation) {
		if (set[h].page == page)
			return;
		h = (h + 1) & (SET_SLOTS - 1);
	}
	set[h].page = page;
	set[h].gen = generation;
	if (++set_used > SET_SLOTS / 2) {
		generation++;
		set_used = 0;
	}
	first_touch(page);
}

static void on_mem(unsigned vcpu, uint32_t info, uint64_t vaddr, void *data)
{
	(void)vcpu;
	(void)info;
	(void)data;
	pthread_mutex_lock(&lock);
	touch(vaddr);
	pthread_mutex_unlock(&lock);
}

/* data: the block's first page, | 1 if it runs on into the next one. */
static void on_block(unsigned vcpu, void *data)
{
	uint64_t first = (uint64_t)(uintptr_t)data;

	(void)vcpu;
	pthread_mutex_lock(&lock);
	touch(first);
	if (first & 1)
		touch((first & ~4095ull) + 4096);
	pthread_mutex_unlock(&lock);
}

static void on_cr3(unsigned vcpu, void *data)
{
	(void)vcpu;
	(void)data;
	pthread_mutex_lock(&lock);
	switches++;
	generation++;
	set_used = 0;
	pthread_mutex_unlock(&lock);
}

static bool is_prefix(unsigned char c)
{
	static const unsigned char legacy[] = { 0x26, 0x2e, 0x36, 0x3e,
						0x64, 0x65, 0x66, 0x67,
						0xf0, 0xf2, 0xf3 };

	return (c >= 0x40 && c <= 0x4f) || memchr(legacy, c, sizeof(legacy));
}

/* Is insn "mov %reg, %cr3" (0f 22 /3, after any prefixes)? */
static bool loads_cr3(const unsigned char *b, size_t n)
{
	size_t i = 0;

	while (i < n && is_prefix(b[i]))
		i++;
	return i + 3 <= n && b[i] == 0x0f && b[i + 1] == 0x22 &&
	       ((b[i + 2] >> 3) & 7) == 3;
}

/* Write the counts as the next segment and start again from zero. */
static void segment_end(void)
{
	fprintf(out, "segment %u\n", segment++);
	if (pages_on) {
		fprintf(out, "switches %llu\n", (unsigned long long)switches);
		switches = 0;
		for (unsigned i = 0; i < BUCKETS; i++)
			for (struct touch *t = touches[i]; t; t = t->next) {
				if (t->n)
					fprintf(out, "touch %llx %llu\n",
						(unsigned long long)t->page,
						(unsigned long long)t->n);
				t->n = 0;
			}
	}
	for (unsigned i = 0; i < BUCKETS; i++)
		for (struct block *b = table[i]; b; b = b->next) {
			if (b->runs)
				fprintf(out, "%llx %llu %llu\n",
					(unsigned long long)b->vaddr,
					(unsigned long long)b->insns,
					(unsigned long long)b->runs);
			b->runs = 0;
		}
	fflush(out);
}

static void on_marker(unsigned vcpu, void *data)
{
	(void)vcpu;
	(void)data;
	pthread_mutex_lock(&lock);
	segment_end();
	pthread_mutex_unlock(&lock);
}

static void on_translate(plugin_id id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct block *b;

	(void)id;
	pthread_mutex_lock(&lock);
	b = block_get(qemu_plugin_tb_vaddr(tb), n);
	pthread_mutex_unlock(&lock);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, INLINE_ADD_U64, &b->runs,
						 1);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		const void *bytes = qemu_plugin_insn_data(insn);
		size_t size = qemu_plugin_insn_size(insn);

		if (size == sizeof(marker) &&
		    !memcmp(bytes, marker, sizeof(marker)))
			qemu_plugin_register_vcpu_insn_exec_cb(
				insn, on_marker, CB_NO_REGS, NULL);
		if (!pages_on)
			continue;
		if (loads_cr3(bytes, size))
			qemu_plugin_register_vcpu_insn_exec_cb(
				insn, on_cr3, CB_NO_REGS, NULL);
		qemu_plugin_register_vcpu_mem_cb(insn, on_mem, CB_NO_REGS,
						 MEM_RW, NULL);
	}
	if (pages_on && n) {
		struct qemu_plugin_insn *last =
			qemu_plugin_tb_get_insn(tb, n - 1);
		uint64_t first = qemu_plugin_tb_vaddr(tb) & ~4095ull;
		uint64_t end = qemu_plugin_insn_vaddr(last) +
			       qemu_plugin_insn_size(last) - 1;

		if ((end & ~4095ull) != first)
			first |= 1;
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, CB_NO_REGS,
						     (void *)(uintptr_t)first);
	}
}

static void on_exit_(plugin_id id, void *data)
{
	(void)id;
	(void)data;
	pthread_mutex_lock(&lock);
	segment_end();
	fclose(out);
	pthread_mutex_unlock(&lock);
}

EXPORT int qemu_plugin_install(plugin_id id, const void *info, int argc,
			       char **argv)
{
	const char *path = NULL;
	bool unknown = false;

	(void)info;
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
		else if (!strcmp(argv[i], "pages=on"))
			pages_on = true;
		else
			unknown = true;
	if (!path || unknown) {
		fprintf(stderr, "tbprof: usage: -plugin "
				"tbprof.so,out=FILE[,pages=on]\n");
		return -1;
	}
	out = fopen(path, "w");
	if (!out) {
		perror(path);
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_exit_, NULL);
	return 0;
}
