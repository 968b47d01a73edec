// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/devices/rtc.c on a virtual VM clock: time stands still
 * between accesses and the test moves it to exact instants, so every edge is
 * checked where the MC146818 datasheet puts it and nothing depends on how
 * busy the machine is. The clock is set the way Linux's mc146818_set_time()
 * does it (SET, divider reset, registers, restart), which puts the first
 * update exactly half a second after the restart; from there the test knows
 * every second boundary. Checked: UIP exactly from 244 µs before a boundary
 * until the 1984 µs update ends; the registers change only at the boundary;
 * Linux's UIP-avoiding read (mc146818_avoid_UIP() + mc146818_get_time()),
 * run with gaps between its accesses, never returns a torn time; BCD, binary
 * and 12-hour forms; SET (updates held, divider phase kept, UIE cleared);
 * register C's UF/AF/PF and IRQ 8 at the exact times, at every periodic
 * rate; the alarm with don't-care bytes; the stopped divider; CMOS RAM;
 * hostile accesses. One check runs on the real VM clock: the time read is
 * the host's, between its time before and after the read (give or take the
 * second the registers truncate), however long the read takes.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "devtest.h"
#include "iovirt/devices.h"
#include "iovirt/layout.h"

#define IDX PIO_RTC
#define DAT (PIO_RTC + 1)
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define CENTURY 0x32
#define A_UIP 0x80
#define A_DIV_RESET 0x70	/* Linux's RTC_DIV_RESET2 */
#define A_DEFAULT 0x26		/* 32.768 kHz, 1024 Hz periodic rate */
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM_BINARY 0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10

#define NS 1ull
#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull
#define UIP_LEAD (244 * US)
#define UPDATE (1984 * US)

static struct vm vm;
static struct vm_config cfg;
static struct irq_rec rec;

static void vm_up(void)
{
	devtest_vm(&vm, &cfg, &rec);	/* cfg->qtest: a virtual clock */
	CHECK(vm.clock.is_virtual);
	CHECK_EQ(rtc_create(&vm), 0);
}

static u64 now(void)
{
	return vclock_now(&vm.clock);
}

/* Move the virtual clock to t (never backwards), running the RTC's timer on the way. */
static void at(u64 t)
{
	if (t < now()) {
		fprintf(stderr, "test bug: at(%llu) before now %llu\n", (unsigned long long)t,
			(unsigned long long)now());
		exit(1);
	}
	vclock_advance(&vm.clock, t);
}

static void step(u64 ns)
{
	at(now() + ns);
}

static u8 cmos_read(u8 idx)
{
	outb(&vm, IDX, idx | 0x80);	/* Linux and firmware set the NMI-mask bit at will */
	return inb(&vm, DAT);
}

static void cmos_write(u8 idx, u8 v)
{
	outb(&vm, IDX, idx);
	outb(&vm, DAT, v);
}

static bool uip(void)
{
	return cmos_read(REG_A) & A_UIP;
}

static int irq8(void)
{
	return rec_level(&rec, IRQ_RTC);
}

static unsigned bcd2bin(u8 v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

static u8 bin2bcd(unsigned v)
{
	return (u8)(((v / 10) << 4) | (v % 10));
}

/* The register forms of MC146818 Table 3, for register B value b. */
static u8 enc(u8 b, unsigned v)
{
	return (b & B_DM_BINARY) ? (u8)v : bin2bcd(v);
}

static u8 enc_hour(u8 b, unsigned h)
{
	if (b & B_24H)
		return enc(b, h);
	return enc(b, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0);
}

static time_t mktime_utc(int year, int mon, int mday, int hour, int min, int sec)
{
	struct tm tm = { .tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = mday,
			 .tm_hour = hour, .tm_min = min, .tm_sec = sec };

	return timegm(&tm);
}

/*
 * Linux's mc146818_set_time() on an Intel chipset: SET, divider reset, the
 * fields in the current data mode, SET cleared, divider restarted. The first
 * update comes 500 ms after the restart; returns the VM time of the restart.
 */
static u64 linux_set_time(time_t t)
{
	u8 ctrl = cmos_read(REG_B), freq = cmos_read(REG_A) & ~A_UIP;
	struct tm tm;

	gmtime_r(&t, &tm);
	cmos_write(REG_B, ctrl | B_SET);
	cmos_write(REG_A, freq | A_DIV_RESET);
	cmos_write(0x09, enc(ctrl, (unsigned)(tm.tm_year + 1900) % 100));
	cmos_write(0x08, enc(ctrl, (unsigned)tm.tm_mon + 1));
	cmos_write(0x07, enc(ctrl, (unsigned)tm.tm_mday));
	cmos_write(0x04, enc_hour(ctrl, (unsigned)tm.tm_hour));
	cmos_write(0x02, enc(ctrl, (unsigned)tm.tm_min));
	cmos_write(0x00, enc(ctrl, (unsigned)tm.tm_sec));
	cmos_write(CENTURY, enc(ctrl, (unsigned)(tm.tm_year + 1900) / 100));
	cmos_write(REG_B, ctrl);
	cmos_write(REG_A, freq);
	return now();
}

/* What the clock must show at VM time t after linux_set_time(t0) returned `restart`. */
static time_t wall(time_t t0, u64 restart, u64 t)
{
	return t0 + (time_t)((t - restart + 500 * MS) / SEC);
}

/* Every time register as register B value b says second t must look. */
static void check_regs(time_t t, u8 b)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	CHECK_EQ(cmos_read(0x00), enc(b, (unsigned)tm.tm_sec));
	CHECK_EQ(cmos_read(0x02), enc(b, (unsigned)tm.tm_min));
	CHECK_EQ(cmos_read(0x04), enc_hour(b, (unsigned)tm.tm_hour));
	CHECK_EQ(cmos_read(0x06), enc(b, (unsigned)tm.tm_wday + 1));
	CHECK_EQ(cmos_read(0x07), enc(b, (unsigned)tm.tm_mday));
	CHECK_EQ(cmos_read(0x08), enc(b, (unsigned)tm.tm_mon + 1));
	CHECK_EQ(cmos_read(0x09), enc(b, (unsigned)(tm.tm_year + 1900) % 100));
	CHECK_EQ(cmos_read(CENTURY), enc(b, (unsigned)(tm.tm_year + 1900) / 100));
}

struct rtc_time {
	unsigned sec, min, hour, mday, mon, year, wday, century;
	u8 ctrl;
};

/*
 * Linux's mc146818_avoid_UIP() with mc146818_get_time()'s callback, as in
 * drivers/rtc/rtc-mc146818-lib.c: seconds, UIP (udelay(100) and again while
 * set), seconds again, the fields, UIP again, seconds again. `gap` ns pass
 * before every register read (a slow bus, an NMI); on the real clock the
 * udelay is real. False if it never got a consistent reading.
 */
static u8 slow_read(u8 idx, u64 gap)
{
	if (gap)
		step(gap);
	return cmos_read(idx);
}

static void udelay_100(void)
{
	if (vm.clock.is_virtual)
		step(100 * US);
	else
		usleep(100);
}

static bool linux_get_time_tries(struct rtc_time *t, u64 gap, int tries)
{
	for (int i = 0; i < tries; i++) {
		u8 seconds = slow_read(0, gap);

		if (slow_read(REG_A, gap) & A_UIP) {
			udelay_100();
			continue;
		}
		if (seconds != slow_read(0, gap))
			continue;
		t->sec = slow_read(0, gap);
		t->min = slow_read(2, gap);
		t->hour = slow_read(4, gap);
		t->wday = slow_read(6, gap);
		t->mday = slow_read(7, gap);
		t->mon = slow_read(8, gap);
		t->year = slow_read(9, gap);
		t->century = slow_read(CENTURY, gap);
		t->ctrl = slow_read(REG_B, gap);
		if (slow_read(REG_A, gap) & A_UIP) {
			udelay_100();
			continue;
		}
		if (seconds != slow_read(0, gap))
			continue;
		if (!(t->ctrl & B_DM_BINARY)) {
			t->sec = bcd2bin((u8)t->sec);
			t->min = bcd2bin((u8)t->min);
			t->hour = (t->hour & 0x80) | bcd2bin(t->hour & 0x7f);
			t->wday = bcd2bin((u8)t->wday);
			t->mday = bcd2bin((u8)t->mday);
			t->mon = bcd2bin((u8)t->mon);
			t->year = bcd2bin((u8)t->year);
			t->century = bcd2bin((u8)t->century);
		}
		if (!(t->ctrl & B_24H))
			t->hour = (t->hour & 0x7f) % 12 + ((t->hour & 0x80) ? 12 : 0);
		return true;
	}
	return false;
}

/* As Linux bounds it: 1000 ms of UIP at 100 µs a look. */
static bool linux_get_time(struct rtc_time *t, u64 gap)
{
	return linux_get_time_tries(t, gap, 10000);
}

static time_t rtc_to_epoch(const struct rtc_time *t)
{
	return mktime_utc((int)(t->century * 100 + t->year), (int)t->mon, (int)t->mday,
			  (int)t->hour, (int)t->min, (int)t->sec);
}

/* The weekday register agrees with the date (1 = Sunday). */
static void check_wday(const struct rtc_time *t)
{
	time_t e = rtc_to_epoch(t);
	struct tm tm;

	gmtime_r(&e, &tm);
	CHECK_EQ(t->wday, (unsigned)tm.tm_wday + 1);
}

/* ---- the one real-clock check ---- */

/*
 * The time read is the host's: between the host's time before and after the
 * read (a second or two either way: truncation, and NTP slewing the host's
 * clock against the monotonic one the VM clock follows). However long the
 * read takes on a loaded machine, that holds.
 */
static void check_near_host(time_t before, const struct rtc_time *t)
{
	time_t g = rtc_to_epoch(t), after = time(NULL);

	if (g < before - 2 || g > after + 2)
		fprintf(stderr, "RTC %lld, host %lld..%lld\n", (long long)g, (long long)before,
			(long long)after);
	CHECK(g >= before - 2 && g <= after + 2);
	check_wday(t);
}

static void test_real_clock_near_host(void)
{
	struct rtc_time t;
	time_t before;

	devtest_vm(&vm, &cfg, &rec);
	/* Swap the harness's virtual clock for a real one before the RTC reads it. */
	vclock_destroy(&vm.clock);
	vclock_init(&vm.clock, false);
	CHECK_EQ(vclock_attach(&vm.clock, &vm.loop), 0);
	CHECK_EQ(rtc_create(&vm), 0);
	for (u8 b = 0; b < 4; b++) {
		/* BCD and binary, 12 and 24 hours: each reads the host's time. */
		cmos_write(REG_B, (u8)(((b & 1) ? B_DM_BINARY : 0) | ((b & 2) ? B_24H : 0)));
		before = time(NULL);
		CHECK(linux_get_time(&t, 0));
		check_near_host(before, &t);
	}
	vm_destroy(&vm);
}

/* ---- virtual clock ---- */

/* Reset state, register D, and what Linux's rtc-cmos probe does with them. */
static void test_probe(void)
{
	time_t host = time(NULL);
	struct rtc_time t;

	vm_up();
	CHECK_EQ(cmos_read(REG_A) & 0x7f, A_DEFAULT);
	CHECK_EQ(cmos_read(REG_B), B_24H);	/* BCD, 24 h, no interrupts */
	/* VRT set, bit 6 clear (rtc-cmos refuses an RTC with it set), the rest 0. */
	CHECK_EQ(cmos_read(REG_D), 0x80);
	cmos_write(REG_D, 0x7f);
	CHECK_EQ(cmos_read(REG_D), 0x80);
	/* The time is the host's at creation (the virtual clock is at 0 still). */
	CHECK(linux_get_time(&t, 0));
	check_near_host(host, &t);
	/* mc146818_does_rtc_work(): UIP clears within 10 ms (1 ms apart). */
	{
		int i = 0;

		while (uip() && i++ < 10)
			step(MS);
		CHECK(i < 10);
	}
	/*
	 * The probe rewrites register A with the running divider (0x26): that is
	 * no restart, the seconds keep their phase (a restart would move the
	 * next update to half a second after the write).
	 */
	{
		time_t t0 = mktime_utc(2020, 1, 1, 0, 0, 0);
		u64 r = linux_set_time(t0);

		at(r + 250 * MS);
		cmos_write(REG_A, A_DEFAULT);
		at(r + 500 * MS - 1);
		check_regs(t0, B_24H);
		at(r + 500 * MS);
		check_regs(t0 + 1, B_24H);
	}
	/* cmos_irq_disable(): interrupts off, then C read to drop anything pending. */
	cmos_write(REG_B, cmos_read(REG_B) & ~(B_PIE | B_AIE | B_UIE));
	cmos_read(REG_C);
	CHECK_EQ(irq8(), 0);
	vm_destroy(&vm);
}

/* BCD, binary and 12-hour forms of one known time, and 12 AM / 12 PM. */
static void test_formats(void)
{
	static const u8 modes[] = { B_24H, B_24H | B_DM_BINARY, 0, B_DM_BINARY };
	time_t t0 = mktime_utc(2024, 2, 29, 13, 45, 30);	/* a Thursday */
	u64 r;

	vm_up();
	r = linux_set_time(t0);
	step(200 * MS);
	CHECK_EQ(wall(t0, r, now()), t0);
	for (unsigned i = 0; i < ARRAY_SIZE(modes); i++) {
		/* The form follows register B at once, the time goes on. */
		cmos_write(REG_B, modes[i]);
		check_regs(t0, modes[i]);
	}
	cmos_write(REG_B, B_24H);
	CHECK_EQ(cmos_read(0x04), 0x13);
	CHECK_EQ(cmos_read(0x06), 5);
	CHECK_EQ(cmos_read(CENTURY), 0x20);
	cmos_write(REG_B, 0);
	CHECK_EQ(cmos_read(0x04), 0x81);	/* 1 PM */
	cmos_write(REG_B, B_DM_BINARY);
	CHECK_EQ(cmos_read(0x04), 0x81);
	CHECK_EQ(cmos_read(0x00), 30);
	/* Midnight is 12 AM, noon 12 PM. */
	cmos_write(REG_B, B_24H);
	r = linux_set_time(mktime_utc(2024, 3, 1, 0, 15, 0));
	cmos_write(REG_B, 0);
	CHECK_EQ(cmos_read(0x04), 0x12);
	cmos_write(REG_B, B_24H);
	r = linux_set_time(mktime_utc(2024, 3, 1, 12, 15, 0));
	cmos_write(REG_B, 0);
	CHECK_EQ(cmos_read(0x04), 0x92);
	/* Set in binary mode (Linux writes in whatever mode B is in). */
	cmos_write(REG_B, B_24H | B_DM_BINARY);
	t0 = mktime_utc(1999, 12, 31, 23, 59, 59);
	r = linux_set_time(t0);
	check_regs(t0, B_24H | B_DM_BINARY);
	at(r + 500 * MS);
	check_regs(t0 + 1, B_24H | B_DM_BINARY);	/* into 2000: century 19 → 20 */
	CHECK_EQ(cmos_read(CENTURY), 20);
	vm_destroy(&vm);
}

/*
 * UIP exactly over [b - 244 µs, b + 1984 µs) around each boundary b, never
 * elsewhere; the seconds change exactly at b; the time never moves between
 * boundaries.
 */
static void test_uip_window(void)
{
	time_t t0 = mktime_utc(2030, 6, 15, 8, 0, 0);
	unsigned bad_uip = 0, bad_sec = 0;
	u64 r, b;

	vm_up();
	r = linux_set_time(t0);
	b = r + 500 * MS;
	CHECK(!uip());
	at(b - UIP_LEAD - 1);
	CHECK(!uip());
	CHECK_EQ(cmos_read(0), 0x00);
	at(b - UIP_LEAD);
	CHECK(uip());
	CHECK_EQ(cmos_read(0), 0x00);	/* UIP warns; the update has not happened */
	at(b - 1);
	CHECK(uip());
	CHECK_EQ(cmos_read(0), 0x00);
	at(b);
	CHECK(uip());
	check_regs(t0 + 1, B_24H);	/* all registers turn at the boundary */
	at(b + UPDATE - 1);
	CHECK(uip());
	at(b + UPDATE);
	CHECK(!uip());
	check_regs(t0 + 1, B_24H);

	/* Sweep: 1 µs steps around the next three boundaries, 100 µs steps between them. */
	for (unsigned k = 1; k <= 3; k++) {
		u64 bk = b + k * SEC;

		while (now() < bk + 3 * MS) {
			u64 t = now();
			bool near = t + 2 * MS >= bk;
			bool want = t >= bk - UIP_LEAD && t < bk + UPDATE;
			u8 want_sec = bin2bcd(t < bk ? k : k + 1);
			if (uip() != want && bad_uip++ < 5)
				fprintf(stderr, "UIP %d at b%+lld ns\n", !want,
					(long long)(t - bk));
			if (cmos_read(0) != want_sec && bad_sec++ < 5)
				fprintf(stderr, "seconds wrong at b%+lld ns\n", (long long)(t - bk));
			step(near ? US : 100 * US);
		}
	}
	CHECK_EQ(bad_uip, 0);
	CHECK_EQ(bad_sec, 0);
	vm_destroy(&vm);
}

/*
 * Linux's read never returns a torn time: across a boundary where every field
 * rolls over (2099-12-31 23:59:59 → 2100-01-01 00:00:00), started anywhere
 * from 5 ms before to 3 ms after it, with gaps from none to 50 ms between its
 * accesses, it returns a time the clock showed at some instant of the read.
 * With larger gaps (a read taking seconds) it may give up, never lie.
 */
static void test_no_torn_read(void)
{
	static const u64 gaps[] = { 0, 1 * US, 17 * US, 100 * US, 250 * US, 700 * US,
				    2 * MS, 10 * MS, 50 * MS, 70 * MS, 120 * MS, 300 * MS, 900 * MS };
	time_t t0 = mktime_utc(2099, 12, 31, 23, 59, 59);
	unsigned reads = 0, torn = 0, failed = 0;

	vm_up();
	for (unsigned g = 0; g < ARRAY_SIZE(gaps); g++) {
		for (s64 off = -5000000; off <= 3000000; off += 37000 + 1000 * (s64)g) {
			struct rtc_time t;
			u64 r = linux_set_time(t0), start;
			time_t got;

			at((u64)((s64)(r + 500 * MS) + off));
			start = now();
			/* Reads taking seconds never agree with themselves: a few tries show it. */
			if (!linux_get_time_tries(&t, gaps[g], gaps[g] > 50 * MS ? 20 : 10000)) {
				if (gaps[g] <= 50 * MS)
					failed++;
				continue;
			}
			reads++;
			got = rtc_to_epoch(&t);
			if (got < wall(t0, r, start) || got > wall(t0, r, now()) ||
			    t.century * 100 + t.year < 2099) {
				if (torn++ < 5)
					fprintf(stderr, "torn: %04u-%02u-%02u %02u:%02u:%02u, gap %llu, "
						"off %lld\n", t.century * 100 + t.year, t.mon, t.mday,
						t.hour, t.min, t.sec, (unsigned long long)gaps[g],
						(long long)off);
			}
			check_wday(&t);
		}
	}
	CHECK_EQ(torn, 0);
	CHECK_EQ(failed, 0);
	CHECK(reads > 1000);
	vm_destroy(&vm);
}

/* Setting the clock: SET holds the registers, writes land, the clock runs on from them. */
static void test_set_clock(void)
{
	time_t t0 = mktime_utc(2001, 2, 28, 23, 59, 56);
	struct rtc_time t;
	u64 r;

	vm_up();
	/* mc146818_set_time() by hand, checking the stopped state on the way. */
	cmos_write(REG_B, B_24H | B_SET);
	cmos_write(REG_A, A_DEFAULT | A_DIV_RESET);
	CHECK(!uip());
	cmos_write(0, bin2bcd(56));
	cmos_write(2, bin2bcd(59));
	cmos_write(4, bin2bcd(23));
	cmos_write(7, bin2bcd(28));
	cmos_write(8, bin2bcd(2));
	cmos_write(9, bin2bcd(1));
	cmos_write(CENTURY, bin2bcd(20));
	step(3 * SEC);
	CHECK_EQ(cmos_read(0), bin2bcd(56));	/* stopped */
	CHECK_EQ(cmos_read(9), bin2bcd(1));	/* and what was written reads back */
	cmos_write(REG_B, B_24H);
	step(3 * SEC);
	CHECK_EQ(cmos_read(0), bin2bcd(56));	/* divider still in reset */
	CHECK(!uip());
	cmos_write(REG_A, A_DEFAULT);
	r = now();
	/* The first update half a second after the restart, then one a second. */
	at(r + 500 * MS - 1);
	check_regs(t0, B_24H);
	CHECK_EQ(cmos_read(0x06), 4);	/* 2001-02-28 was a Wednesday */
	at(r + 500 * MS);
	check_regs(t0 + 1, B_24H);
	at(r + 3500 * MS);
	check_regs(t0 + 4, B_24H);	/* across midnight into March */
	CHECK(linux_get_time(&t, 0));
	CHECK_EQ(t.mon, 3);
	CHECK_EQ(t.mday, 1);
	CHECK_EQ(t.hour, 0);
	CHECK_EQ(t.min, 0);
	CHECK_EQ(t.sec, 0);

	/* A single register written while running moves the clock, keeping its phase. */
	at(r + 3800 * MS);
	cmos_write(9, bin2bcd(99));
	check_regs(mktime_utc(2099, 3, 1, 0, 0, 0), B_24H);
	at(r + 4500 * MS - 1);
	CHECK_EQ(cmos_read(0), 0x00);
	at(r + 4500 * MS);
	CHECK_EQ(cmos_read(0), 0x01);

	/*
	 * SET alone holds the registers but not the divider: updates resume at
	 * the old phase, not half a second after SET clears. No UIP and no UF
	 * while SET; UIE is cleared by SET.
	 */
	at(r + 4700 * MS);
	cmos_read(REG_C);
	cmos_write(REG_B, B_24H | B_SET | B_UIE);
	CHECK_EQ(cmos_read(REG_B), B_24H | B_SET);
	at(r + 5500 * MS - 100 * US);	/* would be inside UIP */
	CHECK(!uip());
	at(r + 7500 * MS);
	CHECK_EQ(cmos_read(0), 0x01);	/* held */
	cmos_write(0, 0x30);
	at(r + 8100 * MS);
	cmos_write(REG_B, B_24H);
	CHECK_EQ(cmos_read(REG_C) & C_UF, 0);	/* no update ran under SET */
	CHECK_EQ(cmos_read(0), 0x30);
	at(r + 8500 * MS - 1);
	CHECK_EQ(cmos_read(0), 0x30);
	at(r + 8500 * MS);
	CHECK_EQ(cmos_read(0), 0x31);
	at(r + 8500 * MS + UPDATE);
	CHECK(cmos_read(REG_C) & C_UF);

	/* SET, binary 12-hour, 11 PM written: reads back as 23 h in 24-hour mode. */
	cmos_write(REG_B, B_SET | B_DM_BINARY);
	cmos_write(4, 0x80 | 11);
	cmos_write(REG_B, B_DM_BINARY | B_24H);
	CHECK(linux_get_time(&t, 0));
	CHECK_EQ(t.hour, 23);
	/* Garbage in the registers (non-BCD, out of range) reads back in range once running. */
	cmos_write(REG_B, B_SET | B_24H);
	for (u8 i = 0; i <= 9; i++)
		cmos_write(i, 0xff);
	cmos_write(CENTURY, 0xff);
	CHECK_EQ(cmos_read(0), 0xff);	/* stored as written while SET */
	cmos_write(REG_B, B_24H);
	CHECK(linux_get_time(&t, 0));
	CHECK(t.sec < 60 && t.min < 60 && t.hour < 24 && t.mon >= 1 && t.mon <= 12);
	CHECK(t.mday >= 1 && t.mday <= 31);
	check_wday(&t);
	vm_destroy(&vm);
}

/* Register C and IRQ 8: update-ended, alarm and periodic, at the exact virtual times. */
static void test_update_irq(void)
{
	time_t t0 = mktime_utc(2024, 1, 1, 0, 0, 0);
	u64 r, b, d;

	vm_up();
	r = linux_set_time(t0);
	b = r + 500 * MS;
	cmos_read(REG_C);
	/* UF without UIE: in C at the end of the update, no interrupt, no timer. */
	CHECK(!vclock_next_deadline(&vm.clock, &d));
	at(b + UPDATE - 1);
	CHECK_EQ(cmos_read(REG_C) & (C_UF | C_IRQF), 0);
	at(b + UPDATE);
	CHECK_EQ(cmos_read(REG_C) & (C_UF | C_IRQF), C_UF);
	CHECK_EQ(cmos_read(REG_C) & C_UF, 0);	/* reading C cleared it */
	CHECK_EQ(irq8(), 0);
	CHECK_EQ(rec_rises(&rec, IRQ_RTC), 0);

	/* UIE: the timer stands at the next update's end; IRQ 8 rises exactly there. */
	cmos_write(REG_B, B_24H | B_UIE);
	CHECK(vclock_next_deadline(&vm.clock, &d));
	CHECK_EQ(d, b + SEC + UPDATE);
	at(d - 1);
	CHECK_EQ(irq8(), 0);
	at(d);
	CHECK_EQ(irq8(), 1);
	CHECK_EQ(rec_rises(&rec, IRQ_RTC), 1);
	/* Held while C is unread, however many updates pass (and no timer meanwhile). */
	CHECK(!vclock_next_deadline(&vm.clock, &d));
	step(5 * SEC);
	CHECK_EQ(irq8(), 1);
	CHECK_EQ(rec_rises(&rec, IRQ_RTC), 1);
	CHECK_EQ(cmos_read(REG_C) & (C_IRQF | C_UF), C_IRQF | C_UF);
	CHECK_EQ(irq8(), 0);
	/* And again at the next update's end, one second apart. */
	CHECK(vclock_next_deadline(&vm.clock, &d));
	CHECK_EQ(d, b + 7 * SEC + UPDATE);
	for (unsigned i = 0; i < 5; i++) {
		at(b + (7 + i) * SEC + UPDATE - 1);
		CHECK_EQ(irq8(), 0);
		at(b + (7 + i) * SEC + UPDATE);
		CHECK_EQ(irq8(), 1);
		CHECK_EQ(cmos_read(REG_C) & (C_IRQF | C_UF), C_IRQF | C_UF);
	}
	CHECK_EQ(rec_rises(&rec, IRQ_RTC), 6);
	/* Clearing UIE with UF pending drops IRQF; setting it again raises it at once. */
	at(b + 12 * SEC + UPDATE);
	CHECK_EQ(irq8(), 1);
	cmos_write(REG_B, B_24H);
	CHECK_EQ(irq8(), 0);
	cmos_write(REG_B, B_24H | B_UIE);
	CHECK_EQ(irq8(), 1);
	cmos_write(REG_B, B_24H);
	cmos_read(REG_C);
	CHECK_EQ(irq8(), 0);
	CHECK(!vclock_next_deadline(&vm.clock, &d));
	vm_destroy(&vm);
}

static void test_alarm(void)
{
	time_t t0 = mktime_utc(2001, 2, 28, 23, 59, 56);
	u64 r, d;
	u8 c;

	vm_up();
	r = linux_set_time(t0);
	/* Midnight exactly: the update that makes 00:00:00 is the 4th, at r + 3.5 s. */
	cmos_write(0x01, 0x00);
	cmos_write(0x03, 0x00);
	cmos_write(0x05, 0x00);
	cmos_read(REG_C);
	cmos_write(REG_B, B_24H | B_AIE);
	/* The timer goes straight to the matching update, not to every second's. */
	CHECK(vclock_next_deadline(&vm.clock, &d));
	CHECK_EQ(d, r + 3500 * MS + UPDATE);
	at(d - 1);
	CHECK_EQ(irq8(), 0);
	CHECK_EQ(cmos_read(REG_C) & C_AF, 0);
	at(d);
	CHECK_EQ(irq8(), 1);
	c = cmos_read(REG_C);
	CHECK_EQ(c & (C_IRQF | C_AF | C_UF), C_IRQF | C_AF | C_UF);
	CHECK_EQ(irq8(), 0);
	/* Next match a day later. */
	CHECK(vclock_next_deadline(&vm.clock, &d));
	CHECK_EQ(d, r + 3500 * MS + 86400 * SEC + UPDATE);

	/* Don't-care hours and minutes, seconds 30: at the next :30, then every minute. */
	cmos_write(0x01, 0x30);
	cmos_write(0x03, 0xc0);
	cmos_write(0x05, 0xff);
	CHECK(vclock_next_deadline(&vm.clock, &d));
	CHECK_EQ(d, r + 33500 * MS + UPDATE);
	at(d);
	CHECK_EQ(irq8(), 1);
	CHECK(cmos_read(REG_C) & C_AF);
	CHECK(vclock_next_deadline(&vm.clock, &d));
	CHECK_EQ(d, r + 93500 * MS + UPDATE);
	/* All don't-care: every update. */
	cmos_write(0x01, 0xc0);
	CHECK(vclock_next_deadline(&vm.clock, &d));
	CHECK_EQ(d, r + 34500 * MS + UPDATE);
	/* A seconds byte no time shows (not BCD): never, and no timer for it. */
	cmos_write(0x01, 0x7a);
	CHECK(!vclock_next_deadline(&vm.clock, &d));
	step(2 * 86400 * SEC);
	CHECK_EQ(irq8(), 0);
	CHECK_EQ(cmos_read(REG_C) & C_AF, 0);
	/* AF without AIE, computed over elapsed days when C is finally read. */
	cmos_write(REG_B, B_24H);
	cmos_write(0x01, 0x00);
	cmos_write(0x03, 0x00);
	cmos_write(0x05, bin2bcd(3));
	cmos_read(REG_C);
	CHECK(!vclock_next_deadline(&vm.clock, &d));
	step(3 * 86400 * SEC);
	CHECK(cmos_read(REG_C) & C_AF);
	CHECK_EQ(irq8(), 0);
	/* ...and not when the matching second has not come. */
	{
		time_t cur = wall(t0, r, now());
		struct tm tm;

		gmtime_r(&cur, &tm);
		cmos_write(0x05, bin2bcd((unsigned)(tm.tm_hour + 2) % 24));
		cmos_write(0x03, bin2bcd((unsigned)tm.tm_min));
		cmos_write(0x01, bin2bcd((unsigned)tm.tm_sec));
		cmos_read(REG_C);
		step(3600 * SEC);
		CHECK_EQ(cmos_read(REG_C) & C_AF, 0);
		step(3600 * SEC);
		CHECK(cmos_read(REG_C) & C_AF);
	}
	/* 12-hour mode: the alarm compares the bytes, PM bit included. */
	cmos_write(REG_B, 0);
	r = linux_set_time(mktime_utc(2001, 3, 1, 13, 0, 0));	/* 1 PM */
	cmos_write(0x05, 0x81);
	cmos_write(0x03, 0x00);
	cmos_write(0x01, 0x02);
	cmos_read(REG_C);
	cmos_write(REG_B, B_AIE);
	CHECK(vclock_next_deadline(&vm.clock, &d));
	CHECK_EQ(d, r + 1500 * MS + UPDATE);
	cmos_write(0x05, 0x01);	/* 1 AM: twelve hours on */
	CHECK(vclock_next_deadline(&vm.clock, &d));
	CHECK_EQ(d, r + (1500 + 12 * 3600 * 1000ull) * MS + UPDATE);
	cmos_write(0x05, 0x13);	/* "13" in 12-hour BCD: no time shows it */
	CHECK(!vclock_next_deadline(&vm.clock, &d));
	vm_destroy(&vm);
}

/*
 * Periodic interrupts at each RS rate (MC146818 Table 5): exactly `rate` ticks
 * a second, on the divider's phase; PF with PIE off too; none at RS 0.
 */
static void test_periodic(void)
{
	time_t t0 = mktime_utc(2024, 5, 5, 5, 5, 5);
	u64 r, b, d;

	vm_up();
	r = linux_set_time(t0);
	b = r + 500 * MS;	/* a second boundary of the divider */
	/* The reset default, 1024 Hz, PIE off: ticks at ceil(j * 1e9 / 1024) ns. */
	cmos_read(REG_C);
	at(r + 976562);	/* the divider stands at 0.5 s = tick 512 at r */
	CHECK_EQ(cmos_read(REG_C) & C_PF, 0);
	at(r + 976563);
	CHECK_EQ(cmos_read(REG_C) & (C_PF | C_IRQF), C_PF);
	CHECK(!vclock_next_deadline(&vm.clock, &d));

	for (unsigned rs = 1; rs <= 15; rs++) {
		u64 rate = 32768 >> ((rs <= 2 ? rs + 7 : rs) - 1);
		u64 base = b + 2 * rs * SEC, rises;
		unsigned bad = 0;

		at(base - SEC / 2);
		cmos_write(REG_A, (u8)(0x20 | rs));
		cmos_read(REG_C);
		cmos_write(REG_B, B_24H | B_PIE);
		at(base - 1);
		cmos_read(REG_C);
		CHECK_EQ(irq8(), 0);
		rises = rec_rises(&rec, IRQ_RTC);
		/* Tick j of this second at base + ceil(j * 1e9 / rate): step to each. */
		for (u64 j = 0; j < rate; j++) {
			u64 want = base + (j * SEC + rate - 1) / rate;

			if (!vclock_next_deadline(&vm.clock, &d) || d != want) {
				if (bad++ < 3)
					fprintf(stderr, "RS %u tick %llu: deadline %llu, want %llu\n",
						rs, (unsigned long long)j,
						(unsigned long long)(d - base),
						(unsigned long long)(want - base));
				break;
			}
			at(d - 1);
			if (irq8())
				bad++;
			at(d);
			/* UF too, after each boundary's update: not this test's business. */
			if ((cmos_read(REG_C) & ~C_UF) != (C_IRQF | C_PF) || irq8()) {
				if (bad++ < 3)
					fprintf(stderr, "RS %u tick %llu: C or IRQ wrong\n", rs,
						(unsigned long long)j);
			}
		}
		CHECK_EQ(bad, 0);
		CHECK_EQ(rec_rises(&rec, IRQ_RTC) - rises, rate);
		cmos_write(REG_B, B_24H);
	}
	/* RS 0: no periodic flag at all. */
	cmos_write(REG_A, 0x20);
	cmos_read(REG_C);
	cmos_write(REG_B, B_24H | B_PIE);
	CHECK(!vclock_next_deadline(&vm.clock, &d));
	step(3 * SEC);
	CHECK_EQ(cmos_read(REG_C) & C_PF, 0);
	/* 2 Hz; the divider keeps running under SET, and so do the ticks. */
	cmos_write(REG_A, 0x2f);
	cmos_write(REG_B, B_24H | B_SET | B_PIE);
	CHECK(vclock_next_deadline(&vm.clock, &d));
	CHECK_EQ((d - b) % (SEC / 2), 0);
	at(d);
	CHECK_EQ(irq8(), 1);
	CHECK_EQ(cmos_read(REG_C) & ~C_UF, C_IRQF | C_PF);
	/* PIE and UIE together: the earlier edge first. */
	cmos_write(REG_B, B_24H | B_PIE | B_UIE);
	cmos_read(REG_C);
	{
		u64 tick = now() + SEC / 2;	/* now is on a 2 Hz tick */
		u64 update = b + (now() - b) / SEC * SEC + UPDATE;

		if (update <= now())
			update += SEC;
		CHECK(vclock_next_deadline(&vm.clock, &d));
		CHECK_EQ(d, MIN(tick, update));
	}
	cmos_write(REG_B, B_24H);
	vm_destroy(&vm);
}

/* A divider held in reset stops time, UIP, UF and PF; restarting it gives the half second. */
static void test_divider(void)
{
	time_t t0 = mktime_utc(2010, 10, 10, 10, 10, 10);
	u64 r, d;

	vm_up();
	r = linux_set_time(t0);
	at(r + 1200 * MS);	/* shows t0 + 1 */
	cmos_write(REG_B, B_24H | B_UIE | B_PIE);
	cmos_read(REG_C);
	cmos_write(REG_A, A_DIV_RESET | 0x06);
	CHECK(!vclock_next_deadline(&vm.clock, &d));
	for (unsigned i = 0; i < 3000; i++) {
		step(MS);
		if (uip() || cmos_read(0) != 0x11)
			break;
	}
	CHECK(!uip());
	CHECK_EQ(cmos_read(0), 0x11);
	CHECK_EQ(cmos_read(REG_A), A_DIV_RESET | 0x06);
	CHECK_EQ(cmos_read(REG_C), 0);
	CHECK_EQ(irq8(), 0);
	/* Other non-running divider settings stop it too (DV = 000). */
	cmos_write(REG_A, 0x06);
	step(2 * SEC);
	CHECK_EQ(cmos_read(0), 0x11);
	/* Restart: the next update half a second on; UIE armed for its end. */
	cmos_write(REG_A, A_DEFAULT);
	r = now();
	CHECK(vclock_next_deadline(&vm.clock, &d));
	CHECK(d <= r + 500 * MS + UPDATE);	/* a 1024 Hz tick first (PIE) */
	cmos_write(REG_B, B_24H | B_UIE);
	CHECK(vclock_next_deadline(&vm.clock, &d));
	CHECK_EQ(d, r + 500 * MS + UPDATE);
	at(r + 500 * MS - 1);
	CHECK_EQ(cmos_read(0), 0x11);
	at(r + 500 * MS);
	CHECK_EQ(cmos_read(0), 0x12);
	at(d);
	CHECK_EQ(irq8(), 1);
	/* AMD's bank-select bit (DV0) does not stop the divider. */
	cmos_write(REG_B, B_24H);
	cmos_read(REG_C);
	cmos_write(REG_A, 0x36);
	at(r + 1500 * MS);
	CHECK_EQ(cmos_read(0), 0x13);
	vm_destroy(&vm);
}

static void test_cmos_ram_and_hostile(void)
{
	u64 seed = 99;

	vm_up();
	/* 64 MiB: 48 MiB above 16 MiB in 64 KiB units; 63 MiB above 1 MiB in KiB. */
	CHECK_EQ(cmos_read(0x34) | (cmos_read(0x35) << 8), 768);
	CHECK_EQ(cmos_read(0x30) | (cmos_read(0x31) << 8), 63 * 1024);
	CHECK_EQ(cmos_read(0x15) | (cmos_read(0x16) << 8), 640);
	CHECK_EQ(cmos_read(0x5b) | cmos_read(0x5c) | cmos_read(0x5d), 0);
	for (unsigned i = 0x40; i < 0x80; i++)
		cmos_write((u8)i, (u8)(i * 3));
	for (unsigned i = 0x40; i < 0x80; i++)
		CHECK_EQ(cmos_read((u8)i), (u8)(i * 3));
	/* The index wraps at 128 (bit 7 is the NMI mask). */
	outb(&vm, IDX, 0xc0);
	CHECK_EQ(inb(&vm, DAT), (u8)(0x40 * 3));
	CHECK_EQ(inb(&vm, IDX), 0xff);
	/* 16-bit access: index then data in one go. */
	{
		u16 w = 0x5a41;	/* index 0x41, data 0x5a */

		bus_write(&vm.pio, IDX, &w, 2);
		CHECK_EQ(cmos_read(0x41), 0x5a);
	}
	/* Random widths, indexes and values, register A/B/C included, and time passing. */
	for (int i = 0; i < 50000; i++) {
		u32 v;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		v = (u32)(seed >> 24);
		if ((seed & 0x70) == 0x70)
			step((seed >> 40) % (3 * SEC));
		else if (seed & 1)
			bus_write(&vm.pio, IDX + ((seed >> 1) & 1), &v, (seed & 4) ? 1 : 2);
		else
			bus_read(&vm.pio, IDX + ((seed >> 1) & 1), &v, (seed & 4) ? 1 : 2);
	}
	/* Put it back in a sane mode: the clock reads sensibly, the line follows C. */
	cmos_write(REG_A, A_DEFAULT);
	cmos_write(REG_B, B_24H);
	cmos_read(REG_C);
	CHECK_EQ(irq8(), 0);
	{
		struct rtc_time t;

		CHECK(linux_get_time(&t, 0));
		CHECK(t.sec < 60 && t.min < 60 && t.hour < 24);
		check_wday(&t);
	}
	vm_destroy(&vm);
}

int main(void)
{
	test_real_clock_near_host();
	test_probe();
	test_formats();
	test_uip_window();
	test_no_torn_read();
	test_set_clock();
	test_update_irq();
	test_alarm();
	test_periodic();
	test_divider();
	test_cmos_ram_and_hostile();
	return check_done();
}
