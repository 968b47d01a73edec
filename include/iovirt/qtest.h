/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device harness: iovirt with its machine (memory, buses, devices, from
 * the same command-line options) but no vCPU and no KVM, driven over a socket
 * in the text protocol of QEMU's qtest, so that every device can be tested
 * without a CPU and the same test can be run against QEMU.
 *
 * The wire protocol (one command per line, one response per command; the
 * server may send asynchronous "IRQ ..." lines at any time, before the
 * response of the command that caused them):
 *
 *   outb|outw|outl ADDR VALUE        OK
 *   inb|inw|inl ADDR                 OK 0xVALUE        (at least 4 hex digits)
 *   writeb|writew|writel|writeq ADDR VALUE   OK
 *   readb|readw|readl|readq ADDR     OK 0xVALUE        (16 hex digits)
 *   read ADDR SIZE                   OK 0xHEX          (2*SIZE hex digits)
 *   write ADDR SIZE 0xHEX            OK                (short data is zero-filled)
 *   b64read ADDR SIZE                OK BASE64
 *   b64write ADDR SIZE BASE64        OK
 *   memset ADDR SIZE BYTE            OK                (SIZE 0 is allowed)
 *   endianness                       OK little
 *   clock_step [NS]                  OK NOW_NS | FAIL reason   (no NS: to the next timer)
 *   clock_set NS                     OK NOW_NS | FAIL NOW_NS
 *   irq_intercept_in ioapic          OK | FAIL reason
 *   irq_intercept_out PATH [NAME]    FAIL reason       (iovirt has no GPIO outputs)
 *   set_irq_in ioapic unnamed-gpio-in N LEVEL   OK
 *   async:  IRQ raise N | IRQ lower N   (IOAPIC input N changed level, once intercepted)
 *
 * Numbers are C literals as strtoull(base 0) reads them (0x.., 0.., decimal).
 * Memory commands address the guest-physical space the way a CPU does: RAM
 * through guest memory, everything else on the MMIO bus (all-ones where no
 * device answers, as a PCI master abort reads; QEMU's q35 reads zeroes there).
 *
 * iovirt extensions (QEMU answers "FAIL Unknown command"):
 *   irq_intercept_msi                OK: from now on an MSI whose address is in
 *                                    the LAPIC window (0xFEE00000–0xFEEFFFFF) is
 *                                    reported as the async line
 *   IRQ msi 0xADDR 0xDATA
 *                                    An MSI to an address in guest RAM is always
 *                                    the 4-byte memory write it is (what QEMU's
 *                                    libqos tests read back), intercepted or not.
 *
 * Errors: a line that is not a well-formed command (unknown command, missing
 * or extra arguments, a bad number, a size beyond QTEST_MAX_XFER, a line
 * longer than QTEST_MAX_LINE, an I/O port above 0xffff) gets one line
 * "ERR <reason>" and changes nothing; QEMU asserts and dies on most of these.
 * "FAIL <reason>" is kept for what QEMU also answers with FAIL.
 */
#ifndef IOVIRT_QTEST_H
#define IOVIRT_QTEST_H

#include <sys/types.h>

#include "irq.h"
#include "types.h"

struct vm;
struct vm_config;
struct qtest_server;

/* Largest data of one read/write/b64read/b64write command (and non-RAM part of a memset). */
#define QTEST_MAX_XFER (1u << 20)
/* Longest accepted line: a write of QTEST_MAX_XFER bytes in hex, with its words. */
#define QTEST_MAX_LINE (2 * QTEST_MAX_XFER + 256)
/* Most words in one command. */
#define QTEST_MAX_WORDS 8

/* Run the harness for cfg (cfg->qtest is "unix:PATH" or "stdio"). Returns the exit status. */
int qtest_main(const struct vm_config *cfg);

/*
 * The protocol engine, without transport: what main.c's harness, the unit
 * tests and the fuzzer drive. `send` gets whole lines (ending in '\n'); it may
 * be called from any thread (device threads raise interrupts) but never
 * concurrently.
 */
typedef void (*qtest_send_fn)(void *opaque, const char *buf, size_t len);

struct qtest_stats {
	u64 commands;		/* lines processed */
	u64 errors;		/* ERR answers */
	u64 irq_lines;		/* IRQ raise/lower lines sent */
	u64 msi_ram;		/* MSIs written to guest RAM */
	u64 msi_lapic;		/* MSIs to the LAPIC window */
	u64 msi_dropped;	/* MSIs to neither RAM nor the LAPIC, or blocked */
	u64 overlong;		/* lines refused for length */
};

/*
 * The server and its interrupt back-end: irq_router_init(&vm->irq,
 * &qtest_irq_ops, server) must be done before the machine's devices are made.
 */
struct qtest_server *qtest_server_new(struct vm *vm, qtest_send_fn send, void *opaque);
void qtest_server_free(struct qtest_server *s);
extern const struct irq_backend_ops qtest_irq_ops;

/* Bytes from the transport: complete lines are processed, the rest is kept. */
void qtest_server_feed(struct qtest_server *s, const char *data, size_t len);
/* One command line, without its '\n' (modified in place). */
void qtest_server_command(struct qtest_server *s, char *line);
/* True once the machine asked to stop (poweroff/reset): the harness ends. */
bool qtest_server_done(struct qtest_server *s);
void qtest_server_stats(struct qtest_server *s, struct qtest_stats *out);

/*
 * Protocol text helpers (proto.c), pure functions.
 * qtest_parse_u64: a whole word as strtoull(base 0) would read it; no sign, no
 * blanks, no trailing characters, no overflow. 0 or -EINVAL / -ERANGE.
 */
int qtest_parse_u64(const char *s, u64 *out) __must_check;
/* Split on runs of blanks; at most max words. Returns the count or -E2BIG. */
int qtest_split(char *line, char **words, unsigned max);
/* "0x" + hex digits (pairs) → out[0..len); missing bytes are zero. -EINVAL, -E2BIG (too long). */
int qtest_hex_decode(const char *s, u8 *out, size_t len) __must_check;
/* 2*len lower-case hex digits and a NUL into out. */
void qtest_hex_encode(const u8 *in, size_t len, char *out);
/* Standard base64 with '=' padding; returns the length written (plus a NUL). */
size_t qtest_b64_encode(const u8 *in, size_t len, char *out);
#define QTEST_B64_LEN(n) (((n) + 2) / 3 * 4)
/* Decode base64 (padding optional); returns bytes written, -EINVAL or -E2BIG (more than max). */
ssize_t qtest_b64_decode(const char *s, u8 *out, size_t max);

#endif
