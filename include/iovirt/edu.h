/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The edu PCI test device (QEMU's docs/specs/edu.rst): a function that DMAs
 * where it is told, through its own DMA address space, so that tests (and the
 * IOMMU tests in particular) can make a device read or write any address.
 * src/devices/edu.c documents the register file and where it departs from
 * QEMU's model.
 */
#ifndef IOVIRT_EDU_H
#define IOVIRT_EDU_H

#include "types.h"

struct vm;

#define EDU_VENDOR_ID 0x1234
#define EDU_DEVICE_ID 0x11e8
#define EDU_BAR_SIZE SZ_1M

/* Registers (BAR 0 offsets). */
#define EDU_REG_ID 0x00		/* RO 0x010000ed: version 1.0 */
#define EDU_REG_LIVENESS 0x04	/* RW: reads the inverse of what was written */
#define EDU_REG_FACT 0x08	/* RW: write n, read n! (mod 2^32) */
#define EDU_REG_STATUS 0x20	/* RW: EDU_STATUS_* */
#define EDU_REG_IRQ_STATUS 0x24 /* RO: raised interrupt bits */
#define EDU_REG_IRQ_RAISE 0x60	/* WO: OR into the interrupt status, interrupt */
#define EDU_REG_IRQ_ACK 0x64	/* WO: clear from the interrupt status */
#define EDU_REG_DMA_SRC 0x80	/* RW 64-bit */
#define EDU_REG_DMA_DST 0x88	/* RW 64-bit */
#define EDU_REG_DMA_CNT 0x90	/* RW 64-bit */
#define EDU_REG_DMA_CMD 0x98	/* RW: EDU_DMA_* */

#define EDU_ID_VALUE 0x010000edu
#define EDU_STATUS_COMPUTING 0x01
#define EDU_STATUS_IRQFACT 0x80
#define EDU_IRQ_FACT 0x00000001u
#define EDU_IRQ_DMA 0x00000100u
#define EDU_DMA_RUN 0x1
#define EDU_DMA_TO_RAM 0x2	/* direction: 0 RAM → device buffer, 1 buffer → RAM */
#define EDU_DMA_IRQ 0x4		/* raise EDU_IRQ_DMA when the transfer ends */
#define EDU_DMA_ERROR 0x8	/* iovirt: the last transfer failed (RO, cleared by RUN) */
#define EDU_DMA_BUF_ADDR 0x40000ull /* the device's 4 KiB buffer, as a DMA address */
#define EDU_DMA_BUF_SIZE 4096u
/* Time from RUN to completion on the VM clock (QEMU's model takes 100 ms). */
#define EDU_DMA_DELAY_NS 1000000ull

int edu_create(struct vm *vm) __must_check;

#endif
