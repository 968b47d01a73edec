#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Writes the seed corpus of fuzz_vswitch.c: sessions in the harness's step
# language (see send_frame(), post_rx(), process(), ctrl_mq() there): ports
# with and without mergeable buffers, VERSION_1 or the legacy header, one or
# two queue pairs; learning, flooding and unicast, frames split over buffers,
# runts and oversize frames, receive buffers too small, VIRTIO_NET_CTRL_MQ,
# and a port that reconnects.
import os
import struct
import sys

MRG, V1, MQ, NO_EVENT_IDX = 1, 2, 4, 8
# Palette indexes (fuzz_vswitch.c): stations A-D, E, broadcast, two multicasts.
A, B, C, D, E, BCAST, MCAST4, MCAST6 = range(8)
RX_2048, RX_1526, RX_4096, RX_256, RX_64, RX_1, RX_12, RX_1000 = range(8)


def mac(m):
    if isinstance(m, int):
        return bytes([m])
    return bytes([0xf0]) + bytes(m)


def frame(port, dst, src, length=64, pair=0, nseg=1, hdr_alone=False, trailing_wr=False,
          cut=3, hdr=None, now=None):
    sel = port | pair << 2
    shape = (nseg - 1) | (8 if hdr_alone else 0) | (0x10 if trailing_wr else 0) | cut << 5
    if hdr is not None:
        shape |= 0x8000
    if isinstance(length, tuple):          # ('runt', n) / ('max', d) / ('x10', n)
        kind, v = length
        lsel = {'runt': 0x8100 | v, 'max': 0xe000 | v, 'x10': 0xc000 | v}[kind]
    else:
        lsel = length - 14
    b = bytes([3 if now is None else 11, sel]) + struct.pack('<HH', shape, lsel) + mac(dst) \
        + mac(src) + (bytes(hdr) if hdr is not None else b'')
    if now is not None:
        b += bytes([now])
    return b


def process(port, pair=0):
    return bytes([4, port | pair << 2])


def rx(port, n=8, size=RX_2048, pair=0, nd=1, readable_first=False, sizes=None):
    sizes = sizes or [size] * 4
    shape = (nd - 1) | (4 if readable_first else 0)
    for d, s in enumerate(sizes[:4]):
        shape |= s << (3 + 3 * d)
    shape &= 0x7fff
    return bytes([6, port | pair << 2 | (n - 1) << 3]) + struct.pack('<H', shape)


def ctrl(port, pairs, no_ack=False, flip=None, cut=0):
    sel = port | cut << 2 | (0x80 if no_ack else 0)
    if flip is not None:
        sel |= 0x40 | flip[0] << 3 | flip[1] << 5
    return bytes([8, sel]) + struct.pack('<H', pairs)


def reconnect(port, cfg):
    return bytes([9, port | cfg << 2])


ROUND = bytes([10])


def session(cfgs, *steps):
    return bytes(cfgs) + b''.join(steps)


ALL_RX = rx(0) + rx(1) + rx(2)
seeds = {
    'learn-flood-unicast': session([MRG | V1] * 3, ALL_RX,
                                   frame(0, BCAST, A), process(0),
                                   frame(1, A, B), process(1),
                                   frame(0, B, A), frame(0, C, A), process(0),
                                   frame(2, MCAST4, C), frame(2, A, C, length=1514), process(2)),
    'legacy-header': session([0, V1, MRG], ALL_RX, frame(0, BCAST, A, length=60),
                             frame(1, A, B, length=1514, nseg=3, hdr_alone=True), ROUND),
    'mergeable-small-bufs': session([MRG | V1] * 3, rx(1, 8, RX_256), rx(2, 4, RX_64),
                                    frame(0, BCAST, A, length=1514), ROUND,
                                    frame(0, BCAST, A, length=1000, now=0)),
    'no-mergeable-too-small': session([V1] * 3, rx(1, 4, RX_256), rx(2, 2, RX_12),
                                      frame(0, BCAST, A, length=1514), frame(0, BCAST, A),
                                      ROUND),
    'runts-and-giants': session([MRG | V1] * 3, ALL_RX,
                                frame(0, BCAST, A, length=('runt', 0)),
                                frame(0, BCAST, A, length=('runt', 13)),
                                frame(0, BCAST, A, length=('max', 1), nseg=6),
                                frame(0, BCAST, A, length=('max', 2), nseg=6),
                                frame(0, BCAST, A, length=('x10', 6600), nseg=6), ROUND),
    'jumbo-mergeable': session([MRG | V1] * 3, rx(1, 8, RX_4096), rx(2, 8, RX_1526),
                               frame(0, BCAST, A, length=('x10', 900), nseg=3), ROUND),
    'split-everything': session([MRG | V1, V1, MRG], ALL_RX,
                                frame(0, BCAST, A, length=200, nseg=6, cut=0),
                                frame(1, BCAST, B, length=40, nseg=6, cut=7, hdr=range(12)),
                                frame(2, BCAST, C, length=14, nseg=5, hdr_alone=True), ROUND),
    'trailing-writable': session([MRG | V1] * 3, ALL_RX,
                                 frame(0, BCAST, A, trailing_wr=True), ROUND),
    'readable-rx-first': session([MRG | V1, V1, MRG | V1],
                                 rx(1, 4, nd=2, readable_first=True, sizes=[RX_64, RX_2048]),
                                 rx(2, 4, nd=3, sizes=[RX_12, RX_1, RX_2048]),
                                 frame(0, BCAST, A, length=300), ROUND),
    'self-talk-and-move': session([MRG | V1] * 3, ALL_RX,
                                  frame(0, BCAST, A), frame(0, A, E), process(0),
                                  frame(1, BCAST, A), process(1), frame(2, A, C), process(2)),
    'group-source': session([MRG | V1] * 3, ALL_RX, frame(0, BCAST, BCAST),
                            frame(1, BCAST, MCAST6), frame(2, BCAST, [0, 1, 2, 3, 4, 5]), ROUND),
    'mq-pairs': session([MRG | V1 | MQ] * 3, ALL_RX, rx(0, pair=1), rx(1, pair=1), rx(2, pair=1),
                        frame(0, BCAST, A, pair=1), process(0, 1), ctrl(1, 1),
                        frame(0, BCAST, A, pair=1), process(0, 1), ctrl(1, 2),
                        ctrl(2, 3), ctrl(2, 0), ctrl(2, 1, no_ack=True), ctrl(2, 2, cut=2),
                        ctrl(2, 2, flip=(0, 1)), frame(0, BCAST, A, pair=1), ROUND),
    'reconnect': session([MRG | V1] * 3, ALL_RX, frame(1, BCAST, B), process(1),
                         frame(0, B, A), process(0), reconnect(1, V1), rx(1),
                         frame(0, B, A), process(0), frame(1, A, B), process(1)),
    'no-rx-buffers': session([MRG | V1] * 3, frame(0, BCAST, A), frame(0, C, A), ROUND, rx(1, 1),
                             frame(0, BCAST, A), frame(0, BCAST, A), ROUND),
    'ring-full': session([MRG | V1] * 3, rx(1, 8), *[frame(0, BCAST, A) for _ in range(70)],
                         ROUND),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus',
                                                         'vswitch')
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
