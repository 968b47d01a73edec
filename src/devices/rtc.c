// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Motorola MC146818 real-time clock and its 128 bytes of CMOS RAM, at
 * index port 0x70 (bit 7 is the chipset's NMI mask: ignored) and data port
 * 0x71. The clock is the host's UTC time plus an offset the guest sets by
 * writing the time registers; the registers are computed from it on every
 * read, in BCD or binary and 12- or 24-hour form as register B says.
 *
 * The update cycle is modelled where software can see it (MC146818 datasheet,
 * "Update Cycle"): UIP reads 1 from 244 µs before each second boundary until
 * the 1984 µs update ends, so Linux's mc146818_avoid_UIP() finds consistent
 * registers; register C shows UF after every boundary, AF when an update
 * matched the alarm and PF at the register-A rate, each cleared by reading C.
 * Flags are computed lazily from elapsed time; a timerfd on the main loop
 * wakes only when an enabled interrupt (PIE/AIE/UIE) is due, and IRQ 8
 * follows IRQF as a level, dropped when C is read.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "iovirt/devices.h"
#include "iovirt/layout.h"
#include "iovirt/log.h"
#include "iovirt/vm.h"

#define NSEC_PER_SEC 1000000000ll

/* Register indexes, MC146818 "Address Map". */
#define RTC_SECONDS		0x00
#define RTC_SECONDS_ALARM	0x01
#define RTC_MINUTES		0x02
#define RTC_MINUTES_ALARM	0x03
#define RTC_HOURS		0x04
#define RTC_HOURS_ALARM		0x05
#define RTC_DAY_OF_WEEK		0x06
#define RTC_DAY_OF_MONTH	0x07
#define RTC_MONTH		0x08
#define RTC_YEAR		0x09
#define RTC_REG_A		0x0a
#define RTC_REG_B		0x0b
#define RTC_REG_C		0x0c
#define RTC_REG_D		0x0d
#define RTC_CENTURY		0x32	/* where PCs (and the ACPI FADT's CENTURY field) keep it */

#define RTC_A_UIP		0x80
#define RTC_A_DV_MASK		0x70
#define RTC_A_DV_32KHZ		0x20	/* the one divider setting that runs the clock */
#define RTC_A_RS_MASK		0x0f
#define RTC_B_SET		0x80
#define RTC_B_PIE		0x40
#define RTC_B_AIE		0x20
#define RTC_B_UIE		0x10
#define RTC_B_SQWE		0x08
#define RTC_B_DM_BINARY		0x04
#define RTC_B_24H		0x02
#define RTC_B_DSE		0x01
#define RTC_C_IRQF		0x80
#define RTC_C_PF		0x40
#define RTC_C_AF		0x20
#define RTC_C_UF		0x10
#define RTC_D_VRT		0x80
#define RTC_ALARM_DONT_CARE	0xc0	/* alarm bytes 0xc0..0xff match anything */
#define RTC_HOUR_PM		0x80

#define RTC_UIP_BEFORE_NS	244000ll	/* UIP rises this long before the update */
#define RTC_UPDATE_NS		1984000ll	/* and the update lasts this long */

struct rtc {
	struct vm *vm;
	int tfd;		/* timerfd (CLOCK_REALTIME) for due interrupts */

	/* Guards everything below: vCPU accesses and the main loop's timer. */
	pthread_mutex_t lock;
	u8 index;
	u8 cmos[128];
	s64 offset_ns;		/* guest time = host CLOCK_REALTIME + offset */
	s64 frozen_ns;		/* guest time when SET was raised (the clock stops) */
	s64 last_sec;		/* second (guest time) up to which UF/AF were computed */
	s64 last_tick;		/* periodic tick up to which PF was computed */
	int irq_level;
	struct ratelimit rl;
};

static s64 host_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (s64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static s64 floor_div(s64 a, s64 b)
{
	s64 q = a / b;

	return (a % b && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool rtc_running(const struct rtc *r)
{
	return !(r->cmos[RTC_REG_B] & RTC_B_SET) &&
	       (r->cmos[RTC_REG_A] & RTC_A_DV_MASK) == RTC_A_DV_32KHZ;
}

static s64 rtc_guest_ns(const struct rtc *r, s64 host_ns)
{
	return rtc_running(r) ? host_ns + r->offset_ns : r->frozen_ns;
}

static u8 rtc_to_reg(const struct rtc *r, unsigned v)
{
	if (r->cmos[RTC_REG_B] & RTC_B_DM_BINARY)
		return (u8)v;
	return (u8)(((v / 10) << 4) | (v % 10));
}

/* Hostile input: a non-BCD byte decodes to something, and is range-checked later. */
static unsigned rtc_from_reg(const struct rtc *r, u8 v)
{
	if (r->cmos[RTC_REG_B] & RTC_B_DM_BINARY)
		return v;
	return (v >> 4) * 10 + (v & 0x0f);
}

static u8 rtc_hour_to_reg(const struct rtc *r, unsigned h)
{
	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return rtc_to_reg(r, h);
	/* 12-hour: 12 AM is 12, 1 PM is 1|PM (MC146818 Table 3). */
	return rtc_to_reg(r, h % 12 ? h % 12 : 12) | (h >= 12 ? RTC_HOUR_PM : 0);
}

static unsigned rtc_hour_from_reg(const struct rtc *r, u8 v)
{
	unsigned h;

	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return rtc_from_reg(r, v);
	h = rtc_from_reg(r, v & ~RTC_HOUR_PM) % 12;
	return (v & RTC_HOUR_PM) ? h + 12 : h;
}

/* Write the clock's registers (seconds..year, century) for guest time ns. */
static void rtc_fill_time(struct rtc *r, s64 ns)
{
	time_t t = (time_t)floor_div(ns, NSEC_PER_SEC);
	struct tm tm;

	gmtime_r(&t, &tm);
	r->cmos[RTC_SECONDS] = rtc_to_reg(r, (unsigned)tm.tm_sec);
	r->cmos[RTC_MINUTES] = rtc_to_reg(r, (unsigned)tm.tm_min);
	r->cmos[RTC_HOURS] = rtc_hour_to_reg(r, (unsigned)tm.tm_hour);
	r->cmos[RTC_DAY_OF_WEEK] = rtc_to_reg(r, (unsigned)tm.tm_wday + 1);
	r->cmos[RTC_DAY_OF_MONTH] = rtc_to_reg(r, (unsigned)tm.tm_mday);
	r->cmos[RTC_MONTH] = rtc_to_reg(r, (unsigned)tm.tm_mon + 1);
	r->cmos[RTC_YEAR] = rtc_to_reg(r, (unsigned)(tm.tm_year + 1900) % 100);
	r->cmos[RTC_CENTURY] = rtc_to_reg(r, (unsigned)(tm.tm_year + 1900) / 100);
}

/*
 * The guest time the registers say, keeping the sub-second phase of `ns`.
 * Out-of-range fields (a hostile or half-written clock) are normalised by
 * timegm(), as good as any answer for a clock set to 31 February.
 */
static s64 rtc_regs_to_ns(const struct rtc *r, s64 ns)
{
	struct tm tm = { 0 };
	unsigned year = rtc_from_reg(r, r->cmos[RTC_YEAR]) % 100;
	unsigned century = rtc_from_reg(r, r->cmos[RTC_CENTURY]);
	time_t t;

	/* s64 nanoseconds reach 2262: keep to the centuries a PC clock can hold. */
	if (century < 19 || century > 21)
		century = year < 70 ? 20 : 19;
	tm.tm_sec = (int)(rtc_from_reg(r, r->cmos[RTC_SECONDS]) % 60);
	tm.tm_min = (int)(rtc_from_reg(r, r->cmos[RTC_MINUTES]) % 60);
	tm.tm_hour = (int)(rtc_hour_from_reg(r, r->cmos[RTC_HOURS]) % 24);
	tm.tm_mday = (int)MAX(rtc_from_reg(r, r->cmos[RTC_DAY_OF_MONTH]) % 32, 1u);
	tm.tm_mon = (int)(MAX(rtc_from_reg(r, r->cmos[RTC_MONTH]) % 13, 1u) - 1);
	tm.tm_year = (int)(century * 100 + year) - 1900;
	t = timegm(&tm);
	if (t < 0)
		t = 0;	/* 1900-1969: before what the s64 offset arithmetic expects */
	return (s64)t * NSEC_PER_SEC + (ns - floor_div(ns, NSEC_PER_SEC) * NSEC_PER_SEC);
}

/* Periodic interrupt period from RS (MC146818 Table 5, 32.768 kHz base); 0: off. */
static s64 rtc_period_ns(const struct rtc *r)
{
	unsigned rs = r->cmos[RTC_REG_A] & RTC_A_RS_MASK;

	if (!rs || !rtc_running(r))
		return 0;
	if (rs <= 2)
		rs += 7;	/* RS 1, 2 give 256 and 128 Hz, like RS 8, 9 */
	return (NSEC_PER_SEC << (rs - 1)) / 32768;
}

/* True when second `s` (guest UTC) matches the alarm registers. */
static bool rtc_alarm_match(const struct rtc *r, s64 s)
{
	s64 day = ((s % 86400) + 86400) % 86400;
	u8 as = r->cmos[RTC_SECONDS_ALARM], am = r->cmos[RTC_MINUTES_ALARM];
	u8 ah = r->cmos[RTC_HOURS_ALARM];

	if (as < RTC_ALARM_DONT_CARE && rtc_from_reg(r, as) != day % 60)
		return false;
	if (am < RTC_ALARM_DONT_CARE && rtc_from_reg(r, am) != (day / 60) % 60)
		return false;
	if (ah < RTC_ALARM_DONT_CARE && rtc_hour_from_reg(r, ah) != day / 3600)
		return false;
	return true;
}

static void rtc_update_irq(struct rtc *r)
{
	u8 c = r->cmos[RTC_REG_C] & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
	u8 en = r->cmos[RTC_REG_B];
	int level;

	if (((c & RTC_C_PF) && (en & RTC_B_PIE)) || ((c & RTC_C_AF) && (en & RTC_B_AIE)) ||
	    ((c & RTC_C_UF) && (en & RTC_B_UIE)))
		c |= RTC_C_IRQF;
	r->cmos[RTC_REG_C] = c;
	level = !!(c & RTC_C_IRQF);
	if (level != r->irq_level) {
		r->irq_level = level;
		if (irq_line_set(&r->vm->irq, IRQ_RTC, level))
			dev_warn_rl(&r->rl, "rtc", "cannot set IRQ %d", IRQ_RTC);
	}
}

/* Bring register C up to date with the time that passed since the last look. */
static void rtc_catch_up(struct rtc *r, s64 host_ns)
{
	s64 g = rtc_guest_ns(r, host_ns);
	s64 period = rtc_period_ns(r);

	if (rtc_running(r)) {
		/* An update completes RTC_UPDATE_NS after each second boundary. */
		s64 sec = floor_div(g - RTC_UPDATE_NS, NSEC_PER_SEC);

		if (sec > r->last_sec) {
			r->cmos[RTC_REG_C] |= RTC_C_UF;
			/* One alarm check per elapsed update; a day covers every pattern. */
			for (s64 s = MAX(r->last_sec + 1, sec - 86400); s <= sec; s++) {
				if (rtc_alarm_match(r, s)) {
					r->cmos[RTC_REG_C] |= RTC_C_AF;
					break;
				}
			}
		}
		r->last_sec = sec;
	}
	if (period) {
		s64 tick = floor_div(g, period);

		if (tick > r->last_tick)
			r->cmos[RTC_REG_C] |= RTC_C_PF;
		r->last_tick = tick;
	}
	rtc_update_irq(r);
}

/* Restart the lazy counters at `host_ns` (after the clock or the rate changed). */
static void rtc_resync(struct rtc *r, s64 host_ns)
{
	s64 g = rtc_guest_ns(r, host_ns);
	s64 period = rtc_period_ns(r);

	r->last_sec = floor_div(g - RTC_UPDATE_NS, NSEC_PER_SEC);
	r->last_tick = period ? floor_div(g, period) : 0;
}

/* Arm the timer for the next event an enabled interrupt is waiting for. */
static void rtc_arm_timer(struct rtc *r, s64 host_ns)
{
	struct itimerspec its = { 0 };
	u8 b = r->cmos[RTC_REG_B];
	s64 due = 0;

	if (r->tfd < 0)
		return;
	if (rtc_running(r) && !(r->cmos[RTC_REG_C] & RTC_C_IRQF)) {
		s64 period = rtc_period_ns(r);

		if (b & (RTC_B_UIE | RTC_B_AIE))
			due = (r->last_sec + 1) * NSEC_PER_SEC + RTC_UPDATE_NS;
		if ((b & RTC_B_PIE) && period) {
			s64 p = (r->last_tick + 1) * period;

			due = due ? MIN(due, p) : p;
		}
	}
	if (due) {
		s64 h = due - r->offset_ns;

		if (h <= host_ns)
			h = host_ns + 1;
		its.it_value.tv_sec = h / NSEC_PER_SEC;
		its.it_value.tv_nsec = h % NSEC_PER_SEC;
	}
	if (timerfd_settime(r->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		dev_warn_rl(&r->rl, "rtc", "timerfd_settime: %s", strerror(errno));
}

static void rtc_timer_event(void *opaque, u32 events)
{
	struct rtc *r = opaque;
	u64 expirations;
	s64 now;

	if (read(r->tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		pr_debug("rtc: timerfd read: %s", strerror(errno));
	pthread_mutex_lock(&r->lock);
	now = host_now_ns();
	rtc_catch_up(r, now);
	rtc_arm_timer(r, now);
	pthread_mutex_unlock(&r->lock);
}

static bool rtc_uip(const struct rtc *r, s64 host_ns)
{
	s64 g, phase;

	if (!rtc_running(r))
		return false;
	g = rtc_guest_ns(r, host_ns);
	phase = g - floor_div(g, NSEC_PER_SEC) * NSEC_PER_SEC;
	return phase >= NSEC_PER_SEC - RTC_UIP_BEFORE_NS || phase < RTC_UPDATE_NS;
}

static bool rtc_is_time_reg(unsigned idx)
{
	return idx <= RTC_YEAR || idx == RTC_CENTURY;
}

static bool rtc_is_alarm_reg(unsigned idx)
{
	return idx == RTC_SECONDS_ALARM || idx == RTC_MINUTES_ALARM || idx == RTC_HOURS_ALARM;
}

/* Called with lock held. */
static u8 rtc_read_reg(struct rtc *r, unsigned idx)
{
	s64 now = host_now_ns();
	u8 v;

	if (rtc_is_time_reg(idx) && !rtc_is_alarm_reg(idx)) {
		if (rtc_running(r))
			rtc_fill_time(r, rtc_guest_ns(r, now));
		return r->cmos[idx];
	}
	switch (idx) {
	case RTC_REG_A:
		return (r->cmos[RTC_REG_A] & ~RTC_A_UIP) | (rtc_uip(r, now) ? RTC_A_UIP : 0);
	case RTC_REG_C:
		rtc_catch_up(r, now);
		v = r->cmos[RTC_REG_C];
		r->cmos[RTC_REG_C] = 0;
		rtc_update_irq(r);
		rtc_arm_timer(r, now);
		return v;
	case RTC_REG_D:
		return RTC_D_VRT;	/* the battery is fine */
	default:
		return r->cmos[idx];
	}
}

/* Called with lock held. */
static void rtc_write_reg(struct rtc *r, unsigned idx, u8 v)
{
	s64 now = host_now_ns();

	if (rtc_is_time_reg(idx) && !rtc_is_alarm_reg(idx)) {
		/* Writes land in the registers; a running clock restarts from them. */
		if (rtc_running(r)) {
			s64 g = rtc_guest_ns(r, now);

			rtc_fill_time(r, g);
			r->cmos[idx] = v;
			r->offset_ns = rtc_regs_to_ns(r, g) - now;
			rtc_resync(r, now);
			rtc_arm_timer(r, now);
		} else {
			r->cmos[idx] = v;
		}
		return;
	}
	switch (idx) {
	case RTC_REG_A:
	case RTC_REG_B: {
		/*
		 * Changing A (divider) or B (SET, data mode) may stop or start the
		 * clock or change the register format: take the guest time as it
		 * stands (the stopped registers decode in the old format), then
		 * restart from it or show it in the new format.
		 */
		rtc_catch_up(r, now);
		if (rtc_running(r))
			r->frozen_ns = now + r->offset_ns;
		else
			r->frozen_ns = rtc_regs_to_ns(r, r->frozen_ns);
		if (idx == RTC_REG_A) {
			r->cmos[RTC_REG_A] = v & ~RTC_A_UIP;
		} else {
			if (v & RTC_B_SET)
				v &= ~RTC_B_UIE;	/* SET clears UIE (datasheet, register B) */
			r->cmos[RTC_REG_B] = v;
		}
		if (rtc_running(r))
			r->offset_ns = r->frozen_ns - now;
		else
			rtc_fill_time(r, r->frozen_ns);
		rtc_resync(r, now);
		rtc_update_irq(r);
		rtc_arm_timer(r, now);
		break;
	}
	case RTC_REG_C:
	case RTC_REG_D:
		break;	/* read-only */
	default:
		r->cmos[idx] = v;	/* alarm bytes and plain CMOS RAM */
		if (rtc_is_alarm_reg(idx))
			rtc_arm_timer(r, now);
		break;
	}
}

static void rtc_bus_read(void *dev, u64 off, void *data, unsigned len)
{
	struct rtc *r = dev;
	u8 *out = data;

	pthread_mutex_lock(&r->lock);
	for (unsigned i = 0; i < len; i++) {
		if (off + i == 1)
			out[i] = rtc_read_reg(r, r->index);
		else
			out[i] = 0xff;	/* the index port is write-only */
	}
	pthread_mutex_unlock(&r->lock);
}

static void rtc_bus_write(void *dev, u64 off, const void *data, unsigned len)
{
	struct rtc *r = dev;
	const u8 *in = data;

	pthread_mutex_lock(&r->lock);
	for (unsigned i = 0; i < len; i++) {
		if (off + i == 0)
			r->index = in[i] & 0x7f;	/* bit 7: NMI mask, not ours */
		else if (off + i == 1)
			rtc_write_reg(r, r->index, in[i]);
	}
	pthread_mutex_unlock(&r->lock);
}

static const struct bus_ops rtc_bus_ops = {
	.read = rtc_bus_read,
	.write = rtc_bus_write,
};

/* Memory sizes where a PC BIOS leaves them for old software. */
static void rtc_fill_memory_size(struct rtc *r, const struct vm *vm)
{
	u64 below = vm->ram_below_4g, above = vm->ram_above_4g;
	u64 ext_kb = below > SZ_1M ? MIN((below - SZ_1M) >> 10, 0xffffull) : 0;
	u64 above16 = below > 16 * SZ_1M ? MIN((below - 16 * SZ_1M) >> 16, 0xffffull) : 0;
	u64 high = MIN(above >> 16, 0xffffffull);

	r->cmos[0x15] = 640 & 0xff;	/* base memory, KiB */
	r->cmos[0x16] = 640 >> 8;
	r->cmos[0x17] = r->cmos[0x30] = (u8)ext_kb;	/* 1 MiB..64 MiB, KiB */
	r->cmos[0x18] = r->cmos[0x31] = (u8)(ext_kb >> 8);
	r->cmos[0x34] = (u8)above16;	/* 16 MiB..4 GiB, 64 KiB units */
	r->cmos[0x35] = (u8)(above16 >> 8);
	r->cmos[0x5b] = (u8)high;	/* above 4 GiB, 64 KiB units */
	r->cmos[0x5c] = (u8)(high >> 8);
	r->cmos[0x5d] = (u8)(high >> 16);
}

static void rtc_destroy(void *dev)
{
	struct rtc *r = dev;

	bus_remove(&r->vm->pio, PIO_RTC, r);
	if (r->tfd >= 0) {
		evloop_del(&r->vm->loop, r->tfd);
		close(r->tfd);
	}
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static const struct vm_device_ops rtc_dev_ops = {
	.name = "rtc",
	.destroy = rtc_destroy,
};

int rtc_create(struct vm *vm)
{
	struct rtc *r = calloc(1, sizeof(*r));
	s64 now;
	int ret;

	if (!r)
		return -ENOMEM;
	r->vm = vm;
	r->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&r->lock, NULL);
	/* As firmware leaves it: 32.768 kHz divider, 1024 Hz rate, BCD, 24-hour. */
	r->cmos[RTC_REG_A] = RTC_A_DV_32KHZ | 0x06;
	r->cmos[RTC_REG_B] = RTC_B_24H;
	rtc_fill_memory_size(r, vm);
	now = host_now_ns();
	rtc_fill_time(r, now);
	rtc_resync(r, now);

	r->tfd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	if (r->tfd < 0) {
		ret = -errno;
		goto err_free;
	}
	ret = evloop_add(&vm->loop, r->tfd, EPOLLIN, rtc_timer_event, r);
	if (ret)
		goto err_tfd;
	ret = bus_add(&vm->pio, PIO_RTC, 2, &rtc_bus_ops, r, "rtc");
	if (ret)
		goto err_loop;
	ret = vm_add_device(vm, &rtc_dev_ops, r);
	if (ret)
		goto err_bus;
	return 0;

err_bus:
	bus_remove(&vm->pio, PIO_RTC, r);
err_loop:
	evloop_del(&vm->loop, r->tfd);
err_tfd:
	close(r->tfd);
err_free:
	pthread_mutex_destroy(&r->lock);
	free(r);
	return ret;
}
