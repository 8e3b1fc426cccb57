/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mark for icount.c: a program that only exits. Linked at a fixed
 * address (see scripts/profile-hba.sh) that no other guest code uses, so
 * the plugin knows it ran.
 */
	.globl _start
_start:
	mov $60, %eax		/* exit(0) */
	xor %edi, %edi
	syscall
