// SPDX-License-Identifier: GPL-2.0
/*
 * afterburn_helper: gets the sites of every module loaded after it
 * rewritten by the in-place VMM (SPEC 6), so a pre-virtualized module runs
 * de-privileged as fast as the kernel's own code.
 *
 * The afterburner built the module like the kernel: each sensitive
 * instruction padded and recorded in .afterburn, and each object's
 * records bracketed by the local symbols __afterburn_obj_begin and
 * __afterburn_obj_end. When a module is about to run (MODULE_STATE_COMING:
 * relocated, alternatives applied, its init not yet called) Linux has
 * dropped the module's section table but still holds its full symbol
 * table, so the smallest begin and the largest end found there bound all
 * of its records. The helper names that range to the VMM through the
 * control ports (include/guest/vmmctl.h); when the module goes, it tells
 * the VMM to forget those sites.
 *
 * The helper uses no sensitive instruction of its own: its port accesses
 * go through ioread32()/iowrite32(), whose in/out sites live in the
 * (already rewritten) kernel. On bare hardware no VMM answers the
 * signature port; the helper then says so and does nothing, so the same
 * module file loads natively too. Load it before any other module:
 * modules loaded earlier keep their sites as the afterburner left them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vmmctl_client.h"

#define OBJ_BEGIN "__afterburn_obj_begin"
#define OBJ_END "__afterburn_obj_end"

/* A module whose sites the VMM rewrote: where its records are. */
struct rewritten {
	struct list_head link;
	struct module *mod;
	unsigned long begin, end;
};

static LIST_HEAD(rewritten_modules);
static DEFINE_MUTEX(lock); /* the list, the request, the port pair */
static struct vmmctl_request request;
static void __iomem *ports;

/* The bounds of mod's records from its symbol table; false if none. */
static bool find_records(struct module *mod, unsigned long *begin,
			 unsigned long *end)
{
	struct mod_kallsyms *ks;
	unsigned int i;

	*begin = ULONG_MAX;
	*end = 0;
	rcu_read_lock_sched();
	ks = rcu_dereference_sched(mod->kallsyms);
	for (i = 0; ks && i < ks->num_symtab; i++) {
		const Elf_Sym *sym = &ks->symtab[i];
		const char *name = ks->strtab + sym->st_name;

		if (!strcmp(name, OBJ_BEGIN) && sym->st_value < *begin)
			*begin = sym->st_value;
		else if (!strcmp(name, OBJ_END) && sym->st_value > *end)
			*end = sym->st_value;
	}
	rcu_read_unlock_sched();
	return *begin < *end;
}

/* Ask the VMM; the caller holds lock. Returns the request's status. */
static int vmm_request(unsigned int op, struct module *mod, unsigned long begin,
		       unsigned long end)
{
	memset(&request, 0, sizeof(request));
	request.op = op;
	request.begin = begin;
	request.end = end;
	strscpy(request.name, mod->name, sizeof(request.name));
	return vmmctl_call(ports, &request);
}

static const char *const errors[] = {
	[VMMCTL_EINVAL] = "malformed records",
	[VMMCTL_EFAULT] = "records or sites not mapped",
	[VMMCTL_ESITE] = "a site cannot be rewritten",
	[VMMCTL_ENOSPC] = "the VMM's site table is full",
};

static int rewrite_module(struct module *mod)
{
	struct rewritten *r;
	unsigned long begin, end;
	int status;

	if (!find_records(mod, &begin, &end))
		return 0; /* no sensitive instruction in it */
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	mutex_lock(&lock);
	status = vmm_request(VMMCTL_OP_REWRITE, mod, begin, end);
	if (status == VMMCTL_OK) {
		r->mod = mod;
		r->begin = begin;
		r->end = end;
		list_add(&r->link, &rewritten_modules);
		pr_info("module %s: %llu sites rewritten, %llu left\n",
			mod->name, request.done, request.left);
	} else {
		int e = -status;

		pr_err("module %s: the VMM refused its %lu records: %s (site %llx)\n",
		       mod->name, (end - begin) / 16,
		       e > 0 && e < ARRAY_SIZE(errors) && errors[e] ?
			       errors[e] :
			       "unknown error",
		       request.bad_site);
		kfree(r);
	}
	mutex_unlock(&lock);
	return status == VMMCTL_OK ? 0 : -EINVAL;
}

static void forget_module(struct module *mod)
{
	struct rewritten *r, *next;

	mutex_lock(&lock);
	list_for_each_entry_safe(r, next, &rewritten_modules, link)
	{
		if (r->mod != mod)
			continue;
		if (vmm_request(VMMCTL_OP_FORGET, mod, r->begin, r->end))
			pr_err("module %s: the VMM could not forget its sites\n",
			       mod->name);
		list_del(&r->link);
		kfree(r);
	}
	mutex_unlock(&lock);
}

static int module_event(struct notifier_block *nb, unsigned long state,
			void *data)
{
	struct module *mod = data;

	if (state == MODULE_STATE_COMING)
		return notifier_from_errno(rewrite_module(mod));
	if (state == MODULE_STATE_GOING)
		forget_module(mod);
	return NOTIFY_DONE;
}

static struct notifier_block module_nb = {
	.notifier_call = module_event,
};

static int __init helper_init(void)
{
	int err;

	if (!request_region(VMMCTL_PORT_SIGNATURE, VMMCTL_PORT_COUNT,
			    "afterburn_helper"))
		return -EBUSY;
	ports = vmmctl_open();
	if (!ports) {
		pr_info("no in-place VMM here (bare hardware?): nothing to do\n");
		release_region(VMMCTL_PORT_SIGNATURE, VMMCTL_PORT_COUNT);
		return 0;
	}
	err = rewrite_module(THIS_MODULE); /* the helper's own, if any */
	if (!err)
		err = register_module_notifier(&module_nb);
	if (err) {
		forget_module(THIS_MODULE);
		ioport_unmap(ports);
		release_region(VMMCTL_PORT_SIGNATURE, VMMCTL_PORT_COUNT);
		return err;
	}
	pr_info("the in-place VMM rewrites the sites of modules loaded from now on\n");
	return 0;
}

static void __exit helper_exit(void)
{
	if (!ports)
		return;
	unregister_module_notifier(&module_nb);
	forget_module(THIS_MODULE);
	ioport_unmap(ports);
	release_region(VMMCTL_PORT_SIGNATURE, VMMCTL_PORT_COUNT);
}

module_init(helper_init);
module_exit(helper_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION(
	"Pre-virtualization: module sites rewritten by the in-place VMM");
