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
 * QEMU installs no header for its plugin interface, so the few functions
 * used are declared here, as QEMU 7.2 (plugin API version 1) defines them.
 */
#include <pthread.h>
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
	b = calloc(1, sizeof(*b));
	if (!b) {
		perror("tbprof");
		exit(1);
	}
	b->vaddr = vaddr;
	b->insns = insns;
	b->next = table[h];
	table[h] = b;
	return b;
}

/* Write the counts as the next segment and start again from zero. */
static void segment_end(void)
{
	fprintf(out, "segment %u\n", segment++);
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

		if (qemu_plugin_insn_size(insn) == sizeof(marker) &&
		    !memcmp(qemu_plugin_insn_data(insn), marker,
			    sizeof(marker)))
			qemu_plugin_register_vcpu_insn_exec_cb(
				insn, on_marker, CB_NO_REGS, NULL);
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

	(void)info;
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
	if (!path) {
		fprintf(stderr, "tbprof: usage: -plugin tbprof.so,out=FILE\n");
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
