#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Writes the seed corpus of fuzz_boot.c: a flags byte (bit 0 initrd, bit 1
# long command line, bit 2 RAM above 4 GiB) then a kernel file — minimal
# bzImages (boot protocol 2.15, Documentation/arch/x86/boot.rst) and ELF
# vmlinux images as Linux links them, and the classic hostile variants.
import os
import struct
import sys

INITRD, LONG_CMDLINE, HIGH_RAM = 1, 2, 4


def bzimage(setup_sects=4, version=0x020f, loadflags=0x01, xloadflags=0x01, init_size=0x10000,
            cmdline_size=2047, initrd_addr_max=0x7fffffff, jump=0x6a, size=0x1400, code=b'\x90'):
    img = bytearray(size)
    struct.pack_into('<B', img, 0x1f1, setup_sects)
    struct.pack_into('<H', img, 0x1fe, 0xaa55)
    img[0x200] = 0xeb                                   # jmp short
    img[0x201] = jump                                   # header ends at 0x202 + jump
    struct.pack_into('<I', img, 0x202, 0x53726448)      # "HdrS"
    struct.pack_into('<H', img, 0x206, version)
    img[0x211] = loadflags
    struct.pack_into('<I', img, 0x22c, initrd_addr_max)
    struct.pack_into('<I', img, 0x238, cmdline_size)
    struct.pack_into('<H', img, 0x236, xloadflags)
    struct.pack_into('<I', img, 0x260, init_size)
    setup = ((setup_sects or 4) + 1) * 512
    for i in range(setup, size):
        img[i] = code[(i - setup) % len(code)]
    return bytes(img)


def elf(segments, entry=0x1000000, phoff=64, machine=62, cls=2, extra=b''):
    """segments: (type, file offset, data, paddr, memsz)."""
    phnum = len(segments)
    eh = b'\x7fELF' + bytes([cls, 1, 1, 0]) + b'\0' * 8
    eh += struct.pack('<HHIQQQIHHHHHH', 2, machine, 1, entry | 0xffffffff80000000, phoff, 0, 0,
                      64, 56, phnum, 64, 0, 0)
    eh = eh[:24] + struct.pack('<Q', entry) + eh[32:]
    body = bytearray(eh + b'\0' * max(0, phoff - len(eh)))
    for (t, off, data, paddr, memsz) in segments:
        body += struct.pack('<IIQQQQQQ', t, 7, off, paddr | 0xffffffff80000000, paddr,
                            len(data), memsz, 0x200000)
    for (t, off, data, paddr, memsz) in segments:
        if len(body) < off + len(data):
            body += b'\0' * (off + len(data) - len(body))
        body[off:off + len(data)] = data
    return bytes(body) + extra


def with_phoff(img, phoff):
    return img[:32] + struct.pack('<Q', phoff) + img[40:]


K = 0x1000000
text = bytes(range(256)) * 8
seeds = {
    'bzimage': bytes([0]) + bzimage(),
    'bzimage-initrd': bytes([INITRD]) + bzimage(),
    'bzimage-initrd-low-max': bytes([INITRD]) + bzimage(initrd_addr_max=0x120000),
    'bzimage-long-cmdline': bytes([LONG_CMDLINE]) + bzimage(cmdline_size=255),
    'bzimage-highmem': bytes([HIGH_RAM | INITRD]) + bzimage(),
    'bzimage-zero-setup-sects': bytes([0]) + bzimage(setup_sects=0),
    'bzimage-big-init-size': bytes([0]) + bzimage(init_size=0xfff00000),
    'bzimage-setup-past-end': bytes([0]) + bzimage(setup_sects=10),
    'bzimage-old-protocol': bytes([0]) + bzimage(version=0x0206),
    'bzimage-no-64bit': bytes([0]) + bzimage(xloadflags=0),
    'bzimage-zimage': bytes([0]) + bzimage(loadflags=0),
    'bzimage-jump-ff': bytes([0]) + bzimage(jump=0xff),
    'bzimage-tiny': bytes([0]) + bzimage()[:0x1000],
    'elf-vmlinux': bytes([INITRD]) + elf([(1, 0x1000, text, K, 0x10000),
                                          (1, 0x2000, text[:512], K + 0x10000, 0x2000)]),
    'elf-note-first': bytes([0]) + elf([(4, 0x1000, b'note', 0, 4), (1, 0x1000, text, K, 0x1000)]),
    'elf-no-load': bytes([0]) + elf([(4, 0x1000, b'note', 0, 4)]),
    'elf-entry-outside': bytes([0]) + elf([(1, 0x1000, text, K, 0x1000)], entry=0x40000000),
    'elf-low-segment': bytes([0]) + elf([(1, 0x1000, text, 0x7000, 0x1000)], entry=0x7000),
    'elf-past-ram': bytes([0]) + elf([(1, 0x1000, text, K, 0x10000000)]),
    'elf-wrap': bytes([0]) + elf([(1, 0x1000, text, 0xfffffffffffff000, 0x2000)]),
    'elf-filesz-past-file': bytes([0]) + elf([(1, 0x1000, text, K, 0x1000)])[:0x1100],
    'elf-phoff-unaligned': bytes([0]) + elf([(1, 0x1000, text, K, 0x1000)], phoff=67),
    'elf-phoff-past-file': bytes([0]) + with_phoff(elf([(1, 0x1000, text, K, 0x1000)]), 0x100000),
    'elf-32bit': bytes([0]) + elf([(1, 0x1000, text, K, 0x1000)], cls=1),
    'elf-arm64': bytes([0]) + elf([(1, 0x1000, text, K, 0x1000)], machine=183),
    'elf-overlapping': bytes([INITRD]) + elf([(1, 0x1000, text, K, 0x1000),
                                              (1, 0x1800, text[:256], K + 0x800, 0x100)]),
    'elf-header-only': bytes([0]) + b'\x7fELF',
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus',
                                                         'boot')
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
