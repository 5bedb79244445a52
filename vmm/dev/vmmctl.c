/*
 * The VMM control ports (include/guest/vmmctl.h, docs/vmm.md): a guest's
 * own way to ask its VMM for something, today the module helper asking
 * for a new module's sites to be rewritten (modsites.c). Only the guest
 * kernel reaches them: guest user processes run in tasks without port
 * rights. The request lives in guest memory; a request the VMM cannot
 * read is logged and otherwise ignored, one it can read gets its status.
 */
#include "vmm.h"
#include <guest/vmmctl.h>

static u32 request_lo;

static void perform(u64 va)
{
	struct vmmctl_request req;

	if (guest_read(va, &req, sizeof(req))) {
		printf("vmm: control request at %lx is not in mapped memory\n",
		       va);
		return;
	}
	req.name[VMMCTL_NAME_MAX - 1] = 0;
	switch (req.op) {
	case VMMCTL_OP_REWRITE:
		modsites_rewrite(&req);
		break;
	case VMMCTL_OP_FORGET:
		modsites_forget(&req);
		break;
	default:
		printf("vmm: control request at %lx: unknown operation %u\n",
		       va, req.op);
		req.status = -VMMCTL_EINVAL;
		break;
	}
	if (guest_write(va, &req, sizeof(req)))
		printf("vmm: control request at %lx vanished\n", va);
}

static u32 ctl_read(u16 port, unsigned size)
{
	if (port == VMMCTL_PORT_SIGNATURE && size == 4)
		return VMMCTL_SIGNATURE;
	return size == 4 ? ~0u : (1u << (8 * size)) - 1;
}

static void ctl_write(u16 port, unsigned size, u32 val)
{
	if (size != 4)
		return;
	if (port == VMMCTL_PORT_REQ_LO)
		request_lo = val;
	else if (port == VMMCTL_PORT_REQ_HI)
		perform((u64)val << 32 | request_lo);
}

static const struct ioport_handler ctl = { VMMCTL_PORT_SIGNATURE,
					   VMMCTL_PORT_COUNT, ctl_read,
					   ctl_write };

void vmmctl_init(void)
{
	ioport_register(&ctl);
}
