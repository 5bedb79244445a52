/*
 * A hostile guest for the VM isolation tests: a bare 64-bit "kernel" that
 * the in-place VMM loads exactly like a vmlinux (ELF at 16 MiB, entry with
 * %rsi = boot_params, the first GiB identity-mapped). It is built through
 * the afterburner like Linux, so its port writes are sites.
 *
 * Command line (boot_params' cmd_line_ptr):
 *   probe=scan pattern=HEX
 *     HEX is the bitwise complement of a secret another VM holds, so the
 *     secret itself never enters this VM's memory. The probe plants a
 *     control marker (the secret XOR 0x55) in its own RAM, then reads every
 *     byte of every RAM range of its e820 map, PASSES times, counting both.
 *     It prints
 *       probe: N passes over M KiB: secret found S times, control found C times
 *     (C > 0 shows the scan sees its RAM; S must be 0), then reads
 *     guest-physical 512 MiB, beyond its RAM, which must stop the VM.
 *   probe=garbage
 *     jumps into a page of pseudo-random bytes.
 */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;

#define PASSES 3
#define MAX_PATTERN 64
#define BEYOND_RAM 0x20000000ul

__asm__(".section .text.entry, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"	leaq stack_top(%rip), %rsp\n"
	"	movq %rsi, %rdi\n"
	"	call probe_main\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n"
	".previous\n");

static u8 stack[16384] __attribute__((aligned(16), used));
__asm__(".set stack_top, stack + 16384");

/* volatile: only the scan reads it, through raw memory */
static volatile u8 control[MAX_PATTERN];
static u8 garbage[4096] __attribute__((aligned(4096)));

static void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void puts(const char *s)
{
	while (*s)
		outb(0x3f8, (u8)*s++);
}

static void putu(u64 v)
{
	char buf[24];
	int i = sizeof(buf) - 1;

	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts(buf + i);
}

/* The value of "key=" on the command line, up to the next space. */
static const char *param(const char *cmdline, const char *key, unsigned *len)
{
	for (const char *p = cmdline; *p; p++) {
		const char *k = key, *q = p;

		if (p != cmdline && p[-1] != ' ')
			continue;
		while (*k && *q == *k)
			k++, q++;
		if (*k || *q != '=')
			continue;
		*len = 0;
		while (q[1 + *len] && q[1 + *len] != ' ')
			(*len)++;
		return q + 1;
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Occurrences of (~pat[i] ^ x) in [p, end). */
static u64 count(const u8 *p, const u8 *end, const u8 *pat, unsigned n, u8 x)
{
	u64 found = 0;
	u8 first = (u8)(~pat[0] ^ x);

	for (; p + n <= end; p++) {
		unsigned i;

		if (*(const volatile u8 *)p != first)
			continue;
		for (i = 1; i < n && p[i] == (u8)(~pat[i] ^ x); i++)
			;
		found += i == n;
	}
	return found;
}

static void scan(const u8 *bp, const u8 *pat, unsigned n)
{
	u32 entries = *(const u32 *)(bp + 0x1e8);
	u64 secret = 0, seen = 0, kib = 0;

	for (unsigned i = 0; i < n; i++) /* the control marker, planted */
		control[i] = (u8)(~pat[i] ^ 0x55);
	for (int pass = 0; pass < PASSES; pass++) {
		kib = 0;
		for (u32 e = 0; e < entries && e < 128; e++) {
			const u8 *ent = bp + 0x2d0 + 20 * e;
			u64 addr = *(const u64 *)ent,
			    size = *(const u64 *)(ent + 8);

			if (*(const u32 *)(ent + 16) != 1)
				continue;
			secret += count((const u8 *)addr,
					(const u8 *)(addr + size), pat, n, 0);
			seen += count((const u8 *)addr,
				      (const u8 *)(addr + size), pat, n, 0x55);
			kib += size >> 10;
		}
	}
	puts("probe: ");
	putu(PASSES);
	puts(" passes over ");
	putu(kib);
	puts(" KiB: secret found ");
	putu(secret);
	puts(" times, control found ");
	putu(seen);
	puts(" times\n");
	puts("probe: reading guest-physical 512 MiB, beyond this VM's RAM\n");
	putu(*(volatile u64 *)BEYOND_RAM);
	puts("\nprobe: the read beyond RAM returned\n");
}

static void run_garbage(void)
{
	u64 x = 0x2545f4914f6cdd1dul;

	for (unsigned i = 0; i < sizeof(garbage); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		garbage[i] = (u8)x;
	}
	puts("probe: jumping into 4 KiB of pseudo-random bytes\n");
	((void (*)(void))garbage)();
	puts("probe: the garbage returned\n");
}

void probe_main(const u8 *bp)
{
	const char *cmdline = (const char *)(u64) * (const u32 *)(bp + 0x228);
	const char *mode, *hex;
	unsigned mlen = 0, hlen = 0, n = 0;
	u8 pat[MAX_PATTERN];

	puts("probe: started\n");
	mode = param(cmdline, "probe", &mlen);
	if (mode && mlen == 7 && mode[0] == 'g') {
		run_garbage();
		return;
	}
	hex = param(cmdline, "pattern", &hlen);
	if (!mode || !hex || hlen < 8 || hlen > 2 * MAX_PATTERN || hlen % 2) {
		puts("probe: usage: probe=scan pattern=HEX | probe=garbage\n");
		return;
	}
	for (unsigned i = 0; i < hlen; i += 2) {
		int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);

		if (hi < 0 || lo < 0) {
			puts("probe: pattern is not hex\n");
			return;
		}
		pat[n++] = (u8)(hi << 4 | lo);
	}
	scan(bp, pat, n);
}
