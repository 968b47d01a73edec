#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Writes the seed corpus of fuzz_blk_req.c: well-formed virtio-blk requests of
# every type (split and merged buffers) and the classic hostile ones, in the
# harness's input layout (see fuzz_blk_req.c).
import os
import struct
import sys

RO, FLUSH, DISCARD, WZ, TINY = 1, 2, 4, 8, 16
T_IN, T_OUT, T_FLUSH, T_GET_ID, T_DISCARD, T_WZ = 0, 1, 4, 8, 11, 13


def req(mode, out_lens, in_lens, payload):
    lens = b''.join(struct.pack('<H', n) for n in out_lens + in_lens)
    return bytes([mode, len(out_lens), len(in_lens)]) + lens + payload


def hdr(t, sector):
    return struct.pack('<IIQ', t, 0, sector)


def seg(sector, num, flags=0):
    return struct.pack('<QII', sector, num, flags)


ALL = FLUSH | DISCARD | WZ
seeds = {
    'read-4k': req(ALL, [16], [4096, 1], hdr(T_IN, 8)),
    'read-status-shared': req(ALL, [16], [1024, 513], hdr(T_IN, 0)),
    'write-2-bufs': req(ALL, [16, 512, 1024], [1], hdr(T_OUT, 4) + b'\x5a' * 1536),
    'write-through': req(DISCARD, [16, 512], [1], hdr(T_OUT, 2) + b'\x11' * 512),
    'write-ro': req(ALL | RO, [16, 512], [1], hdr(T_OUT, 0) + b'\x22' * 512),
    'split-header': req(ALL, [3, 13, 512], [1], hdr(T_OUT, 1) + b'\x33' * 512),
    'flush': req(ALL, [16], [1], hdr(T_FLUSH, 0)),
    'get-id': req(ALL, [16], [20, 1], hdr(T_GET_ID, 0)),
    'discard-2': req(ALL, [16, 32], [1], hdr(T_DISCARD, 0) + seg(0, 8) + seg(64, 16)),
    'wz-unmap': req(ALL, [16, 16], [1], hdr(T_WZ, 0) + seg(32, 8, 1)),
    'discard-tiny-busy': req(ALL | TINY, [16, 48], [1],
                             hdr(T_DISCARD, 0) + seg(0, 1) + seg(8, 1) + seg(16, 1)),
    'discard-unmap': req(ALL, [16, 16], [1], hdr(T_DISCARD, 0) + seg(0, 8, 1)),
    'discard-past-end': req(ALL, [16, 16], [1], hdr(T_DISCARD, 0) + seg(120, 16)),
    'read-past-end': req(ALL, [16], [1024, 1], hdr(T_IN, 127)),
    'sector-overflow': req(ALL, [16, 512], [1], hdr(T_OUT, 0xffffffffffffffff) + b'\0' * 512),
    'not-512': req(ALL, [16, 100], [1], hdr(T_OUT, 0) + b'\x44' * 100),
    'bad-type': req(ALL, [16], [1], hdr(99, 0)),
    'short-header': req(ALL, [10], [1], hdr(T_IN, 0)[:10]),
    'no-status': req(ALL, [16, 512], [], hdr(T_OUT, 0) + b'\x55' * 512),
    'zero-len-in': req(ALL, [16], [0, 0], hdr(T_FLUSH, 0)),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus',
                                                         'blk_req')
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
