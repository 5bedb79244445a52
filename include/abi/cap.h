/*
 * Capabilities: every kernel object a task can name lives in a slot of its
 * capability table. A slot holds a type, rights and a badge (a word chosen
 * by whoever copied the capability, delivered to receivers of IPC sent
 * through it). A task reaches only objects in its own table.
 */
#ifndef ABI_CAP_H
#define ABI_CAP_H

#define CAP_SLOTS	128

/* Well-known slots that the root task fills in every task it starts. */
#define SLOT_SELF_TASK		0
#define SLOT_SELF_THREAD	1
#define SLOT_PARENT		2	/* pager / service thread of the parent */

/* Root task only, installed by the kernel at boot. */
#define SLOT_ROOT_IOPORT	3	/* all 65536 I/O ports */
#define SLOT_ROOT_IRQ		4	/* first of IRQ_LINES interrupt caps */
#define IRQ_LINES		24
#define SLOT_ROOT_IOMMU		28	/* assigns PCI devices to DMA domains */

/* Pseudo slots for SYS_IPC. */
#define CAP_NONE	(~0ul)		/* no send phase / open receive */
#define CAP_REPLY	(~1ul)		/* the caller waiting for our reply */

#define CAPT_EMPTY	0
#define CAPT_TASK	1
#define CAPT_THREAD	2
#define CAPT_IOPORT	3
#define CAPT_IRQ	4
#define CAPT_IOMMU	5

/* Rights; a copy can only drop rights. */
#define CR_SEND		(1u << 0)	/* thread: IPC to it */
#define CR_CONTROL	(1u << 1)	/* thread: control/exregs; task: map into, create
					 * threads, read DMA faults; iommu: assign */
#define CR_GRANT	(1u << 2)	/* may be copied to other tasks */
#define CR_ALL		(CR_SEND | CR_CONTROL | CR_GRANT)

#endif
