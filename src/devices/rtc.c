// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Motorola MC146818 real-time clock and its 128 bytes of CMOS RAM, at
 * index port 0x70 (bit 7 is the chipset's NMI mask: ignored) and data port
 * 0x71. It keeps time on the VM clock (include/iovirt/vclock.h) and on nothing
 * else: the time of day is the host's UTC time read once when the device is
 * created, plus what the guest sets, plus vclock_now(). So under a guest it
 * follows the host's monotonic clock, and under the device harness it stands
 * still until the test steps the clock, and every edge below happens at an
 * exact virtual time.
 *
 * The model has the chip's two counters (MC146818A datasheet, "Time base" and
 * "Update cycle"):
 *  - the divider chain, D ns: it runs while register A's DV bits select the
 *    32.768 kHz time base, stands still otherwise, and restarts so that the
 *    first update comes half a second later ("when the divider is changed from
 *    reset to an operating time base, the first update cycle is one-half
 *    second later"). The periodic interrupt taps it (PF), SET or not.
 *  - the calendar: while counting (divider running, SET clear) each second
 *    boundary of D starts an update cycle that advances the time registers.
 *    UIP reads 1 from 244 µs before the boundary until the 1984 µs cycle
 *    ends; the registers change at the boundary, inside that window, so a
 *    reader that avoids UIP (Linux's mc146818_avoid_UIP()) never sees them
 *    torn; UF is set when the cycle ends, and AF then too if the new time
 *    matches the alarm bytes. While not counting, the registers are plain
 *    storage the guest writes; counting resumes from what they hold.
 * Register C's flags are computed lazily from the clock when it is read; a
 * VM clock timer is armed only for the next edge of an enabled interrupt
 * (PIE/AIE/UIE) while IRQF is clear, and IRQ 8 follows IRQF as a level,
 * dropped when C is read.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "iovirt/devices.h"
#include "iovirt/layout.h"
#include "iovirt/log.h"
#include "iovirt/vm.h"

#define NSEC_PER_SEC 1000000000ll
#define SEC_PER_DAY 86400ll

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
/*
 * DV2..DV1 = 01 is the 32.768 kHz time base, 11 holds the divider in reset.
 * DV0 is left out: AMD chipsets use bit 4 as a CMOS bank select (Linux's
 * apply_amd_register_a_behavior()), and no PC has the other time bases.
 */
#define RTC_A_DV_RUN_MASK	0x60
#define RTC_A_DV_32KHZ		0x20
#define RTC_A_RS_MASK		0x0f
#define RTC_B_SET		0x80
#define RTC_B_PIE		0x40
#define RTC_B_AIE		0x20
#define RTC_B_UIE		0x10
#define RTC_B_SQWE		0x08	/* no SQW pin on a PC: stored only */
#define RTC_B_DM_BINARY		0x04
#define RTC_B_24H		0x02
#define RTC_B_DSE		0x01	/* stored only: PCs keep UTC, and DST rules are not the chip's */
#define RTC_B_FORMAT		(RTC_B_DM_BINARY | RTC_B_24H)
#define RTC_C_IRQF		0x80
#define RTC_C_PF		0x40
#define RTC_C_AF		0x20
#define RTC_C_UF		0x10
#define RTC_D_VRT		0x80
#define RTC_ALARM_DONT_CARE	0xc0	/* alarm bytes 0xc0..0xff match anything */
#define RTC_HOUR_PM		0x80

#define RTC_UIP_BEFORE_NS	244000ll	/* UIP rises this long before the update */
#define RTC_UPDATE_NS		1984000ll	/* and the update lasts this long */
#define RTC_RESTART_PHASE_NS	500000000ll	/* divider restart: first update 0.5 s later */

struct rtc {
	struct vm *vm;
	struct vclock_timer timer;	/* the next edge of an enabled interrupt */

	/* Guards everything below: vCPU accesses and the VM clock's timer callback. */
	pthread_mutex_t lock;
	u8 index;
	u8 cmos[128];		/* time bytes here are live only while not counting */
	s64 div_off;		/* divider time D = vclock_now() + div_off while it runs */
	s64 div_stopped;	/* D while the divider is stopped */
	s64 cal_off;		/* while counting: time of day (s, UTC) = cal_off + D / 1 s */
	s64 last_update;	/* update cycles (D index) whose end register C has seen */
	s64 last_tick;		/* periodic ticks register C has seen */
	int irq_level;
	struct ratelimit rl;
};

static s64 floor_div(s64 a, s64 b)
{
	s64 q = a / b;

	return (a % b && (a < 0) != (b < 0)) ? q - 1 : q;
}

static s64 floor_mod(s64 a, s64 b)
{
	return a - floor_div(a, b) * b;
}

static bool rtc_div_running(const struct rtc *r)
{
	return (r->cmos[RTC_REG_A] & RTC_A_DV_RUN_MASK) == RTC_A_DV_32KHZ;
}

/* Update cycles run: the divider runs and SET does not hold them off. */
static bool rtc_counting(const struct rtc *r)
{
	return rtc_div_running(r) && !(r->cmos[RTC_REG_B] & RTC_B_SET);
}

static s64 rtc_div_ns(const struct rtc *r, s64 now)
{
	return rtc_div_running(r) ? now + r->div_off : r->div_stopped;
}

/* Index of the last update cycle that has ended by divider time d. */
static s64 rtc_update_index(s64 d)
{
	return floor_div(d - RTC_UPDATE_NS, NSEC_PER_SEC);
}

/*
 * Periodic interrupts per second for RS (MC146818 Table 5, 32.768 kHz time
 * base); 0 when RS is 0. RS 1 and 2 give 256 and 128 Hz, like RS 8 and 9.
 * All are powers of two, so the ticks line up with the second boundaries.
 */
static s64 rtc_tick_rate(const struct rtc *r)
{
	unsigned rs = r->cmos[RTC_REG_A] & RTC_A_RS_MASK;

	if (!rs)
		return 0;
	if (rs <= 2)
		rs += 7;
	return 32768 >> (rs - 1);
}

/* Ticks of `rate` per second up to divider time d (split: d * rate would overflow). */
static s64 rtc_tick_index(s64 d, s64 rate)
{
	return floor_div(d, NSEC_PER_SEC) * rate + floor_mod(d, NSEC_PER_SEC) * rate / NSEC_PER_SEC;
}

/* The divider time at which tick k happens: the first ns with rtc_tick_index() == k. */
static s64 rtc_tick_time(s64 k, s64 rate)
{
	s64 j = floor_mod(k, rate);

	return floor_div(k, rate) * NSEC_PER_SEC + (j * NSEC_PER_SEC + rate - 1) / rate;
}

/* ---- register encoding, per register B's format bits `b` ---- */

static u8 rtc_to_reg(u8 b, unsigned v)
{
	if (b & RTC_B_DM_BINARY)
		return (u8)v;
	return (u8)(((v / 10) << 4) | (v % 10));
}

/* Hostile input: a non-BCD byte decodes to something, and is range-checked later. */
static unsigned rtc_from_reg(u8 b, u8 v)
{
	if (b & RTC_B_DM_BINARY)
		return v;
	return (v >> 4) * 10 + (v & 0x0f);
}

static u8 rtc_hour_to_reg(u8 b, unsigned h)
{
	if (b & RTC_B_24H)
		return rtc_to_reg(b, h);
	/* 12-hour: 12 AM is 12, 1 PM is 1|PM (MC146818 Table 3). */
	return rtc_to_reg(b, h % 12 ? h % 12 : 12) | (h >= 12 ? RTC_HOUR_PM : 0);
}

static unsigned rtc_hour_from_reg(u8 b, u8 v)
{
	unsigned h;

	if (b & RTC_B_24H)
		return rtc_from_reg(b, v);
	h = rtc_from_reg(b, v & ~RTC_HOUR_PM) % 12;
	return (v & RTC_HOUR_PM) ? h + 12 : h;
}

/* Write the time registers (seconds..year, century) for second `secs` (UTC). */
static void rtc_fill_time(struct rtc *r, u8 b, s64 secs)
{
	time_t t = (time_t)secs;
	struct tm tm;

	gmtime_r(&t, &tm);
	r->cmos[RTC_SECONDS] = rtc_to_reg(b, (unsigned)tm.tm_sec);
	r->cmos[RTC_MINUTES] = rtc_to_reg(b, (unsigned)tm.tm_min);
	r->cmos[RTC_HOURS] = rtc_hour_to_reg(b, (unsigned)tm.tm_hour);
	r->cmos[RTC_DAY_OF_WEEK] = rtc_to_reg(b, (unsigned)tm.tm_wday + 1);
	r->cmos[RTC_DAY_OF_MONTH] = rtc_to_reg(b, (unsigned)tm.tm_mday);
	r->cmos[RTC_MONTH] = rtc_to_reg(b, (unsigned)tm.tm_mon + 1);
	r->cmos[RTC_YEAR] = rtc_to_reg(b, (unsigned)(tm.tm_year + 1900) % 100);
	r->cmos[RTC_CENTURY] = rtc_to_reg(b, (unsigned)(tm.tm_year + 1900) / 100);
}

/*
 * The second (UTC) the time registers say, read in format `b`. Out-of-range
 * fields (a hostile or half-written clock) are folded into range and the rest
 * normalised by timegm(), as good as any answer for a clock set to 31
 * February. The day of week is not read: like Linux, the model derives it.
 */
static s64 rtc_regs_to_secs(const struct rtc *r, u8 b)
{
	struct tm tm = { 0 };
	unsigned year = rtc_from_reg(b, r->cmos[RTC_YEAR]) % 100;
	unsigned century = rtc_from_reg(b, r->cmos[RTC_CENTURY]);

	/* No century byte written (or garbage in it): the PC convention 1970..2069. */
	if (century < 19 || century > 99)
		century = year < 70 ? 20 : 19;
	tm.tm_sec = (int)(rtc_from_reg(b, r->cmos[RTC_SECONDS]) % 60);
	tm.tm_min = (int)(rtc_from_reg(b, r->cmos[RTC_MINUTES]) % 60);
	tm.tm_hour = (int)(rtc_hour_from_reg(b, r->cmos[RTC_HOURS]) % 24);
	tm.tm_mday = (int)MAX(rtc_from_reg(b, r->cmos[RTC_DAY_OF_MONTH]) % 32, 1u);
	tm.tm_mon = (int)(MAX(rtc_from_reg(b, r->cmos[RTC_MONTH]) % 13, 1u) - 1);
	tm.tm_year = (int)(century * 100 + year) - 1900;
	return (s64)timegm(&tm);
}

/* The time of day while counting. */
static s64 rtc_secs(const struct rtc *r, s64 now)
{
	return r->cal_off + floor_div(rtc_div_ns(r, now), NSEC_PER_SEC);
}

/* Counting (again) from the time registers, at divider time d. */
static void rtc_count_from_regs(struct rtc *r, s64 d)
{
	r->cal_off = rtc_regs_to_secs(r, r->cmos[RTC_REG_B]) - floor_div(d, NSEC_PER_SEC);
}

/* ---- the alarm ---- */

/* The alarm compares bytes as they stand (MC146818 "Alarm"): 0xc0..0xff match anything. */
static bool rtc_alarm_byte_match(u8 alarm, u8 now)
{
	return alarm >= RTC_ALARM_DONT_CARE || alarm == now;
}

/*
 * The first second after `after` (UTC) whose time registers match the alarm
 * bytes, within a day (every pattern that can match does so within one);
 * -1 when none can.
 */
static s64 rtc_next_alarm(const struct rtc *r, s64 after)
{
	u8 b = r->cmos[RTC_REG_B];
	u8 as = r->cmos[RTC_SECONDS_ALARM];
	s64 day = floor_div(after, SEC_PER_DAY) * SEC_PER_DAY;
	s64 tod = after - day;
	int sec = -1;

	if (as < RTC_ALARM_DONT_CARE) {
		for (unsigned s = 0; s < 60 && sec < 0; s++)
			if (rtc_to_reg(b, s) == as)
				sec = (int)s;
		if (sec < 0)
			return -1;	/* a seconds byte no time ever shows */
	}
	/* Minute by minute through the next 24 hours, this minute first. */
	for (s64 i = 0; i <= 24 * 60; i++) {
		s64 m = tod / 60 + i;
		int first = i ? 0 : (int)(tod % 60) + 1;

		if (!rtc_alarm_byte_match(r->cmos[RTC_HOURS_ALARM],
					  rtc_hour_to_reg(b, (unsigned)(m / 60) % 24)) ||
		    !rtc_alarm_byte_match(r->cmos[RTC_MINUTES_ALARM], rtc_to_reg(b, (unsigned)(m % 60))))
			continue;
		if (sec < 0 && first < 60)
			return day + m * 60 + first;
		if (sec >= first)
			return day + m * 60 + sec;
	}
	return -1;
}

/* ---- register C and IRQ 8 ---- */

static void rtc_update_irq(struct rtc *r)
{
	u8 c = r->cmos[RTC_REG_C] & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
	u8 en = r->cmos[RTC_REG_B];
	int level;

	/* IRQF: any flag whose enable is set (MC146818 "Register C"). */
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

/*
 * Bring register C up to `now`: UF (and AF on a match) for every update cycle
 * that ended, PF for every tick of the rate (each set whatever the enables say,
 * MC146818 "Register C"). Runs before every change of the state it reads.
 */
static void rtc_catch_up(struct rtc *r, s64 now)
{
	s64 d = rtc_div_ns(r, now);
	s64 rate = rtc_tick_rate(r);

	if (rtc_counting(r)) {
		s64 u = rtc_update_index(d);

		if (u > r->last_update) {
			s64 alarm = rtc_next_alarm(r, r->cal_off + r->last_update);

			r->cmos[RTC_REG_C] |= RTC_C_UF;
			if (alarm >= 0 && alarm <= r->cal_off + u)
				r->cmos[RTC_REG_C] |= RTC_C_AF;
			r->last_update = u;
		}
	}
	if (rate && rtc_div_running(r)) {
		s64 k = rtc_tick_index(d, rate);

		if (k > r->last_tick) {
			r->cmos[RTC_REG_C] |= RTC_C_PF;
			r->last_tick = k;
		}
	}
	rtc_update_irq(r);
}

/* Start the lazy counters afresh at `now` (counting resumed, divider or rate changed). */
static void rtc_resync(struct rtc *r, s64 now)
{
	s64 d = rtc_div_ns(r, now);
	s64 rate = rtc_tick_rate(r);

	r->last_update = rtc_update_index(d);
	r->last_tick = rate ? rtc_tick_index(d, rate) : 0;
}

/*
 * Arm the timer at the next edge an enabled interrupt waits for; none while
 * IRQF is already up (nothing could change the line before C is read).
 */
static void rtc_arm_timer(struct rtc *r, s64 now)
{
	u8 b = r->cmos[RTC_REG_B];
	s64 rate = rtc_tick_rate(r);
	s64 due = -1;

	if (!rtc_div_running(r) || (r->cmos[RTC_REG_C] & RTC_C_IRQF)) {
		vclock_timer_del(&r->timer);
		return;
	}
	if (rtc_counting(r) && (b & RTC_B_UIE))
		due = (r->last_update + 1) * NSEC_PER_SEC + RTC_UPDATE_NS;
	if (rtc_counting(r) && (b & RTC_B_AIE)) {
		s64 alarm = rtc_next_alarm(r, r->cal_off + r->last_update);

		if (alarm >= 0) {
			s64 at = (alarm - r->cal_off) * NSEC_PER_SEC + RTC_UPDATE_NS;

			due = due < 0 ? at : MIN(due, at);
		}
	}
	if ((b & RTC_B_PIE) && rate) {
		s64 at = rtc_tick_time(r->last_tick + 1, rate);

		due = due < 0 ? at : MIN(due, at);
	}
	if (due < 0) {
		vclock_timer_del(&r->timer);
		return;
	}
	/* Divider time back to VM clock time; catch-up left every edge in the future. */
	vclock_timer_mod(&r->timer, (u64)MAX(due - r->div_off, now));
}

static void rtc_timer_fired(void *opaque)
{
	struct rtc *r = opaque;
	s64 now;

	pthread_mutex_lock(&r->lock);
	now = (s64)vclock_now(&r->vm->clock);
	rtc_catch_up(r, now);
	rtc_arm_timer(r, now);
	pthread_mutex_unlock(&r->lock);
}

static bool rtc_uip(const struct rtc *r, s64 now)
{
	s64 phase;

	if (!rtc_counting(r))
		return false;	/* SET aborts the update cycle and clears UIP */
	phase = floor_mod(rtc_div_ns(r, now), NSEC_PER_SEC);
	return phase >= NSEC_PER_SEC - RTC_UIP_BEFORE_NS || phase < RTC_UPDATE_NS;
}

/* ---- register access ---- */

static bool rtc_is_time_reg(unsigned idx)
{
	return idx == RTC_SECONDS || idx == RTC_MINUTES || idx == RTC_HOURS ||
	       (idx >= RTC_DAY_OF_WEEK && idx <= RTC_YEAR) || idx == RTC_CENTURY;
}

static bool rtc_is_alarm_reg(unsigned idx)
{
	return idx == RTC_SECONDS_ALARM || idx == RTC_MINUTES_ALARM || idx == RTC_HOURS_ALARM;
}

/* Called with lock held. */
static u8 rtc_read_reg(struct rtc *r, unsigned idx)
{
	s64 now = (s64)vclock_now(&r->vm->clock);
	u8 v;

	if (rtc_is_time_reg(idx)) {
		if (rtc_counting(r))
			rtc_fill_time(r, r->cmos[RTC_REG_B], rtc_secs(r, now));
		return r->cmos[idx];
	}
	switch (idx) {
	case RTC_REG_A:
		return (r->cmos[RTC_REG_A] & ~RTC_A_UIP) | (rtc_uip(r, now) ? RTC_A_UIP : 0);
	case RTC_REG_C:
		rtc_catch_up(r, now);
		v = r->cmos[RTC_REG_C];
		r->cmos[RTC_REG_C] = 0;	/* reading C clears every flag */
		rtc_update_irq(r);
		rtc_arm_timer(r, now);
		return v;
	case RTC_REG_D:
		return RTC_D_VRT;	/* the battery is fine; bits 6..0 read 0 */
	default:
		return r->cmos[idx];	/* alarm bytes and plain CMOS RAM */
	}
}

/*
 * Register A or B changes: the divider may stop or restart, counting may stop
 * or resume (SET), the format may change. The time registers are brought to
 * what they show now, the change is applied, and counting resumes from them.
 * Called with lock held, register C caught up.
 */
static void rtc_write_control(struct rtc *r, unsigned idx, u8 v, s64 now)
{
	bool was_running = rtc_div_running(r), was_counting = rtc_counting(r);
	u8 old_a = r->cmos[RTC_REG_A], old_b = r->cmos[RTC_REG_B];
	s64 d = rtc_div_ns(r, now);

	if (was_counting)
		rtc_fill_time(r, old_b, rtc_secs(r, now));
	if (idx == RTC_REG_A) {
		r->cmos[RTC_REG_A] = v & ~RTC_A_UIP;	/* UIP is read-only */
	} else {
		if (v & RTC_B_SET)
			v &= ~RTC_B_UIE;	/* SET going high clears UIE (MC146818A register B) */
		r->cmos[RTC_REG_B] = v;
		/* The stored time keeps its value in the new format. */
		if ((v ^ old_b) & RTC_B_FORMAT)
			rtc_fill_time(r, v, rtc_regs_to_secs(r, old_b));
	}
	if (was_running && !rtc_div_running(r)) {
		r->div_stopped = d;
	} else if (!was_running && rtc_div_running(r)) {
		r->div_off = RTC_RESTART_PHASE_NS - now;
		d = RTC_RESTART_PHASE_NS;
	}
	if (rtc_counting(r))
		rtc_count_from_regs(r, d);
	/* The lazy counters restart where their count does. */
	if (was_running != rtc_div_running(r) || ((old_a ^ r->cmos[RTC_REG_A]) & RTC_A_RS_MASK)) {
		s64 rate = rtc_tick_rate(r);

		r->last_tick = rate ? rtc_tick_index(d, rate) : 0;	/* new phase or rate */
	}
	if (!was_counting && rtc_counting(r))
		r->last_update = rtc_update_index(d);	/* no update ran meanwhile */
	rtc_update_irq(r);
	rtc_arm_timer(r, now);
}

/* Called with lock held. */
static void rtc_write_reg(struct rtc *r, unsigned idx, u8 v)
{
	s64 now = (s64)vclock_now(&r->vm->clock);

	if (idx == RTC_REG_C || idx == RTC_REG_D)
		return;	/* read-only */
	/* Flags up to now belong to the state before the write. */
	rtc_catch_up(r, now);
	if (rtc_is_time_reg(idx)) {
		/* Writes land in the registers; a counting clock goes on from them. */
		if (rtc_counting(r)) {
			rtc_fill_time(r, r->cmos[RTC_REG_B], rtc_secs(r, now));
			r->cmos[idx] = v;
			rtc_count_from_regs(r, rtc_div_ns(r, now));
			rtc_arm_timer(r, now);	/* the next alarm match moved */
		} else {
			r->cmos[idx] = v;
		}
		return;
	}
	if (idx == RTC_REG_A || idx == RTC_REG_B) {
		rtc_write_control(r, idx, v, now);
		return;
	}
	r->cmos[idx] = v;	/* alarm bytes and plain CMOS RAM */
	if (rtc_is_alarm_reg(idx))
		rtc_arm_timer(r, now);
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

	/* The main loop has stopped: the timer cannot be running. */
	vclock_timer_del(&r->timer);
	bus_remove(&r->vm->pio, PIO_RTC, r);
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
	struct timespec host;
	s64 now;
	int ret;

	if (!r)
		return -ENOMEM;
	r->vm = vm;
	r->rl = (struct ratelimit)RATELIMIT_INIT;
	pthread_mutex_init(&r->lock, NULL);
	vclock_timer_init(&r->timer, &vm->clock, rtc_timer_fired, r);
	/* As firmware leaves it: 32.768 kHz divider, 1024 Hz rate, BCD, 24-hour. */
	r->cmos[RTC_REG_A] = RTC_A_DV_32KHZ | 0x06;
	r->cmos[RTC_REG_B] = RTC_B_24H;
	rtc_fill_memory_size(r, vm);

	/*
	 * The host's UTC time, once: from here on the VM clock alone moves it. The
	 * divider takes the host's phase, so the guest's seconds turn with the
	 * host's (at least until the host's clock is stepped).
	 */
	clock_gettime(CLOCK_REALTIME, &host);
	now = (s64)vclock_now(&vm->clock);
	r->div_off = (s64)host.tv_nsec - now;
	r->cal_off = (s64)host.tv_sec;
	rtc_resync(r, now);

	ret = bus_add(&vm->pio, PIO_RTC, 2, &rtc_bus_ops, r, "rtc");
	if (ret)
		goto err_free;
	ret = vm_add_device(vm, &rtc_dev_ops, r);
	if (ret)
		goto err_bus;
	return 0;

err_bus:
	bus_remove(&vm->pio, PIO_RTC, r);
err_free:
	pthread_mutex_destroy(&r->lock);
	free(r);
	return ret;
}
