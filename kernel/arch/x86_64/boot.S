/*
 * Multiboot (v1) entry. QEMU's -kernel loader jumps here in 32-bit
 * protected mode with paging off, eax = 0x2BADB002 and ebx = the physical
 * address of the multiboot information (Multiboot Specification 0.6.96,
 * 3.2). We build boot page tables that map the first 4 GiB twice, at 0
 * (identity, needed while paging turns on) and at KERNEL_BASE, enter long
 * mode (Intel SDM Vol. 3A 10.8.5) and jump to kernel_main in the higher
 * half.
 */
#include <arch/layout.h>

#define MB_MAGIC	0x1badb002
#define MB_FLAGS	((1 << 0) | (1 << 1) | (1 << 16)) /* page-aligned modules, memory map, address fields */

	.section .boot.header, "a"
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header			/* header_addr */
	.long _load_start		/* load_addr */
	.long _load_end_phys		/* load_end_addr */
	.long _bss_end_phys		/* bss_end_addr: the loader zeroes the rest */
	.long _start32			/* entry_addr */

	.section .boot, "ax"
	.code32
	.globl _start32
_start32:
	cli
	mov	%eax, %edi		/* multiboot magic, first argument */
	mov	%ebx, %esi		/* multiboot info, second argument */

	/* 2048 PD entries of 2 MiB: 4 GiB; above 3 GiB uncached (MMIO). */
	mov	$boot_pd, %ebx
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax
	or	$0x83, %eax		/* P | W | PS */
	cmp	$1536, %ecx
	jb	2f
	or	$0x18, %eax		/* PCD | PWT */
2:	mov	%eax, (%ebx, %ecx, 8)
	mov	%ecx, %eax
	shr	$11, %eax
	mov	%eax, 4(%ebx, %ecx, 8)	/* bits 32-33 of the address */
	inc	%ecx
	cmp	$2048, %ecx
	jne	1b

	/* PDPT[0..3] -> the four PDs; PML4[0] and PML4[256] -> the PDPT. */
	mov	$boot_pdpt, %ebx
	mov	$boot_pd + 3, %eax
	mov	%eax, 0(%ebx)
	add	$4096, %eax
	mov	%eax, 8(%ebx)
	add	$4096, %eax
	mov	%eax, 16(%ebx)
	add	$4096, %eax
	mov	%eax, 24(%ebx)
	mov	$boot_pml4, %ebx
	movl	$boot_pdpt + 3, 0(%ebx)
	movl	$boot_pdpt + 3, 256*8(%ebx)

	mov	%cr4, %eax
	or	$(1 << 5), %eax		/* PAE */
	mov	%eax, %cr4
	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx	/* EFER: LME, NXE, SCE */
	rdmsr
	or	$((1 << 8) | (1 << 11) | (1 << 0)), %eax
	wrmsr
	mov	%cr0, %eax
	or	$((1 << 31) | (1 << 16) | 1), %eax	/* PG, WP, PE */
	mov	%eax, %cr0

	lgdt	boot_gdt_ptr
	ljmp	$0x08, $start64_low

	.code64
start64_low:
	movabs	$start64_high, %rax
	jmp	*%rax

	.align 8
boot_gdt:
	.quad 0
	.quad 0x00209a0000000000	/* 64-bit code, DPL 0 */
	.quad 0x0000920000000000	/* data */
boot_gdt_ptr:
	.word 3 * 8 - 1
	.long boot_gdt

	.section .boot.data, "aw"
	.align 4096
	.globl boot_pml4
boot_pml4:	.fill 4096, 1, 0
boot_pdpt:	.fill 4096, 1, 0
boot_pd:	.fill 4 * 4096, 1, 0

	.text
start64_high:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	movabs	$boot_stack_top, %rsp
	mov	%edi, %edi		/* zero-extend both arguments */
	mov	%esi, %esi
	push	$0			/* terminate backtraces */
	call	kernel_main
1:	cli
	hlt
	jmp	1b

	.bss
	.align 4096
	.globl boot_stack_top
boot_stack:
	.skip 16384
boot_stack_top:
