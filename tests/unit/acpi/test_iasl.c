// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tables checked by the reference implementation, ACPICA (Debian's
 * acpica-tools), as a guest's own ACPI code would read them:
 *
 *  - every table disassembles with `iasl -d` with no error, warning or
 *    remark, and the disassembly compiles back (`iasl -on`, no namepath
 *    optimisation) to exactly our bytes, apart from the checksum and the
 *    compiler ID iasl puts in. The RSDP, which iasl cannot disassemble, is
 *    compiled from its expected field values and must equal ours.
 *  - acpiexec loads our FADT and DSDT and runs them: every predefined name
 *    evaluates and passes ACPICA's predefined-name checks, _PRT converts to a
 *    routing table that matches the PCI host's swizzle, each _CRS converts to
 *    the resources we meant (and back, unchanged), _OSC answers the PCI
 *    Firmware protocol, and S5 goes through the hardware-reduced sleep
 *    registers with SLP_TYP 5.
 *
 * Without the tools this test prints SKIPPED and exits 77.
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acpi_test.h"

#define BASE ACPI_TABLES_ADDR
#define PCI_OSC_UUID_BYTES "(5B 4D DB 33 F7 1F 1C 40 96 57 74 41 C0 3D D7 66)"
#define CPU_OSC_UUID_BYTES "(16 A6 77 40 0C 29 BE 47 9E BD D8 70 58 71 39 53)"
#define PCI_OSC "\\_SB.PCI0._OSC"
#define CPU_OSC "\\_SB.C000._OSC"

static char dir[] = "/tmp/iovirt-acpi-XXXXXX";
static char cur[64];	/* dir/<config number>: one directory per configuration */
static u8 buf[ACPI_TABLES_SIZE];

/* Run a shell command in `dir`, output to `log`; returns its exit status. */
static int __printf(2, 3) run(const char *log, const char *fmt, ...)
{
	char cmd[2048], inner[1536];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(inner, sizeof(inner), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd %s && timeout 120 %s >%s 2>&1", cur, inner, log);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The whole of dir/name as a string (caller frees), or NULL. */
static char *slurp(const char *name)
{
	char path[256];
	FILE *f;
	char *s;
	long n;

	snprintf(path, sizeof(path), "%s/%s", cur, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = calloc(1, (size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

static void spill(const char *name, const void *p, size_t n)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cur, name);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_EQ(fwrite(p, 1, n, f), n);
	fclose(f);
}

static void show(const char *what, const char *log)
{
	char *s = slurp(log);

	fprintf(stderr, "---- %s (%s/%s):\n%s\n", what, cur, log, s ? s : "(no output)");
	free(s);
}

/* Lower-case file stem for a signature: "FACP" -> "facp". */
static void stem(char out[5], const u8 *sig)
{
	for (unsigned i = 0; i < 4; i++)
		out[i] = (char)(sig[i] >= 'A' && sig[i] <= 'Z' ? sig[i] + 32 : sig[i]);
	out[4] = 0;
}

/*
 * iasl -d, then iasl -on on the result: clean both ways, and the same bytes
 * except Checksum (9) and the compiler ID and revision (28..35).
 */
static void check_roundtrip(const u8 *t)
{
	u32 len = test_ld32(t + 4);
	char s[5], dat[16], dsl[16], log[32], aml[128];
	char *out;

	stem(s, t);
	snprintf(dat, sizeof(dat), "%s.dat", s);
	snprintf(dsl, sizeof(dsl), "%s.dsl", s);
	spill(dat, t, len);

	snprintf(log, sizeof(log), "%s.dis.log", s);
	CHECK_EQ(run(log, "iasl -d %s", dat), 0);
	out = slurp(log);
	CHECK(out != NULL);
	if (out && (strstr(out, "Error") || strstr(out, "Warning") || strstr(out, "Remark"))) {
		CHECK(false);
		show("iasl -d complained", log);
	}
	free(out);
	out = slurp(dsl);
	CHECK(out != NULL);
	/* The disassembler marks anything it cannot decode with "****". */
	if (out && strstr(out, "****")) {
		CHECK(false);
		show("disassembly flags a problem", dsl);
	}
	free(out);

	snprintf(log, sizeof(log), "%s.asm.log", s);
	CHECK_EQ(run(log, "iasl -on -p rt_%s %s", s, dsl), 0);
	out = slurp(log);
	if (!out || !strstr(out, "0 Errors, 0 Warnings, 0 Remarks")) {
		CHECK(false);
		show("iasl recompile", log);
	}
	free(out);

	snprintf(aml, sizeof(aml), "%s/rt_%s.aml", cur, s);
	{
		FILE *f = fopen(aml, "rb");
		static u8 again[ACPI_TABLES_SIZE];
		size_t n = f ? fread(again, 1, sizeof(again), f) : 0;

		if (f)
			fclose(f);
		CHECK_EQ(n, len);
		if (n == len) {
			for (u32 i = 0; i < len; i++) {
				if (i == 9 || (i >= 28 && i < 36))
					continue;
				if (again[i] != t[i]) {
					fprintf(stderr, "%s: byte %u differs after round trip: %02x vs %02x\n",
						s, i, t[i], again[i]);
					CHECK(false);
					break;
				}
			}
		}
	}
}

/* The RSDP: compiled by iasl from the values it must hold, it must equal ours. */
static void check_rsdp(const u8 *xsdt)
{
	FILE *f;
	char path[256];
	char *out;
	u8 ref[36];

	snprintf(path, sizeof(path), "%s/rsdp.asl", cur);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fprintf(f, "[0008] Signature : \"RSD PTR \"\n"
		   "[0001] Checksum : 00\n"
		   "[0006] Oem ID : \"IOVIRT\"\n"
		   "[0001] Revision : 02\n"
		   "[0004] RSDT Address : 00000000\n"
		   "[0004] Length : 00000024\n"
		   "[0008] XSDT Address : %016llX\n"
		   "[0001] Extended Checksum : 00\n"
		   "[0003] Reserved : 000000\n",
		(unsigned long long)(BASE + (u64)(xsdt - buf)));
	fclose(f);
	CHECK_EQ(run("rsdp.log", "iasl -p rt_rsdp rsdp.asl"), 0);
	out = slurp("rsdp.log");
	if (!out || !strstr(out, "0 Errors, 0 Warnings, 0 Remarks")) {
		CHECK(false);
		show("iasl rsdp", "rsdp.log");
	}
	free(out);
	snprintf(path, sizeof(path), "%s/rt_rsdp.aml", cur);
	f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_EQ(fread(ref, 1, sizeof(ref), f), sizeof(ref));
	fclose(f);
	CHECK(!memcmp(ref, buf, sizeof(ref)));
}

/* No ACPICA error, warning or exception anywhere in an acpiexec log. */
static void check_quiet(const char *log)
{
	char *out = slurp(log);

	CHECK(out != NULL);
	if (!out)
		return;
	if (strstr(out, "ACPI Error") || strstr(out, "ACPI Warning") ||
	    strstr(out, "ACPI Exception") || strstr(out, "ismatch") ||
	    strstr(out, "Possible problem")) {
		CHECK(false);
		show("acpiexec complained", log);
	}
	free(out);
}

static u64 field(const char *p, const char *key)
{
	const char *k = strstr(p, key);

	if (!k)
		return ~0ull;
	k = strchr(k, ':');
	return k ? strtoull(k + 1, NULL, 16) : ~0ull;
}

/* acpiexec's view of _PRT (AcpiGetIrqRoutingTable, as Linux calls it). */
static void check_prt(const char *out, const struct acpi_config *c)
{
	const char *p = out;
	unsigned n = 0;

	while ((p = strstr(p, "PCI IRQ Routing Table Package"))) {
		const char *next = strstr(p + 1, "PCI IRQ Routing Table Package");
		u64 addr = field(p, "Address"), pin = field(p, "Pin"), gsi = field(p, "Source Index");
		unsigned slot = (unsigned)(addr >> 16);

		CHECK_EQ(addr & 0xffff, 0xffff);
		CHECK(slot < 32 && pin < 4);
		if (slot < 32 && pin < 4)
			CHECK_EQ(gsi, c->intx_gsi(slot, (unsigned)pin));
		/* (the 4-byte slot order is ours: slot-major, pin-minor) */
		CHECK_EQ(slot * 4 + pin, n);
		{
			const char *src = strstr(p, "Source :");

			CHECK(src && (!next || src < next) && strstr(src, "[NULL NAMESTRING]") == src + 9);
		}
		n++;
		p++;
	}
	CHECK_EQ(n, 128);
}

/* Find, after `from`, "key : value" lines in order; returns past the last or NULL. */
static const char *expect_seq(const char *from, const char *const *kv, unsigned n)
{
	const char *p = from;

	for (unsigned i = 0; p && i < n; i += 2) {
		const char *k = strstr(p, kv[i]);
		char want[64];

		if (!k)
			return NULL;
		k = strchr(k, ':');
		snprintf(want, sizeof(want), ": %s", kv[i + 1]);
		if (!k || strncmp(k, want, strlen(want)))
			return NULL;
		p = k + 1;
	}
	return p;
}

static void check_pci_crs(const char *out, const struct acpi_config *c)
{
	char lo[20], hi[20], len[20], bmax[8], blen[8];
	const char *crs = strstr(out, "Evaluating _CRS");
	const char *bus[] = { "Resource Type", "Bus Number Range", "Address Minimum", "0000",
			      "Address Maximum", bmax, "Address Length", blen };
	const char *cf8[] = { "I/O Resource", "", "Address Minimum", "0CF8", "Address Length",
			      "08" };
	const char *io[] = { "Resource Type", "I/O Range", "Range Type", "EntireRange",
			     "Consumer/Producer", "ResourceProducer", "Address Minimum", "C000",
			     "Address Maximum", "FFFF", "Address Length", "4000" };
	const char *m32[] = { "Resource Type", "Memory Range", "Write Protect", "ReadWrite",
			      "Caching", "NonCacheable", "Consumer/Producer", "ResourceProducer",
			      "Address Minimum", "C0000000", "Address Maximum", "DFFFFFFF",
			      "Address Length", "20000000" };
	const char *m64[] = { "Resource Type", "Memory Range", "Caching", "Cacheable",
			      "Address Minimum", lo, "Address Maximum", hi, "Address Length", len };
	const char *p;

	CHECK(crs != NULL);
	if (!crs)
		return;
	/* The bridge's bus range is the ECAM window's (layout.h). */
	snprintf(bmax, sizeof(bmax), "%04X", PCI_ECAM_BUSES - 1);
	snprintf(blen, sizeof(blen), "%04X", PCI_ECAM_BUSES);
	snprintf(lo, sizeof(lo), "%016llX", (unsigned long long)c->mmio64_base);
	snprintf(hi, sizeof(hi), "%016llX",
		 (unsigned long long)(c->mmio64_base + c->mmio64_size - 1));
	snprintf(len, sizeof(len), "%016llX", (unsigned long long)c->mmio64_size);
	p = expect_seq(crs, bus, ARRAY_SIZE(bus));
	CHECK(p != NULL);
	p = p ? strstr(p, "I/O Resource") : NULL;
	p = p ? expect_seq(p, cf8 + 2, ARRAY_SIZE(cf8) - 2) : NULL;
	CHECK(p != NULL);
	p = p ? expect_seq(p, io, ARRAY_SIZE(io)) : NULL;
	CHECK(p != NULL);
	p = p ? expect_seq(p, m32, ARRAY_SIZE(m32)) : NULL;
	CHECK(p != NULL);
	if (c->mmio64_size) {
		p = p ? expect_seq(p, m64, ARRAY_SIZE(m64)) : NULL;
		CHECK(p != NULL);
	} else {
		CHECK(p && !strstr(p, "64-Bit QWORD"));
	}
	/* The AML → resource → AML conversion gave back the same bytes. */
	CHECK(strstr(crs, "Resource Conversion Comparison:") != NULL);
}

/* One _OSC call: arguments (uuid, revision, count, capabilities) and the buffer it must return. */
struct osc_case {
	const char *method;
	const char *uuid;
	unsigned rev, count;
	const char *caps;
	const char *want;
};

static const struct osc_case osc_cases[] = {
	/* PCI Firmware 3.3 §4.5: all but native hotplug granted, "masked" reported. */
	{ PCI_OSC, PCI_OSC_UUID_BYTES, 1, 3, "(00 00 00 00 1F 00 00 00 BF 00 00 00)",
	  "10 00 00 00 1F 00 00 00 BE 00 00 00" },
	/* A query for only what is granted: no status bit. */
	{ PCI_OSC, PCI_OSC_UUID_BYTES, 1, 3, "(01 00 00 00 1F 00 00 00 1C 00 00 00)",
	  "01 00 00 00 1F 00 00 00 1C 00 00 00" },
	/* Unknown UUID, unknown revision, a buffer too short for the control field. */
	{ PCI_OSC, "(5B 4D DB 33 F7 1F 1C 40 96 57 74 41 C0 3D D7 67)", 1, 3,
	  "(00 00 00 00 1F 00 00 00 BF 00 00 00)", "04 00 00 00 1F 00 00 00 BF 00 00 00" },
	{ PCI_OSC, PCI_OSC_UUID_BYTES, 2, 3, "(00 00 00 00 1F 00 00 00 1E 00 00 00)",
	  "08 00 00 00 1F 00 00 00 1E 00 00 00" },
	{ PCI_OSC, PCI_OSC_UUID_BYTES, 1, 2, "(00 00 00 00 1F 00 00 00)",
	  "02 00 00 00 1F 00 00 00" },
	/* Processors: the capabilities Linux states come back accepted, with no error. */
	{ CPU_OSC, CPU_OSC_UUID_BYTES, 1, 2, "(00 00 00 00 FF 1B 20 00)",
	  "00 00 00 00 FF 1B 20 00" },
	{ CPU_OSC, PCI_OSC_UUID_BYTES, 1, 2, "(00 00 00 00 FF 1B 20 00)",
	  "04 00 00 00 FF 1B 20 00" },
	{ CPU_OSC, CPU_OSC_UUID_BYTES, 2, 2, "(00 00 00 00 FF 1B 20 00)",
	  "08 00 00 00 FF 1B 20 00" },
	{ CPU_OSC, CPU_OSC_UUID_BYTES, 1, 1, "(00 00 00 00)", "02 00 00 00" },
};

/* The part of `out` from `from` up to the next "Device: " line (a copy; caller frees). */
static char *section(const char *out, const char *from)
{
	const char *p = strstr(out, from), *end;

	if (!p)
		return NULL;
	end = strstr(p + strlen(from), "Device: ");
	return strndup(p, end ? (size_t)(end - p) : strlen(p));
}

/* A legacy device's resources: its first I/O range and its ISA IRQ; absent if !present. */
static void check_isa(const char *out, const char *dev, bool present, u16 port, u8 len,
		      unsigned irq)
{
	char *sec = section(out, dev);
	char want[64];

	if (!present) {
		/* acpiexec names the device only if it exists */
		CHECK(!sec || !strstr(sec, "Evaluating _CRS"));
		free(sec);
		return;
	}
	CHECK(sec != NULL);
	if (!sec)
		return;
	CHECK_EQ(field(sec, "Address Minimum"), port);
	CHECK_EQ(field(sec, "Address Maximum"), port);
	CHECK_EQ(field(sec, "Address Length"), len);
	CHECK(strstr(sec, "Triggering : Edge") && strstr(sec, "Polarity : ActiveHigh") &&
	      strstr(sec, "Sharing : Exclusive"));
	snprintf(want, sizeof(want), "Interrupt List : %u ", irq);
	CHECK(strstr(sec, want) != NULL);
	free(sec);
}

/*
 * One acpiexec run per configuration (each run costs a second of acpiexec's
 * own shutdown): load every table, run ACPICA's predefined-name checks,
 * evaluate the objects, convert resources, call _OSC, enter S5. acpiexec
 * echoes each command ("- evaluate ...") before its output.
 */
static void check_acpiexec(const struct acpi_config *c, bool dmar)
{
	static const char *const fixed[] = {
		"test predefined", "all _HID", "all _CID", "all _UID", "all _CRS", "all _SEG",
		"all _BBN", "all _S5_", "integrity", "resources \\_SB.PCI0",
		"resources \\_SB.MRES", "resources \\_SB.COM1", "resources \\_SB.PS2K",
		"resources \\_SB.RTC_",
	};
	char tables[128], path[256];
	char *out, *sec;
	const char *p;
	FILE *f;

	/* The commands go in on stdin: a -b command line is limited to 1023 bytes. */
	snprintf(path, sizeof(path), "%s/acpiexec.cmd", cur);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(fixed); i++)
		fprintf(f, "%s\n", fixed[i]);
	for (unsigned i = 0; i < c->nr_platform; i++)
		fprintf(f, "resources \\_SB.VR%02X\n", i);
	for (unsigned i = 0; i < ARRAY_SIZE(osc_cases); i++)
		fprintf(f, "evaluate %s %s %x %x %s\n", osc_cases[i].method, osc_cases[i].uuid,
			osc_cases[i].rev, osc_cases[i].count, osc_cases[i].caps);
	fprintf(f, "sleep 5\nquit\n");
	fclose(f);

	snprintf(tables, sizeof(tables), "facp.dat dsdt.dat apic.dat mcfg.dat%s",
		 dmar ? " dmar.dat" : "");
	CHECK_EQ(run("acpiexec.log", "acpiexec %s <acpiexec.cmd", tables), 0);
	check_quiet("acpiexec.log");
	out = slurp("acpiexec.log");
	CHECK(out != NULL);
	if (!out)
		return;

	/* Every evaluation said AE_OK, including \_S5_. */
	CHECK(strstr(out, "Evaluation of \\_S5_ returned") != NULL);
	CHECK(strstr(out, "returned AE_OK") != NULL);
	for (p = out; (p = strstr(p, "returned AE_")); p++)
		if (strncmp(p, "returned AE_OK", 14)) {
			CHECK(false);
			show("acpiexec: an evaluation failed", "acpiexec.log");
			break;
		}

	/* _PRT and _CRS through ACPICA's resource manager (as Linux calls it). */
	sec = section(out, "Device: \\_SB.PCI0");
	CHECK(sec != NULL);
	if (sec) {
		check_prt(sec, c);
		check_pci_crs(sec, c);
	}
	free(sec);

	/* The ECAM window claimed by a motherboard resource (Linux checks it for MMCONFIG). */
	sec = section(out, "Device: \\_SB.MRES");
	CHECK(sec != NULL);
	if (sec) {
		CHECK_EQ(field(sec, "Address :"), PCI_ECAM_BASE);
		CHECK_EQ(field(sec, "Address Length"), PCI_ECAM_SIZE);
		CHECK(strstr(sec, "Write Protect : ReadWrite") != NULL);
	}
	free(sec);

	/* The legacy devices, where they exist: ports and ISA IRQ (edge, high, exclusive). */
	check_isa(out, "Device: \\_SB.COM1", c->com1, PIO_COM1, 8, IRQ_COM1);
	check_isa(out, "Device: \\_SB.PS2K", c->i8042, PIO_I8042_DATA, 1, 1);
	/* (acpiexec prints "RTC_" without its padding) */
	check_isa(out, "Device: \\_SB.RTC", c->rtc, PIO_RTC, 2, IRQ_RTC);

	/* Platform devices: their window and interrupt as the guest will see them. */
	for (unsigned i = 0; i < c->nr_platform; i++) {
		const struct acpi_platform_dev *d = &c->platform[i];
		char dev[32], want[64];

		snprintf(dev, sizeof(dev), "Device: \\_SB.VR%02X", i);
		sec = section(out, dev);
		CHECK(sec != NULL);
		if (!sec)
			continue;
		CHECK_EQ(field(sec, "Address :"), d->base);
		CHECK_EQ(field(sec, "Address Length"), d->size);
		CHECK_EQ(field(sec, "Dword00"), d->gsi);
		snprintf(want, sizeof(want), "Triggering : %s", d->level ? "Level" : "Edge");
		CHECK(strstr(sec, want) != NULL);
		CHECK(strstr(sec, "Polarity : ActiveHigh") != NULL);
		free(sec);
	}

	/* _OSC: the k-th evaluation returns the k-th expected buffer. */
	p = out;
	for (unsigned i = 0; i < ARRAY_SIZE(osc_cases); i++) {
		const char *next, *hit;
		char head[64];

		snprintf(head, sizeof(head), "Evaluating %s", osc_cases[i].method);
		p = strstr(p, head);
		CHECK(p != NULL);
		if (!p)
			break;
		/* up to the next command's echo, which may quote the same bytes */
		next = strstr(p + 1, "\n- ");
		hit = strstr(p, osc_cases[i].want);
		if (!hit || (next && hit > next)) {
			fprintf(stderr, "_OSC case %u: wanted \"%s\"\n", i, osc_cases[i].want);
			CHECK(false);
		}
		p++;
	}

	/* S5 through the hardware-reduced sleep registers of our FADT. */
	if (!strstr(out, "Sleep-A: 05, Sleep-B: 05") || !strstr(out, "HwExtendedSleep")) {
		CHECK(false);
		show("acpiexec sleep 5", "acpiexec.log");
	}
	free(out);
}

static void check_config(const char *what, const struct acpi_config *c)
{
	int len;
	const u8 *xsdt;
	u32 n;

	static unsigned seq;

	snprintf(cur, sizeof(cur), "%s/%u", dir, ++seq);
	CHECK_EQ(mkdir(cur, 0700), 0);
	fprintf(stderr, "config %u: %s\n", seq, what);
	len = acpi_build(c, buf, sizeof(buf), BASE);
	CHECK(len > 0);
	if (len <= 0)
		return;
	xsdt = test_table_at(buf, (size_t)len, BASE, ldn_le(buf + 24, 8));
	CHECK(xsdt != NULL);
	if (!xsdt)
		return;
	check_rsdp(xsdt);
	check_roundtrip(xsdt);
	n = (test_ld32(xsdt + 4) - 36) / 8;
	for (u32 i = 0; i < n; i++) {
		const u8 *t = test_table_at(buf, (size_t)len, BASE, ldn_le(xsdt + 36 + 8 * i, 8));

		CHECK(t != NULL);
		if (t)
			check_roundtrip(t);
	}
	{
		const u8 *dsdt = test_find(buf, (size_t)len, BASE, "DSDT");

		CHECK(dsdt != NULL);
		if (dsdt)
			check_roundtrip(dsdt);
	}
	check_acpiexec(c, c->dmar);
}

int main(void)
{
	struct acpi_config c;
	int failures_before;

	if (system("command -v iasl >/dev/null 2>&1 && command -v acpiexec >/dev/null 2>&1"))
		CHECK_SKIP("iasl/acpiexec not installed (Debian: acpica-tools)");
	if (!mkdtemp(dir))
		CHECK_SKIP("mkdtemp: %s", strerror(errno));

	/* A PC-like machine: legacy devices, two virtio-mmio devices (edge and level). */
	test_config(&c, 2);
	CHECK_EQ(acpi_config_add_platform(&c, PLATFORM_MMIO_BASE, 0x200, 5, false, "LNRO0005"),
		 0);
	CHECK_EQ(acpi_config_add_platform(&c, PLATFORM_MMIO_BASE + PLATFORM_MMIO_SLOT, 0x200, 6,
					  true, "LNRO0005"),
		 0);
	check_config("2 vCPUs, legacy devices, virtio-mmio", &c);

	/* Big: x2APIC entries, the IOMMU, no legacy devices, no 64-bit window. */
	test_config(&c, 300);
	c.com1 = c.i8042 = c.rtc = false;
	c.mmio64_size = 0;
	c.dmar = true;
	c.dmar_intr_remap = true;
	c.dmar_haw = 48;
	c.ioapic_sid = 0xf0f8;
	check_config("300 vCPUs, DMAR, no legacy", &c);

	/* Smallest. */
	test_config(&c, 1);
	c.i8042 = false;
	check_config("1 vCPU", &c);

	failures_before = check_failures;
	if (!failures_before) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", dir);
	} else {
		fprintf(stderr, "files kept in %s\n", dir);
	}
	return check_done();
}
