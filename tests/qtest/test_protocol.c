// SPDX-License-Identifier: GPL-2.0-only
/*
 * The qtest protocol itself, end to end over the socket: every command with
 * the exact answer text, against iovirt and (for the part QEMU implements the
 * same way) against QEMU. On iovirt also: the virtual clock, hostile input
 * (each bad line gets one ERR and the server lives on), interrupt lines
 * interleaved with pipelined commands, the MSI extension, and the ways a
 * session ends (client gone, guest powers off).
 *
 * Usage: test_protocol iovirt|qemu
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define RAM 0x100000ull
#define FREE_PORT 0x2f8 /* COM2: nothing there on either machine as the tests start them */

static void expect(struct qtest_state *s, const char *cmd, const char *want, int line)
{
	const char *got = qtest_raw(s, "%s", cmd);

	check_count++;
	if (strcmp(got, want)) {
		check_failures++;
		fprintf(stderr, "test_protocol.c:%d: [%s] '%s' answered '%s', want '%s'\n", line,
			qtest_target_name(qtest_target(s)), cmd, got, want);
	}
}
#define EXPECT(s, cmd, want) expect(s, cmd, want, __LINE__)

/* Answers QEMU and iovirt give identically. */
static void test_common_commands(struct qtest_state *s)
{
	uint8_t buf[300], back[300];

	EXPECT(s, "endianness", "OK little");
	EXPECT(s, "writeb 0x100000 0x12", "OK");
	EXPECT(s, "writew 0x100002 0x3456", "OK");
	EXPECT(s, "writel 0x100004 0x789abcde", "OK");
	EXPECT(s, "writeq 0x100008 0x0123456789abcdef", "OK");
	EXPECT(s, "readb 0x100000", "OK 0x0000000000000012");
	EXPECT(s, "readw 0x100002", "OK 0x0000000000003456");
	EXPECT(s, "readl 0x100004", "OK 0x00000000789abcde");
	EXPECT(s, "readq 0x100008", "OK 0x0123456789abcdef");
	EXPECT(s, "readq 0x100000", "OK 0x789abcde34560012");
	EXPECT(s, "read 0x100000 8", "OK 0x12005634debc9a78");
	EXPECT(s, "b64read 0x100008 8", "OK 782riWdFIwE=");
	EXPECT(s, "write 0x100010 4 0xa1b2c3d4", "OK");
	EXPECT(s, "readl 0x100010", "OK 0x00000000d4c3b2a1");
	/* Data shorter than SIZE is zero-filled (documented by QEMU). */
	EXPECT(s, "write 0x100010 4 0xee", "OK");
	EXPECT(s, "readl 0x100010", "OK 0x00000000000000ee");
	EXPECT(s, "b64write 0x100010 3 AQID", "OK");
	EXPECT(s, "readl 0x100010", "OK 0x0000000000030201");
	EXPECT(s, "memset 0x100010 4 0x5a", "OK");
	EXPECT(s, "readl 0x100010", "OK 0x000000005a5a5a5a");
	EXPECT(s, "memset 0x100010 0 0x11", "OK");
	EXPECT(s, "readl 0x100010", "OK 0x000000005a5a5a5a");
	/* Port reads with nothing there: all ones, printed with at least 4 digits. */
	EXPECT(s, "inb 0x2f8", "OK 0x00ff");
	EXPECT(s, "inw 0x2f8", "OK 0xffff");
	EXPECT(s, "inl 0x2f8", "OK 0xffffffff");
	EXPECT(s, "outb 0x2f8 0x55", "OK");
	EXPECT(s, "outw 0x2f8 0x55", "OK");
	EXPECT(s, "outl 0x2f8 0x55", "OK");
	/* Bulk round trips through both encodings, at odd sizes and offsets. */
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	qtest_memwrite(s, RAM + 0x1001, buf, sizeof(buf));
	qtest_bufread(s, RAM + 0x1001, back, sizeof(back));
	CHECK(!memcmp(buf, back, sizeof(buf)));
	qtest_bufwrite(s, RAM + 0x2003, buf, 299);
	qtest_memread(s, RAM + 0x2003, back, 299);
	CHECK(!memcmp(buf, back, 299));
	/* A transfer bigger than one client chunk. */
	{
		size_t n = 200000;
		uint8_t *big = malloc(n), *big2 = malloc(n);

		for (size_t i = 0; i < n; i++)
			big[i] = (uint8_t)(i ^ (i >> 8));
		qtest_bufwrite(s, RAM + 0x10000, big, n);
		qtest_memread(s, RAM + 0x10000, big2, n);
		CHECK(!memcmp(big, big2, n));
		free(big);
		free(big2);
	}
	/* Interception is idempotent for the same device. */
	EXPECT(s, "irq_intercept_in ioapic", "OK");
	EXPECT(s, "irq_intercept_in ioapic", "OK");
}

/* Unknown commands: iovirt says ERR, QEMU FAIL; both keep serving. */
static void test_unknown(struct qtest_state *s)
{
	const char *l = qtest_raw(s, "frobnicate 1 2");

	if (qtest_is_qemu(s))
		CHECK(!strcmp(l, "FAIL Unknown command 'frobnicate'"));
	else
		CHECK(!strcmp(l, "ERR unknown command 'frobnicate'"));
	CHECK(qtest_alive(s));
}

/* IOAPIC inputs driven by set_irq_in: raise/lower lines before the OK, changes only. */
static void test_irq_lines(struct qtest_state *s)
{
	unsigned before = qtest_irq_raises(s, 11);

	qtest_raw(s, "set_irq_in ioapic unnamed-gpio-in 11 1");
	CHECK(qtest_get_irq(s, 11));
	qtest_raw(s, "set_irq_in ioapic unnamed-gpio-in 11 1"); /* no change: no line */
	CHECK_EQ(qtest_irq_raises(s, 11), before + 1);
	qtest_raw(s, "set_irq_in ioapic unnamed-gpio-in 11 0");
	CHECK(!qtest_get_irq(s, 11));

	/*
	 * Pipelined: 200 pairs of commands sent before any answer is read. Each
	 * level change must arrive before the OK of the set_irq_in that caused it.
	 */
	{
		char *burst = malloc(200 * 64);
		unsigned bad = 0, r0 = qtest_irq_raises(s, 12);
		size_t len = 0;

		for (int i = 0; i < 200; i++)
			len += (size_t)sprintf(burst + len, "set_irq_in ioapic unnamed-gpio-in 12 %d\n"
					       "readl 0x100004\n", (i & 1) ? 0 : 1);
		qtest_send_bytes(s, burst, len);
		for (int i = 0; i < 200; i++) {
			if (strcmp(qtest_recv_line(s), "OK"))
				bad++;
			if (qtest_irq_peek(s, 12) != !(i & 1))
				bad++;
			if (strcmp(qtest_recv_line(s), "OK 0x00000000789abcde"))
				bad++;
		}
		CHECK_EQ(bad, 0);
		CHECK_EQ(qtest_irq_raises(s, 12), r0 + 100);
		free(burst);
	}
}

static void test_clock(struct qtest_state *s)
{
	if (!qtest_has_virtual_clock(s)) {
		fprintf(stderr, "note: %s has no virtual clock (no qtest accelerator): clock "
				"commands not tested here\n", qtest_target_name(qtest_target(s)));
		return;
	}
	EXPECT(s, "clock_step 1000", "OK 1000");
	EXPECT(s, "clock_step 0x10", "OK 1016");
	EXPECT(s, "clock_set 2000", "OK 2000");
	EXPECT(s, "clock_set 100", "FAIL 2000");
	CHECK_EQ(qtest_clock_step(s, 500), 2500);
}

/* iovirt only: QEMU asserts and dies on most of these. */
static void test_hostile(struct qtest_state *s)
{
	static const char *const bad[] = {
		"readl", "readl 0 0", "readl -1", "readl 0xgg", "readl 0x10000000000000000",
		"readq 0xfffffffffffffffc", "writeb 0 0x100", "writel 0 0x100000000",
		"outb 0x10000 0", "inl 0x1ffff", "read 0 0", "read 0 0x100001",
		"b64read 0 0xffffffffffffffff", "write 0 2 0x112233", "write 0 2 0x1",
		"write 0 2 0xzz", "b64write 0 3 AQ", "b64write 0 3 A!ID", "memset 0 1 0x100",
		"memset 0xfffffffffffff000 0x2000 0", "clock_step -1", "clock_set",
		"set_irq_in ioapic unnamed-gpio-in 99 1", "a b c d e f g h i", "", "  \t ",
		"\x01\x02\x7f",
	};
	uint64_t before = qtest_readq(s, RAM);

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *l = qtest_raw(s, "%s", bad[i]);

		check_count++;
		if (strncmp(l, "ERR ", 4)) {
			check_failures++;
			fprintf(stderr, "'%s' answered '%s', want ERR\n", bad[i], l);
		}
	}
	CHECK_EQ(qtest_readq(s, RAM), before);

	/* Raw bytes: a NUL inside a line, a line of 3 MiB, then a good command. */
	qtest_send_bytes(s, "readb\0 0\n", 9);
	CHECK(!strncmp(qtest_recv_line(s), "ERR ", 4));
	{
		size_t n = 3u << 20;
		char *junk = malloc(n + 1);

		memset(junk, 'q', n);
		junk[n] = '\n';
		qtest_send_bytes(s, junk, n + 1);
		CHECK(!strncmp(qtest_recv_line(s), "ERR line longer", 15));
		free(junk);
	}
	/* Random garbage lines: one answer each, never OK for nonsense, server alive. */
	srand(1234);
	for (int i = 0; i < 300; i++) {
		char line[80];
		int n = 1 + rand() % 70;
		const char *l;

		for (int j = 0; j < n; j++) {
			line[j] = (char)(1 + rand() % 255);
			if (line[j] == '\n')
				line[j] = ' ';
		}
		line[n] = '\n';
		qtest_send_bytes(s, line, (size_t)n + 1);
		l = qtest_recv_line(s);
		CHECK(!strncmp(l, "ERR ", 4) || !strncmp(l, "OK", 2) || !strncmp(l, "FAIL", 4));
	}
	CHECK(qtest_alive(s));
	CHECK_EQ(qtest_readq(s, RAM), before);
	/* Bus accesses where nothing answers: all ones, never an error. */
	EXPECT(s, "read 0xd0000000 4", "OK 0xffffffff");
	EXPECT(s, "writeq 0xd0000000 0x1", "OK");
	/* Memory beyond RAM's end (256 MiB here) reads like any unclaimed address. */
	EXPECT(s, "readq 0x10000000", "OK 0xffffffffffffffff");
}

/* iovirt: MSIs into the LAPIC window are reported once asked for. */
static void test_msi_extension(struct qtest_state *s)
{
	uint64_t a;
	uint32_t d;

	if (qtest_is_qemu(s)) {
		CHECK(!qtest_msi_intercept(s)); /* QEMU lacks it: the client sees that */
		return;
	}
	CHECK(qtest_msi_intercept(s));
	CHECK(!qtest_msi_pop(s, &a, &d));
}

static void test_session_end(void)
{
	struct qtest_state *s;
	int status;

	/* The client goes away: iovirt exits 0 on its own. */
	s = qtest_start(QTEST_IOVIRT, NULL);
	CHECK(qtest_alive(s));
	status = qtest_quit(s);
	CHECK(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* The guest powers off (ACPI SLP_TYP=5 | SLP_EN at the sleep control port): same. */
	s = qtest_start(QTEST_IOVIRT, NULL);
	CHECK(!strcmp(qtest_raw(s, "outb 0x600 0x34"), "OK"));
	status = qtest_quit(s);
	CHECK(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* `--qtest stdio` (the default serial console must not take stdin from the protocol). */
static void test_stdio(void)
{
	static const char cmds[] = "writel 0x100000 0xfeedface\nreadl 0x100000\ninb 0x3fd\n";
	static const char want[] = "OK\nOK 0x00000000feedface\nOK 0x0060\n";
	const char *bin = getenv("IOVIRT_BIN");
	int in[2], out[2], status = -1;
	char got[128] = "";
	size_t n = 0;
	pid_t pid;

	if (!bin || pipe(in) || pipe(out)) {
		CHECK(!"cannot set up the stdio test");
		return;
	}
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(bin, bin, "--qtest", "stdio", "--memory", "64M", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	CHECK_EQ(write(in[1], cmds, sizeof(cmds) - 1), sizeof(cmds) - 1);
	while (n < sizeof(want) - 1) {
		ssize_t r = read(out[0], got + n, sizeof(got) - 1 - n);

		if (r <= 0)
			break;
		n += (size_t)r;
	}
	got[n] = '\0';
	CHECK_STREQ(got, want);
	close(in[1]); /* EOF: the harness ends */
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(out[0]);
}

int main(int argc, char **argv)
{
	enum qtest_target t = harness_target(argc, argv);
	struct qtest_state *s = qtest_start(t, NULL);

	test_common_commands(s);
	test_unknown(s);
	test_irq_lines(s);
	test_clock(s);
	test_msi_extension(s);
	if (t == QTEST_IOVIRT)
		test_hostile(s);
	if (t == QTEST_IOVIRT) {
		test_session_end();
		test_stdio();
	}
	return harness_done(s);
}
