/*
 * DMA domains (docs/abi.md, "DMA domains"): every task may own one DMA
 * domain, the I/O address space (IOVA space) the IOMMU gives the PCI
 * devices assigned to it. A task fills it only with pages it has mapped
 * itself; revoking such a page (unmap through the mapping database)
 * removes its IOVA entry too. Assigning a device needs the IOMMU
 * capability, which the kernel gives the root task at boot.
 */
#ifndef ABI_DMA_H
#define ABI_DMA_H

/* Device rights of an IOVA page (a page's CPU rights bound them). */
#define DMA_R		(1u << 0)	/* the device may read the page */
#define DMA_W		(1u << 1)	/* the device may write the page */
#define DMA_RW		(DMA_R | DMA_W)

/* IOVAs are page aligned and below this (3-level tables, 39 bits). */
#define DMA_IOVA_LIMIT	(1ul << 39)

/* A PCI requester id: bus 8 bits, device 5 bits, function 3 bits. */
#define PCI_BDF(bus, dev, fn)	(((bus) << 8) | ((dev) << 3) | (fn))
#define PCI_BDF_MAX		0xffff

/* dma_faults() -> rdx: what the last blocked request was. */
#define DMA_FAULT_REASON(x)	((x) & 0xff)	/* VT-d fault reason (spec Appendix A) */
#define DMA_FAULT_WRITE		(1ul << 8)	/* a write request (else a read) */
#define DMA_FAULT_SOURCE(x)	(((x) >> 16) & 0xffff)	/* requester id */

#endif
