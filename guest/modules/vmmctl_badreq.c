// SPDX-License-Identifier: GPL-2.0
/*
 * vmmctl_badreq: malformed requests to the VMM's control ports, each of
 * which must come back with its error status and change nothing. A guest
 * kernel is not trusted by its VMM: whatever it asks, the VMM checks all
 * records before it writes a byte.
 *
 * Loading prints "vmmctl_badreq: N of M malformed requests refused" and
 * fails with -EIO if any request got another answer. Without a VMM (bare
 * hardware) there is nothing to ask and it says so.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "vmmctl_client.h"

struct record {
	u64 start, end;
};

static int refused, asked;

static void expect(void __iomem *ports, const char *what, unsigned int op,
		   const void *begin, unsigned long size, int want)
{
	struct vmmctl_request *req = kzalloc(sizeof(*req), GFP_KERNEL);
	int got;

	if (!req)
		return;
	req->op = op;
	req->begin = (unsigned long)begin;
	req->end = (unsigned long)begin + size;
	strscpy(req->name, KBUILD_MODNAME, sizeof(req->name));
	got = vmmctl_call(ports, req);
	asked++;
	if (got == -want)
		refused++;
	else
		pr_err("%s: status %d, want %d\n", what, got, -want);
	kfree(req);
}

static int __init badreq_init(void)
{
	void __iomem *ports = vmmctl_open();
	struct record *r = kzalloc(4 * sizeof(*r), GFP_KERNEL);
	u8 *code = kmalloc(16, GFP_KERNEL);
	unsigned long user = current->mm ? current->mm->arg_start : 0;
	bool intact;

	if (!ports) {
		pr_info("no in-place VMM here: nothing to ask\n");
		kfree(r);
		kfree(code);
		return 0;
	}
	if (!r || !code)
		return -ENOMEM;
	memset(code, 0xf4, 16); /* hlt: a sensitive instruction, 1 byte */

	expect(ports, "unknown operation", 99, r, 16, VMMCTL_EINVAL);
	expect(ports, "end before begin", VMMCTL_OP_REWRITE, r, -16ul,
	       VMMCTL_EINVAL);
	expect(ports, "not whole records", VMMCTL_OP_REWRITE, r, 24,
	       VMMCTL_EINVAL);
	expect(ports, "more records than the VMM takes", VMMCTL_OP_REWRITE, r,
	       16ul << 20, VMMCTL_EINVAL);
	expect(ports, "records not mapped", VMMCTL_OP_REWRITE, (void *)0x1000,
	       16, VMMCTL_EFAULT);

	r[0] = (struct record){ (u64)code, (u64)code };
	expect(ports, "empty record", VMMCTL_OP_REWRITE, r, 16, VMMCTL_EINVAL);
	r[0] = (struct record){ (u64)code, (u64)code + 100 };
	expect(ports, "record over 64 bytes", VMMCTL_OP_REWRITE, r, 16,
	       VMMCTL_EINVAL);
	r[0] = (struct record){ (u64)code, (u64)code + 8 };
	r[1] = (struct record){ (u64)code + 4, (u64)code + 12 };
	expect(ports, "overlapping records", VMMCTL_OP_REWRITE, r, 32,
	       VMMCTL_EINVAL);
	r[0] = (struct record){ (u64)code, (u64)code + 1 };
	r[1] = (struct record){ 0, 0 };
	expect(ports, "site shorter than its replacement", VMMCTL_OP_REWRITE, r,
	       32, VMMCTL_ESITE);
	if (user) {
		r[0] = (struct record){ user, user + 8 };
		expect(ports, "site in user memory", VMMCTL_OP_REWRITE, r, 16,
		       VMMCTL_EFAULT);
	}

	intact = memchr_inv(code, 0xf4, 16) == NULL;
	if (!intact)
		pr_err("a refused request changed the bytes it named\n");
	ioport_unmap(ports);
	kfree(r);
	kfree(code);
	pr_info("%d of %d malformed requests refused\n", refused, asked);
	return refused == asked && intact ? 0 : -EIO;
}

static void __exit badreq_exit(void)
{
}

module_init(badreq_init);
module_exit(badreq_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Malformed requests to the in-place VMM, each refused");
