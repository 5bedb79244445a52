/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest side of the VMM control ports (include/guest/vmmctl.h), for
 * our modules: find the VMM, hand it a request. Port accesses go through
 * ioread32()/iowrite32(), whose in/out sites are the kernel's own.
 */
#ifndef VMMCTL_CLIENT_H
#define VMMCTL_CLIENT_H

#include <linux/io.h>
#include <linux/string.h>

#include <guest/vmmctl.h>

/* The control ports, or NULL when no VMM answers (bare hardware). */
static inline void __iomem *vmmctl_open(void)
{
	void __iomem *ports =
		ioport_map(VMMCTL_PORT_SIGNATURE, VMMCTL_PORT_COUNT);

	if (ports && ioread32(ports) != VMMCTL_SIGNATURE) {
		ioport_unmap(ports);
		ports = NULL;
	}
	return ports;
}

/* Perform req (op, begin, end, name filled in); returns its status. */
static inline int vmmctl_call(void __iomem *ports, struct vmmctl_request *req)
{
	unsigned long va = (unsigned long)req;

	req->status = -VMMCTL_EINVAL; /* if nobody answers */
	iowrite32((u32)va,
		  ports + (VMMCTL_PORT_REQ_LO - VMMCTL_PORT_SIGNATURE));
	iowrite32((u32)(va >> 32),
		  ports + (VMMCTL_PORT_REQ_HI - VMMCTL_PORT_SIGNATURE));
	return req->status;
}

#endif
