#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Writes the seed corpus of fuzz_vu_msg: whole, valid front-end sessions (split
# ring, packed ring, IOMMU, memory slots + dirty log + inflight) in the record
# format fuzz_vu_msg.c reads, so mutations start deep inside the protocol.
import os
import struct

U = 0x7F0000000000  # the front-end's user address of guest memory
GUEST, EVENTFD, SMALL, PIPE = 0, 1, 2, 3


def chunk(req, payload=b"", fds=(), flags=1):
    body = struct.pack("<III", req, flags, len(payload)) + payload
    return bytes([len(fds)]) + bytes(fds) + struct.pack("<H", len(body)) + body


def memw(off, data):
    out = b""
    for i in range(0, len(data), 255):
        part = data[i:i + 255]
        out += b"\x80" + struct.pack("<IB", off + i, len(part)) + part
    return out


def u64(v):
    return struct.pack("<Q", v)


def state(i, n):
    return struct.pack("<II", i, n)


PROTO = sum(1 << b for b in (0, 1, 3, 5, 9, 12, 13, 15, 16))
F_PROTO, F_VERSION1, F_PACKED, F_EVIDX, F_IOMMU, F_LOG = 30, 32, 34, 29, 33, 26


def hello(features):
    return (chunk(3) + chunk(1) + chunk(15) + chunk(16, u64(PROTO)) +
            chunk(2, u64(features), flags=1 | 8))


def mem_table():
    region = struct.pack("<QQQQ", 0, 0x100000, U, 0)
    return chunk(5, struct.pack("<II", 1, 0) + region, fds=(GUEST,), flags=1 | 8)


def ring_msgs(idx, num, base, desc, avail, used, log=0, flags=0):
    addr = struct.pack("<IIQQQQ", idx, flags, desc, used, avail, log)
    return (chunk(8, state(idx, num)) + chunk(10, state(idx, base)) + chunk(9, addr) +
            chunk(13, u64(idx), fds=(EVENTFD,)) + chunk(12, u64(idx), fds=(EVENTFD,)) +
            chunk(18, state(idx, 1), flags=1 | 8))


def split_ring_mem():
    desc = struct.pack("<QIHH", 0x10000, 64, 1, 1) + struct.pack("<QIHH", 0x11000, 128, 2, 0)
    avail = struct.pack("<HHH", 0, 1, 0)
    return memw(0x1000, desc) + memw(0x1100, avail) + memw(0x10000, b"request" * 9)


def tail():
    cfg = struct.pack("<III", 0, 16, 0)
    infl = struct.pack("<QQHHxxxx", 0, 0, 4, 16)
    return (chunk(24, cfg + bytes(16)) + chunk(31, infl) + chunk(39, u64(15)) + chunk(40) +
            chunk(17) + chunk(36) + chunk(11, state(0, 0)))


def seeds():
    feat = (1 << F_PROTO) | (1 << F_VERSION1) | (1 << F_EVIDX)
    yield "split", (hello(feat) + mem_table() + split_ring_mem() +
                    ring_msgs(0, 16, 0, U + 0x1000, U + 0x1100, U + 0x2000) + tail())

    pdesc = (struct.pack("<QIHH", 0x10000, 64, 0, 0x81) +
             struct.pack("<QIHH", 0x11000, 128, 0, 0x82))
    yield "packed", (hello(feat | (1 << F_PACKED)) + mem_table() + memw(0x1000, pdesc) +
                     ring_msgs(0, 16, 0x80008000, U + 0x1000, U + 0x1100, U + 0x1200) + tail())

    iova = 0x40000000
    iotlb = struct.pack("<QQQBBxxxxxx", iova, 0x100000, U, 3, 2)
    desc = (struct.pack("<QIHH", iova + 0x10000, 64, 1, 1) +
            struct.pack("<QIHH", iova + 0x11000, 128, 2, 0))
    yield "iommu", (hello(feat | (1 << F_IOMMU)) + mem_table() +
                    chunk(21, fds=(PIPE,)) + chunk(22, iotlb, flags=1 | 8) +
                    memw(0x1000, desc) + memw(0x1100, struct.pack("<HHH", 0, 1, 0)) +
                    ring_msgs(0, 16, 0, iova + 0x1000, iova + 0x1100, iova + 0x2000) +
                    chunk(22, struct.pack("<QQQBBxxxxxx", iova, 0x1000, 0, 0, 3)) +
                    tail())

    reg = struct.pack("<QQQQQ", 0, 0x200000, 0x1000, U + 0x200000, 0)
    log = struct.pack("<QQ", 0x1000, 0)
    infl = struct.pack("<QQHHxxxx", 0x280, 0, 2, 16)
    yield "slots-log-inflight", (hello(feat | (1 << F_LOG)) + mem_table() +
                                 chunk(37, reg, fds=(SMALL,)) + chunk(6, log, fds=(SMALL,)) +
                                 chunk(7, fds=(EVENTFD,)) + chunk(32, infl, fds=(SMALL,)) +
                                 split_ring_mem() +
                                 ring_msgs(0, 16, 0, U + 0x1000, U + 0x1100, U + 0x2000,
                                           log=0x2000, flags=1) +
                                 chunk(38, reg) + chunk(34) + chunk(4))


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_vu_msg")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)
