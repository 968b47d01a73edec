// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the qtest protocol engine (src/qtest) fed arbitrary bytes, on a
 * VM of 16 MiB of guest memory, the two buses with a device that echoes
 * accesses, the virtual clock with a timer armed, and the qtest interrupt
 * back-end. Besides the sanitizers, it checks the protocol's promises: every
 * output line ends in '\n', and every line is an answer (OK/ERR/FAIL) or an
 * async IRQ line.
 *
 * fuzz/meson.build builds it as a libFuzzer binary (clang) and as the corpus
 * replayer `meson test --suite fuzz` runs on fuzz/corpus/qtest_proto.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "iovirt/qtest.h"
#include "iovirt/vm.h"

#define RAM_SIZE (16 * SZ_1M)
#define DEV_BASE 0xd0000000ull

static struct vm vm;
static struct vm_config cfg = { .qtest = "stdio" };
static u8 dev_regs[0x100];
static struct vclock_timer timer;
static char pending[512];	/* an output line being checked across send() calls */
static size_t pending_len;

static void dev_read(void *o, u64 off, void *data, unsigned len)
{
	memcpy(data, dev_regs + off, len);
}

static void dev_write(void *o, u64 off, const void *data, unsigned len)
{
	memcpy(dev_regs + off, data, len);
	/* Let register writes drive the interrupt paths too. */
	if (off == 0)
		irq_line_set(&vm.irq, dev_regs[0] % IRQ_NR_PINS, dev_regs[1] & 1);
	if (off == 8)
		irq_msi_send(&vm.irq, 0, ldn_le(dev_regs + 8, 8), 0x41);
}

static const struct bus_ops dev_ops = { dev_read, dev_write };

static void timer_fired(void *opaque)
{
	/* A periodic device timer: re-arms itself one microsecond later. */
	vclock_timer_mod(&timer, vclock_now(&vm.clock) + 1000);
}

static void check_line(const char *l, size_t n)
{
	static const char *const ok[] = { "OK", "ERR ", "FAIL", "IRQ raise ", "IRQ lower ",
					  "IRQ msi " };

	for (unsigned i = 0; i < ARRAY_SIZE(ok); i++)
		if (n >= strlen(ok[i]) && !memcmp(l, ok[i], strlen(ok[i])))
			return;
	fprintf(stderr, "fuzz: malformed output line '%.*s'\n", (int)n, l);
	FUZZ_ASSERT(!"every output line is an answer or an async IRQ line");
}

/* Output lines may be megabytes (reads): only their beginning is kept for the check. */
static void sink(void *opaque, const char *buf, size_t len)
{
	FUZZ_ASSERT(len && buf[len - 1] == '\n');
	while (len) {
		const char *nl = memchr(buf, '\n', len);
		size_t take = (size_t)(nl - buf);
		size_t keep = MIN(take, sizeof(pending) - pending_len);

		memcpy(pending + pending_len, buf, keep);
		pending_len += keep;
		check_line(pending, pending_len);
		pending_len = 0;
		len -= take + 1;
		buf += take + 1;
	}
}

static void setup(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	log_set_level(LOG_ERR);
	vm.cfg = &cfg;
	gmem_init(&vm.gmem);
	vclock_init(&vm.clock, true);
	pthread_mutex_init(&vm.stop_lock, NULL);
	pthread_cond_init(&vm.stop_cond, NULL);
	if (bus_init(&vm.pio, "pio") || bus_init(&vm.mmio, "mmio") ||
	    evloop_init(&vm.loop, "main") || gmem_add_memfd(&vm.gmem, 0, RAM_SIZE, false) ||
	    bus_add(&vm.mmio, DEV_BASE, sizeof(dev_regs), &dev_ops, NULL, "dev") ||
	    bus_add(&vm.pio, 0x500, 16, &dev_ops, NULL, "dev-pio"))
		abort();
	vclock_timer_init(&timer, &vm.clock, timer_fired, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qtest_server *s;

	setup();
	s = qtest_server_new(&vm, sink, NULL);
	if (!s)
		abort();
	irq_router_init(&vm.irq, &qtest_irq_ops, s);
	vclock_timer_mod(&timer, vclock_now(&vm.clock) + 5000);
	qtest_server_feed(s, (const char *)data, size);
	qtest_server_feed(s, "\n", 1);
	vclock_timer_del(&timer);
	qtest_server_free(s);
	irq_router_destroy(&vm.irq);
	return 0;
}
