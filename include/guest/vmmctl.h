/*
 * The VMM control ports: how code inside a guest Linux talks to its
 * in-place VMM (docs/vmm.md, "Control ports"). Shared by the VMM
 * (vmm/dev/vmmctl.c) and the guest's module helper (guest/modules/).
 *
 * Plain port I/O, so a guest needs no new instruction and no hook: the
 * helper does its accesses through Linux's ioread32()/iowrite32(), whose
 * in/out sites in vmlinux are rewritten like every other. On bare hardware
 * nothing answers at these ports: the signature reads as all ones, and the
 * helper knows it has no VMM to talk to.
 *
 *   VMMCTL_PORT_SIGNATURE  read 32 bits: VMMCTL_SIGNATURE
 *   VMMCTL_PORT_REQ_LO     write 32 bits: low half of a request's address
 *   VMMCTL_PORT_REQ_HI     write 32 bits: high half; performs the request
 *
 * A request is a struct vmmctl_request in guest memory, named by its
 * guest-virtual address in the current address space. The VMM reads it,
 * does it, and writes status and the counts back into it.
 */
#ifndef GUEST_VMMCTL_H
#define GUEST_VMMCTL_H

#define VMMCTL_PORT_SIGNATURE	0xdd0
#define VMMCTL_PORT_REQ_LO	0xdd4
#define VMMCTL_PORT_REQ_HI	0xdd8
#define VMMCTL_PORT_COUNT	12
#define VMMCTL_SIGNATURE	0x4d564444u	/* "DDVM" */

/* Operations. */
#define VMMCTL_OP_REWRITE	1	/* rewrite the sites of [begin, end) */
#define VMMCTL_OP_FORGET	2	/* those sites' code is going away */

/* Status (negative) of a request. */
#define VMMCTL_OK		0
#define VMMCTL_EINVAL		1	/* malformed request or record range */
#define VMMCTL_EFAULT		2	/* a record or site is not mapped */
#define VMMCTL_ESITE		3	/* a site cannot be rewritten */
#define VMMCTL_ENOSPC		4	/* the VMM's site table is full */

#define VMMCTL_NAME_MAX		56

/*
 * begin and end bound an array of .afterburn records (two 64-bit
 * addresses each: SPEC 4.2) in guest-virtual memory; all-zero records
 * are padding and skipped. Sites must lie in supervisor pages.
 */
struct vmmctl_request {
	unsigned int op;		/* VMMCTL_OP_* */
	int status;			/* out: VMMCTL_OK or -VMMCTL_E* */
	unsigned long long begin, end;	/* the records */
	unsigned long long done;	/* out: sites rewritten or forgotten */
	unsigned long long left;	/* out: records left alone */
	unsigned long long bad_site;	/* out: the site an ESITE names */
	char name[VMMCTL_NAME_MAX];	/* the module, for the VMM's log */
};

#endif
