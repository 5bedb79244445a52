/*
 * The rest of the user library: printf on the kernel console and exit,
 * which tells the parent (slot SLOT_PARENT) and then stops the thread.
 */
#include <lib.h>
#include <sys.h>

static char prefix[16];
static unsigned long prefix_len;

void console_set_prefix(const char *p)
{
	prefix_len = strlen(p);
	if (prefix_len > sizeof(prefix))
		prefix_len = sizeof(prefix);
	memcpy(prefix, p, prefix_len);
}

/*
 * One system call per write, so lines of several tasks do not mix; a
 * write longer than the kernel takes at once is cut there.
 */
void console_write(const char *s, unsigned long n)
{
	char buf[DEBUG_WRITE_MAX];

	if (n > sizeof(buf) - prefix_len)
		n = sizeof(buf) - prefix_len;
	if (!prefix_len) {
		sys_debug_write(s, n);
		return;
	}
	memcpy(buf, prefix, prefix_len);
	memcpy(buf + prefix_len, s, n);
	sys_debug_write(buf, prefix_len + n);
}

void printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(buf, n);
}

/* Protocol with the parent: label 1 = "exited", w0 = status. */
noreturn void exit(long status)
{
	struct ipc_msg m = { .tag = TAG_MAKE(1, 0), .w = { (u64)status } };

	ipc_send(SLOT_PARENT, &m, TIMEOUT_NEVER);
	for (;;)
		sys_thread_exregs(SLOT_SELF_THREAD, NULL, NULL, EX_HALT, NULL);
}
