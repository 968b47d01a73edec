/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The client side of the qtest protocol: start a machine under test — iovirt
 * (`iovirt --qtest unix:PATH`) or QEMU (`qemu-system-x86_64 -M q35 -qtest
 * unix:PATH`) — with the devices a test asks for, and drive it: port I/O,
 * guest-physical reads and writes, guest memory in bulk, the clock and
 * interrupts. The same test code runs against either target; the few
 * differences between them are handled here (machine options, how time
 * passes) and reported through qtest_target().
 *
 * A protocol failure (an answer other than OK to a command a test relies on,
 * or the target dying) ends the test program with a message naming the
 * command and the answer — a test never goes on with a value it did not get.
 * qtest_raw() is the exception, for tests of the protocol itself.
 */
#ifndef IOVIRT_TEST_QTEST_CLIENT_H
#define IOVIRT_TEST_QTEST_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum qtest_target {
	QTEST_IOVIRT,
	QTEST_QEMU,
};

/* What the test wants in the machine; each target gets its own options for it. */
struct qtest_machine {
	const char *mem;	/* "256M" by default */
	bool edu;		/* the edu PCI DMA test device */
	bool uart;		/* a 16550 at COM1 (0x3f8, IRQ 4) */
	bool virtio_rng;	/* a modern virtio-rng-pci */
	const char *const *extra;	/* more target-specific arguments, NULL-terminated */
};

struct qtest_state;

const char *qtest_target_name(enum qtest_target t);
/*
 * Can this target run here? False with a reason (binary missing). The iovirt
 * binary comes from $IOVIRT_BIN, QEMU from $QEMU_BIN or qemu-system-x86_64 on
 * the PATH.
 */
bool qtest_target_available(enum qtest_target t, char *why, size_t whylen);
/* Start the target and connect; ends the program (exit 1) if it fails to come up. */
struct qtest_state *qtest_start(enum qtest_target t, const struct qtest_machine *m);
/*
 * Close the stream and reap the target. Returns its wait status when it ended
 * by itself within a second, -1 when it had to be killed.
 */
int qtest_quit(struct qtest_state *s);
enum qtest_target qtest_target(const struct qtest_state *s);
bool qtest_is_qemu(const struct qtest_state *s);
/* The target's pid (for tests that kill it). */
int qtest_pid(const struct qtest_state *s);

/* Raw protocol access: send one line (no '\n' needed), return the answer line
 * (without '\n'; valid until the next call). Async IRQ lines are absorbed. */
const char *qtest_raw(struct qtest_state *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Send raw bytes as they are (no newline added), then read one answer line. */
void qtest_send_bytes(struct qtest_state *s, const void *buf, size_t len);
const char *qtest_recv_line(struct qtest_state *s);
/* Is the target still there (answers a harmless command)? */
bool qtest_alive(struct qtest_state *s);

/* Port I/O. */
void qtest_outb(struct qtest_state *s, uint16_t port, uint8_t v);
void qtest_outw(struct qtest_state *s, uint16_t port, uint16_t v);
void qtest_outl(struct qtest_state *s, uint16_t port, uint32_t v);
uint8_t qtest_inb(struct qtest_state *s, uint16_t port);
uint16_t qtest_inw(struct qtest_state *s, uint16_t port);
uint32_t qtest_inl(struct qtest_state *s, uint16_t port);

/* Guest-physical accesses of one size (MMIO registers or RAM). */
void qtest_writeb(struct qtest_state *s, uint64_t addr, uint8_t v);
void qtest_writew(struct qtest_state *s, uint64_t addr, uint16_t v);
void qtest_writel(struct qtest_state *s, uint64_t addr, uint32_t v);
void qtest_writeq(struct qtest_state *s, uint64_t addr, uint64_t v);
uint8_t qtest_readb(struct qtest_state *s, uint64_t addr);
uint16_t qtest_readw(struct qtest_state *s, uint64_t addr);
uint32_t qtest_readl(struct qtest_state *s, uint64_t addr);
uint64_t qtest_readq(struct qtest_state *s, uint64_t addr);

/* Guest memory in bulk: hex ("read"/"write") and base64 ("b64read"/"b64write"). */
void qtest_memread(struct qtest_state *s, uint64_t addr, void *buf, size_t len);
void qtest_memwrite(struct qtest_state *s, uint64_t addr, const void *buf, size_t len);
void qtest_bufread(struct qtest_state *s, uint64_t addr, void *buf, size_t len);
void qtest_bufwrite(struct qtest_state *s, uint64_t addr, const void *buf, size_t len);
void qtest_memset(struct qtest_state *s, uint64_t addr, uint8_t byte, size_t len);

/*
 * Time. iovirt (and a QEMU with the qtest accelerator) has a virtual clock
 * that moves only by these commands. Debian's QEMU has no qtest accelerator:
 * its clock follows the host's while the (halted) CPU "runs", so stepping
 * there sleeps for the time asked. Returns the target's clock afterwards
 * (QEMU without the accelerator: the time slept so far).
 */
bool qtest_has_virtual_clock(const struct qtest_state *s);
uint64_t qtest_clock_step(struct qtest_state *s, uint64_t ns);
/* To the next timer deadline; false when the target has none (or no virtual clock). */
bool qtest_clock_step_next(struct qtest_state *s, uint64_t *now);

/*
 * Waiting for the target to do something. Between looks the clock is stepped
 * by step_ns, at most `tries` times: the time the device may take by its own
 * clock. Past that the wait goes on without moving the clock, for as long as
 * QTEST_HANG_MS of real time, because part of a target's work runs in real
 * time however its clock is driven (iovirt's virtio I/O threads, QEMU's main
 * loop): on a loaded machine it can take any time, and only a hang fails.
 *
 *	CHECK(QTEST_WAIT_UNTIL(s, qtest_get_irq(s, gsi), 1000000, 100));
 */
#define QTEST_HANG_MS 60000
struct qtest_wait {
	struct qtest_state *s;
	uint64_t step_ns;
	unsigned tries, stepped;
	uint64_t deadline_ns;	/* CLOCK_MONOTONIC */
	unsigned pause_us;
};
void qtest_wait_start(struct qtest_wait *w, struct qtest_state *s, uint64_t step_ns,
		      unsigned tries);
/* Step or pause before the next look; false once the hang bound has passed. */
bool qtest_wait_more(struct qtest_wait *w);
#define QTEST_WAIT_UNTIL(s, cond, step_ns, tries)                                                  \
	__extension__({                                                                            \
		struct qtest_wait _qw;                                                             \
		bool _ok;                                                                          \
		qtest_wait_start(&_qw, (s), (step_ns), (tries));                                   \
		while (!(_ok = !!(cond)) && qtest_wait_more(&_qw))                                 \
			;                                                                          \
		if (!_ok)                                                                          \
			fprintf(stderr, "%s:%d: still false after %d s: %s\n", __FILE__,          \
				__LINE__, QTEST_HANG_MS / 1000, #cond);                            \
		_ok;                                                                               \
	})

/*
 * Interrupts. After qtest_irq_intercept_in(s, "ioapic") the target reports
 * IOAPIC input levels; qtest_get_irq() makes a round trip first so that what
 * the last command caused has arrived. qtest_irq_raises() counts raise edges
 * (to see a pulse that is already over).
 */
void qtest_irq_intercept_in(struct qtest_state *s, const char *path);
bool qtest_get_irq(struct qtest_state *s, unsigned num);
/* The level as last reported, without a round trip (for pipelined tests). */
bool qtest_irq_peek(struct qtest_state *s, unsigned num);
unsigned qtest_irq_raises(struct qtest_state *s, unsigned num);
/* Wait (QTEST_WAIT_UNTIL: clock steps of step_ns, at most tries) for a level; whether reached. */
bool qtest_wait_irq(struct qtest_state *s, unsigned num, bool level, uint64_t step_ns,
		    unsigned tries);

/* iovirt: MSIs to the LAPIC window reported as "IRQ msi"; false when the target lacks it. */
bool qtest_msi_intercept(struct qtest_state *s);
/* Oldest reported MSI not yet taken; false when none. */
bool qtest_msi_pop(struct qtest_state *s, uint64_t *addr, uint32_t *data);

/* A failure the test cannot continue after: prints, stops the target, exit(1). */
void qtest_fatal(struct qtest_state *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

#endif
