#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Writes the seed corpus of fuzz_net_ctrl.c: sessions of well-formed
# virtio-net control commands (virtio 1.2 §5.1.6.5) of every class the device
# takes, split over buffers as Linux and others send them, and the classic
# hostile ones, in the harness's input layout (see fuzz_net_ctrl.c).
import os
import struct
import sys

CTRL_RX, CTRL_MAC_ADDR, MQ, OFFLOADS, CSUM, TSO4, TSO6, UFO = (1 << i for i in range(8))
ECN_PAIRS = 0x80      # the max_pairs byte's bit 7: GUEST_ECN
ALLF = CTRL_RX | CTRL_MAC_ADDR | MQ | OFFLOADS | CSUM | TSO4 | TSO6 | UFO

C_RX, C_MAC, C_VLAN, C_ANNOUNCE, C_MQ, C_OFFLOADS = 0, 1, 2, 3, 4, 5
# Feature bit positions of the guest offloads (the GUEST_OFFLOADS_SET payload).
F_CSUM, F_TSO4, F_TSO6, F_ECN, F_UFO = 1, 7, 8, 9, 10


def chain(outs, ins):
    """One command: readable buffers (bytes each) and writable buffer lengths."""
    assert len(outs) <= 15 and len(ins) <= 3
    shape = len(outs) | len(ins) << 4
    lens = b''.join(struct.pack('<H', len(o)) for o in outs)
    lens += b''.join(struct.pack('<H', n) for n in ins)
    return bytes([shape]) + lens + b''.join(outs)


def linux(cls, cmd, data=b''):
    """As Linux's virtnet_send_command: header, data, ack, one buffer each."""
    outs = [bytes([cls, cmd])] + ([data] if data else [])
    return chain(outs, [1])


def session(features, pairs, *cmds):
    return bytes([features & 0xff, pairs]) + b''.join(cmds)


def mac_table(uc, mc):
    t = struct.pack('<I', len(uc)) + b''.join(uc)
    return t + struct.pack('<I', len(mc)) + b''.join(mc)


def offl(*bits):
    return struct.pack('<Q', sum(1 << b for b in bits))


M1 = bytes([0x02, 0, 0, 0, 0, 1])
M2 = bytes([0x02, 0, 0, 0, 0, 2])
MC = bytes([0x01, 0, 0x5e, 0, 0, 1])
seeds = {
    'linux-probe': session(ALLF, 4,
                           linux(C_MQ, 0, struct.pack('<H', 4)),
                           linux(C_RX, 0, b'\0'),
                           linux(C_RX, 1, b'\0'),
                           linux(C_MAC, 0, mac_table([M1], [MC])),
                           linux(C_MAC, 1, M2),
                           linux(C_OFFLOADS, 0, offl(F_CSUM, F_TSO4, F_TSO6, F_UFO))),
    'mq-range': session(MQ, 8,
                        linux(C_MQ, 0, struct.pack('<H', 8)),
                        linux(C_MQ, 0, struct.pack('<H', 9)),
                        linux(C_MQ, 0, struct.pack('<H', 0)),
                        linux(C_MQ, 0, struct.pack('<H', 1)),
                        linux(C_MQ, 1, struct.pack('<H', 2))),
    'mq-not-negotiated': session(CTRL_RX, 4, linux(C_MQ, 0, struct.pack('<H', 2))),
    'mac-table-big': session(CTRL_RX, 1,
                             linux(C_MAC, 0, mac_table([M1] * 300, [MC] * 200))),
    'mac-table-split': session(CTRL_RX, 1,
                               chain([bytes([C_MAC]), bytes([0]), mac_table([M1, M2], [])[:5],
                                      mac_table([M1, M2], [])[5:]], [1])),
    'mac-table-short': session(CTRL_RX, 1,
                               linux(C_MAC, 0, struct.pack('<I', 2) + M1),
                               linux(C_MAC, 0, mac_table([M1], [MC]) + b'x'),
                               linux(C_MAC, 0, struct.pack('<I', 0xffffffff) + b'\0' * 8)),
    'mac-addr-multicast': session(CTRL_MAC_ADDR, 1, linux(C_MAC, 1, MC), linux(C_MAC, 1, M1[:5])),
    'offloads': session(OFFLOADS | CSUM | TSO4 | TSO6 | UFO, ECN_PAIRS | 1,
                        linux(C_OFFLOADS, 0, offl()),
                        linux(C_OFFLOADS, 0, offl(F_CSUM)),
                        linux(C_OFFLOADS, 0, offl(F_TSO4)),
                        linux(C_OFFLOADS, 0, offl(F_CSUM, F_TSO4, F_ECN)),
                        linux(C_OFFLOADS, 0, offl(F_CSUM, F_ECN)),
                        linux(C_OFFLOADS, 0, offl(F_CSUM, 20))),
    'vlan-announce': session(ALLF, 2,
                             linux(C_VLAN, 0, struct.pack('<H', 100)),
                             linux(C_ANNOUNCE, 0),
                             linux(200, 7)),
    'ack-placement': session(ALLF, 2,
                             chain([bytes([C_MQ, 0]), struct.pack('<H', 2)], [4, 0, 0]),
                             chain([bytes([C_RX, 0, 1])], [0, 3]),
                             chain([bytes([C_RX, 1, 1])], [0]),
                             chain([bytes([C_RX, 1, 1])], [])),
    'byte-per-buffer': session(ALLF, 3,
                               chain([bytes([b]) for b in bytes([C_MQ, 0, 3, 0])], [1])),
    'empty-command': session(ALLF, 1, chain([], [1]), chain([b'\x04'], [1])),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus',
                                                         'net_ctrl')
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
