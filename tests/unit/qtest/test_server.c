// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the qtest protocol engine (src/qtest/server.c, irq.c) on a
 * VM made of guest memory, the two buses with fake devices, a virtual clock and
 * the qtest interrupt back-end — no KVM, no transport. Covers every command,
 * the exact access sizes devices see, line assembly (split, overlong, NUL),
 * hostile lines (each gets exactly one ERR and changes nothing), the clock,
 * interrupt reporting and MSI delivery, and interrupts raised from other
 * threads while commands run.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>

#include "check.h"
#include "iovirt/layout.h"
#include "iovirt/qtest.h"
#include "iovirt/vm.h"

#define RAM_SIZE (4 * SZ_1M)
#define DEV_BASE 0xd0000000ull
#define DEV_SIZE 0x1000ull
#define PORT_BASE 0x500

/* ---- captured output ---- */

static char *out;
static size_t out_len, out_cap;

static void capture(void *opaque, const char *buf, size_t len)
{
	if (out_len + len + 1 > out_cap) {
		out_cap = (out_len + len + 1) * 2;
		out = realloc(out, out_cap);
	}
	memcpy(out + out_len, buf, len);
	out_len += len;
	out[out_len] = '\0';
}

static void out_reset(void)
{
	out_len = 0;
	if (out)
		out[0] = '\0';
}

/* ---- a fake device recording every access ---- */

struct access {
	u64 off;
	unsigned len;
	bool write;
	u64 val;
};

struct fake_dev {
	u8 regs[DEV_SIZE];
	struct access log[64];
	unsigned nlog;
};

static void fake_read(void *opaque, u64 off, void *data, unsigned len)
{
	struct fake_dev *d = opaque;

	memcpy(data, d->regs + off, len);
	if (d->nlog < ARRAY_SIZE(d->log))
		d->log[d->nlog++] = (struct access){ off, len, false, ldn_le(data, len) };
}

static void fake_write(void *opaque, u64 off, const void *data, unsigned len)
{
	struct fake_dev *d = opaque;

	memcpy(d->regs + off, data, len);
	if (d->nlog < ARRAY_SIZE(d->log))
		d->log[d->nlog++] = (struct access){ off, len, true, ldn_le(data, len) };
}

static const struct bus_ops fake_ops = { fake_read, fake_write };

/* ---- the VM ---- */

static struct vm vm;
static struct vm_config cfg = { .qtest = "stdio" };
static struct qtest_server *srv;
static struct fake_dev mdev, pdev;

static void vm_setup(void)
{
	memset(&vm, 0, sizeof(vm));
	vm.cfg = &cfg;
	gmem_init(&vm.gmem);
	vclock_init(&vm.clock, true);
	pthread_mutex_init(&vm.stop_lock, NULL);
	pthread_cond_init(&vm.stop_cond, NULL);
	CHECK_EQ(bus_init(&vm.pio, "pio"), 0);
	CHECK_EQ(bus_init(&vm.mmio, "mmio"), 0);
	CHECK_EQ(evloop_init(&vm.loop, "main"), 0);
	CHECK_EQ(gmem_add_memfd(&vm.gmem, 0, RAM_SIZE, false), 0);
	/* A second RAM region right after a hole, to cross boundaries. */
	CHECK_EQ(gmem_add_memfd(&vm.gmem, DEV_BASE + DEV_SIZE, SZ_1M, false), 0);
	CHECK_EQ(bus_add(&vm.mmio, DEV_BASE, DEV_SIZE, &fake_ops, &mdev, "fake-mmio"), 0);
	CHECK_EQ(bus_add(&vm.pio, PORT_BASE, 8, &fake_ops, &pdev, "fake-pio"), 0);
	srv = qtest_server_new(&vm, capture, NULL);
	CHECK(srv != NULL);
	irq_router_init(&vm.irq, &qtest_irq_ops, srv);
	CHECK_EQ(irq_router_commit(&vm.irq), 0);
}

static void vm_teardown(void)
{
	qtest_server_free(srv);
	irq_router_destroy(&vm.irq);
	vclock_destroy(&vm.clock);
	evloop_destroy(&vm.loop);
	gmem_destroy(&vm.gmem);
	bus_destroy(&vm.pio);
	bus_destroy(&vm.mmio);
	free(out);
	out = NULL;
	out_len = out_cap = 0;
}

/* Run one command line and compare the whole output with `want`. */
static void expect(const char *cmd, const char *want, int line)
{
	char *c = strdup(cmd);

	out_reset();
	qtest_server_command(srv, c);
	free(c);
	check_count++;
	if (strcmp(out, want)) {
		check_failures++;
		fprintf(stderr, "test_server.c:%d: '%s' answered '%s', want '%s'\n", line, cmd, out,
			want);
	}
}
#define EXPECT(cmd, want) expect(cmd, want, __LINE__)

/* The command must be refused with exactly one ERR line. */
static void expect_err(const char *cmd, int line)
{
	char *c = strdup(cmd);

	out_reset();
	qtest_server_command(srv, c);
	free(c);
	check_count++;
	if (strncmp(out, "ERR ", 4) || strchr(out, '\n') != out + out_len - 1) {
		check_failures++;
		fprintf(stderr, "test_server.c:%d: '%s' answered '%s', want one ERR line\n", line,
			cmd, out);
	}
}
#define EXPECT_ERR(cmd) expect_err(cmd, __LINE__)

static u32 ram32(u64 gpa)
{
	u32 v = 0;

	CHECK_EQ(gmem_read(&vm.gmem, gpa, &v, 4), 0);
	return v;
}

static void test_memory_commands(void)
{
	EXPECT("writeb 0x1000 0x12", "OK\n");
	EXPECT("writew 0x1001 0x3456", "OK\n");
	EXPECT("writel 0x1004 0x789abcde", "OK\n");
	EXPECT("writeq 0x1008 0x0123456789abcdef", "OK\n");
	EXPECT("readb 0x1000", "OK 0x0000000000000012\n");
	EXPECT("readw 0x1001", "OK 0x0000000000003456\n");
	EXPECT("readl 0x1004", "OK 0x00000000789abcde\n");
	EXPECT("readq 0x1008", "OK 0x0123456789abcdef\n");
	EXPECT("readl 4100", "OK 0x00000000789abcde\n"); /* decimal */
	EXPECT("readl 010004", "OK 0x00000000789abcde\n"); /* octal */
	EXPECT("read 0x1000 4", "OK 0x12563400\n");
	EXPECT("b64read 0x1008 8", "OK 782riWdFIwE=\n");
	EXPECT("write 0x2000 4 0xa1b2c3d4", "OK\n");
	CHECK_EQ(ram32(0x2000), 0xd4c3b2a1);
	EXPECT("write 0x2000 4 0xff", "OK\n"); /* short data: zero-filled */
	CHECK_EQ(ram32(0x2000), 0xff);
	EXPECT("b64write 0x2000 3 AQID", "OK\n");
	CHECK_EQ(ram32(0x2000), 0x030201);
	EXPECT("memset 0x2000 2 0x5a", "OK\n");
	CHECK_EQ(ram32(0x2000), 0x035a5a);
	EXPECT("memset 0x2000 0 0x5a", "OK\n");
	EXPECT("memset 0 0x400000 0", "OK\n"); /* all of low RAM, in place */
	CHECK_EQ(ram32(0x1004), 0);
	EXPECT("endianness", "OK little\n");
	/* A whole 1 MiB read is allowed and answered on one line. */
	out_reset();
	{
		char c[] = "read 0x100000 0x100000";

		qtest_server_command(srv, c);
		CHECK_EQ(out_len, 5 + 2 * SZ_1M + 1);
	}
}

static void test_device_accesses(void)
{
	char cmd[64];

	/* readX/writeX: exactly one access of exactly that size, aligned or not. */
	mdev.nlog = 0;
	EXPECT("writel 0xd0000010 0xcafef00d", "OK\n");
	EXPECT("readl 0xd0000010", "OK 0x00000000cafef00d\n");
	EXPECT("readq 0xd0000013", "OK 0x00000000000000ca\n");
	CHECK_EQ(mdev.nlog, 3);
	CHECK(mdev.log[0].write && mdev.log[0].off == 0x10 && mdev.log[0].len == 4);
	CHECK(!mdev.log[1].write && mdev.log[1].off == 0x10 && mdev.log[1].len == 4);
	CHECK(!mdev.log[2].write && mdev.log[2].off == 0x13 && mdev.log[2].len == 8);

	/* Bulk accesses: naturally aligned pieces of at most 8 bytes. */
	mdev.nlog = 0;
	mdev.regs[1] = 0x5a;
	mdev.regs[15] = 0xa5;
	EXPECT("read 0xd0000001 15", "OK 0x5a00000000000000000000000000a5\n");
	CHECK_EQ(mdev.nlog, 4); /* 1 @1, 2 @2, 4 @4, 8 @8 */
	CHECK(mdev.log[0].off == 1 && mdev.log[0].len == 1);
	CHECK(mdev.log[1].off == 2 && mdev.log[1].len == 2);
	CHECK(mdev.log[2].off == 4 && mdev.log[2].len == 4);
	CHECK(mdev.log[3].off == 8 && mdev.log[3].len == 8);

	/* A bulk write across the end of the device into RAM: device bytes, then memory. */
	mdev.nlog = 0;
	snprintf(cmd, sizeof(cmd), "write 0x%llx 4 0x11223344",
		 (unsigned long long)(DEV_BASE + DEV_SIZE - 2));
	EXPECT(cmd, "OK\n");
	CHECK_EQ(mdev.nlog, 1);
	CHECK(mdev.log[0].write && mdev.log[0].off == DEV_SIZE - 2 && mdev.log[0].len == 2 &&
	      mdev.log[0].val == 0x2211);
	{
		u16 v;

		CHECK_EQ(gmem_read(&vm.gmem, DEV_BASE + DEV_SIZE, &v, 2), 0);
		CHECK_EQ(v, 0x4433);
	}

	/* Nothing there: all ones (a PCI master abort), never an error. */
	EXPECT("readl 0xd8000000", "OK 0x00000000ffffffff\n");
	EXPECT("read 0xd8000000 2", "OK 0xffff\n");
	EXPECT("writel 0xd8000000 1", "OK\n");

	/* Port I/O. */
	pdev.nlog = 0;
	EXPECT("outb 0x500 0xab", "OK\n");
	EXPECT("outw 0x502 0x1234", "OK\n");
	EXPECT("outl 0x504 0xdeadbeef", "OK\n");
	EXPECT("inb 0x500", "OK 0x00ab\n");
	EXPECT("inw 0x502", "OK 0x1234\n");
	EXPECT("inl 0x504", "OK 0xdeadbeef\n");
	EXPECT("inb 0x60", "OK 0x00ff\n");
	EXPECT("inl 0xffff", "OK 0xffffffff\n");
	CHECK_EQ(pdev.nlog, 6);
	CHECK(pdev.log[1].write && pdev.log[1].off == 2 && pdev.log[1].len == 2);
	CHECK(!pdev.log[5].write && pdev.log[5].off == 4 && pdev.log[5].len == 4);
}

static void test_hostile_lines(void)
{
	static const char *const bad[] = {
		"frobnicate",
		"READL 0",
		"readl",
		"readl 0 0",
		"readl -1",
		"readl 0x",
		"readl 0xg",
		"readl 1.5",
		"readl 0x10000000000000000",
		"readq 0xfffffffffffffffc",
		"writeb 0 0x100",
		"writew 0 0x10000",
		"writel 0 0x100000000",
		"writeq 0 0x10000000000000000",
		"outb 0x10000 0",
		"outb 0x80 0x100",
		"inl 0x10000",
		"inb",
		"read 0 0",
		"read 0 0x100001",
		"read 0xffffffffffffffff 2",
		"b64read 0 0xffffffffffffffff",
		"write 0 4",
		"write 0 2 0x112233",
		"write 0 2 0x1",
		"write 0 2 1122",
		"write 0 2 0xzz",
		"write 0 0x100001 0x00",
		"b64write 0 3 AQ",
		"b64write 0 1 AQID",
		"b64write 0 3 A!ID",
		"memset 0 1 0x100",
		"memset 0xd0000000 0x300000 0",
		"memset 0xffffffffffffff00 0x200 0",
		"clock_step -5",
		"clock_step 1 2",
		"clock_set",
		"clock_set 0x8000000000000000",
		"set_irq_in ioapic unnamed-gpio-in 24 1",
		"set_irq_in ioapic unnamed-gpio-in x 1",
		"irq_intercept_in",
		"endianness big",
		"a b c d e f g h i",
		"\x01\x02\x7f\xff",
		"",
		"   ",
	};
	u32 before = ram32(0);

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_ERR(bad[i]);
	CHECK_EQ(ram32(0), before);
	/* The echoed command word is escaped and cut, so the answer stays one short line. */
	{
		char longword[600];

		memset(longword, 'x', sizeof(longword) - 1);
		longword[sizeof(longword) - 1] = '\0';
		EXPECT_ERR(longword);
		CHECK(out_len < 200);
	}
	/* QEMU's FAIL answers are kept where QEMU gives them. */
	EXPECT("irq_intercept_in /machine/i8259", "FAIL Unknown device\n");
	EXPECT("irq_intercept_out ioapic", "FAIL No intercepts installed\n");
	EXPECT("irq_intercept_in ioapic foo",
	       "FAIL Interception of named in-GPIOs not yet supported\n");
	{
		struct qtest_stats st;

		qtest_server_stats(srv, &st);
		CHECK(st.errors >= ARRAY_SIZE(bad));
	}
}

static void test_line_assembly(void)
{
	const char *cmd = "readl 0x1004\r\nreadb 0x1004\n";
	char *big;

	CHECK_EQ(gmem_write(&vm.gmem, 0x1004, &(u32){ 0x44332211 }, 4), 0);
	/* One byte at a time, with a CRLF line end. */
	out_reset();
	for (size_t i = 0; i < strlen(cmd); i++)
		qtest_server_feed(srv, cmd + i, 1);
	CHECK_STREQ(out, "OK 0x0000000044332211\nOK 0x0000000000000011\n");
	/* Several lines in one chunk, the last one incomplete. */
	out_reset();
	qtest_server_feed(srv, "readb 0x1005\nreadb 0x1006\nreadb 0x10", 36);
	CHECK_STREQ(out, "OK 0x0000000000000022\nOK 0x0000000000000033\n");
	out_reset();
	qtest_server_feed(srv, "07\n", 3);
	CHECK_STREQ(out, "OK 0x0000000000000044\n");
	/* A NUL inside a line. */
	out_reset();
	qtest_server_feed(srv, "readb\0 0\n", 9);
	CHECK(!strncmp(out, "ERR ", 4));
	/* An overlong line: one ERR, the rest of it ignored, the next line served. */
	big = malloc(QTEST_MAX_LINE + 1000);
	memset(big, 'a', QTEST_MAX_LINE + 1000);
	out_reset();
	for (size_t off = 0; off < QTEST_MAX_LINE + 1000; off += 4096)
		qtest_server_feed(srv, big + off, MIN((size_t)4096, QTEST_MAX_LINE + 1000 - off));
	CHECK(!strncmp(out, "ERR line longer", 15));
	CHECK_EQ(strchr(out, '\n'), out + out_len - 1);
	qtest_server_feed(srv, "aaaa\nreadb 0x1004\n", 18);
	CHECK(strstr(out, "\nOK 0x0000000000000011\n") != NULL);
	/* A maximal write (1 MiB of hex) fits in a line. */
	{
		size_t n = QTEST_MAX_XFER, l = 0;

		l += (size_t)sprintf(big, "write 0x0 0x%zx 0x", n);
		memset(big + l, 'c', 2 * n);
		l += 2 * n;
		big[l++] = '\n';
		out_reset();
		qtest_server_feed(srv, big, l);
		CHECK_STREQ(out, "OK\n");
		CHECK_EQ(ram32(QTEST_MAX_XFER - 4), 0xcccccccc);
	}
	free(big);
	EXPECT("memset 0 0x100000 0", "OK\n");
}

/* ---- clock ---- */

static u64 fire_log[8];
static unsigned nfired;

static void timer_cb(void *opaque)
{
	struct vclock_timer *t = opaque;

	fire_log[nfired++ % 8] = vclock_now(t->clock);
}

static void test_clock(void)
{
	struct vclock_timer a, b, c;

	EXPECT("clock_step", "FAIL cannot advance clock to the next deadline because there is "
			     "no pending deadline\n");
	EXPECT("clock_step 0", "FAIL could not advance time\n");
	EXPECT("clock_step 100", "OK 100\n");
	EXPECT("clock_set 50", "FAIL 100\n");
	EXPECT("clock_set 100", "OK 100\n");
	vclock_timer_init(&a, &vm.clock, timer_cb, &a);
	vclock_timer_init(&b, &vm.clock, timer_cb, &b);
	vclock_timer_init(&c, &vm.clock, timer_cb, &c);
	vclock_timer_mod(&a, 300);
	vclock_timer_mod(&b, 200);
	vclock_timer_mod(&c, 1000);
	nfired = 0;
	EXPECT("clock_step", "OK 200\n"); /* to the next deadline: b */
	CHECK_EQ(nfired, 1);
	CHECK_EQ(fire_log[0], 200);
	vclock_timer_del(&c);
	EXPECT("clock_step 500", "OK 700\n");
	CHECK_EQ(nfired, 2);
	CHECK_EQ(fire_log[1], 300); /* a ran seeing its own deadline */
	CHECK(!vclock_timer_pending(&c));
	vclock_timer_mod(&a, 800);
	EXPECT("clock_set 0x1000", "OK 4096\n");
	CHECK_EQ(nfired, 3);
	CHECK_EQ(fire_log[2], 800);
	/* Saturates at INT64_MAX rather than wrapping. */
	EXPECT("clock_step 0xffffffffffffffff", "OK 9223372036854775807\n");
	EXPECT("clock_step 1", "FAIL could not advance time\n");
}

/* ---- interrupts ---- */

static void test_irq(void)
{
	struct msi_irq m;
	struct qtest_stats st;

	/* Not intercepted: levels are kept, nothing is said. */
	out_reset();
	CHECK_EQ(irq_line_set(&vm.irq, 10, 1), 0);
	CHECK_STREQ(out, "");
	EXPECT("irq_intercept_in ioapic", "OK\n");
	EXPECT("irq_intercept_in /machine/ioapic", "OK\n");
	out_reset();
	CHECK_EQ(irq_line_set(&vm.irq, 10, 1), 0); /* already reported as 0: a change */
	CHECK_EQ(irq_line_set(&vm.irq, 10, 1), 0); /* no change */
	CHECK_EQ(irq_line_set(&vm.irq, 10, 0), 0);
	CHECK_EQ(irq_line_set(&vm.irq, 24, 1), -EINVAL);
	CHECK_STREQ(out, "IRQ raise 10\nIRQ lower 10\n");
	EXPECT("set_irq_in ioapic unnamed-gpio-in 3 1", "IRQ raise 3\nOK\n");
	EXPECT("set_irq_in ioapic unnamed-gpio-in 3 0", "IRQ lower 3\nOK\n");

	/* A one-shot MSI to RAM is the write it is. */
	CHECK_EQ(irq_msi_send(&vm.irq, 0x10, 0x3000, 0xfeedf00d), 0);
	CHECK_EQ(ram32(0x3000), 0xfeedf00d);
	/* To the LAPIC: counted, silent until intercepted. */
	out_reset();
	CHECK_EQ(irq_msi_send(&vm.irq, 0x10, 0xfee00000, 0x4041), 0);
	CHECK_STREQ(out, "");
	EXPECT("irq_intercept_msi", "OK\n");
	out_reset();
	CHECK_EQ(irq_msi_send(&vm.irq, 0x10, 0xfee01000, 0x4042), 0);
	CHECK_STREQ(out, "IRQ msi 0xfee01000 0x4042\n");
	/* Elsewhere: dropped and counted. */
	CHECK_EQ(irq_msi_send(&vm.irq, 0x10, 0xd8000000, 1), 0);

	/* An irqfd-backed vector: delivered before the next response. */
	CHECK_EQ(msi_irq_init(&m, &vm.irq, 0x18), 0);
	CHECK(m.gsi >= IRQ_NR_PINS);
	msi_irq_fire(&m); /* not programmed yet: blocked, dropped */
	EXPECT("endianness", "OK little\n");
	CHECK_EQ(msi_irq_set(&m, 0x3100, 0x1234), 0);
	msi_irq_fire(&m);
	CHECK_EQ(ram32(0x3100), 0); /* not before the server runs */
	EXPECT("endianness", "OK little\n");
	CHECK_EQ(ram32(0x3100), 0x1234);
	CHECK_EQ(msi_irq_set(&m, 0xfee00000, 0x31), 0);
	msi_irq_fire(&m);
	EXPECT("readb 0", "IRQ msi 0xfee00000 0x31\nOK 0x0000000000000000\n");
	msi_irq_destroy(&m);

	qtest_server_stats(srv, &st);
	CHECK_EQ(st.msi_ram, 2);
	CHECK_EQ(st.msi_lapic, 3);
	CHECK_EQ(st.msi_dropped, 2);
}

/* ---- interrupts from other threads while commands run ---- */

#define NTHREADS 4
#define NTOGGLES 5000

static void *irq_thread(void *arg)
{
	unsigned pin = 16 + (unsigned)(uintptr_t)arg;

	for (int i = 0; i < NTOGGLES; i++) {
		irq_line_set(&vm.irq, pin, 1);
		irq_msi_send(&vm.irq, 0x20, 0xfee00000 + pin * 0x1000, (u32)i);
		irq_line_set(&vm.irq, pin, 0);
	}
	return NULL;
}

static void test_concurrent_irqs(void)
{
	pthread_t t[NTHREADS];
	unsigned responses = 0, raises[NTHREADS] = { 0 }, lowers[NTHREADS] = { 0 };
	unsigned msis[NTHREADS] = { 0 }, ncmds = 0;
	bool bad = false;
	int last[NTHREADS];
	char *p;

	CHECK_EQ(gmem_write(&vm.gmem, 0x1004, &(u32){ 0x44332211 }, 4), 0);
	out_reset();
	for (unsigned i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, irq_thread, (void *)(uintptr_t)i);
	for (int i = 0; i < 20000; i++) {
		char c[] = "readl 0x1004";

		qtest_server_command(srv, c);
		ncmds++;
	}
	for (unsigned i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);

	/* Every line whole and well-formed; per pin, raise and lower alternate. */
	for (unsigned i = 0; i < NTHREADS; i++)
		last[i] = 0;
	for (p = out; *p;) {
		char *nl = strchr(p, '\n');
		unsigned pin;
		u64 addr;
		u32 data;
		char what[8];

		if (!nl) {
			bad = true;
			break;
		}
		*nl = '\0';
		if (!strcmp(p, "OK 0x0000000044332211")) {
			responses++;
		} else if (sscanf(p, "IRQ %7s %u", what, &pin) == 2 && pin >= 16 &&
			   pin < 16 + NTHREADS && strcmp(what, "msi")) {
			int lvl = !strcmp(what, "raise");

			if (lvl == last[pin - 16] || (!lvl && strcmp(what, "lower")))
				bad = true;
			last[pin - 16] = lvl;
			if (lvl)
				raises[pin - 16]++;
			else
				lowers[pin - 16]++;
		} else if (sscanf(p, "IRQ msi 0x%" SCNx64 " 0x%x", &addr, &data) == 2 &&
			   addr >= 0xfee10000 && addr < 0xfee10000 + NTHREADS * 0x1000) {
			msis[(addr - 0xfee10000) / 0x1000]++;
		} else {
			fprintf(stderr, "malformed line: '%s'\n", p);
			bad = true;
		}
		p = nl + 1;
	}
	CHECK(!bad);
	CHECK_EQ(responses, ncmds);
	for (unsigned i = 0; i < NTHREADS; i++) {
		CHECK_EQ(raises[i], NTOGGLES);
		CHECK_EQ(lowers[i], NTOGGLES);
		CHECK_EQ(msis[i], NTOGGLES);
	}
}

static void test_stop(void)
{
	CHECK(!qtest_server_done(srv));
	pthread_mutex_lock(&vm.stop_lock);
	vm.stop_reason = VM_STOP_POWEROFF;
	pthread_mutex_unlock(&vm.stop_lock);
	CHECK(qtest_server_done(srv));
	/* Once done, fed lines are not served. */
	out_reset();
	qtest_server_feed(srv, "readb 0\n", 8);
	CHECK_STREQ(out, "");
}

int main(void)
{
	vm_setup();
	test_memory_commands();
	test_device_accesses();
	test_hostile_lines();
	test_line_assembly();
	test_clock();
	test_irq();
	test_concurrent_irqs();
	test_stop();
	vm_teardown();
	return check_done();
}
