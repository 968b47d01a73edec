// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for src/virtio/console.c: virtio-console on virtio-pci over the
 * fd console back-end with pipes for stdin and stdout. Guest output on
 * transmitq0 reaches the output pipe in order (several chains, several
 * buffers each); host input is delivered into receiveq0 buffers only as fast
 * as the guest posts them (the rest waits in the pipe, nothing is lost);
 * EMERG_WRITE prints a byte written to config space; the config reports one
 * port; reset and bring-up again.
 */
#include <fcntl.h>
#include <linux/virtio_console.h>

#include "vdrv.h"
#include "iovirt/console.h"

#define RINGS 0x100000ull
#define TXB 0x400000ull
#define RXB 0x500000ull

static void start(struct vdrv *v)
{
	CHECK(vdrv_negotiate(v, ~0ull & ~BIT64(VIRTIO_F_RING_PACKED)));
	CHECK(v->features & BIT64(VIRTIO_CONSOLE_F_EMERG_WRITE));
	CHECK(!(v->features & BIT64(VIRTIO_CONSOLE_F_MULTIPORT)));
	vdrv_msix_enable(v, 3);
	for (unsigned q = 0; q < 2; q++)
		CHECK(vdrv_setup_queue(v, q, RINGS + q * 0x40000ull, 32, MOCK_VQ_EVENT_IDX, q));
	vdrv_driver_ok(v);
	CHECK_EQ(vdrv_status(v), 0xf);
}

static size_t read_some(int fd, char *buf, size_t want)
{
	size_t got = 0;

	/* The fd is non-blocking: wait (wait.h) for each piece of output. */
	while (got < want) {
		ssize_t n;

		if (!WAIT_UNTIL((n = read(fd, buf + got, want - got)) >= 0 || errno != EAGAIN) ||
		    n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

static void test_output(struct vdrv *v, int out)
{
	struct mock_buf b[2] = { { TXB, 6, false }, { TXB + 0x100, 7, false } };
	char buf[64] = { 0 };
	u32 len;

	memcpy(vdrv_host(v, TXB, 6), "hello ", 6);
	memcpy(vdrv_host(v, TXB + 0x100, 7), "world\r\n", 7);
	CHECK(vdrv_add(v, 1, b, 2) >= 0);
	b[0].addr = TXB + 0x200;
	b[0].len = 3;
	memcpy(vdrv_host(v, TXB + 0x200, 3), "bye", 3);
	CHECK(vdrv_add(v, 1, b, 1) >= 0);
	CHECK(vdrv_wait_used(v, 1, &len) >= 0);
	CHECK(vdrv_wait_used(v, 1, &len) >= 0);
	CHECK_EQ(len, 0);
	CHECK_EQ(read_some(out, buf, 16), 16);
	CHECK_STREQ(buf, "hello world\r\nbye");
}

static void test_input(struct vdrv *v, int in)
{
	struct mock_buf b = { RXB, 4, true };
	char got[16] = { 0 };
	u32 len, total = 0;
	int id;

	/* Ten bytes of input, one 4-byte buffer posted: four arrive, six wait in the pipe. */
	CHECK_EQ(write(in, "0123456789", 10), 10);
	id = vdrv_add(v, 0, &b, 1);
	CHECK_EQ(vdrv_wait_used(v, 0, &len), id);
	CHECK_EQ(len, 4);
	memcpy(got, vdrv_host(v, RXB, 4), 4);
	total = len;
	usleep(5000);
	CHECK_EQ(mock_vq_get_used(&v->vq[0], &len), -EAGAIN);
	/* More buffers: the rest follows, in order. */
	while (total < 10) {
		b.addr = RXB + 0x100 * (total / 4 + 1);
		id = vdrv_add(v, 0, &b, 1);
		CHECK_EQ(vdrv_wait_used(v, 0, &len), id);
		if (id < 0)
			break;
		memcpy(got + total, vdrv_host(v, b.addr, len), len);
		total += len;
	}
	CHECK_STREQ(got, "0123456789");
	CHECK(vdrv_msix_count(v, 0) >= 1);
}

int main(void)
{
	struct pci_fixture f;
	struct console *con;
	struct evloop loop;
	pthread_t lt;
	struct vdrv v;
	int inp[2], outp[2];
	char c = 0;

	CHECK_EQ(pipe2(inp, O_CLOEXEC), 0);
	CHECK_EQ(pipe2(outp, O_CLOEXEC | O_NONBLOCK), 0);
	vdrv_fixture(&f, 1);
	CHECK_EQ(evloop_init(&loop, "console-test"), 0);
	CHECK_EQ(console_fd_create(&loop, inp[0], outp[1], "test-console", &con), 0);
	CHECK_EQ(evloop_start_thread(&loop, &lt), 0);
	CHECK_EQ(virtio_console_create(&f.vm, con), 0);
	/* One port per console back-end. */
	CHECK(virtio_console_create(&f.vm, con) < 0);
	CHECK_EQ(vdrv_probe(&v, &f, VIRTIO_ID_CONSOLE, 0), 0);
	CHECK_EQ(ecam_read(&f, v.devfn, PCI_CLASS_REVISION, 4) >> 8, 0x078000);
	CHECK_EQ(vdrv_cfg_rd(&v, offsetof(struct virtio_console_config, max_nr_ports), 4), 1);

	start(&v);
	/* EMERG_WRITE: a byte written to emerg_wr goes straight out. */
	vd_wr(&v, v.devcfg + offsetof(struct virtio_console_config, emerg_wr), 4, '!');
	CHECK_EQ(read_some(outp[0], &c, 1), 1);
	CHECK_EQ(c, '!');
	test_output(&v, outp[0]);
	test_input(&v, inp[1]);
	vdrv_reset(&v);
	start(&v);
	test_output(&v, outp[0]);
	vdrv_reset(&v);

	pci_fixture_fini(&f);
	evloop_stop(&loop);
	pthread_join(lt, NULL);
	console_destroy(con);
	evloop_destroy(&loop);
	return check_done();
}
