/*
 * The VMM's start: what the root task gave us (user/lib/include/
 * vm_boot.h), then one step a line, then the first entry into the guest.
 * Ends only through vmm_stop(), which tells the root task.
 */
#include "vmm.h"

VMM_HOT_DATA struct vm vm;
VMM_HOT_DATA u64 counters[CNT_COUNT];
VMM_HOT_DATA u64 site_kind_calls[INSN_KIND_COUNT];
extern char _end[];
extern char upcall_stack_top[];

static const char *const counter_names[CNT_COUNT] = {
	"site_calls",	  "trap_emulations",
	"upcalls",	  "page_faults",
	"tlb_fills",	  "guest_page_faults",
	"syscalls",	  "irqs",
	"space_switches", "tlb_flushes",
	"ioport",	  "msr",
	"cpuid",	  "cr",
	"iret",		  "hlt",
	"ticks_dropped",  "module_sites",
	"tlb_prefills",	  "tlb_refills",
	"spaces_kept",	  "space_evictions",
	"space_reclaims", "direct_resumes",
	"revalidations",  "pages_kept",
	"own_reclaims",	  "quota_grows",
	"quota_returns",  "debug_sets",
	"debug_unarmed",  "umip_emulations",
	"kmem_borrows",	  "user_fills",
};

static bool isalnum_ascii(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/*
 * One line, one write: "vmm: counters name=N ...", or with a label
 * "vmm: counters@label name=N ..." (a snapshot the guest asked for).
 */
void counters_print(const char *label)
{
	char line[1000];
	unsigned long n = snprintf(line, sizeof(line), "vmm: counters%s%s",
				   label ? "@" : "", label ? label : "");

	for (unsigned i = 0; i < CNT_COUNT && n < sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - n, " %s=%lu",
			      counter_names[i], counters[i]);
	/* Then the site calls per kind of instruction, those that occurred. */
	for (unsigned k = 0; k < INSN_KIND_COUNT && n < sizeof(line); k++) {
		const char *name = insn_kind_name(k);

		if (!site_kind_calls[k])
			continue;
		n += snprintf(line + n, sizeof(line) - n, " site_");
		for (; *name && n < sizeof(line); name++)
			line[n++] = isalnum_ascii(*name) ? *name : '_';
		if (n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, "=%lu",
				      site_kind_calls[k]);
	}
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	console_write(line, n);
}

void noreturn vmm_stop(long status, const char *why)
{
	uart_flush();
	printf("vmm: VM stopped: %s\n", why);
	ioport_report();
	counters_print(NULL);
	exit(status);
}

void noreturn vmm_fatal(const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	uart_flush();
	printf("vmm: FATAL: %s\n", buf);
	vmm_stop(2, "fatal error in the VMM or the guest");
}

/*
 * Fault in every page of the image and the near window now: later VMM
 * faults would upcall.
 */
static void touch_image(void)
{
	for (volatile char *p = (char *)VMM_BASE; p < _end; p += 4096)
		(void)*p;
	for (volatile char *p = (char *)VMM_NEAR_BASE; p < (char *)NEAR_END;
	     p += 4096)
		(void)*p;
}

/* The near window again at its early-boot alias (vm_boot.h). */
static void map_alias(void)
{
	u64 pages = (NEAR_END - VMM_NEAR_BASE) / 4096;

	for (u64 i = 0; i < pages; i += MAP_MAX_PAGES) {
		u64 n = pages - i < MAP_MAX_PAGES ? pages - i : MAP_MAX_PAGES;

		if (sys_map(SLOT_SELF_TASK, VMM_NEAR_BASE + i * 4096,
			    VMM_ALIAS_BASE + i * 4096, n, MAP_RWX))
			vmm_fatal("cannot map the VMM's alias");
	}
	vm.alias_mapped = true;
}

void vmm_main(void)
{
	struct vcpu *v = vcpu_current();
	struct vcpu_state *area = &vmm_near->area;
	struct vcpu_regs r;

	vm.boot = (const struct vm_boot_info *)VM_BOOT_INFO;
	touch_image();
	if (vm.boot->magic != VM_BOOT_MAGIC)
		vmm_stop(1, "no VM boot information from the root task");
	vm.ram_size = vm.boot->ram_size;
	if (vm.boot->vm_index) { /* VM 0's lines stay as the guest wrote them */
		char prefix[16];

		snprintf(prefix, sizeof(prefix), "vm%lu| ", vm.boot->vm_index);
		console_set_prefix(prefix);
	}
	printf("vmm: VM %lu starting, VMM at %lx-%lx, near window at %lx-%lx\n",
	       vm.boot->vm_index, VMM_BASE, (u64)_end, VMM_NEAR_BASE, NEAR_END);
	v->state = area;
	cpu_state_reset(v);
	map_alias();
	if (loader_load(v, &r))
		vmm_stop(1, "the guest kernel cannot be loaded");
	devices_init();
	uspace_init();
	tsc_hz();
	area->entry_ip = (u64)vmm_upcall_entry;
	area->entry_sp = (u64)upcall_stack_top;
	if (sys_vcpu_control(SLOT_SELF_THREAD, (u64)area))
		vmm_stop(1, "cannot enter vCPU mode");
	v->cpl = 0;
	guest_resume(v, &r);
}
