#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Writes the seed corpus of fuzz_virtio_pci.c: driver sessions in the
# harness's step language (see step() and config_step() there) — Linux-like
# bring-ups with traffic over MSI-X and INTx, resets and FLRs in the middle,
# a BAR moved under a running device, the PCI_CFG window, and the classic
# hostile common-config sequences (virtio 1.2 §4.1.4.3).
import os
import struct
import sys

FIELDS = ['DFSELECT', 'DF', 'GFSELECT', 'GF', 'MSIX', 'NUMQ', 'STATUS', 'CFGGENERATION',
          'Q_SELECT', 'Q_SIZE', 'Q_MSIX', 'Q_ENABLE', 'Q_NOFF', 'Q_DESC', 'Q_AVAIL', 'Q_USED',
          'Q_NDATA', 'Q_RESET']
LEN_SEL = {1: 0, 2: 1, 4: 2, 8: 3, 3: 4}
ACK, DRV, FOK, DOK = 1, 2, 8, 4
VERSION_1, RING_PACKED, EVENT_IDX = 32, 34, 29


def access(kind, x, length=1, valsel=3):
    return struct.pack('<I', kind | x << 2 | LEN_SEL[length] << 14 | valsel << 17)[:3]


def wr(field, val):
    return bytes([0]) + access(0, FIELDS.index(field)) + struct.pack('<Q', val)


def wr_piece(field, val, length, piece):
    """kind 1: `length` bytes at byte `piece` of a field."""
    x = FIELDS.index(field) + len(FIELDS) * piece
    return bytes([0]) + access(1, x, length) + struct.pack('<Q', val)


def wr_off(off, val, length):
    return bytes([0]) + access(3, off, length) + struct.pack('<Q', val)


def rd(field):
    return bytes([3]) + access(0, FIELDS.index(field))


def rd_off(off, length):
    return bytes([3]) + access(3, off, length)


ISR = bytes([5])


def devcfg(off, val, length=4, write=True):
    sel = {1: 0, 2: 1, 4: 2, 8: 3, 3: 4}[length]
    return bytes([6]) + struct.pack('<H', off | sel << 12 | (0x8000 if write else 0)) + \
        struct.pack('<I', val)


def notify(off, val=0, length=2):
    sel = {1: 0, 2: 1, 4: 2, 8: 3, 3: 4}[length]
    return bytes([7]) + struct.pack('<H', off | sel << 12 | val << 8 & 0)


def bring_up(drop=0, drop_shift=0, add_bit=None, qmask=0x7, sizes=0, msix=True, master=True):
    fsel = drop | drop_shift << 28
    if add_bit is not None:
        fsel |= 0x80000000 | add_bit << 16
    qmask |= (0x40 if msix else 0) | (0 if master else 0x20)
    return bytes([8]) + struct.pack('<IBH', fsel, qmask, sizes)


def buf(off, length, write):
    return bytes([off >> 12 & 0xff, (off >> 8 & 0xf) | (off >> 4 & 0xf) << 4, length >> 4 & 0xff,
                  (length & 0xf) | (0x10 if write else 0)])


def chain(q, bufs, indirect=False, keep_order=False, kick=False):
    r = q | (len(bufs) - 1) << 2 | ((1 if indirect else 0) | (2 if keep_order else 0)) << 5
    return bytes([9, r | (0x80 if kick else 0)]) + b''.join(bufs)


SERVE, REAP, RESET = bytes([11]), bytes([13]), bytes([14, 1])


def fail_activate(on):
    return bytes([14, 2 | (4 if on else 0)])


def cfgop(op, v, extra=b''):
    return bytes([15, op]) + struct.pack('<I', v) + extra


def command(mem=True, master=True, intx_off=False):
    return cfgop(0, (2 if mem else 0) | (4 if master else 0) | (0x400 if intx_off else 0))


def msix(on):
    return cfgop(1, 0x8000 if on else 0)


def move_bar(slot, high=False):
    return cfgop(2, slot | (0x100 if high else 0))


def window(off, length_log2):
    return cfgop(3, off << 16 | length_log2 << 30)


def window_data(write, val=0, length=4):
    sel = {1: 0, 2: 1, 4: 2, 8: 3, 3: 4}[length]
    return cfgop(4, (1 if write else 0) | 1 << 1 | sel << 3 | val << 8)


FLR = cfgop(6, 0x10)


def traffic(q=0):
    return (chain(q, [buf(0x0000, 16, False), buf(0x1000, 512, True), buf(0x2000, 1, True)])
            + chain(q, [buf(0x3000, 100, False), buf(0x4000, 2000, True)], indirect=True)
            + SERVE + ISR + REAP)


NO_PACKED = 1 << (RING_PACKED - 28)
seeds = {
    'linux-msix-split': bring_up(drop=NO_PACKED, drop_shift=7) + traffic(0) + traffic(1)
    + traffic(2) + RESET,
    'linux-intx-packed': bring_up(msix=False) + traffic(0) + traffic(2) + RESET + bring_up()
    + traffic(1),
    'reset-mid-traffic': bring_up() + chain(0, [buf(0, 64, True)]) + RESET + SERVE + REAP
    + bring_up(msix=False) + traffic(0),
    'flr-mid-traffic': bring_up() + chain(1, [buf(0, 64, True)]) + FLR + SERVE + ISR
    + bring_up() + traffic(1),
    'bar-moves': bring_up() + move_bar(3) + traffic(0) + move_bar(200, high=True) + traffic(0)
    + command(mem=False) + notify(0) + command() + traffic(0),
    'no-bus-master': bring_up(master=False) + SERVE + ISR + command() + bring_up()
    + traffic(2),
    'features-refused': bring_up(add_bit=40) + bring_up(drop=1 << (VERSION_1 - 28), drop_shift=7)
    + bring_up(drop=1, drop_shift=0) + wr('STATUS', ACK | DRV | FOK | DOK),
    'queue-past-end': wr('Q_SELECT', 3) + rd('Q_SIZE') + wr('Q_SIZE', 16) + wr('Q_ENABLE', 1)
    + rd('Q_ENABLE') + wr('Q_SELECT', 0xffff) + wr('Q_DESC', 0x1000) + rd('Q_DESC')
    + wr('Q_MSIX', 1) + rd('Q_MSIX'),
    'size-not-pow2': bring_up(qmask=0x81, drop=NO_PACKED, drop_shift=7) + wr('Q_SELECT', 1)
    + wr('Q_SIZE', 48) + wr('Q_ENABLE', 1) + wr('STATUS', ACK | DRV | FOK | DOK) + SERVE,
    'ring-outside-memory': wr('STATUS', ACK) + wr('STATUS', ACK | DRV)
    + wr('GF', 1 << 0) + wr('GFSELECT', 1) + wr('GF', 1) + wr('STATUS', ACK | DRV | FOK)
    + wr('Q_DESC', 0xffffffffffff0000) + wr('Q_ENABLE', 1) + wr('STATUS', ACK | DRV | FOK | DOK)
    + SERVE + ISR,
    'enable-after-driver-ok': bring_up(qmask=0x1) + wr('Q_SELECT', 2) + wr('Q_DESC', 0x10000)
    + wr('Q_ENABLE', 1) + rd('Q_ENABLE') + SERVE,
    'vectors': bring_up() + wr('MSIX', 4) + rd('MSIX') + wr('Q_SELECT', 1) + wr('Q_MSIX', 0x7fff)
    + rd('Q_MSIX') + devcfg(0, 1, 1) + msix(False) + devcfg(0, 2, 1) + ISR + msix(True),
    'split-fields': wr_piece('Q_DESC', 0x1000, 4, 0) + wr_piece('Q_DESC', 0x2, 4, 4)
    + wr_piece('Q_SELECT', 1, 1, 1) + wr_off(0x15, 0xffff, 2) + wr_off(0x13, 0xffffffff, 4)
    + rd_off(0x12, 4) + rd_off(0x38, 8) + rd_off(0x40, 4) + wr_off(0xfff, 0xff, 1),
    'pci-cfg-window': window(0x14, 0) + window_data(True, DRV) + window_data(False)
    + window(0x0, 2) + window_data(False) + window(0x2000, 2) + window_data(True, 0x55)
    + window(0x3000, 1) + window_data(True, 0, 2) + window(0x3001, 1) + window_data(False)
    + window(0x1000, 0) + window_data(False, 0, 1),
    'activate-fails': fail_activate(True) + bring_up() + SERVE + ISR + fail_activate(False)
    + RESET + bring_up() + traffic(0),
    'intx-disabled': bring_up(msix=False) + command(intx_off=True) + traffic(1)
    + command() + ISR,
    'clear-bits': bring_up() + wr('STATUS', ACK) + wr('STATUS', 0x40) + wr('STATUS', 0x80)
    + rd('STATUS'),
    'feature-words': wr('GFSELECT', 2) + wr('GF', 1) + wr('DFSELECT', 7) + rd('DF') + bring_up(),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus',
                                                         'virtio_pci')
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
