/*
 * The rest of the user library: printf on the kernel console and exit,
 * which tells the parent (slot SLOT_PARENT) and then stops the thread.
 */
#include <lib.h>
#include <sys.h>

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
	sys_debug_write(buf, n);
}

/* Protocol with the parent: label 1 = "exited", w0 = status. */
noreturn void exit(long status)
{
	struct ipc_msg m = { .tag = TAG_MAKE(1, 0), .w = { (u64)status } };

	ipc_send(SLOT_PARENT, &m, TIMEOUT_NEVER);
	for (;;)
		sys_thread_exregs(SLOT_SELF_THREAD, NULL, NULL, EX_HALT, NULL);
}
