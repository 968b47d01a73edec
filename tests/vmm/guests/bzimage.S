/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal bzImage (Linux boot protocol 2.15 header) for VMM tests: the
 * protected-mode part is GUEST_CODE (a 64-bit snippet from a .inc file chosen
 * at build time) placed at the 64-bit entry, +0x200. The real-mode entry only
 * halts: iovirt never runs it.
 */
	.code16
	.section .text
	.org 0x1f1
	.byte 1			/* setup_sects */
	.word 0			/* root_flags */
	.long 1			/* syssize */
	.word 0			/* ram_size */
	.word 0xffff		/* vid_mode */
	.word 0			/* root_dev */
	.word 0xaa55		/* boot_flag */
	jmp	real_entry	/* 0x200 */
	.ascii "HdrS"
	.word 0x020f		/* version */
	.long 0			/* realmode_swtch */
	.word 0			/* start_sys_seg */
	.word 0			/* kernel_version */
	.byte 0			/* type_of_loader */
	.byte 1			/* loadflags: LOADED_HIGH */
	.word 0x8000		/* setup_move_size */
	.long 0x100000		/* code32_start */
	.long 0			/* ramdisk_image */
	.long 0			/* ramdisk_size */
	.long 0			/* bootsect_kludge */
	.word 0			/* heap_end_ptr */
	.byte 0			/* ext_loader_ver */
	.byte 0			/* ext_loader_type */
	.long 0			/* cmd_line_ptr */
	.long 0x7fffffff	/* initrd_addr_max */
	.long 0x200000		/* kernel_alignment */
	.byte 0			/* relocatable_kernel */
	.byte 0			/* min_alignment */
	.word 1			/* xloadflags: XLF_KERNEL_64 */
	.long 255		/* cmdline_size */
	.long 0			/* hardware_subarch */
	.quad 0			/* hardware_subarch_data */
	.long 0			/* payload_offset */
	.long 0			/* payload_length */
	.quad 0			/* setup_data */
	.quad 0x100000		/* pref_address */
	.long 0x10000		/* init_size */
	.long 0			/* handover_offset */
real_entry:
	hlt
	jmp	real_entry
	.org 0x400
	.code64
	.org 0x400 + 0x200
entry64:
#include GUEST_CODE
	.org 0x400 + 0x2000
