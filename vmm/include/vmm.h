/*
 * The in-place VMM: one per VM, running in the VM's own task next to the
 * guest kernel it serves (SPEC 6). This header names the pieces:
 *
 *   main.c       start-up: memory, loading, rewriting, the first entry
 *   loader.c     vmlinux ELF, initramfs, boot_params (bootparams.c)
 *   rewrite.c    the .afterburn sites -> calls into entry.S, site table
 *   thunk.c      the code a rewritten site jumps to
 *   decode.c     the sensitive instructions the sites and traps carry
 *   entry.S      site stubs, the upcall entry, guest resume
 *   site.c       a rewritten site was called: emulate its instruction
 *   upcall.c     the microkernel's upcalls: faults, syscalls, interrupts
 *   emulate.c    one handler per kind of sensitive instruction
 *   cpu_state.c  control registers, MSRs, CPUID, descriptor tables
 *   inject.c     exceptions and interrupts through the guest's IDT, iret
 *   guest_mem.c  the guest's page tables, walked in software
 *   softtlb.c    guest mappings into the microkernel tasks, on demand
 *   modsites.c   the sites of guest modules, when they load
 *   ioport.c     port I/O dispatch to the devices in dev/
 *   timer.c      the thread that drives the virtual PIT
 *
 * One vCPU for now (SPEC 3.6: SMP later). Per-vCPU state lives in struct
 * vcpu and is reached through vcpu_current(), never a bare global, so a
 * second vCPU is a second struct and a per-vCPU mapping of the near
 * window's data page (near.h), not a rewrite.
 */
#ifndef VMM_H
#define VMM_H

/*
 * One static position-independent image (mk/vmm.mk): every symbol is its
 * own, so even the address of an extern function is taken rip-relative,
 * not through a GOT the linker could not resolve up here.
 */
#pragma GCC visibility push(hidden)

#include <lib.h>
#include <sys.h>
#include <vm_boot.h>
#include "decode.h" /* instructions, and enum seg */

/*
 * The code and data of the paths every guest event takes (an upcall, a
 * site call, a fill, a resume) are packed together at the front of the
 * image (vmm.ld): under QEMU TCG each address-space switch empties the
 * software TLB, and every distinct page touched afterwards costs a refill.
 */
#define VMM_HOT __attribute__((hot))
#define VMM_HOT_DATA __attribute__((section(".data.hot")))
/*
 * Emulation of the sensitive instructions that are not inline or fast
 * (moves to segment and control registers, MSRs, port I/O, INVLPG): run
 * in a fifth of the periods between two switches, so they follow the hot
 * code instead of sitting among it.
 */
#define VMM_WARM __attribute__((hot, section(".text.warm")))

/* Capability slots of the VM task. */
#define SLOT_USER_TASK0 16		  /* guest user processes: uspace.c */
#define SLOT_VCPU_THREAD SLOT_SELF_THREAD /* the first thread */

/* Guest segment selectors Linux uses (arch/x86/include/asm/segment.h). */
#define GUEST_KERNEL_CS 0x10
#define GUEST_KERNEL_DS 0x18
#define GUEST_USER_DS 0x2b
#define GUEST_USER_CS 0x33
#define GUEST_USER32_CS 0x23 /* compatibility mode: struct vcpu_regs.cs */

#define RFLAGS_CF (1ul << 0)
#define RFLAGS_FIXED (1ul << 1)
#define RFLAGS_TF (1ul << 8)
#define RFLAGS_IF (1ul << 9)
#define RFLAGS_DF (1ul << 10)
#define RFLAGS_IOPL (3ul << 12)
#define RFLAGS_NT (1ul << 14)
#define RFLAGS_RF (1ul << 16)
#define RFLAGS_AC (1ul << 18)
#define RFLAGS_ID (1ul << 21)
/* What a CPL-3 popf/resume can really set; IF is virtual. */
#define RFLAGS_USER_MASK 0x0cd5ul /* CF PF AF ZF SF DF OF */
/*
 * What the guest keeps in RFLAGS. User mode also TF and RF (debug.c),
 * and AC and ID, which a process may set with popf as natively; never
 * the guest kernel, whose code would take #AC under the real CR0.AM.
 */
#define RFLAGS_KEPT(user)   \
	(RFLAGS_USER_MASK | \
	 ((user) ? RFLAGS_TF | RFLAGS_RF | RFLAGS_AC | RFLAGS_ID : 0))

#define CR0_PE (1ul << 0)
#define CR0_TS (1ul << 3)
#define CR0_WP (1ul << 16)
#define CR0_PG (1ul << 31)
#define CR4_TSD (1ul << 2)
#define CR4_PSE (1ul << 4)
#define CR4_PAE (1ul << 5)
#define CR4_PGE (1ul << 7)
#define CR4_UMIP (1ul << 11)
#define CR4_PCIDE (1ul << 17)
#define CR4_OSXSAVE (1ul << 18)
#define EFER_SCE (1ul << 0)
#define EFER_LME (1ul << 8)
#define EFER_LMA (1ul << 10)
#define EFER_NXE (1ul << 11)

/* Exception vectors (Intel SDM Vol. 3A 6.3.1). */
#define VEC_DE 0
#define VEC_DB 1
#define VEC_BP 3
#define VEC_UD 6
#define VEC_NM 7
#define VEC_DF 8
#define VEC_TS 10
#define VEC_NP 11
#define VEC_SS 12
#define VEC_GP 13
#define VEC_PF 14

/* Page-fault error code bits (Vol. 3A 4.7). */
#define PFE_P (1ul << 0)
#define PFE_W (1ul << 1)
#define PFE_U (1ul << 2)
#define PFE_I (1ul << 4)

struct dtr {
	u64 base;
	u16 limit;
};

/*
 * A page fault handed to the guest: when the guest returns to the
 * faulting instruction, the VMM maps the page before resuming, instead
 * of taking the same fault again as a soft-TLB fill (softtlb.c).
 */
struct refill {
	u64 va, error, rip, cr3;
	bool user, armed;
};

/* The virtual CPU the guest kernel believes it runs on. */
struct vcpu {
	struct vcpu_state *state; /* shared with the microkernel */
	unsigned cpl;		  /* 0: guest kernel, 3: guest user */
	u64 cr0, cr2, cr3, cr4, cr8, efer, xcr0;
	struct dtr gdtr, idtr;
	u16 ldtr, tr;
	u64 tss_base;	      /* from the GDT entry ltr named */
	u16 sel[6];	      /* es cs ss ds fs gs, as loaded */
	u64 fs_base, gs_base; /* the active ones */
	u64 kernel_gs_base;   /* MSR_KERNEL_GS_BASE, swapgs partner */
	u64 star, lstar, cstar, sfmask, tsc_aux, pat;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 dr[8];
	bool in_upcall, upcall_if;  /* see vcpu_if() */
	bool idle;		    /* hlt with interrupts on: waiting */
	struct vcpu_regs idle_regs; /* where to go on when idle ends */
	volatile u64 irq_latched;   /* pending bits taken while in VMM code */
	struct refill refill;	    /* softtlb.c, softtlb_refill() */
};

/*
 * The virtual interrupt flag is the state area's VCPU_F_IRQ byte while
 * the guest or a site's emulation runs. During an upcall the byte must
 * stay 0 (an interrupt would upcall again onto the same stack), so the
 * guest's flag lives in upcall_if until guest_resume() hands it to the
 * microkernel with the resume.
 */
static inline bool vcpu_if(struct vcpu *v)
{
	if (v->in_upcall)
		return v->upcall_if;
	return *(volatile u8 *)&v->state->flags != 0;
}

static inline void vcpu_set_if(struct vcpu *v, bool on)
{
	if (v->in_upcall)
		v->upcall_if = on;
	else
		*(volatile u8 *)&v->state->flags = on;
}

/* RFLAGS as the guest sees them: the real arithmetic flags, virtual IF. */
static inline u64 vcpu_guest_rflags(struct vcpu *v, const struct vcpu_regs *r)
{
	bool user = v->cpl == 3, on = user || vcpu_if(v);
	return (r->rflags & RFLAGS_KEPT(user)) | RFLAGS_FIXED |
	       (on ? RFLAGS_IF : 0);
}

/* Let virtual interrupts upcall now, whatever context we are in. */
static inline void vcpu_open_irq_window(struct vcpu *v)
{
	*(volatile u8 *)&v->state->flags = 1;
}

/* The VM as a whole. */
struct vm {
	const struct vm_boot_info *boot;
	u64 ram_size;
	bool alias_mapped; /* VMM_ALIAS_BASE still mapped */
	bool user_task_ready;
	bool no_kmem_lend; /* "vmm.kmem_lend=0" on the command line */
};

#include "near.h"

/* The vCPU this code runs for: the one of the near window's data page. */
static inline struct vcpu *vcpu_current(void)
{
	return &vmm_near->vcpu0;
}

extern struct vm vm;

/* Counters for the benchmark report (SPEC 6). */
enum counter {
	CNT_SITE_CALLS,
	CNT_TRAP_EMULATIONS,
	CNT_UPCALLS,
	CNT_PAGE_FAULTS,
	CNT_TLB_FILLS,
	CNT_GUEST_FAULTS,
	CNT_SYSCALLS,
	CNT_IRQS,
	CNT_SPACE_SWITCHES,
	CNT_FLUSHES,
	CNT_IOPORT,
	CNT_MSR,
	CNT_CPUID,
	CNT_CR,
	CNT_IRET,
	CNT_HLT,
	CNT_TICKS_DROPPED,
	CNT_MODULE_SITES,
	CNT_TLB_PREFILLS,
	CNT_TLB_REFILLS,
	CNT_SPACE_KEPT,
	CNT_SPACE_EVICTIONS,
	CNT_SPACE_RECLAIMS,
	CNT_DIRECT_RESUMES,
	CNT_REVALIDATIONS,
	CNT_PAGES_KEPT,
	CNT_OWN_RECLAIMS,
	CNT_QUOTA_GROWS,
	CNT_QUOTA_RETURNS,
	CNT_DEBUG_SETS,
	CNT_DEBUG_UNARMED,
	CNT_UMIP_EMULATIONS,
	CNT_KMEM_BORROWS,
	CNT_USER_FILLS, /* the tlb_fills of a guest process's task */
	CNT_COUNT
};
extern u64 counters[CNT_COUNT];
extern u64 site_kind_calls[]; /* by enum insn_kind (decode.h) */
void counters_print(const char *label);

/* loader.c */
long loader_load(struct vcpu *v, struct vcpu_regs *r);

/* main.c */
void noreturn vmm_fatal(const char *fmt, ...);
void noreturn vmm_stop(long status, const char *why);

/* entry.S (vmm_site_entry is at NEAR_SITE_ENTRY, near.h) */
void vmm_upcall_entry(void);
void noreturn vmm_start_stack(void (*fn)(void), u64 sp);
void noreturn vmm_jump(const struct vcpu_regs *r);
extern char vmm_text_start[], vmm_text_end[];

/* guest_mem.c: guest virtual and physical memory */
#define GUEST_KERNEL_HALF HYPERVISOR_SLOT_END /* after the hypervisor range */
#define GUEST_USER_END 0x0000800000000000ul
static inline void *gpa_ptr(u64 gpa)
{
	return (void *)(VM_GPA_WINDOW + gpa);
}
bool gpa_is_ram(u64 gpa, u64 len);
struct gpt_walk {
	u64 gpa; /* of the byte asked for */
	bool writable, user, exec;
	u64 *entries[4]; /* to set accessed/dirty; the first `levels` */
	unsigned levels;
};
bool gpt_walk(u64 cr3, u64 va, struct gpt_walk *w);
u64 *gpt_table(u64 cr3, u64 va, u64 *upper);
void gpt_mark(struct gpt_walk *w, bool write);
void gpt_forget(u64 va);
void gpt_forget_all(void);
long guest_read(u64 va, void *buf, u64 len);
long guest_write(u64 va, const void *buf, u64 len);
long guest_user_copy(u64 va, void *buf, u64 len, bool write, u64 *fault,
		     u64 *pf_present);
long guest_kernel_only_copy(u64 va, void *buf, u64 len, bool write);

/* softtlb.c */
enum tlb_result {
	TLB_MAPPED,
	TLB_GUEST_FAULT,
	TLB_BAD
};
void softtlb_map(u64 task, u64 gpa, u64 va, unsigned rights);
enum tlb_result softtlb_fill(u64 va, u64 error, bool user, u64 *pf_error);
void softtlb_arm_refill(struct vcpu *v, u64 va, u64 error, u64 rip);
void softtlb_refill(struct vcpu *v, u64 rip);
void softtlb_switch(u64 old_cr3, u64 new_cr3, bool flush);
void softtlb_flush_all(bool include_global);
void softtlb_flush_page(u64 va);
void softtlb_drop_alias(void);
bool vmm_reserved(u64 va);

/* uspace.c */
void uspace_init(void);
u64 uspace_task(void);
void uspace_switch(u64 space, bool flush);
void uspace_mapped(u64 va, u64 gpa, u64 n, unsigned rights);
void uspace_flush_all(void);
void uspace_flush_page(u64 va);
void uspace_reclaim(bool empty);
bool uspace_return_quota(void);

/* decode.c, rewrite.c: decode.h, included above */
struct record { /* one .afterburn record (SPEC 4.2) */
	u64 start, end;
};
#define MAX_SITES 8192 /* the kernel's and the modules' together */
const struct site *site_get(u64 index);
const struct site *site_lookup(u64 va);
long rewrite_sites(const u64 *rec, u64 nr, u8 *(*map)(u64 va, u64 len),
		   bool (*leave)(u64 va));
void rewrite_report(void);
void sort_records(struct record *r, u64 n);
long site_decode(const u8 *p, struct site *s);
long site_replace(u8 *p, const struct site *s, u64 index);
struct site *site_alloc(u64 *index);
#define THUNK_SIZE 64 /* bytes per site in entry.S's thunk_area */
u64 thunk_build(const struct site *s, u64 index);
u64 sites_free(void);
u64 sites_drop(u64 start, u64 end);
bool sites_in_kernel(u64 start, u64 end);

/* modsites.c: the sites of guest modules (dev/vmmctl.c asks) */
struct vmmctl_request;
void modsites_rewrite(struct vmmctl_request *req);
void modsites_forget(struct vmmctl_request *req);

/* emulate.c */
/*
 * Emulate in at guest address start; r->rip already holds the
 * continuation. Returns when the guest goes on there; exceptions, iret,
 * sysret and hlt do not return.
 */
void emulate(struct vcpu *v, struct vcpu_regs *r, const struct insn *in,
	     u64 start);

/* cpu_state.c */
void cpu_state_reset(struct vcpu *v);
void cpu_cpuid(struct vcpu *v, struct vcpu_regs *r);
u64 cpu_host_xcr0(void);
bool cpu_rdmsr(struct vcpu *v, u32 msr, u64 *val);
bool cpu_wrmsr(struct vcpu *v, u32 msr, u64 val);
bool cpu_write_cr(struct vcpu *v, unsigned cr, u64 val);
u64 cpu_read_cr(struct vcpu *v, unsigned cr);
u64 cpu_read_dr(struct vcpu *v, unsigned n);
void cpu_write_dr(struct vcpu *v, unsigned n, u64 val);
void cpu_debug_trap(struct vcpu *v, u64 dr6);
void cpu_load_gs_base(struct vcpu *v);

/* inject.c */
void noreturn inject_exception(struct vcpu *v, struct vcpu_regs *r,
			       unsigned vector, bool has_error, u64 error);
void noreturn inject_software_interrupt(struct vcpu *v, struct vcpu_regs *r,
					unsigned vector);
void noreturn inject_irq_or_resume(struct vcpu *v, struct vcpu_regs *r);
void noreturn emulate_iret(struct vcpu *v, struct vcpu_regs *r);
void noreturn emulate_sysret(struct vcpu *v, struct vcpu_regs *r, bool compat);
void noreturn emulate_syscall(struct vcpu *v, struct vcpu_regs *r);
void noreturn guest_resume(struct vcpu *v, struct vcpu_regs *r);
bool irq_deliverable(struct vcpu *v);

/* ioport.c and dev/ */
struct ioport_handler {
	u16 base, count;
	u32 (*read)(u16 port, unsigned size);
	void (*write)(u16 port, unsigned size, u32 val);
};
void ioport_register(const struct ioport_handler *h);
u32 ioport_read(u16 port, unsigned size);
void ioport_write(u16 port, unsigned size, u32 val);
void ioport_report(void); /* the unemulated ports used, at the end */
void devices_init(void);
u64 acpi_build(void); /* dev/acpi.c: the tables; the RSDP's address */
/* dev/aml.c: the DSDT's AML into out; its length, 0 if over max */
unsigned dsdt_aml(u8 *out, unsigned max, u8 s5_type);
u32 aml_eisa_id(const char *id);
void pic_raise(unsigned irq);
bool pic_requested(unsigned irq);
void pic_lower(unsigned irq);
int pic_pending_vector(void); /* -1 if none */
void pic_acknowledge(int vector);
void pit_poll(u64 now);
void rtc_poll(u64 now);
void uart_flush(void);
void uart_poll(void);

/* timer.c */
#define IRQ_BIT_TIMER 0 /* pending bit the vCPU timer raises */
#define IRQ_BIT_PIC 1	/* pending bit: the PIC has one (pic.c) */
#define IRQ_BIT_CONSOLE VM_CONSOLE_IRQ_BIT /* input (dev/uart.c) */
enum timer_source {
	TIMER_PIT,
	TIMER_RTC,
	TIMER_SOURCES
};
void timer_set(enum timer_source src, u64 deadline);
void timer_fired(void);
u64 tsc_hz(void);

#pragma GCC visibility pop

#endif
