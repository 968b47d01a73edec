// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/devices/rtc.c: the time read the way Linux's
 * mc146818_get_time() reads it (avoiding UIP) is within 2 s of the host's;
 * BCD vs binary and 12 vs 24 hours; the UIP window's length and that the
 * registers only change under it; setting the clock with SET; register C
 * flags and the UIE/AIE/PIE interrupts on IRQ 8; CMOS RAM; hostile accesses.
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
#define A_UIP 0x80
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

static u8 cmos_read(struct vm *vm, u8 idx)
{
	outb(vm, IDX, idx | 0x80);	/* Linux and firmware set the NMI-mask bit at will */
	return inb(vm, DAT);
}

static void cmos_write(struct vm *vm, u8 idx, u8 v)
{
	outb(vm, IDX, idx);
	outb(vm, DAT, v);
}

static unsigned bcd2bin(u8 v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

static u8 bin2bcd(unsigned v)
{
	return (u8)(((v / 10) << 4) | (v % 10));
}

struct rtc_time {
	unsigned sec, min, hour, mday, mon, year, wday, century;
	u8 ctrl;
};

/* mc146818_avoid_UIP() + mc146818_get_time(): false if UIP never cleared. */
static bool linux_get_time(struct vm *vm, struct rtc_time *t)
{
	for (int i = 0; i < 100; i++) {
		u8 seconds = cmos_read(vm, 0);

		if (cmos_read(vm, REG_A) & A_UIP) {
			usleep(100);
			continue;
		}
		if (seconds != cmos_read(vm, 0))
			continue;
		t->sec = seconds;
		t->min = cmos_read(vm, 2);
		t->hour = cmos_read(vm, 4);
		t->wday = cmos_read(vm, 6);
		t->mday = cmos_read(vm, 7);
		t->mon = cmos_read(vm, 8);
		t->year = cmos_read(vm, 9);
		t->century = cmos_read(vm, 0x32);
		t->ctrl = cmos_read(vm, REG_B);
		if (cmos_read(vm, REG_A) & A_UIP) {
			usleep(100);
			continue;
		}
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
		if (!(t->ctrl & B_24H)) {
			bool pm = t->hour & 0x80;

			t->hour = (t->hour & 0x7f) % 12 + (pm ? 12 : 0);
		}
		return true;
	}
	return false;
}

static time_t rtc_to_epoch(const struct rtc_time *t)
{
	struct tm tm = {
		.tm_sec = (int)t->sec,
		.tm_min = (int)t->min,
		.tm_hour = (int)t->hour,
		.tm_mday = (int)t->mday,
		.tm_mon = (int)t->mon - 1,
		.tm_year = (int)(t->century * 100 + t->year) - 1900,
	};

	return timegm(&tm);
}

static void check_time_near_host(struct vm *vm)
{
	struct rtc_time t;
	time_t host = time(NULL), g;
	struct tm tm;

	CHECK(linux_get_time(vm, &t));
	g = rtc_to_epoch(&t);
	CHECK(llabs((long long)(g - host)) <= 2);
	gmtime_r(&g, &tm);
	CHECK_EQ(t.wday, (unsigned)tm.tm_wday + 1);
	CHECK(t.sec < 60 && t.min < 60 && t.hour < 24);
}

static void test_time_formats(void)
{
	struct vm vm;
	struct vm_config cfg;
	struct irq_rec rec;
	struct rtc_time t;

	devtest_vm(&vm, &cfg, &rec);
	CHECK_EQ(rtc_create(&vm), 0);
	CHECK_EQ(cmos_read(&vm, REG_B), B_24H);	/* BCD, 24 h */
	CHECK_EQ(cmos_read(&vm, REG_A) & 0x7f, 0x26);
	CHECK_EQ(cmos_read(&vm, REG_D), 0x80);
	check_time_near_host(&vm);
	/* BCD digits never exceed 9. */
	for (u8 r = 0; r <= 9; r++) {
		u8 v = cmos_read(&vm, r);

		if (r != 1 && r != 3 && r != 5)
			CHECK((v & 0x0f) <= 9 && ((v >> 4) & 0x7) <= 9);
	}
	/* Binary. */
	cmos_write(&vm, REG_B, B_24H | B_DM_BINARY);
	check_time_near_host(&vm);
	CHECK(cmos_read(&vm, 0) < 60);
	/* 12-hour, binary then BCD: hours 1..12 with bit 7 for PM. */
	cmos_write(&vm, REG_B, B_DM_BINARY);
	check_time_near_host(&vm);
	{
		u8 h = cmos_read(&vm, 4);

		CHECK((h & 0x7f) >= 1 && (h & 0x7f) <= 12);
	}
	cmos_write(&vm, REG_B, 0);
	check_time_near_host(&vm);
	cmos_write(&vm, REG_B, B_24H);
	check_time_near_host(&vm);
	(void)t;
	vm_destroy(&vm);
}

static u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

/*
 * UIP: around a second boundary (the clock starts as the host's, so its
 * boundaries are CLOCK_REALTIME's), sample register A and the seconds as
 * fast as we can. UIP must show up, never for longer than the update cycle,
 * and the seconds may only change across samples where UIP was seen or
 * where the sampler was away longer than UIP's 244 µs lead. A loaded
 * machine can deschedule us over a whole window: up to 8 attempts.
 */
static void test_uip(void)
{
	struct vm vm;
	struct vm_config cfg;
	struct irq_rec rec;
	unsigned changes = 0, uip_seen = 0, unguarded = 0;
	u64 longest = 0;

	devtest_vm(&vm, &cfg, &rec);
	CHECK_EQ(rtc_create(&vm), 0);
	for (int attempt = 0; attempt < 8 && !(uip_seen && changes); attempt++) {
		struct timespec rt;
		u64 to_boundary, end, prev_start = 0, uip_since = 0;
		u8 prev_sec = 0xff;
		bool prev_uip = false;

		clock_gettime(CLOCK_REALTIME, &rt);
		to_boundary = 1000000000ull - (u64)rt.tv_nsec;
		if (to_boundary > 3000000)
			usleep((useconds_t)((to_boundary - 2000000) / 1000));
		end = mono_ns() + 8000000;	/* through the boundary and the update */
		while (mono_ns() < end) {
			u64 t0 = mono_ns(), t1;
			bool uip = cmos_read(&vm, REG_A) & A_UIP;
			u8 sec = cmos_read(&vm, 0);

			t1 = mono_ns();
			/*
			 * Bounds that preemption cannot inflate: the first UIP read
			 * happened before its t1, the last one after its t0.
			 */
			if (uip) {
				uip_seen++;
				if (!prev_uip)
					uip_since = t1;
				if (t0 > uip_since)
					longest = MAX(longest, t0 - uip_since);
			}
			if (prev_sec != 0xff && sec != prev_sec) {
				changes++;
				if (!uip && !prev_uip && t1 - prev_start < 200000)
					unguarded++;
			}
			prev_sec = sec;
			prev_uip = uip;
			prev_start = t0;
		}
	}
	CHECK(changes >= 1);
	CHECK(uip_seen > 0);
	CHECK_EQ(unguarded, 0);
	if (longest > 2228000)
		fprintf(stderr, "UIP longest %llu ns, seen %u\n", (unsigned long long)longest, uip_seen);
	CHECK(longest <= 2228000);	/* 244 µs + 1984 µs */
	vm_destroy(&vm);
}

static void test_set_clock(void)
{
	struct vm vm;
	struct vm_config cfg;
	struct irq_rec rec;
	struct rtc_time t;

	devtest_vm(&vm, &cfg, &rec);
	CHECK_EQ(rtc_create(&vm), 0);
	/* Linux's mc146818_set_time(): SET, write BCD fields, clear SET. */
	cmos_write(&vm, REG_B, B_24H | B_SET);
	CHECK_EQ(cmos_read(&vm, REG_A) & A_UIP, 0);	/* no updates while SET */
	cmos_write(&vm, 0, bin2bcd(56));
	cmos_write(&vm, 2, bin2bcd(59));
	cmos_write(&vm, 4, bin2bcd(23));
	cmos_write(&vm, 7, bin2bcd(28));
	cmos_write(&vm, 8, bin2bcd(2));
	cmos_write(&vm, 9, bin2bcd(1));
	cmos_write(&vm, 0x32, bin2bcd(20));
	usleep(300000);
	CHECK_EQ(cmos_read(&vm, 0), bin2bcd(56));	/* stopped */
	cmos_write(&vm, REG_B, B_24H);
	CHECK(linux_get_time(&vm, &t));
	CHECK_EQ(t.year, 1);
	CHECK_EQ(t.century, 20);
	CHECK_EQ(t.mon, 2);
	CHECK_EQ(t.mday, 28);
	CHECK_EQ(t.hour, 23);
	CHECK_EQ(t.min, 59);
	CHECK(t.sec == 56 || t.sec == 57);
	CHECK_EQ(t.wday, 4);	/* 2001-02-28 was a Wednesday */
	/* It runs: across midnight into March in 4 seconds. */
	sleep(4);
	CHECK(linux_get_time(&vm, &t));
	CHECK_EQ(t.mon, 3);
	CHECK_EQ(t.mday, 1);
	CHECK_EQ(t.hour, 0);
	CHECK_EQ(t.min, 0);
	CHECK(t.sec <= 2);
	/* A single register written while running moves the clock too. */
	cmos_write(&vm, 9, bin2bcd(99));
	CHECK(linux_get_time(&vm, &t));
	CHECK_EQ(t.year, 99);
	/* Binary mode with SET, 12-hour PM. */
	cmos_write(&vm, REG_B, B_SET | B_DM_BINARY);
	cmos_write(&vm, 4, 0x80 | 11);	/* 11 PM */
	cmos_write(&vm, REG_B, B_DM_BINARY | B_24H);
	CHECK(linux_get_time(&vm, &t));
	CHECK_EQ(t.hour, 23);
	/* Garbage in the registers (non-BCD, out of range) does not break anything. */
	cmos_write(&vm, REG_B, B_SET | B_24H);
	for (u8 r = 0; r <= 9; r++)
		cmos_write(&vm, r, 0xff);
	cmos_write(&vm, 0x32, 0xff);
	cmos_write(&vm, REG_B, B_24H);
	CHECK(linux_get_time(&vm, &t));
	CHECK(t.sec < 60 && t.min < 60 && t.hour < 24 && t.mon >= 1 && t.mon <= 12);
	vm_destroy(&vm);
}

static bool wait_irq8(struct irq_rec *rec, unsigned ms)
{
	u64 end = now_ms() + ms;

	while (!rec_level(rec, IRQ_RTC)) {
		if (now_ms() > end)
			return false;
		sleep_ms(2);
	}
	return true;
}

static void test_flags_and_irqs(void)
{
	struct vm vm;
	struct vm_config cfg;
	struct irq_rec rec;
	u8 c;

	devtest_vm(&vm, &cfg, &rec);
	CHECK_EQ(rtc_create(&vm), 0);
	devtest_start_loop(&vm);
	/* UF appears after an update, without an interrupt; reading C clears it. */
	cmos_read(&vm, REG_C);
	sleep_ms(1100);
	c = cmos_read(&vm, REG_C);
	CHECK(c & C_UF);
	CHECK(!(c & C_IRQF));
	CHECK(c & C_PF);	/* the 1024 Hz divider tap ran (PIE off: flag only) */
	CHECK_EQ(cmos_read(&vm, REG_C) & C_UF, 0);
	CHECK_EQ(rec_level(&rec, IRQ_RTC), 0);

	/* UIE: IRQ 8 within a second; reading C drops it. */
	cmos_write(&vm, REG_B, B_24H | B_UIE);
	CHECK(wait_irq8(&rec, 1500));
	c = cmos_read(&vm, REG_C);
	CHECK_EQ(c & (C_IRQF | C_UF), C_IRQF | C_UF);
	CHECK_EQ(rec_level(&rec, IRQ_RTC), 0);
	CHECK(wait_irq8(&rec, 1500));	/* and again the next second */
	cmos_write(&vm, REG_B, B_24H);
	cmos_read(&vm, REG_C);
	CHECK_EQ(rec_level(&rec, IRQ_RTC), 0);

	/* AIE: alarm 2 s from now (binary), hours don't-care. */
	{
		u8 s, m;

		cmos_write(&vm, REG_B, B_24H | B_DM_BINARY);
		s = cmos_read(&vm, 0);
		m = cmos_read(&vm, 2);
		if (s >= 58) {
			s = (u8)(s - 58);
			m = (u8)((m + 1) % 60);
		} else {
			s = (u8)(s + 2);
		}
		cmos_write(&vm, 1, s);
		cmos_write(&vm, 3, m);
		cmos_write(&vm, 5, 0xc0);
		cmos_read(&vm, REG_C);
		cmos_write(&vm, REG_B, B_24H | B_DM_BINARY | B_AIE);
		CHECK(wait_irq8(&rec, 3500));
		c = cmos_read(&vm, REG_C);
		CHECK_EQ(c & (C_IRQF | C_AF), C_IRQF | C_AF);
	}
	/* PIE at 2 Hz (RS = 15). */
	cmos_write(&vm, REG_B, B_24H);
	cmos_write(&vm, REG_A, 0x20 | 15);
	cmos_read(&vm, REG_C);
	cmos_write(&vm, REG_B, B_24H | B_PIE);
	CHECK(wait_irq8(&rec, 1000));
	c = cmos_read(&vm, REG_C);
	CHECK_EQ(c & (C_IRQF | C_PF), C_IRQF | C_PF);
	/* SET clears UIE. */
	cmos_write(&vm, REG_B, B_24H | B_UIE | B_SET);
	CHECK_EQ(cmos_read(&vm, REG_B), B_24H | B_SET);
	/* A stopped divider (DV = 11x) stops time and UIP. */
	cmos_write(&vm, REG_B, B_24H);
	cmos_write(&vm, REG_A, 0x70);
	{
		u8 s = cmos_read(&vm, 0);

		sleep_ms(1100);
		CHECK_EQ(cmos_read(&vm, 0), s);
		CHECK_EQ(cmos_read(&vm, REG_A), 0x70);
	}
	cmos_write(&vm, REG_A, 0x26);
	check_time_near_host(&vm);
	vm_destroy(&vm);
}

static void test_cmos_ram_and_hostile(void)
{
	struct vm vm;
	struct vm_config cfg;
	struct irq_rec rec;
	u64 seed = 99;

	devtest_vm(&vm, &cfg, &rec);
	CHECK_EQ(rtc_create(&vm), 0);
	/* 64 MiB: 48 MiB above 16 MiB in 64 KiB units; 63 MiB above 1 MiB in KiB. */
	CHECK_EQ(cmos_read(&vm, 0x34) | (cmos_read(&vm, 0x35) << 8), 768);
	CHECK_EQ(cmos_read(&vm, 0x30) | (cmos_read(&vm, 0x31) << 8), 63 * 1024);
	CHECK_EQ(cmos_read(&vm, 0x5b) | cmos_read(&vm, 0x5c) | cmos_read(&vm, 0x5d), 0);
	for (unsigned i = 0x40; i < 0x80; i++)
		cmos_write(&vm, (u8)i, (u8)(i * 3));
	for (unsigned i = 0x40; i < 0x80; i++)
		CHECK_EQ(cmos_read(&vm, (u8)i), (u8)(i * 3));
	/* The index wraps at 128 (bit 7 is the NMI mask). */
	outb(&vm, IDX, 0xc0);
	CHECK_EQ(inb(&vm, DAT), (u8)(0x40 * 3));
	CHECK_EQ(inb(&vm, IDX), 0xff);
	/* 16-bit access: index then data in one go. */
	{
		u16 w = 0x5a41;	/* index 0x41, data 0x5a */

		bus_write(&vm.pio, IDX, &w, 2);
		CHECK_EQ(cmos_read(&vm, 0x41), 0x5a);
	}
	/* Random widths, indexes and values, register A/B/C included. */
	for (int i = 0; i < 50000; i++) {
		u32 v;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		v = (u32)(seed >> 24);
		if (seed & 1)
			bus_write(&vm.pio, IDX + ((seed >> 1) & 1), &v, (seed & 4) ? 1 : 2);
		else
			bus_read(&vm.pio, IDX + ((seed >> 1) & 1), &v, (seed & 4) ? 1 : 2);
	}
	/* Put it back in a sane mode: the clock still reads sensibly. */
	cmos_write(&vm, REG_A, 0x26);
	cmos_write(&vm, REG_B, B_24H);
	{
		struct rtc_time t;

		CHECK(linux_get_time(&vm, &t));
		CHECK(t.sec < 60 && t.min < 60 && t.hour < 24);
	}
	vm_destroy(&vm);
}

int main(void)
{
	test_time_formats();
	test_uip();
	test_set_clock();
	test_flags_and_irqs();
	test_cmos_ram_and_hostile();
	return check_done();
}
