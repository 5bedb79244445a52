// SPDX-License-Identifier: GPL-2.0
/*
 * textpoke_test: Linux rewriting its own code while it runs (SPEC 9, the
 * first hard part). A static call's trampoline is a jump in this module's
 * text; static_call_update() rewrites it with text_poke_bp(): an int3
 * over the first byte, the rest, then the first byte again, each write
 * through text_poke()'s temporary address space (a CR3 load and a user
 * address mapping the page), with a serializing iret in between. In a VM
 * each of those steps goes through the VMM: the CR3 loads, the soft TLB's
 * mapping of the poking address, the iret, and the guest's own page
 * having been rewritten under the code QEMU translated.
 *
 * Loading calls through the static call, retargets it, calls again, and
 * so on; it prints "textpoke_test: N of M checks passed" and fails with
 * -EIO if any call went to the wrong function.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/static_call.h>

static int passed, total;

static noinline int target_one(int x)
{
	return x + 1;
}

static noinline int target_two(int x)
{
	return x * 2;
}

DEFINE_STATIC_CALL(textpoke_call, target_one);

static void check(int got, int want, const char *what)
{
	total++;
	if (got == want)
		passed++;
	else
		pr_err("check failed: %s: %d, not %d\n", what, got, want);
}

static int __init textpoke_test_init(void)
{
	int round;

	check(static_call(textpoke_call)(20), 21, "first target");
	for (round = 0; round < 8; round++) {
		static_call_update(textpoke_call, target_two);
		check(static_call(textpoke_call)(20), 40, "retargeted");
		static_call_update(textpoke_call, target_one);
		check(static_call(textpoke_call)(20), 21, "back again");
	}
	pr_info("%d of %d checks passed\n", passed, total);
	return passed == total ? 0 : -EIO;
}

static void __exit textpoke_test_exit(void)
{
}

module_init(textpoke_test_init);
module_exit(textpoke_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("static call updates: text_poke_bp at run time");
