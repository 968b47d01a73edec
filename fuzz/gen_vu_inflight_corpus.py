#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Writes the seed corpus of fuzz_vu_inflight: packed-ring inflight regions as
# a back-end leaves them (vhost-user "Inflight I/O tracking", QueueRegionPacked
# for a ring of 8), with the descriptor ring and base that go with them —
# blank, requests in flight between batches, and a crash on each side of a
# batch's publication — so mutations start from states recovery accepts.
import os
import struct

QSIZE = 8
AVAIL, USED, NEXT, WRITE, INDIRECT = 1 << 7, 1 << 15, 1, 2, 4


def header(free, old_free, used, old_used, wrap=1, old_wrap=1, version=1):
    return struct.pack("<QHHHHHHBB7x3x", 0, version, QSIZE, free, old_free, used, old_used,
                       wrap, old_wrap)


def entry(inflight=0, nxt=0, last=0, num=0, counter=0, id_=0, flags=0, length=0, addr=0):
    return struct.pack("<BBHHHQHHIQ", inflight, 0, nxt, last, num, counter, id_, flags, length,
                       addr)


def desc(addr, length, id_, flags):
    return struct.pack("<QIHH", addr, length, id_, flags)


def ring(slots):
    out = b"".join(slots)
    return out + bytes(16 * QSIZE - len(out))


# Two chains fetched: id 0 (out 0x10000 + in 0x11000) in entries 0-1, id 1
# (indirect table at 0x12000) in entry 2; the free list is 3..7.
CHAIN0 = [desc(0x10000, 64, 0, AVAIL | NEXT), desc(0x11000, 64, 0, AVAIL | WRITE)]
CHAIN1 = [desc(0x12000, 32, 1, AVAIL | INDIRECT)]


def two_in_flight(hdr, slot0=None, next1=2):
    # next1: entry 1's link, 2 as the free list had it at the fetch, the free
    # head of the moment once the chain was put back by a completion.
    ents = [entry(1, 1, 1, 2, 1, 0, NEXT, 64, 0x10000),
            entry(0, next1, 0, 0, 0, 0, WRITE, 64, 0x11000),
            entry(1, 3, 2, 1, 2, 1, INDIRECT, 32, 0x12000)]
    ents += [entry(nxt=i + 1) for i in range(3, QSIZE)]
    slots = CHAIN0 + CHAIN1
    if slot0 is not None:
        slots = [slot0] + slots[1:]
    return hdr + b"".join(ents) + ring(slots)


def seeds():
    base = struct.pack("<I", 0x80008000)
    yield "blank", bytes(32 + 32 * QSIZE) + ring([]) + base
    yield "two-in-flight", two_in_flight(header(3, 3, 0, 0)) + base
    # Chain 0 pushed, the crash between used_idx and the flags: rolled back.
    yield "batch-unpublished", two_in_flight(header(0, 3, 2, 0), next1=3) + base
    # The same with the flags written (used, wrap 1): rolled forward.
    yield "batch-published", two_in_flight(header(0, 3, 2, 0),
                                           desc(0, 64, 0, AVAIL | USED | WRITE), 3) + base


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "vu_inflight")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)
