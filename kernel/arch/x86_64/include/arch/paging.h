/*
 * x86-64 4-level page table entries (Intel SDM Vol. 3A 4.5, Table 4-19).
 */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <types.h>

#define PTE_P (1ul << 0)
#define PTE_W (1ul << 1)
#define PTE_U (1ul << 2)
#define PTE_PWT (1ul << 3)
#define PTE_PCD (1ul << 4)
#define PTE_A (1ul << 5) /* set by the CPU on any access */
#define PTE_D (1ul << 6) /* set by the CPU on a write */
#define PTE_PS (1ul << 7)
#define PTE_G (1ul << 8)
#define PTE_NX (1ul << 63) /* needs EFER.NXE */
#define PTE_ADDR 0x000ffffffffff000ul

#define PML4_INDEX(va) (((va) >> 39) & 511)
#define PDPT_INDEX(va) (((va) >> 30) & 511)
#define PD_INDEX(va) (((va) >> 21) & 511)
#define PT_INDEX(va) (((va) >> 12) & 511)

#endif
