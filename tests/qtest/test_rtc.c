// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CMOS RTC at 0x70/0x71 (MC146818A datasheet), the same test against
 * iovirt and QEMU (q35 has one at the same ports, on IOAPIC input 8): the
 * time Linux's mc146818_get_time() reads is the host's; Linux's
 * mc146818_set_time() sets it and it runs on from there, across a century;
 * SET and the divider reset hold it; the update-ended, periodic and alarm
 * interrupts with their register C flags.
 *
 * Where the target's clock is virtual (iovirt) every edge is checked at its
 * exact time: the first update half a second after the divider restarts, UIP
 * from 244 µs before it to the end of the 1984 µs cycle, each interrupt at
 * its nanosecond. QEMU's RTC keeps host time whatever qtest does, so there
 * the test lets real time pass and checks only what holds however long that
 * takes: each reading is bracketed by the host's monotonic clock taken before
 * and after it, and must be what the clock shows somewhere in between.
 *
 * Usage: test_rtc iovirt|qemu
 */
#include <stdlib.h>
#include <time.h>

#include "harness.h"

#define RTC_IDX 0x70
#define RTC_DAT 0x71
#define RTC_IRQ 8
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define CENTURY 0x32
#define A_UIP 0x80
#define A_DIV_RESET 0x70
#define A_DEFAULT 0x26
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull
#define UIP_LEAD (244 * US)
#define UPDATE (1984 * US)
#define SLACK_NS (20 * MS)	/* QEMU's host clock against ours, for the brackets */

static struct qtest_state *s;
static bool exact;		/* the target's clock is virtual */
static uint64_t vnow;		/* the virtual clock, as the last step left it */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

/* Let ns pass: the virtual clock moves, or (QEMU) real time passes. */
static void step(uint64_t ns)
{
	uint64_t t = qtest_clock_step(s, ns);

	if (exact)
		vnow = t;
}

/* Virtual clock only: move to t. */
static void at(uint64_t t)
{
	if (t > vnow)
		step(t - vnow);
	CHECK_EQ(vnow, t);
}

static uint8_t rd(uint8_t idx)
{
	qtest_outb(s, RTC_IDX, idx);
	return qtest_inb(s, RTC_DAT);
}

static void wr(uint8_t idx, uint8_t v)
{
	qtest_outb(s, RTC_IDX, idx);
	qtest_outb(s, RTC_DAT, v);
}

static unsigned bcd2bin(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

static uint8_t bin2bcd(unsigned v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static time_t mktime_utc(int year, int mon, int mday, int hour, int min, int sec)
{
	struct tm tm = { .tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = mday,
			 .tm_hour = hour, .tm_min = min, .tm_sec = sec };

	return timegm(&tm);
}

/*
 * mc146818_set_time() (BCD, 24 hours, Intel chipset): SET, divider reset,
 * the fields, SET cleared, divider restarted. Returns the host's monotonic
 * time just before the restarting write; *after gets the time after it.
 */
static uint64_t linux_set_time(time_t t, uint64_t *after)
{
	struct tm tm;
	uint64_t before;

	gmtime_r(&t, &tm);
	wr(REG_B, B_24H | B_SET);
	wr(REG_A, A_DEFAULT | A_DIV_RESET);
	wr(0x09, bin2bcd((unsigned)(tm.tm_year + 1900) % 100));
	wr(0x08, bin2bcd((unsigned)tm.tm_mon + 1));
	wr(0x07, bin2bcd((unsigned)tm.tm_mday));
	wr(0x04, bin2bcd((unsigned)tm.tm_hour));
	wr(0x02, bin2bcd((unsigned)tm.tm_min));
	wr(0x00, bin2bcd((unsigned)tm.tm_sec));
	wr(CENTURY, bin2bcd((unsigned)(tm.tm_year + 1900) / 100));
	wr(REG_B, B_24H);
	before = mono_ns();
	wr(REG_A, A_DEFAULT);
	*after = mono_ns();
	return before;
}

/* mc146818_avoid_UIP() + mc146818_get_time() (BCD, 24 hours): the time, or -1. */
static time_t linux_get_time(void)
{
	for (int i = 0; i < 1000; i++) {
		uint8_t seconds = rd(0x00), r[8];

		if (rd(REG_A) & A_UIP) {
			step(100 * US);	/* udelay(100) */
			continue;
		}
		if (seconds != rd(0x00))
			continue;
		r[0] = rd(0x00);
		r[1] = rd(0x02);
		r[2] = rd(0x04);
		r[3] = rd(0x07);
		r[4] = rd(0x08);
		r[5] = rd(0x09);
		r[6] = rd(CENTURY);
		if (rd(REG_A) & A_UIP) {
			step(100 * US);
			continue;
		}
		if (seconds != rd(0x00))
			continue;
		return mktime_utc((int)(bcd2bin(r[6]) * 100 + bcd2bin(r[5])), (int)bcd2bin(r[4]),
				  (int)bcd2bin(r[3]), (int)bcd2bin(r[2]), (int)bcd2bin(r[1]),
				  (int)bcd2bin(r[0]));
	}
	return -1;
}

/*
 * The time read after linux_set_time(t0) restarted the clock somewhere in
 * [r0, r1] (monotonic): the first update comes half a second later, then one
 * a second. Real-time targets: the reading, itself bracketed, must fall in
 * the range those brackets allow.
 */
static void check_read_after_restart(time_t t0, uint64_t r0, uint64_t r1)
{
	uint64_t b = mono_ns(), a;
	time_t got = linux_get_time();
	time_t lo, hi;

	a = mono_ns();
	/* Elapsed since the restart: at least b - r1, at most a - r0. */
	lo = t0 + (time_t)((b - r1 + 500 * MS - SLACK_NS) / SEC);
	hi = t0 + (time_t)((a - r0 + 500 * MS + SLACK_NS) / SEC);
	if (got < lo || got > hi)
		fprintf(stderr, "read %lld, allowed %lld..%lld\n", (long long)got, (long long)lo,
			(long long)hi);
	CHECK_SPEC(s, got >= lo && got <= hi,
		   "MC146818A (first update 0.5 s after the divider restarts, then 1 Hz)",
		   "time %lld s after the set, expected %lld..%lld", (long long)(got - t0),
		   (long long)(lo - t0), (long long)(hi - t0));
}

static void test_registers(void)
{
	/* Register D: VRT set, the rest reads 0 (Linux's rtc-cmos refuses bit 6 set). */
	CHECK_EQ(rd(REG_D), 0x80);
	wr(REG_D, 0x7f);
	CHECK_EQ(rd(REG_D), 0x80);
	/* As firmware leaves it: 32.768 kHz, 1024 Hz, BCD 24-hour, no interrupt enabled. */
	CHECK_EQ(rd(REG_A) & 0x7f, A_DEFAULT);
	CHECK_EQ(rd(REG_B), B_24H);
	/* CMOS RAM above the clock reads back what was written; bit 7 of the index is NMI. */
	for (unsigned i = 0x40; i < 0x80; i++)
		wr((uint8_t)i, (uint8_t)(i * 7 + 1));
	for (unsigned i = 0x40; i < 0x80; i++)
		CHECK_EQ(rd((uint8_t)i), (uint8_t)(i * 7 + 1));
	qtest_outb(s, RTC_IDX, 0x80 | 0x41);
	CHECK_EQ(qtest_inb(s, RTC_DAT), (uint8_t)(0x41 * 7 + 1));
}

/* The time the target starts with is the host's (the target started after `before`). */
static void test_host_time(time_t before)
{
	time_t got = linux_get_time(), after = time(NULL);

	CHECK(got >= before - 1 && got <= after + 1);
	if (got < before - 1 || got > after + 1)
		fprintf(stderr, "RTC %lld, host %lld..%lld\n", (long long)got, (long long)before,
			(long long)after);
}

/* Set the clock Linux's way; it runs on from there, across a century. */
static void test_set_time(void)
{
	time_t t0 = mktime_utc(2099, 12, 31, 23, 59, 58);
	uint64_t r0, r1;

	r0 = linux_set_time(t0, &r1);
	if (exact) {
		uint64_t r = vnow, b = r + 500 * MS;

		at(b - 1);
		CHECK_EQ(rd(0x00), 0x58);
		at(b);
		CHECK_EQ(rd(0x00), 0x59);
		/* The next boundary rolls every field: UIP exactly around it. */
		b += SEC;
		at(b - UIP_LEAD - 1);
		CHECK(!(rd(REG_A) & A_UIP));
		CHECK_EQ(rd(0x00), 0x59);
		at(b - UIP_LEAD);
		CHECK(rd(REG_A) & A_UIP);
		CHECK_EQ(rd(CENTURY), 0x20);
		at(b);
		CHECK(rd(REG_A) & A_UIP);
		CHECK_EQ(rd(0x00), 0x00);
		CHECK_EQ(rd(0x02), 0x00);
		CHECK_EQ(rd(0x04), 0x00);
		CHECK_EQ(rd(0x07), 0x01);
		CHECK_EQ(rd(0x08), 0x01);
		CHECK_EQ(rd(0x09), 0x00);
		CHECK_EQ(rd(CENTURY), 0x21);
		at(b + UPDATE - 1);
		CHECK(rd(REG_A) & A_UIP);
		at(b + UPDATE);
		CHECK(!(rd(REG_A) & A_UIP));
		CHECK_EQ(linux_get_time(), t0 + 2);
	} else {
		check_read_after_restart(t0, r0, r1);
		step(1700 * MS);
		check_read_after_restart(t0, r0, r1);
		/* mc146818_does_rtc_work(): UIP clears within 10 ms (here: any time). */
		CHECK(QTEST_WAIT_UNTIL(s, !(rd(REG_A) & A_UIP), MS, 10));
	}
	/* Into 2100 either way by now, century included. */
	step(2 * SEC);
	{
		time_t got = linux_get_time();

		CHECK(got >= t0 + 2);
		CHECK_EQ(rd(CENTURY), 0x21);
	}
}

/* SET and the divider reset hold the time, however long they last; SET clears UIE. */
static void test_hold(void)
{
	uint64_t r0, r1;
	uint8_t sec;

	(void)linux_set_time(mktime_utc(2030, 1, 1, 0, 0, 0), &r1);
	wr(REG_B, B_24H | B_SET | B_UIE);
	CHECK_SPEC(s, rd(REG_B) == (B_24H | B_SET), "MC146818A register B (SET clears UIE)",
		   "B reads 0x%02x after writing SET|UIE", rd(REG_B));
	sec = rd(0x00);
	for (int i = 0; i < 15; i++) {
		step(100 * MS);
		CHECK(!(rd(REG_A) & A_UIP));	/* SET: no update cycle, no UIP */
		CHECK_EQ(rd(0x00), sec);
	}
	wr(REG_B, B_24H);
	/* The divider in reset: stopped too. */
	wr(REG_A, A_DEFAULT | A_DIV_RESET);
	sec = rd(0x00);
	step(1500 * MS);
	CHECK_EQ(rd(0x00), sec);
	CHECK(!(rd(REG_A) & A_UIP));
	r0 = mono_ns();
	wr(REG_A, A_DEFAULT);
	r1 = mono_ns();
	if (exact) {
		uint64_t r = vnow;

		at(r + 500 * MS - 1);
		CHECK_EQ(rd(0x00), sec);
		at(r + 500 * MS);
		CHECK_EQ(bcd2bin(rd(0x00)), bcd2bin(sec) + 1);
	} else {
		uint64_t b = mono_ns(), a;
		uint8_t now_sec = rd(0x00);

		a = mono_ns();
		/* Changed only if half a second may have passed; unchanged only if it may not. */
		if (now_sec != sec)
			CHECK_SPEC(s, a - r0 + SLACK_NS >= 500 * MS,
				   "MC146818A (first update 0.5 s after the divider restarts)",
				   "seconds moved %llu ms after the restart",
				   (unsigned long long)((a - r0) / MS));
		else
			CHECK(b - r1 <= 500 * MS + SLACK_NS);
		CHECK(QTEST_WAIT_UNTIL(s, rd(0x00) != sec, 10 * MS, 200));
	}
}

/* Wait for IRQ 8: at its exact time on a virtual clock, whenever it comes on a real one. */
static void expect_irq_at(uint64_t t)
{
	if (exact) {
		at(t - 1);
		CHECK(!qtest_get_irq(s, RTC_IRQ));
		at(t);
		CHECK(qtest_get_irq(s, RTC_IRQ));
	} else {
		CHECK(qtest_wait_irq(s, RTC_IRQ, true, 10 * MS, 300));
	}
}

static void test_interrupts(void)
{
	time_t t0 = mktime_utc(2024, 6, 30, 12, 0, 0);
	uint64_t r, r1;
	uint8_t c;

	qtest_irq_intercept_in(s, "ioapic");
	wr(REG_B, B_24H);
	rd(REG_C);
	CHECK(!qtest_get_irq(s, RTC_IRQ));

	/* Update-ended: IRQ 8 at the end of the first update, held until C is read. */
	(void)linux_set_time(t0, &r1);
	r = vnow;
	rd(REG_C);
	wr(REG_B, B_24H | B_UIE);
	expect_irq_at(r + 500 * MS + UPDATE);
	step(10 * MS);
	CHECK(qtest_get_irq(s, RTC_IRQ));
	c = rd(REG_C);
	CHECK_EQ(c & (C_IRQF | C_UF), C_IRQF | C_UF);
	CHECK(!qtest_get_irq(s, RTC_IRQ));
	/* And at the next update's end. */
	expect_irq_at(r + 1500 * MS + UPDATE);
	CHECK_EQ(rd(REG_C) & (C_IRQF | C_UF), C_IRQF | C_UF);
	wr(REG_B, B_24H);
	rd(REG_C);
	CHECK(!qtest_get_irq(s, RTC_IRQ));

	/* Periodic, 2 Hz: ticks on the divider's half seconds. */
	(void)linux_set_time(t0, &r1);
	r = vnow;
	wr(REG_A, 0x20 | 15);
	rd(REG_C);
	wr(REG_B, B_24H | B_PIE);
	expect_irq_at(r + 500 * MS);
	c = rd(REG_C);
	CHECK_EQ(c & (C_IRQF | C_PF), C_IRQF | C_PF);
	CHECK(!qtest_get_irq(s, RTC_IRQ));
	expect_irq_at(r + 1000 * MS);
	CHECK_EQ(rd(REG_C) & (C_IRQF | C_PF), C_IRQF | C_PF);
	/* PF is set at the rate whether or not PIE is (MC146818A register C). */
	wr(REG_B, B_24H);
	rd(REG_C);
	step(600 * MS);
	c = rd(REG_C);
	CHECK_SPEC(s, c & C_PF, "MC146818A register C (PF set independent of PIE)",
		   "no PF after 600 ms at 2 Hz with PIE clear (C 0x%02x)", c);
	CHECK(!(c & C_IRQF));
	wr(REG_A, A_DEFAULT);

	/* Alarm: two seconds after the set time, hours, minutes and seconds exact. */
	(void)linux_set_time(t0, &r1);
	r = vnow;
	wr(0x01, 0x02);
	wr(0x03, 0x00);
	wr(0x05, 0x12);
	rd(REG_C);
	wr(REG_B, B_24H | B_AIE);
	expect_irq_at(r + 1500 * MS + UPDATE);
	c = rd(REG_C);
	CHECK_EQ(c & (C_IRQF | C_AF), C_IRQF | C_AF);
	CHECK(!qtest_get_irq(s, RTC_IRQ));
	wr(REG_B, B_24H);
	rd(REG_C);
}

int main(int argc, char **argv)
{
	enum qtest_target t = harness_target(argc, argv);
	time_t before = time(NULL);

	s = qtest_start(t, NULL);
	exact = qtest_has_virtual_clock(s);
	vnow = 0;	/* qtest_start set it */
	test_registers();
	test_host_time(before);
	test_set_time();
	test_hold();
	test_interrupts();
	return harness_done(s);
}
