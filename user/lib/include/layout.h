/*
 * The address layout the root task gives every task it starts from a boot
 * module: the ELF image at its link address, a demand-zero heap and a
 * demand-zero stack.
 */
#ifndef LAYOUT_H
#define LAYOUT_H

#define CHILD_HEAP_BASE 0x0000100000000000ul
#define CHILD_HEAP_SIZE (256ul << 20)
#define CHILD_STACK_TOP 0x0000700000000000ul
#define CHILD_STACK_SIZE (1ul << 20)
#define CHILD_KMEM_QUOTA (2ul << 20)
#define CHILD_DEVICE_BASE 0x0000200000000000ul /* a granted BAR0 */

/* Requests to the root task (labels of IPC to SLOT_PARENT). */
#define REQ_EXIT 1   /* w0 status */
#define REQ_IOPORT 2 /* w0 base, w1 count -> w0 error */
#define REQ_IRQ 3    /* w0 line, w1 slot in the caller -> w0 error */
#define REQ_PING 4   /* -> w0 0 */
#define REQ_DEVICE 5 /* w0 DEV_* op -> w0 error, results in w1.. */
#define REQ_KMEM 6   /* w0 bytes of kernel-memory quota -> w0 error */

/* REQ_DEVICE operations. */
#define DEV_GET \
	1		   /* w1 vendor << 16 | device, w2 a slot for the
				 * interrupt cap (0: none) -> w1 requester id,
				 * w2 BAR0 size (mapped at CHILD_DEVICE_BASE),
				 * w3 physical address of the probe page,
				 * w4 the device's IOAPIC input (its INTx) */
#define DEV_DETACH 2	   /* block the device (no DMA domain) */
#define DEV_PROBE_INTACT 3 /* -> w1 1: the probe page is unchanged */
#define DEV_FAULTS 4	   /* -> w1 DMA faults the kernel counted */

#endif
