#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Writes the seed corpus of fuzz_virtio_mmio.c: driver sessions in the
# harness's step language (see the step() switch there) — Linux-like
# bring-ups with traffic, resets in the middle, and the classic hostile
# register sequences (virtio 1.2 §4.2.2).
import os
import struct
import sys

REGS = ['MAGIC', 'VERSION', 'DEVICE_ID', 'VENDOR_ID', 'DEVICE_FEATURES', 'DEVICE_FEATURES_SEL',
        'DRIVER_FEATURES', 'DRIVER_FEATURES_SEL', 'QUEUE_SEL', 'QUEUE_NUM_MAX', 'QUEUE_NUM',
        'QUEUE_READY', 'QUEUE_NOTIFY', 'INTERRUPT_STATUS', 'INTERRUPT_ACK', 'STATUS',
        'QUEUE_DESC_LOW', 'QUEUE_DESC_HIGH', 'QUEUE_AVAIL_LOW', 'QUEUE_AVAIL_HIGH',
        'QUEUE_USED_LOW', 'QUEUE_USED_HIGH', 'SHM_SEL', 'SHM_LEN_LOW', 'SHM_LEN_HIGH',
        'SHM_BASE_LOW', 'SHM_BASE_HIGH', 'CONFIG_GENERATION']
LEN_SEL = {4: 0, 1: 4, 2: 5, 8: 6, 3: 7}
ACK, DRV, FOK, DOK = 1, 2, 8, 4
VERSION_1, RING_PACKED, EVENT_IDX, INDIRECT = 32, 34, 29, 28


def access(kind, x, length, valsel=2):
    """kind 0: register x, 3: offset x; valsel 2: the whole 32-bit value."""
    return struct.pack('<I', kind | x << 2 | LEN_SEL[length] << 14 | valsel << 17)[:3]


def wr(reg, val, length=4):
    return bytes([0]) + access(0, REGS.index(reg), length) + struct.pack('<I', val)


def wr_raw_off(off, val, length=4):
    return bytes([0]) + access(3, off, length) + struct.pack('<I', val)


def rd(reg, length=4):
    return bytes([3]) + access(0, REGS.index(reg), length)


def cfg(off, val, length=4, write=True):
    return bytes([5]) + struct.pack('<H', off | LEN_SEL[length] << 8 | (0x8000 if write else 0)) \
        + struct.pack('<I', val)


def bring_up(drop=0, drop_shift=0, add_bit=None, qmask=0x7, sizes=0):
    fsel = drop | drop_shift << 28
    if add_bit is not None:
        fsel |= 0x80000000 | add_bit << 16
    return bytes([6]) + struct.pack('<IBH', fsel, qmask, sizes)


def buf(off, length, write, raw=False):
    """A buffer at FZ_BUFS + off (off < 1 MiB, 16-byte grain) of length < 4096."""
    if raw:
        return bytes([off >> 56 & 0xff, off >> 16 & 0xff, off & 0xff, 0x80 | (0x10 if write else 0)])
    return bytes([off >> 12 & 0xff, (off >> 8 & 0xf) | (off >> 4 & 0xf) << 4, length >> 4 & 0xff,
                  (length & 0xf) | (0x10 if write else 0)])


def chain(q, bufs, indirect=False, keep_order=False, kick=False):
    r = q | (len(bufs) - 1) << 2 | (1 if indirect else 0) << 5 | (2 if keep_order else 0) << 5
    r |= 0x80 if kick else 0
    return bytes([7, r]) + b''.join(bufs)


SERVE, RESET = bytes([9]), bytes([12])


def irq(ack_all=True):
    return bytes([11, 1 if ack_all else 0])


def fail_activate(on):
    return bytes([13, 1 if on else 0])


def traffic(q=0):
    return (chain(q, [buf(0x0000, 16, False), buf(0x1000, 512, True), buf(0x2000, 1, True)])
            + chain(q, [buf(0x3000, 100, False), buf(0x4000, 2000, True)], indirect=True)
            + SERVE + irq())


seeds = {
    'linux-split': bring_up(drop=1 << (RING_PACKED - 28), drop_shift=7) + traffic(0) + traffic(1)
    + traffic(2) + RESET,
    'linux-packed': bring_up() + traffic(0) + traffic(2) + irq() + RESET + bring_up() + traffic(1),
    'no-event-idx': bring_up(drop=(1 << (EVENT_IDX - 28)) | (1 << (RING_PACKED - 28)),
                             drop_shift=7) + traffic(0) + traffic(0),
    'reset-mid-traffic': bring_up() + chain(0, [buf(0, 64, True)]) + RESET + SERVE + irq()
    + bring_up() + traffic(0),
    'features-refused': bring_up(add_bit=40) + bring_up(drop=1 << (VERSION_1 - 28), drop_shift=7)
    + bring_up(drop=1, drop_shift=0) + wr('STATUS', ACK | DRV | FOK | DOK),
    'queue-past-end': wr('STATUS', ACK) + wr('STATUS', ACK | DRV) + wr('QUEUE_SEL', 3)
    + rd('QUEUE_NUM_MAX') + wr('QUEUE_NUM', 16) + wr('QUEUE_READY', 1) + rd('QUEUE_READY')
    + wr('QUEUE_SEL', 0xffffffff) + wr('QUEUE_DESC_LOW', 0x1000) + rd('QUEUE_DESC_LOW'),
    'size-not-pow2': bring_up(qmask=0x81, drop=1 << (RING_PACKED - 28), drop_shift=7)
    + wr('QUEUE_SEL', 0) + wr('QUEUE_READY', 0) + wr('QUEUE_NUM', 48) + wr('QUEUE_READY', 1)
    + wr('STATUS', ACK | DRV | FOK | DOK) + SERVE,
    'ring-outside-memory': bring_up(qmask=0x81, drop=1 << (RING_PACKED - 28), drop_shift=7)
    + wr('QUEUE_SEL', 0) + wr('QUEUE_READY', 0) + wr('QUEUE_DESC_LOW', 0x1fff00)
    + wr('QUEUE_USED_HIGH', 0xffffffff) + wr('QUEUE_READY', 1)
    + wr('STATUS', ACK | DRV | FOK | DOK) + SERVE + irq(),
    'ring-across-hole': bring_up(qmask=0x81) + wr('QUEUE_SEL', 0) + wr('QUEUE_READY', 0)
    + wr('QUEUE_DESC_LOW', 0xffe00) + wr('QUEUE_READY', 1) + wr('STATUS', ACK | DRV | FOK | DOK),
    'buffers-outside': bring_up() + chain(0, [buf(0xff000, 4095, True)])
    + chain(0, [buf(0xffff0000000000, 0, True, raw=True)]) + SERVE + irq(),
    'writable-first': bring_up() + chain(1, [buf(0, 16, True), buf(0x100, 16, False)],
                                         keep_order=True) + SERVE,
    'driver-ok-first': wr('STATUS', DOK) + wr('STATUS', ACK | DRV | DOK) + wr('STATUS', FOK)
    + rd('STATUS') + RESET,
    'clear-bits': bring_up() + wr('STATUS', ACK) + wr('STATUS', 0x40) + wr('STATUS', 0x80)
    + rd('STATUS'),
    'narrow-access': wr('STATUS', 1, 1) + wr('QUEUE_SEL', 1, 2) + rd('MAGIC', 2) + rd('VERSION', 8)
    + wr_raw_off(0x71, 0xf) + wr_raw_off(0xffc, 1),
    'activate-fails': fail_activate(True) + bring_up() + SERVE + irq() + fail_activate(False)
    + RESET + bring_up() + traffic(0),
    'config': cfg(0, 0x11223344) + cfg(12, 0x55, 4) + cfg(13, 0, 4, write=False)
    + cfg(15, 0, 2, write=False) + cfg(0, 1, 8) + bring_up() + cfg(0, 7, 1) + irq(),
    'ready-toggle': bring_up(qmask=0x87) + wr('QUEUE_SEL', 1) + wr('QUEUE_READY', 0)
    + wr('QUEUE_NUM', 8) + wr('QUEUE_READY', 1) + wr('STATUS', ACK | DRV | FOK | DOK) + SERVE,
    'feature-words': wr('DRIVER_FEATURES_SEL', 2) + wr('DRIVER_FEATURES', 1)
    + wr('DEVICE_FEATURES_SEL', 7) + rd('DEVICE_FEATURES') + bring_up(),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus',
                                                         'virtio_mmio')
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
