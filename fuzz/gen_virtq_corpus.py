#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Writes the seed corpus of fuzz_virtq.c: well-formed split and packed rings
# (direct, chained, indirect, EVENT_IDX, vhost-user base, IOMMU) and a few
# classic hostile ones, in the harness's input layout (see fuzz_virtq.c).
import os
import struct
import sys

RING = 0x800
DATA = 0x1000
TABLE = 0x2000
NEXT, WRITE, INDIRECT = 1, 2, 4
AVAIL, USED = 1 << 7, 1 << 15
PACKED, EVENT_IDX, IND, IOMMU, SET_BASE = 1, 2, 4, 8, 16


def hdr(size, flags, iov_max=63, push=0x55, base=0, deny=0, rdonly=0):
    return struct.pack('<BBBBIIIIIII', size, flags, iov_max, push, base, deny, rdonly, 0, 0, 0, 0)


def split(mem, n, chains, avail_idx=None, start=0):
    """chains: list of (head, [(addr, len, flags, next)...] at consecutive indices from head)."""
    heads = []
    for head, descs in chains:
        for i, (a, l, f, nx) in enumerate(descs):
            struct.pack_into('<QIHH', mem, 16 * ((head + i) % n), a, l, f, nx)
        heads.append(head)
    idx = start
    for h in heads:
        struct.pack_into('<H', mem, 0x400 + 4 + 2 * (idx % n), h)
        idx += 1
    struct.pack_into('<HH', mem, 0x400, 0, (idx if avail_idx is None else avail_idx) & 0xffff)
    struct.pack_into('<HH', mem, 0x500, 0, start)  # used idx (read by SET_VRING_BASE)


def packed(mem, lists):
    """lists: list of [(addr, len, flags, id)...]; laid out from slot 0, wrap counter 1."""
    slot = 0
    for lst in lists:
        for a, l, f, i in lst:
            struct.pack_into('<QIHH', mem, 16 * slot, a, l, i, f | AVAIL)
            slot += 1


def table(mem, descs, packed_fmt=False):
    for i, (a, l, f, nx) in enumerate(descs):
        if packed_fmt:
            struct.pack_into('<QIHH', mem, TABLE + 16 * i, a, l, 0, f)
        else:
            struct.pack_into('<QIHH', mem, TABLE + 16 * i, a, l, f, nx)


def seed(name, h, mem):
    with open(os.path.join(out, name), 'wb') as f:
        f.write(h + bytes(mem))


out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus', 'virtq')
os.makedirs(out, exist_ok=True)

m = bytearray(0x3000)
split(m, 8, [(0, [(DATA, 64, 0, 0)])])
seed('split-one', hdr(3, 0), m)

m = bytearray(0x3000)
table(m, [(DATA, 16, NEXT, 1), (DATA + 0x100, 32, WRITE, 0)])
split(m, 8, [(0, [(DATA, 16, NEXT, 1), (DATA + 0x40, 16, NEXT, 2), (DATA + 0x200, 128, WRITE, 0)]),
             (3, [(TABLE, 32, INDIRECT, 0)]),
             (4, [(DATA + 0x300, 0xfff, WRITE, 0)])])
seed('split-chains-indirect', hdr(3, IND | EVENT_IDX, push=0x0f), m)

m = bytearray(0x3000)
split(m, 4, [(0, [(DATA, 8, 0, 0)]), (1, [(DATA, 8, WRITE, 0)])], start=65534)
seed('split-wrap-base', hdr(2, EVENT_IDX | SET_BASE, base=65534), m)

m = bytearray(0x3000)
packed(m, [[(DATA, 16, NEXT, 0), (DATA + 0x40, 16, NEXT, 0), (DATA + 0x100, 64, WRITE, 1)],
           [(DATA + 0x200, 32, 0, 2)],
           [(TABLE, 32, INDIRECT, 3)]])
table(m, [(DATA, 16, 0, 0), (DATA + 0x400, 64, WRITE, 0)], packed_fmt=True)
seed('packed-lists-indirect', hdr(7, PACKED | IND | EVENT_IDX, push=0xf0), m)

m = bytearray(0x3000)
packed(m, [[(DATA + 0xff0, 0x20, WRITE, 0)], [(DATA, 8, 0, 1)]])
seed('packed-iommu', hdr(4, PACKED | IOMMU, rdonly=1 << 2), m)

m = bytearray(0x3000)
split(m, 8, [(0, [(DATA, 16, NEXT, 1), (DATA, 16, NEXT, 0)])])
seed('split-loop', hdr(3, 0), m)

m = bytearray(0x3000)
table(m, [(TABLE, 32, INDIRECT, 0)])
split(m, 8, [(0, [(TABLE, 16, INDIRECT, 0)])])
seed('split-nested-indirect', hdr(3, IND), m)

m = bytearray(0x3000)
split(m, 8, [(0, [(0xfff0, 0x100, WRITE, 0)])])
seed('split-across-regions', hdr(3, 0, iov_max=1), m)
