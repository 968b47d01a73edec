// SPDX-License-Identifier: GPL-2.0-only
/*
 * The qtest protocol engine (include/iovirt/qtest.h describes the wire
 * protocol): line assembly, the command table, and the commands themselves —
 * port I/O and guest-physical accesses on the VM's buses and memory, the
 * virtual clock, and interrupt interception. It runs in one thread (the
 * harness's main thread); device threads only reach it through the interrupt
 * back-end (irq.c), which shares the output lock.
 *
 * Every input word is checked before anything is done; a malformed command is
 * answered with one "ERR <reason>" line and has no effect.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "iovirt/layout.h"
#include "iovirt/log.h"
#include "iovirt/vm.h"
#include "qtest_int.h"

/* ---- output ---------------------------------------------------------------------------- */

void qtest_send_raw(struct qtest_server *s, const char *buf, size_t len)
{
	pthread_mutex_lock(&s->out_lock);
	s->send(s->send_opaque, buf, len);
	pthread_mutex_unlock(&s->out_lock);
}

/*
 * Format one protocol line into buf. Callers format short lines; one that
 * does not fit is cut and still ends in a newline, so it stays one line.
 * Returns its length (0 on a format error).
 */
static __printf(3, 0) size_t line_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size, fmt, ap);

	if (n < 0)
		return 0;
	if ((size_t)n >= size) {
		n = (int)size - 1;
		buf[n - 1] = '\n';
	}
	return (size_t)n;
}

void qtest_sendf(struct qtest_server *s, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = line_vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n)
		qtest_send_raw(s, buf, n);
}

/*
 * Every response goes out through here: first deliver the interrupts that the
 * command signalled through irqfds, so that they are reported before its OK —
 * the order a test reasons about ("the write raised the MSI").
 */
static void reply_raw(struct qtest_server *s, const char *buf, size_t len)
{
	qtest_irq_pump(s);
	qtest_send_raw(s, buf, len);
}

static void __printf(2, 3) reply(struct qtest_server *s, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = line_vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n)
		reply_raw(s, buf, n);
}

static void __printf(2, 3) reply_err(struct qtest_server *s, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	__atomic_fetch_add(&s->stats.errors, 1, __ATOMIC_RELAXED);
	memcpy(buf, "ERR ", 4);
	va_start(ap, fmt);
	n = vsnprintf(buf + 4, sizeof(buf) - 5, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	n = MIN((size_t)n, sizeof(buf) - 6) + 4;
	buf[n++] = '\n';
	reply_raw(s, buf, (size_t)n);
}

/* A client-supplied word, made safe to echo in a one-line answer. */
static void sanitize_word(const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	for (; *in && o + 5 < outsz; in++) {
		unsigned char c = (unsigned char)*in;

		if (c >= 0x21 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			snprintf(out + o, outsz - o, "\\x%02x", c);
			o += 4;
		}
	}
	if (*in && o + 3 < outsz) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* ---- guest-physical accesses ----------------------------------------------------------- */

/* Bytes of [addr, addr+len) from addr to the next RAM region (or len if none is nearer). */
static u64 nonram_run(const struct gmem *g, u64 addr, u64 len)
{
	u64 run = len;

	for (unsigned i = 0; i < g->nr; i++)
		if (g->r[i].gpa > addr && g->r[i].gpa - addr < run)
			run = g->r[i].gpa - addr;
	return run;
}

/* How many bytes of [addr, addr+len) are not guest RAM (so go to the MMIO bus). */
static u64 nonram_bytes(const struct gmem *g, u64 addr, u64 len)
{
	u64 total = 0;

	while (len) {
		u64 n = len;

		if (gmem_map(g, addr, &n)) {
			addr += n;
			len -= n;
			continue;
		}
		n = nonram_run(g, addr, len);
		total += n;
		addr += n;
		len -= n;
	}
	return total;
}

/* The largest naturally aligned access (≤ 8 bytes) that starts at addr and fits in len. */
static unsigned mmio_chunk(u64 addr, u64 len)
{
	unsigned sz = 8;

	while (sz > 1 && (sz > len || (addr & (sz - 1))))
		sz /= 2;
	return sz;
}

/*
 * A guest-physical access as the CPU makes it: RAM through guest memory, every
 * other byte on the MMIO bus. `exact`: one bus access of exactly len bytes when
 * the whole span is off RAM (readX/writeX, like a vCPU's MMIO exit); otherwise
 * naturally aligned pieces of at most 8 bytes.
 */
static void phys_rw(struct qtest_server *s, u64 addr, u8 *buf, u64 len, bool write, bool exact)
{
	struct vm *vm = s->vm;

	if (exact && len <= 8 && nonram_bytes(&vm->gmem, addr, len) == len) {
		if (write)
			bus_write(&vm->mmio, addr, buf, (unsigned)len);
		else
			bus_read(&vm->mmio, addr, buf, (unsigned)len);
		return;
	}
	while (len) {
		u64 n = len;
		u8 *p = gmem_map(&vm->gmem, addr, &n);

		if (p) {
			if (write)
				memcpy(p, buf, n);
			else
				memcpy(buf, p, n);
		} else {
			n = nonram_run(&vm->gmem, addr, len);
			for (u64 done = 0; done < n;) {
				unsigned c = mmio_chunk(addr + done, n - done);

				if (write)
					bus_write(&vm->mmio, addr + done, buf + done, c);
				else
					bus_read(&vm->mmio, addr + done, buf + done, c);
				done += c;
			}
		}
		addr += n;
		buf += n;
		len -= n;
	}
}

/* memset without a buffer for the RAM part (a test may clear hundreds of MiB). */
static void phys_fill(struct qtest_server *s, u64 addr, u64 len, u8 byte)
{
	struct vm *vm = s->vm;
	u8 pat[8];

	memset(pat, byte, sizeof(pat));
	while (len) {
		u64 n = len;
		u8 *p = gmem_map(&vm->gmem, addr, &n);

		if (p) {
			memset(p, byte, n);
		} else {
			n = nonram_run(&vm->gmem, addr, len);
			for (u64 done = 0; done < n;) {
				unsigned c = mmio_chunk(addr + done, n - done);

				bus_write(&vm->mmio, addr + done, pat, c);
				done += c;
			}
		}
		addr += n;
		len -= n;
	}
}

/* ---- argument checking ------------------------------------------------------------------ */

static bool arg_u64(struct qtest_server *s, const char *word, const char *what, u64 *out)
{
	int ret = qtest_parse_u64(word, out);
	char safe[80];

	if (!ret)
		return true;
	sanitize_word(word, safe, sizeof(safe));
	reply_err(s, "bad %s '%s': %s", what, safe,
		  ret == -ERANGE ? "does not fit in 64 bits" : "not a number");
	return false;
}

/* ADDR and SIZE of a bulk command: no wrap-around, SIZE within limits. */
static bool arg_span(struct qtest_server *s, char **w, u64 max, bool zero_ok, u64 *addr,
		     u64 *size)
{
	if (!arg_u64(s, w[1], "address", addr) || !arg_u64(s, w[2], "size", size))
		return false;
	if (!*size && !zero_ok) {
		reply_err(s, "size 0");
		return false;
	}
	if (*size > max) {
		reply_err(s, "size 0x%" PRIx64 " is more than 0x%" PRIx64, *size, max);
		return false;
	}
	if (*size && !range_ok(*addr, *size - 1)) {
		reply_err(s, "0x%" PRIx64 "+0x%" PRIx64 " wraps around the address space", *addr,
			  *size);
		return false;
	}
	return true;
}

/* ---- commands ---------------------------------------------------------------------------- */

/* Access width from the command's last letter: b w l q. */
static unsigned width_of(const char *cmd)
{
	switch (cmd[strlen(cmd) - 1]) {
	case 'b': return 1;
	case 'w': return 2;
	case 'l': return 4;
	default: return 8;
	}
}

static bool value_fits(u64 v, unsigned width)
{
	return width == 8 || v < (1ull << (8 * width));
}

static void cmd_out(struct qtest_server *s, char **w, int n)
{
	unsigned width = width_of(w[0]);
	u64 port, val;
	u8 data[4];

	if (!arg_u64(s, w[1], "port", &port) || !arg_u64(s, w[2], "value", &val))
		return;
	if (port > 0xffff) {
		reply_err(s, "port 0x%" PRIx64 " is above 0xffff", port);
		return;
	}
	if (!value_fits(val, width)) {
		reply_err(s, "value 0x%" PRIx64 " does not fit in %u bytes", val, width);
		return;
	}
	stn_le(data, width, val);
	bus_write(&s->vm->pio, port, data, width);
	reply(s, "OK\n");
}

static void cmd_in(struct qtest_server *s, char **w, int n)
{
	unsigned width = width_of(w[0]);
	u8 data[4];
	u64 port;

	if (!arg_u64(s, w[1], "port", &port))
		return;
	if (port > 0xffff) {
		reply_err(s, "port 0x%" PRIx64 " is above 0xffff", port);
		return;
	}
	bus_read(&s->vm->pio, port, data, width);
	/* QEMU prints port values with at least four digits, whatever the width. */
	reply(s, "OK 0x%04" PRIx64 "\n", ldn_le(data, width));
}

static void cmd_write(struct qtest_server *s, char **w, int n)
{
	unsigned width = width_of(w[0]);
	u64 addr, val;
	u8 data[8];

	if (!arg_u64(s, w[1], "address", &addr) || !arg_u64(s, w[2], "value", &val))
		return;
	if (!value_fits(val, width)) {
		reply_err(s, "value 0x%" PRIx64 " does not fit in %u bytes", val, width);
		return;
	}
	if (!range_ok(addr, width - 1)) {
		reply_err(s, "0x%" PRIx64 "+%u wraps around the address space", addr, width);
		return;
	}
	stn_le(data, width, val);
	phys_rw(s, addr, data, width, true, true);
	reply(s, "OK\n");
}

static void cmd_read(struct qtest_server *s, char **w, int n)
{
	unsigned width = width_of(w[0]);
	u8 data[8];
	u64 addr;

	if (!arg_u64(s, w[1], "address", &addr))
		return;
	if (!range_ok(addr, width - 1)) {
		reply_err(s, "0x%" PRIx64 "+%u wraps around the address space", addr, width);
		return;
	}
	phys_rw(s, addr, data, width, false, true);
	reply(s, "OK 0x%016" PRIx64 "\n", ldn_le(data, width));
}

static void cmd_memread(struct qtest_server *s, char **w, int n)
{
	bool b64 = w[0][0] == 'b';
	u64 addr, size;
	size_t cap;
	char *out;
	u8 *data;

	if (!arg_span(s, w, QTEST_MAX_XFER, false, &addr, &size))
		return;
	data = malloc(size);
	cap = 4 + (b64 ? QTEST_B64_LEN(size) : 2 * size) + 2;
	out = malloc(cap);
	if (!data || !out) {
		free(data);
		free(out);
		reply_err(s, "out of memory");
		return;
	}
	phys_rw(s, addr, data, size, false, false);
	if (b64) {
		memcpy(out, "OK ", 3);
		n = (int)qtest_b64_encode(data, size, out + 3) + 3;
	} else {
		memcpy(out, "OK 0x", 5);
		qtest_hex_encode(data, size, out + 5);
		n = (int)(2 * size + 5);
	}
	out[n++] = '\n';
	reply_raw(s, out, (size_t)n);
	free(out);
	free(data);
}

static void cmd_memwrite(struct qtest_server *s, char **w, int n)
{
	bool b64 = w[0][0] == 'b';
	u64 addr, size;
	u8 *data;
	int ret;

	if (!arg_span(s, w, QTEST_MAX_XFER, false, &addr, &size))
		return;
	data = malloc(size);
	if (!data) {
		reply_err(s, "out of memory");
		return;
	}
	if (b64) {
		ssize_t got = qtest_b64_decode(w[3], data, size);

		ret = got < 0 ? (int)got : (u64)got == size ? 0 : -ENODATA;
	} else {
		ret = qtest_hex_decode(w[3], data, size);
	}
	if (ret) {
		reply_err(s, "bad %s data: %s", b64 ? "base64" : "hex",
			  ret == -E2BIG ? "longer than the size" :
			  ret == -ENODATA ? "shorter than the size" : "not well-formed");
		free(data);
		return;
	}
	phys_rw(s, addr, data, size, true, false);
	free(data);
	reply(s, "OK\n");
}

static void cmd_memset(struct qtest_server *s, char **w, int n)
{
	u64 addr, size, val;

	if (!arg_span(s, w, ~0ull, true, &addr, &size) || !arg_u64(s, w[3], "value", &val))
		return;
	if (val > 0xff) {
		reply_err(s, "memset value 0x%" PRIx64 " is not a byte", val);
		return;
	}
	/* RAM is filled in place; what goes to devices one access at a time is bounded. */
	if (size && nonram_bytes(&s->vm->gmem, addr, size) > QTEST_MAX_XFER) {
		reply_err(s, "more than 0x%x bytes outside RAM", QTEST_MAX_XFER);
		return;
	}
	if (size)
		phys_fill(s, addr, size, (u8)val);
	reply(s, "OK\n");
}

static void cmd_endianness(struct qtest_server *s, char **w, int n)
{
	reply(s, "OK little\n");
}

/* QEMU's clock values are signed 64-bit nanoseconds: keep ours in that range. */
#define CLOCK_MAX ((u64)INT64_MAX)

static void cmd_clock_step(struct qtest_server *s, char **w, int n)
{
	struct vclock *c = &s->vm->clock;
	u64 now = vclock_now(c), step, to;

	if (n == 2) {
		if (!arg_u64(s, w[1], "nanoseconds", &step))
			return;
		to = step > CLOCK_MAX - now ? CLOCK_MAX : now + step;
		if (to <= now) {
			reply(s, "FAIL could not advance time\n");
			return;
		}
	} else if (!vclock_next_deadline(c, &to)) {
		reply(s, "FAIL cannot advance clock to the next deadline because there is no "
			 "pending deadline\n");
		return;
	}
	/*
	 * A timer armed at (or before) the current time fires now and the answer is
	 * the unchanged time; QEMU would run it too but answer FAIL.
	 */
	to = MAX(MIN(to, CLOCK_MAX), now);
	reply(s, "OK %" PRIu64 "\n", vclock_advance(c, to));
}

static void cmd_clock_set(struct qtest_server *s, char **w, int n)
{
	u64 to, now;

	if (!arg_u64(s, w[1], "nanoseconds", &to))
		return;
	if (to > CLOCK_MAX) {
		reply_err(s, "clock value above %" PRIu64, CLOCK_MAX);
		return;
	}
	now = vclock_advance(&s->vm->clock, to);
	reply(s, "%s %" PRIu64 "\n", now == to ? "OK" : "FAIL", now);
}

/* QOM-style paths QEMU resolves to the IOAPIC: "ioapic", "/machine/ioapic", ".../ioapic". */
static bool is_ioapic_path(const char *p)
{
	const char *last = strrchr(p, '/');

	return !strcmp(last ? last + 1 : p, "ioapic");
}

static void cmd_irq_intercept(struct qtest_server *s, char **w, int n)
{
	bool out = !strcmp(w[0], "irq_intercept_out");

	if (!is_ioapic_path(w[1])) {
		reply(s, "FAIL Unknown device\n");
		return;
	}
	if (out) {
		reply(s, "FAIL No intercepts installed\n");
		return;
	}
	if (n == 3) {
		reply(s, "FAIL Interception of named in-GPIOs not yet supported\n");
		return;
	}
	qtest_irq_intercept(s);
	reply(s, "OK\n");
}

static void cmd_irq_intercept_msi(struct qtest_server *s, char **w, int n)
{
	qtest_irq_intercept_msi(s);
	reply(s, "OK\n");
}

static void cmd_set_irq_in(struct qtest_server *s, char **w, int n)
{
	u64 num, level;

	if (!is_ioapic_path(w[1])) {
		reply(s, "FAIL Unknown device\n");
		return;
	}
	if (strcmp(w[2], "unnamed-gpio-in")) {
		reply(s, "FAIL Unknown GPIO list\n");
		return;
	}
	if (!arg_u64(s, w[3], "irq number", &num) || !arg_u64(s, w[4], "level", &level))
		return;
	if (num >= IRQ_NR_PINS) {
		reply_err(s, "irq %" PRIu64 " is not an IOAPIC input (0..%u)", num,
			  IRQ_NR_PINS - 1);
		return;
	}
	irq_line_set(&s->vm->irq, (unsigned)num, level != 0);
	reply(s, "OK\n");
}

struct qtest_cmd {
	const char *name;
	void (*fn)(struct qtest_server *s, char **w, int n);
	u8 min_args, max_args; /* not counting the command word */
};

static const struct qtest_cmd commands[] = {
	{ "outb", cmd_out, 2, 2 },
	{ "outw", cmd_out, 2, 2 },
	{ "outl", cmd_out, 2, 2 },
	{ "inb", cmd_in, 1, 1 },
	{ "inw", cmd_in, 1, 1 },
	{ "inl", cmd_in, 1, 1 },
	{ "writeb", cmd_write, 2, 2 },
	{ "writew", cmd_write, 2, 2 },
	{ "writel", cmd_write, 2, 2 },
	{ "writeq", cmd_write, 2, 2 },
	{ "readb", cmd_read, 1, 1 },
	{ "readw", cmd_read, 1, 1 },
	{ "readl", cmd_read, 1, 1 },
	{ "readq", cmd_read, 1, 1 },
	{ "read", cmd_memread, 2, 2 },
	{ "b64read", cmd_memread, 2, 2 },
	{ "write", cmd_memwrite, 3, 3 },
	{ "b64write", cmd_memwrite, 3, 3 },
	{ "memset", cmd_memset, 3, 3 },
	{ "endianness", cmd_endianness, 0, 0 },
	{ "clock_step", cmd_clock_step, 0, 1 },
	{ "clock_set", cmd_clock_set, 1, 1 },
	{ "irq_intercept_in", cmd_irq_intercept, 1, 2 },
	{ "irq_intercept_out", cmd_irq_intercept, 1, 2 },
	{ "set_irq_in", cmd_set_irq_in, 4, 4 },
	{ "irq_intercept_msi", cmd_irq_intercept_msi, 0, 0 },
};

void qtest_server_command(struct qtest_server *s, char *line)
{
	char *w[QTEST_MAX_WORDS];
	char safe[80];
	int n;

	__atomic_fetch_add(&s->stats.commands, 1, __ATOMIC_RELAXED);
	n = qtest_split(line, w, ARRAY_SIZE(w));
	if (n < 0) {
		reply_err(s, "too many words (at most %u)", QTEST_MAX_WORDS);
		return;
	}
	if (n == 0) {
		reply_err(s, "empty command");
		return;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(commands); i++) {
		const struct qtest_cmd *c = &commands[i];

		if (strcmp(w[0], c->name))
			continue;
		if (n - 1 < c->min_args || n - 1 > c->max_args) {
			if (c->min_args == c->max_args)
				reply_err(s, "%s takes %u argument%s, got %d", c->name,
					  c->min_args, c->min_args == 1 ? "" : "s", n - 1);
			else
				reply_err(s, "%s takes %u to %u arguments, got %d", c->name,
					  c->min_args, c->max_args, n - 1);
			return;
		}
		c->fn(s, w, n);
		return;
	}
	sanitize_word(w[0], safe, sizeof(safe));
	reply_err(s, "unknown command '%s'", safe);
}

/* ---- line assembly ----------------------------------------------------------------------- */

static void process_line(struct qtest_server *s, char *line, size_t len)
{
	if (len && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	if (memchr(line, '\0', len)) {
		reply_err(s, "NUL byte in command line");
		return;
	}
	qtest_server_command(s, line);
}

void qtest_server_feed(struct qtest_server *s, const char *data, size_t len)
{
	while (len && !qtest_server_done(s)) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) : len;

		if (s->in_discard) {
			/* The rest of a line already refused for its length. */
			if (nl)
				s->in_discard = false;
		} else if (s->in_len + take > QTEST_MAX_LINE) {
			__atomic_fetch_add(&s->stats.overlong, 1, __ATOMIC_RELAXED);
			reply_err(s, "line longer than %u bytes", QTEST_MAX_LINE);
			s->in_len = 0;
			s->in_discard = !nl;
		} else {
			if (s->in_len + take + 1 > s->in_cap) {
				size_t cap = MAX(s->in_cap * 2, s->in_len + take + 1);
				char *b;

				cap = MAX(cap, (size_t)4096);
				cap = MIN(cap, (size_t)QTEST_MAX_LINE + 1);
				b = realloc(s->in, cap);
				if (!b) {
					reply_err(s, "out of memory for the command line");
					s->in_len = 0;
					s->in_discard = !nl;
					goto next;
				}
				s->in = b;
				s->in_cap = cap;
			}
			memcpy(s->in + s->in_len, data, take);
			s->in_len += take;
			if (nl) {
				size_t l = s->in_len;

				s->in_len = 0;
				process_line(s, s->in, l);
			}
		}
next:
		if (!nl)
			break;
		len -= take + 1;
		data += take + 1;
	}
}

bool qtest_server_done(struct qtest_server *s)
{
	struct vm *vm = s->vm;
	bool stop;

	if (__atomic_load_n(&s->quit, __ATOMIC_ACQUIRE))
		return true;
	pthread_mutex_lock(&vm->stop_lock);
	stop = vm->stop_reason != VM_STOP_NONE;
	pthread_mutex_unlock(&vm->stop_lock);
	return stop;
}

void qtest_server_stats(struct qtest_server *s, struct qtest_stats *out)
{
	out->commands = __atomic_load_n(&s->stats.commands, __ATOMIC_RELAXED);
	out->errors = __atomic_load_n(&s->stats.errors, __ATOMIC_RELAXED);
	out->irq_lines = __atomic_load_n(&s->stats.irq_lines, __ATOMIC_RELAXED);
	out->msi_ram = __atomic_load_n(&s->stats.msi_ram, __ATOMIC_RELAXED);
	out->msi_lapic = __atomic_load_n(&s->stats.msi_lapic, __ATOMIC_RELAXED);
	out->msi_dropped = __atomic_load_n(&s->stats.msi_dropped, __ATOMIC_RELAXED);
	out->overlong = __atomic_load_n(&s->stats.overlong, __ATOMIC_RELAXED);
}

struct qtest_server *qtest_server_new(struct vm *vm, qtest_send_fn send, void *opaque)
{
	struct qtest_server *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->vm = vm;
	s->send = send;
	s->send_opaque = opaque;
	pthread_mutex_init(&s->out_lock, NULL);
	if (qtest_irq_init(s)) {
		pthread_mutex_destroy(&s->out_lock);
		free(s);
		return NULL;
	}
	return s;
}

void qtest_server_free(struct qtest_server *s)
{
	if (!s)
		return;
	qtest_irq_destroy(s);
	pthread_mutex_destroy(&s->out_lock);
	free(s->in);
	free(s);
}
