#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The ACPI tables of a real iovirt machine, read back from its guest memory.

Runs iovirt as a device harness (--qtest stdio: the whole machine, no vCPU)
with legacy devices, virtio-mmio and virtio-pci disks, 4 vCPUs and RAM above
4 GiB; reads the reserved ACPI area through the qtest protocol; walks it as a
guest does (RSDP -> XSDT -> tables, FADT -> DSDT) checking every checksum;
then has ACPICA check it: `iasl -d` with no error or warning on each table and
acpiexec's predefined-name checks, resource conversion and S5 without a
complaint. Also checks that what the tables say matches what the machine
built: the virtio-mmio devices' windows and level-triggered GSIs (with their
MADT overrides) and the 64-bit PCI window above RAM.

Usage: machine_tables.py IOVIRT. Exit 0 pass, 1 fail, 77 skipped.
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

ACPI_TABLES_ADDR = 0xE0000
ACPI_TABLES_SIZE = 0x20000
PLATFORM_MMIO_BASE = 0xF0000000
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def qtest_read(iovirt, args, addr, size):
    cmd = [iovirt, "--qtest", "stdio", "--console", "none"] + args
    p = subprocess.run(cmd, input="read 0x%x 0x%x\n" % (addr, size), capture_output=True,
                       text=True, timeout=60)
    m = re.match(r"OK 0x([0-9a-f]+)", p.stdout)
    if not m:
        print("SKIPPED: the device harness did not answer: %r %r" % (p.stdout[:200], p.stderr[:400]))
        sys.exit(77)
    return bytes.fromhex(m.group(1))


def table_at(mem, gpa):
    off = gpa - ACPI_TABLES_ADDR
    check(0 <= off <= len(mem) - 36, "table address 0x%x inside the ACPI area" % gpa)
    length = struct.unpack_from("<I", mem, off + 4)[0]
    check(36 <= length <= len(mem) - off, "table at 0x%x: length %d fits" % (gpa, length))
    t = mem[off:off + length]
    check(sum(t) % 256 == 0, "%s checksum" % t[:4].decode(errors="replace"))
    return t


def main():
    iovirt = sys.argv[1]
    for tool in ("iasl", "acpiexec"):
        if not shutil.which(tool):
            print("SKIPPED: %s not installed (Debian: acpica-tools)" % tool)
            return 77
    work = tempfile.mkdtemp(prefix="iovirt-machine-acpi-")
    img = os.path.join(work, "disk.img")
    with open(img, "wb") as f:
        f.truncate(16 << 20)
    args = ["--cpus", "4", "--memory", "6G",
            "--disk", img + ",transport=mmio", "--disk", img + ",transport=mmio,readonly=on",
            "--disk", img + ",transport=pci,readonly=on"]
    mem = qtest_read(iovirt, args, ACPI_TABLES_ADDR, ACPI_TABLES_SIZE)

    # The guest's walk.
    check(mem[:8] == b"RSD PTR ", "RSDP signature at ACPI_TABLES_ADDR")
    check(sum(mem[:20]) % 256 == 0 and sum(mem[:36]) % 256 == 0, "RSDP checksums")
    xsdt = table_at(mem, struct.unpack_from("<Q", mem, 24)[0])
    check(xsdt[:4] == b"XSDT", "XSDT signature")
    tables = {"XSDT": xsdt}
    for i in range((len(xsdt) - 36) // 8):
        t = table_at(mem, struct.unpack_from("<Q", xsdt, 36 + 8 * i)[0])
        tables[t[:4].decode()] = t
    check(set(tables) == {"XSDT", "FACP", "APIC", "MCFG"}, "tables: %s" % sorted(tables))
    fadt = tables.get("FACP", b"")
    if len(fadt) >= 148:
        tables["DSDT"] = table_at(mem, struct.unpack_from("<Q", fadt, 140)[0])
        boot = struct.unpack_from("<H", fadt, 109)[0]
        check(boot & 0x23 == 0x03, "FADT boot flags: legacy devices, 8042, CMOS RTC (0x%x)" % boot)

    # ACPICA: disassembly, then the interpreter.
    for sig, t in tables.items():
        dat = os.path.join(work, sig.lower() + ".dat")
        with open(dat, "wb") as f:
            f.write(t)
        p = subprocess.run(["iasl", "-d", dat], cwd=work, capture_output=True, text=True)
        log = p.stdout + p.stderr
        check(p.returncode == 0 and not re.search(r"Error|Warning|Remark", log),
              "iasl -d %s is clean: %s" % (sig, log[-300:]))
    dsl = open(os.path.join(work, "dsdt.dsl")).read() if "DSDT" in tables else ""
    madt = open(os.path.join(work, "apic.dsl")).read() if "APIC" in tables else ""
    p = subprocess.run(["acpiexec", "facp.dat", "dsdt.dat", "apic.dat", "mcfg.dat"], cwd=work,
                       input="test predefined\nresources\nsleep 5\nquit\n",
                       capture_output=True, text=True, timeout=120)
    out = p.stdout + p.stderr
    check(p.returncode == 0, "acpiexec exit status %d" % p.returncode)
    check(not re.search(r"ACPI (Error|Warning|Exception)|ismatch", out),
          "acpiexec is quiet: %s" % "\n".join(l for l in out.splitlines() if "ACPI " in l)[:600])
    check("Sleep-A: 05, Sleep-B: 05" in out, "S5 sleep type 5 from \\_S5")

    # What the machine built, as the tables describe it.
    check(len(re.findall(r"Device \(C00[0-3]\)", dsl)) == 4 and "Device (C004)" not in dsl,
          "four processor devices")
    for dev in ("PCI0", "MRES", "COM1", "PS2K", "RTC"):
        check("Device (%s)" % dev in dsl, "device %s in the DSDT" % dev)
    vr = re.findall(r'Device \(VR0(\d)\).*?"LNRO0005".*?Memory32Fixed \(ReadWrite,\s*'
                    r'0x([0-9A-F]+).*?0x([0-9A-F]+).*?Interrupt \(ResourceConsumer, (\w+), '
                    r'ActiveHigh, Exclusive.*?\{\s*0x([0-9A-F]+)', dsl, re.S)
    check(len(vr) == 2, "two virtio-mmio devices in the DSDT: %r" % vr)
    for i, base, size, trig, gsi in vr:
        check(int(base, 16) == PLATFORM_MMIO_BASE + 0x1000 * int(i) and int(size, 16) == 0x1000,
              "VR0%s window 0x%s+0x%s" % (i, base, size))
        check(trig == "Level", "VR0%s is level-triggered" % i)
        g = int(gsi, 16)
        if g < 16:
            # Level on an ISA input needs its override (MPS INTI flags 0x000D).
            check(re.search(r"Source : %02X\s+\[[^]]*\]\s+Interrupt : %08X\s+\[[^]]*\]\s+"
                            r"Flags \(decoded below\) : 000D" % (g, g), madt) is not None,
                  "MADT override for level GSI %d" % g)
    # 6 GiB: 3 GiB above 4 GiB, the 64-bit window from the next GiB (7 GiB) for 64 GiB.
    check("0x00000001C0000000, // Range Minimum" in dsl and
          "0x00000011BFFFFFFF, // Range Maximum" in dsl, "64-bit PCI window at 7 GiB")

    if failures:
        print("%d failed; files kept in %s" % (len(failures), work))
        return 1
    shutil.rmtree(work)
    print("PASS: the machine's ACPI tables (%d bytes of DSDT) are clean and match the machine"
          % len(tables.get("DSDT", b"")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
