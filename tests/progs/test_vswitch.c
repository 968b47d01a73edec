// SPDX-License-Identifier: GPL-2.0-only
/*
 * iovirt-vswitch as a process, with three ports driven by test front-ends
 * (tests/lib/vu_test_frontend.c) acting as virtio-net drivers: broadcast and
 * unknown unicast flooded to every other port, unicast to a learned address
 * delivered to its port alone, the 12-byte header with num_buffers, frames
 * spread over several mergeable receive buffers, a port without mergeable
 * buffers dropping what does not fit, runts dropped and counted, the
 * control queue's VIRTIO_NET_CTRL_MQ, per-port counters (SIGUSR1), ageing,
 * a port that disconnects and comes back, a port whose driver breaks its
 * ring while the others keep forwarding — in event and poll mode; the
 * frame generator port.
 */
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <sched.h>

#include "iovirt/vhost_user.h"
#include "progs_util.h"
#include "vu_test_frontend.h"

#define NPORTS 3
#define MEM_SIZE (4ull << 20)
#define RX_RING 0x0ull
#define TX_RING 0x10000ull
#define CTRL_RING 0x20000ull
#define RX_BUFS 0x100000ull		/* receive buffers: 64 × 2 KiB */
#define TX_BUFS 0x200000ull		/* frames to send: 64 × 2 KiB */
#define CTRL_BUF 0x300000ull
#define BUF 2048u
#define QSIZE 64
#define HDR 12u

struct port_fe {
	struct vu_fe fe;
	bool connected;
	bool mrg;
	u32 rx_buf_len;			/* size of each receive buffer we post */
	unsigned tx_head;		/* next tx buffer slot */
	u8 mac[6];
};

struct sw_t {
	pid_t pid;
	char sock[NPORTS][128];
	char log[128], out[128];
	struct port_fe p[NPORTS];
	unsigned pairs;
};

static const char *sw_bin;

/*
 * Start the switch. `age` (--mac-age, seconds): tests of learned forwarding
 * use a long one, so that no stall of a loaded machine between learning an
 * address and using it can make it expire; the ageing test a short one.
 */
static void sw_start_aged(struct sw_t *t, const char *name, const char *mode, unsigned pairs,
			  const char *age)
{
	const char *argv[16];
	char q[8];
	unsigned n = 0;
	int fd;

	memset(t, 0, sizeof(*t));
	t->pairs = pairs;
	snprintf(q, sizeof(q), "%u", pairs);
	snprintf(t->log, sizeof(t->log), "%s/%s.log", progs_tmpdir(), name);
	snprintf(t->out, sizeof(t->out), "%s/%s.out", progs_tmpdir(), name);
	argv[n++] = sw_bin;
	for (unsigned i = 0; i < NPORTS; i++) {
		snprintf(t->sock[i], sizeof(t->sock[i]), "%s/%s-%u.sock", progs_tmpdir(), name, i);
		argv[n++] = "--port";
		argv[n++] = t->sock[i];
	}
	argv[n++] = "--queues";
	argv[n++] = q;
	argv[n++] = "--mac-age";
	argv[n++] = age;
	if (mode)
		argv[n++] = mode;
	argv[n] = NULL;
	/* Counters go to stdout: keep them in a file we can read back. */
	fd = open(t->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	{
		int saved = dup(STDOUT_FILENO);

		dup2(fd, STDOUT_FILENO);
		t->pid = progs_spawn(argv, t->log);
		dup2(saved, STDOUT_FILENO);
		close(saved);
		close(fd);
	}
}

static u64 features(bool mrg, bool mq)
{
	return BIT64(VIRTIO_F_VERSION_1) | (mrg ? BIT64(VIRTIO_NET_F_MRG_RXBUF) : 0) |
	       (mq ? BIT64(VIRTIO_NET_F_MQ) | BIT64(VIRTIO_NET_F_CTRL_VQ) : 0) |
	       BIT64(VIRTIO_RING_F_EVENT_IDX) | BIT64(VIRTIO_NET_F_STATUS);
}

/* Post n receive buffers of len bytes (one descriptor each). */
static void post_rx(struct port_fe *pf, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct vu_fe_ring *r = &pf->fe.ring[0];
		gpa_t g = RX_BUFS + (gpa_t)(r->free_head % QSIZE) * BUF;
		bool w = true;

		CHECK(vu_fe_add_chain(&pf->fe, 0, 1, &g, &pf->rx_buf_len, &w) >= 0);
	}
}

static void port_connect(struct sw_t *t, unsigned i, bool mrg, u32 rx_buf_len)
{
	struct port_fe *pf = &t->p[i];
	u64 proto = BIT64(VHOST_USER_PROTOCOL_F_MQ) | BIT64(VHOST_USER_PROTOCOL_F_REPLY_ACK) |
		    BIT64(VHOST_USER_PROTOCOL_F_CONFIG);
	struct virtio_net_config cfg;
	int sock = vu_connect(t->sock[i], 5000);

	CHECK(sock >= 0);
	vu_fe_init(&pf->fe, sock);
	pf->connected = true;
	pf->mrg = mrg;
	pf->rx_buf_len = rx_buf_len;
	pf->tx_head = 0;
	memcpy(pf->mac, (u8[6]){ 0x02, 0, 0, 0, 0, (u8)(0x10 + i) }, 6);
	CHECK_EQ(vu_fe_add_memory(&pf->fe, 0, MEM_SIZE), 0);
	CHECK_EQ(vu_fe_negotiate(&pf->fe, features(mrg, t->pairs > 1), proto), 0);
	CHECK(pf->fe.features & BIT64(VIRTIO_NET_F_MRG_RXBUF));
	CHECK(pf->fe.features & BIT64(VIRTIO_F_RING_PACKED));
	CHECK_EQ(vu_fe_get_config(&pf->fe, 0, &cfg, sizeof(cfg)), 0);
	CHECK_EQ(cfg.max_virtqueue_pairs, t->pairs);
	CHECK_EQ(cfg.status, VIRTIO_NET_S_LINK_UP);
	CHECK_EQ(vu_fe_set_mem_table(&pf->fe), 0);
	CHECK_EQ(vu_fe_setup_ring(&pf->fe, 0, QSIZE, RX_RING), 0);
	CHECK_EQ(vu_fe_setup_ring(&pf->fe, 1, QSIZE, TX_RING), 0);
	post_rx(pf, QSIZE);
}

static void port_disconnect(struct port_fe *pf)
{
	if (pf->connected)
		vu_fe_destroy(&pf->fe);
	pf->connected = false;
}

/* Send one frame of len bytes (dst, src, then a pattern) in `segs` buffers after the header. */
static void send_frame(struct port_fe *pf, const u8 dst[6], u32 len, u8 seed, unsigned segs)
{
	unsigned slot = pf->tx_head++ % (QSIZE / 4);
	gpa_t base = TX_BUFS + (gpa_t)slot * BUF * 2;
	u8 *p = vu_fe_gpa(&pf->fe, base, BUF * 2);
	gpa_t g[4];
	u32 l[4];
	bool w[4] = { false, false, false, false };
	u32 off = 0;
	u32 id, ulen;

	memset(p, 0, HDR);
	memcpy(p + HDR, dst, 6);
	memcpy(p + HDR + 6, pf->mac, 6);
	for (u32 i = 12; i < len; i++)
		p[HDR + i] = (u8)(seed + i);
	/* Header alone in the first buffer, the frame cut in segs pieces after it. */
	g[0] = base;
	l[0] = HDR;
	for (unsigned s = 0; s < segs; s++) {
		u32 piece = s + 1 == segs ? len - off : len / segs;

		g[s + 1] = base + HDR + off;
		l[s + 1] = piece;
		off += piece;
	}
	CHECK(vu_fe_add_chain(&pf->fe, 1, segs + 1, g, l, w) >= 0);
	vu_fe_kick(&pf->fe, 1);
	/* Reap transmit completions so the ring never fills. */
	if (WAIT_UNTIL(vu_fe_get_used(&pf->fe, 1, &id, &ulen) == 1))
		CHECK_EQ(ulen, 0);
	else
		CHECK(!"transmit chain never used");
}

/* recv_frame() for a frame that must come: wait as long as a loaded machine takes. */
#define ARRIVES TEST_HANG_MS

/*
 * Receive one frame on port pf within timeout_ms: returns its length (without
 * header) and copies it to out, or -1. Checks the header and num_buffers.
 */
static int recv_frame(struct port_fe *pf, u8 *out, int timeout_ms, unsigned *nbufs)
{
	struct vu_fe_ring *r = &pf->fe.ring[0];
	struct virtio_net_hdr_mrg_rxbuf h;
	u32 id, len, total = 0, want = 1, got = 0;
	u64 deadline = test_mono_ns() + (u64)timeout_ms * 1000000ull;

	for (bool last = false; !last && got < want;) {
		last = test_mono_ns() > deadline;	/* one more look after the deadline */
		while (got < want && vu_fe_get_used(&pf->fe, 0, &id, &len) == 1) {
			u8 *buf = vu_fe_gpa(&pf->fe, r->desc[id].addr, r->desc[id].len);

			CHECK(len <= pf->rx_buf_len);
			if (!got) {
				memcpy(&h, buf, HDR);
				CHECK_EQ(h.hdr.flags, 0);
				CHECK_EQ(h.hdr.gso_type, VIRTIO_NET_HDR_GSO_NONE);
				want = h.num_buffers;
				CHECK(want >= 1);
				if (!pf->mrg)
					CHECK_EQ(want, 1);
				memcpy(out, buf + HDR, len - HDR);
				total = len - HDR;
			} else {
				memcpy(out + total, buf, len);
				total += len;
			}
			got++;
		}
		if (got < want)
			progs_sleep_ms(1);
	}
	if (got)
		post_rx(pf, got);
	if (nbufs)
		*nbufs = got;
	return got && got == want ? (int)total : -1;
}

/* No frame arrives on pf within ms. */
static bool nothing(struct port_fe *pf, int ms)
{
	u8 buf[4096];

	return recv_frame(pf, buf, ms, NULL) < 0;
}

static bool frame_ok(const u8 *f, int len, u32 want_len, const u8 dst[6], const u8 src[6], u8 seed)
{
	if (len != (int)want_len || memcmp(f, dst, 6) || memcmp(f + 6, src, 6))
		return false;
	for (u32 i = 12; i < want_len; i++)
		if (f[i] != (u8)(seed + i))
			return false;
	return true;
}

/* Complete counter dumps in the switch's stdout so far (each ends with the mac table line). */
static unsigned dumps(struct sw_t *t)
{
	char line[512];
	unsigned n = 0;
	FILE *f = fopen(t->out, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += !strncmp(line, "vswitch: mac table ", 19);
	fclose(f);
	return n;
}

/* Counters for port i from the switch's stdout after SIGUSR1 (the dump it causes). */
static bool counters(struct sw_t *t, unsigned i, unsigned long long c[6])
{
	char line[512], want[32];
	bool found = false;
	unsigned n = dumps(t);
	FILE *f;

	kill(t->pid, SIGUSR1);
	if (!WAIT_UNTIL(dumps(t) > n))
		return false;
	f = fopen(t->out, "r");
	if (!f)
		return false;
	snprintf(want, sizeof(want), "vswitch: port %u ", i);
	while (fgets(line, sizeof(line), f)) {
		const char *s = strstr(line, ": rx ");

		if (strncmp(line, want, strlen(want)) || !s)
			continue;
		found = sscanf(s, ": rx %llu pkts %llu bytes %llu dropped, tx %llu pkts %llu bytes "
			       "%llu dropped", &c[0], &c[1], &c[2], &c[3], &c[4], &c[5]) == 6;
	}
	fclose(f);
	return found;
}

static void sw_start(struct sw_t *t, const char *name, const char *mode, unsigned pairs)
{
	sw_start_aged(t, name, mode, pairs, "300");
}

static const u8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void test_switching(const char *mode)
{
	unsigned long long c0[6], c1[6], c2[6];
	u8 f[8192];
	struct sw_t t;
	unsigned nb;
	int len;

	sw_start(&t, mode ? "sw-poll" : "sw", mode, 1);
	port_connect(&t, 0, true, BUF);
	port_connect(&t, 1, true, 256);	/* small mergeable buffers */
	port_connect(&t, 2, false, BUF);	/* no mergeable buffers */

	/* Broadcast from 0: ports 1 and 2 get it, 0 does not. */
	send_frame(&t.p[0], bcast, 60, 1, 1);
	len = recv_frame(&t.p[1], f, ARRIVES, NULL);
	CHECK(frame_ok(f, len, 60, bcast, t.p[0].mac, 1));
	len = recv_frame(&t.p[2], f, ARRIVES, NULL);
	CHECK(frame_ok(f, len, 60, bcast, t.p[0].mac, 1));
	CHECK(nothing(&t.p[0], 30));

	/* Unicast from 1 to 0 (learned): only 0 gets it; 1000 bytes in two pieces. */
	send_frame(&t.p[1], t.p[0].mac, 1000, 2, 2);
	len = recv_frame(&t.p[0], f, ARRIVES, &nb);
	CHECK(frame_ok(f, len, 1000, t.p[0].mac, t.p[1].mac, 2));
	CHECK_EQ(nb, 1);
	CHECK(nothing(&t.p[2], 30));

	/* Unicast from 0 to 1 (learned from the last frame), spread over 256-byte buffers. */
	send_frame(&t.p[0], t.p[1].mac, 1500, 3, 3);
	len = recv_frame(&t.p[1], f, ARRIVES, &nb);
	CHECK(frame_ok(f, len, 1500, t.p[1].mac, t.p[0].mac, 3));
	CHECK_EQ(nb, (HDR + 1500 + 255) / 256);
	CHECK(nothing(&t.p[2], 30));

	/* Unknown unicast floods; a frame longer than port 2's buffers is dropped there. */
	{
		const u8 stranger[6] = { 0x02, 0x99, 0, 0, 0, 1 };

		send_frame(&t.p[1], stranger, 2040, 4, 1);
		len = recv_frame(&t.p[0], f, ARRIVES, NULL);
		CHECK(frame_ok(f, len, 2040, stranger, t.p[1].mac, 4));
		CHECK(nothing(&t.p[2], 50));
		/* A smaller one still fits at port 2: the oversized frame took nothing. */
		send_frame(&t.p[1], stranger, 100, 5, 1);
		len = recv_frame(&t.p[2], f, ARRIVES, NULL);
		CHECK(frame_ok(f, len, 100, stranger, t.p[1].mac, 5));
		len = recv_frame(&t.p[0], f, ARRIVES, NULL);
		CHECK(frame_ok(f, len, 100, stranger, t.p[1].mac, 5));
	}

	/* A runt (shorter than an Ethernet header) is dropped and counted. */
	send_frame(&t.p[2], bcast, 10, 6, 1);
	CHECK(nothing(&t.p[0], 30));

	/*
	 * Counters (rx: frames the switch got from the port; tx: sent to it):
	 * port 0 sent 2 frames and got 3; port 1 sent 3 and got 2; port 2 sent
	 * one runt (dropped) and got 2, one more being too long for it.
	 */
	/*
	 * The forwarding threads count a frame around the time they deliver it
	 * (the runt: whenever they get to it): dump the counters until they have
	 * settled on what is expected, then check each for the message.
	 */
	CHECK(WAIT_UNTIL(counters(&t, 0, c0) && counters(&t, 1, c1) && counters(&t, 2, c2) &&
			 c0[0] == 2 && c0[3] == 3 && c1[0] == 3 && c1[3] == 2 && c2[2] == 1 &&
			 c2[3] == 2 && c2[5] == 1));
	CHECK_EQ(c0[0], 2);
	CHECK_EQ(c0[1], 60 + 1500);
	CHECK_EQ(c0[3], 3);
	CHECK_EQ(c0[4], 1000 + 2040 + 100);
	CHECK_EQ(c1[0], 3);
	CHECK_EQ(c1[3], 2);
	CHECK_EQ(c1[4], 60 + 1500);
	CHECK_EQ(c2[0], 0);
	CHECK_EQ(c2[2], 1);
	CHECK_EQ(c2[3], 2);
	CHECK_EQ(c2[5], 1);

	/* Lengths at the edges of the switch's short-frame copy (16-byte moves up to 256). */
	{
		static const u32 lens[] = { 14, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 257 };

		for (unsigned i = 0; i < ARRAY_SIZE(lens); i++) {
			send_frame(&t.p[1], t.p[0].mac, lens[i], (u8)(20 + i), 1);
			len = recv_frame(&t.p[0], f, ARRIVES, NULL);
			CHECK(frame_ok(f, len, lens[i], t.p[0].mac, t.p[1].mac, (u8)(20 + i)));
		}
	}

	/* Port 2 goes away and comes back; forwarding to it resumes. */
	port_disconnect(&t.p[2]);
	send_frame(&t.p[0], bcast, 64, 8, 1);
	CHECK(frame_ok(f, recv_frame(&t.p[1], f, ARRIVES, NULL), 64, bcast, t.p[0].mac, 8));
	port_connect(&t, 2, true, BUF);
	send_frame(&t.p[0], bcast, 64, 9, 1);
	CHECK(frame_ok(f, recv_frame(&t.p[2], f, ARRIVES, NULL), 64, bcast, t.p[0].mac, 9));
	CHECK(frame_ok(f, recv_frame(&t.p[1], f, ARRIVES, NULL), 64, bcast, t.p[0].mac, 9));

	/* A driver that breaks its ring (a buffer outside memory) loses only its own port. */
	{
		gpa_t g = 0x7fff0000;
		u32 l = 64;
		bool w = false;

		CHECK(vu_fe_add_chain(&t.p[2].fe, 1, 1, &g, &l, &w) >= 0);
		vu_fe_kick(&t.p[2].fe, 1);
		progs_sleep_ms(50);
		send_frame(&t.p[0], t.p[1].mac, 64, 10, 1);
		CHECK(frame_ok(f, recv_frame(&t.p[1], f, ARRIVES, NULL), 64, t.p[1].mac, t.p[0].mac,
			       10));
	}

	for (unsigned i = 0; i < NPORTS; i++)
		port_disconnect(&t.p[i]);
	{
		int st = progs_kill(t.pid, SIGTERM);

		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	CHECK(!progs_dump_log(t.log, "iovirt-vswitch"));
	unlink(t.out);
}

/* The control queue (user-mode Linux passes it on): VQ_PAIRS_SET within 1..max. */
/* One VIRTIO_NET_CTRL_MQ command; the ack buffer has `room` bytes (1 as Linux gives). */
static u8 ctrl_mq_room(struct port_fe *pf, u16 ctrl_idx, u16 pairs, u32 room)
{
	u8 *b = vu_fe_gpa(&pf->fe, CTRL_BUF, 16);
	gpa_t g[2] = { CTRL_BUF, CTRL_BUF + 8 };
	u32 l[2] = { 4, room };
	bool w[2] = { false, true };
	u32 id, len;

	b[0] = VIRTIO_NET_CTRL_MQ;
	b[1] = VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET;
	memcpy(b + 2, &pairs, 2);
	memset(b + 8, 0xee, room);
	CHECK(vu_fe_add_chain(&pf->fe, ctrl_idx, 2, g, l, w) >= 0);
	vu_fe_kick(&pf->fe, ctrl_idx);
	if (!WAIT_UNTIL(vu_fe_get_used(&pf->fe, ctrl_idx, &id, &len) == 1))
		return 0xee;
	/* The first writable byte, 1 byte used (virtio 1.2 §2.7.8.2), whatever the room. */
	CHECK_EQ(len, 1);
	for (u32 i = 1; i < room; i++)
		CHECK_EQ(b[8 + i], 0xee);
	return b[8];
}

static u8 ctrl_mq(struct port_fe *pf, u16 ctrl_idx, u16 pairs)
{
	return ctrl_mq_room(pf, ctrl_idx, pairs, 1);
}

static void test_multiqueue(void)
{
	struct sw_t t;
	u8 f[4096];
	u64 qn = 0;

	sw_start(&t, "sw-mq", NULL, 2);
	port_connect(&t, 0, true, BUF);
	port_connect(&t, 1, true, BUF);
	CHECK_EQ(vu_fe_get_u64(&t.p[0].fe, VHOST_USER_GET_QUEUE_NUM, &qn), 0);
	CHECK_EQ(qn, 5);
	CHECK(t.p[0].fe.acked & BIT64(VIRTIO_NET_F_MQ));
	/* Control queue after the last pair: index 4. */
	CHECK_EQ(vu_fe_setup_ring(&t.p[1].fe, 4, QSIZE, CTRL_RING), 0);
	CHECK_EQ(ctrl_mq(&t.p[1], 4, 3), VIRTIO_NET_ERR);
	CHECK_EQ(ctrl_mq(&t.p[1], 4, 0), VIRTIO_NET_ERR);
	CHECK_EQ(ctrl_mq(&t.p[1], 4, 1), VIRTIO_NET_OK);
	/* One pair in use: frames land on receiveq 0 of port 1 (its pair 1 is not even set up). */
	send_frame(&t.p[0], bcast, 64, 1, 1);
	CHECK(frame_ok(f, recv_frame(&t.p[1], f, ARRIVES, NULL), 64, bcast, t.p[0].mac, 1));
	CHECK_EQ(ctrl_mq(&t.p[1], 4, 2), VIRTIO_NET_OK);
	/* More room than the ack needs (found by fuzz_vswitch: all of it was reported used). */
	CHECK_EQ(ctrl_mq_room(&t.p[1], 4, 2, 4), VIRTIO_NET_OK);
	for (unsigned i = 0; i < NPORTS; i++)
		port_disconnect(&t.p[i]);
	progs_kill(t.pid, SIGTERM);
	CHECK(!progs_dump_log(t.log, "iovirt-vswitch"));
	unlink(t.out);
}

/*
 * The tap uplink, in a network namespace of our own: port 0 asks for the
 * host's address with an ARP request; the host's stack answers through the
 * tap, and the reply comes back to port 0 (learned) — and the switch's
 * counters saw the frame both ways on the uplink.
 */
static void test_uplink(void)
{
	static const u8 arp_req[28] = {
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,	/* Ethernet/IPv4, request */
		0x02, 0, 0, 0, 0, 0x10, 10, 9, 0, 2,		/* sender: port 0, 10.9.0.2 */
		0, 0, 0, 0, 0, 0, 10, 9, 0, 1,			/* target: 10.9.0.1 */
	};
	const char *argv[8];
	unsigned long long c[6];
	struct sw_t t;
	u8 f[4096];
	int len, fd;

	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "uplink test skipped: no network namespace (%s)\n", strerror(errno));
		return;
	}
	memset(&t, 0, sizeof(t));
	t.pairs = 1;
	snprintf(t.log, sizeof(t.log), "%s/uplink.log", progs_tmpdir());
	snprintf(t.out, sizeof(t.out), "%s/uplink.out", progs_tmpdir());
	snprintf(t.sock[0], sizeof(t.sock[0]), "%s/uplink-0.sock", progs_tmpdir());
	argv[0] = sw_bin;
	argv[1] = "--port";
	argv[2] = t.sock[0];
	argv[3] = "--uplink";
	argv[4] = "tap=iovt0";
	argv[5] = NULL;
	fd = open(t.out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	{
		int saved = dup(STDOUT_FILENO);

		dup2(fd, STDOUT_FILENO);
		t.pid = progs_spawn(argv, t.log);
		dup2(saved, STDOUT_FILENO);
		close(saved);
		close(fd);
	}
	port_connect(&t, 0, true, BUF);
	if (system("ip link set iovt0 up && ip addr add 10.9.0.1/24 dev iovt0")) {
		CHECK(!"cannot configure the tap");
		goto out;
	}
	{
		/* The ARP payload goes after the Ethernet header send_frame builds. */
		u8 *p = vu_fe_gpa(&t.p[0].fe, TX_BUFS, BUF);
		gpa_t g[2] = { TX_BUFS, TX_BUFS + HDR };
		u32 l[2] = { HDR, 42 };
		bool w[2] = { false, false };
		u32 id, ulen;

		memset(p, 0, HDR);
		memcpy(p + HDR, bcast, 6);
		memcpy(p + HDR + 6, t.p[0].mac, 6);
		p[HDR + 12] = 0x08;
		p[HDR + 13] = 0x06;
		memcpy(p + HDR + 14, arp_req, sizeof(arp_req));
		CHECK(vu_fe_add_chain(&t.p[0].fe, 1, 2, g, l, w) >= 0);
		vu_fe_kick(&t.p[0].fe, 1);
		CHECK(WAIT_UNTIL(vu_fe_get_used(&t.p[0].fe, 1, &id, &ulen) == 1));
	}
	/* The reply: to port 0's address, an ARP reply (opcode 2) from 10.9.0.1. */
	len = recv_frame(&t.p[0], f, ARRIVES, NULL);
	CHECK(len >= 42);
	if (len >= 42) {
		CHECK(!memcmp(f, t.p[0].mac, 6));
		CHECK(f[12] == 0x08 && f[13] == 0x06);
		CHECK_EQ(f[21], 2);
		CHECK(f[28] == 10 && f[29] == 9 && f[30] == 0 && f[31] == 1);
	}
	CHECK(counters(&t, 1, c));
	CHECK(c[0] >= 1);	/* from the tap: the reply */
	CHECK(c[3] >= 1);	/* into the tap: the request */
out:
	port_disconnect(&t.p[0]);
	{
		int st = progs_kill(t.pid, SIGTERM);

		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	CHECK(!progs_dump_log(t.log, "iovirt-vswitch"));
	unlink(t.out);
}

/*
 * The generator port (--uplink gen=BYTES, --poll): its broadcast frames reach
 * every vhost-user port, whole — over several receive buffers with
 * mergeable buffers, in one without — and frames sent to it are counted.
 */
static void test_generator(void)
{
	static const u8 gen_src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	const char *argv[10];
	unsigned long long c[6];
	unsigned nbufs = 0;
	struct sw_t t;
	u8 f[4096];
	int fd, len;

	memset(&t, 0, sizeof(t));
	t.pairs = 1;
	snprintf(t.log, sizeof(t.log), "%s/gen.log", progs_tmpdir());
	snprintf(t.out, sizeof(t.out), "%s/gen.out", progs_tmpdir());
	argv[0] = sw_bin;
	for (unsigned i = 0; i < 2; i++) {
		snprintf(t.sock[i], sizeof(t.sock[i]), "%s/gen-%u.sock", progs_tmpdir(), i);
		argv[1 + 2 * i] = "--port";
		argv[2 + 2 * i] = t.sock[i];
	}
	argv[5] = "--uplink";
	argv[6] = "gen=300";
	argv[7] = "--poll";
	argv[8] = NULL;
	fd = open(t.out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	{
		int saved = dup(STDOUT_FILENO);

		dup2(fd, STDOUT_FILENO);
		t.pid = progs_spawn(argv, t.log);
		dup2(saved, STDOUT_FILENO);
		close(saved);
		close(fd);
	}
	/* Port 0: mergeable 128-byte buffers (a frame takes three); port 1: whole ones. */
	port_connect(&t, 0, true, 128);
	port_connect(&t, 1, false, BUF);
	for (unsigned i = 0; i < 2; i++) {
		len = recv_frame(&t.p[i], f, ARRIVES, i ? NULL : &nbufs);
		CHECK_EQ(len, 300);
		if (len == 300) {
			CHECK(!memcmp(f, bcast, 6));
			CHECK(!memcmp(f + 6, gen_src, 6));
			CHECK(f[12] == 0x88 && f[13] == 0xb5);
			for (int k = 14; k < 300; k++)
				if (f[k] != (u8)k) {
					CHECK(!"generated frame corrupted");
					break;
				}
		}
	}
	CHECK_EQ(nbufs, 3);
	/* A frame to the generator: flooded there (counted) as to port 1. */
	send_frame(&t.p[0], bcast, 64, 3, 1);
	CHECK(counters(&t, 2, c));
	CHECK(c[0] >= 2);	/* generated */
	CHECK(c[3] >= 1);	/* taken */
	for (unsigned i = 0; i < 2; i++)
		port_disconnect(&t.p[i]);
	{
		int st = progs_kill(t.pid, SIGTERM);

		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	CHECK(!progs_dump_log(t.log, "iovirt-vswitch"));
	unlink(t.out);
}

static void test_cli(void)
{
	const char *argv[6] = { sw_bin, NULL };
	char err[1024];

	CHECK_EQ(progs_run_capture(argv, err, sizeof(err)), 2);
	CHECK(strstr(err, "--port"));
	CHECK_EQ(progs_lines(err), 1);
	argv[1] = "--port";
	argv[2] = "/tmp/x.sock";
	argv[3] = "--uplink";
	argv[4] = "eth0";
	CHECK_EQ(progs_run_capture(argv, err, sizeof(err)), 2);
	CHECK(strstr(err, "tap=NAME"));
	CHECK_EQ(progs_lines(err), 1);
	argv[3] = "--port";
	argv[4] = "/tmp/x.sock";
	CHECK_EQ(progs_run_capture(argv, err, sizeof(err)), 2);
	CHECK(strstr(err, "twice"));
	argv[3] = "--uplink";
	argv[4] = "gen=59";
	CHECK_EQ(progs_run_capture(argv, err, sizeof(err)), 2);
	CHECK(strstr(err, "gen="));
	CHECK_EQ(progs_lines(err), 1);
	argv[4] = "gen=64";
	CHECK_EQ(progs_run_capture(argv, err, sizeof(err)), 2);
	CHECK(strstr(err, "--poll"));
	CHECK_EQ(progs_lines(err), 1);
	argv[1] = "--port";
	argv[2] = "/nonexistent-dir/x.sock";
	argv[3] = NULL;
	CHECK_EQ(progs_run_capture(argv, err, sizeof(err)), 1);
	CHECK(strstr(err, "/nonexistent-dir/x.sock"));
	CHECK_EQ(progs_lines(err), 1);
}

/*
 * Ageing (--mac-age 1): an address unseen for longer than the age is unknown
 * again, so frames to it flood. Only a lower bound on time is used: the switch
 * learned port 0's address at the latest when port 1 received the frame that
 * taught it, and the test waits longer than the age after that.
 */
static void test_ageing(void)
{
	struct sw_t t;
	u8 f[8192];

	sw_start_aged(&t, "sw-age", NULL, 1, "1");
	for (unsigned i = 0; i < NPORTS; i++)
		port_connect(&t, i, true, BUF);
	send_frame(&t.p[0], bcast, 64, 1, 1);
	CHECK(frame_ok(f, recv_frame(&t.p[1], f, ARRIVES, NULL), 64, bcast, t.p[0].mac, 1));
	CHECK(frame_ok(f, recv_frame(&t.p[2], f, ARRIVES, NULL), 64, bcast, t.p[0].mac, 1));
	progs_sleep_ms(2100);
	send_frame(&t.p[1], t.p[0].mac, 64, 7, 1);
	CHECK(frame_ok(f, recv_frame(&t.p[0], f, ARRIVES, NULL), 64, t.p[0].mac, t.p[1].mac, 7));
	CHECK(frame_ok(f, recv_frame(&t.p[2], f, ARRIVES, NULL), 64, t.p[0].mac, t.p[1].mac, 7));
	for (unsigned i = 0; i < NPORTS; i++)
		port_disconnect(&t.p[i]);
	{
		int st = progs_kill(t.pid, SIGTERM);

		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	CHECK(!progs_dump_log(t.log, "iovirt-vswitch"));
	unlink(t.out);
}

#define RUN(t) (fprintf(stderr, "== %s\n", #t), t)

int main(void)
{
	sw_bin = progs_bin("IOVIRT_VSWITCH");
	RUN(test_cli());
	RUN(test_switching(NULL));
	RUN(test_switching("--poll"));
	RUN(test_multiqueue());
	RUN(test_ageing());
	RUN(test_generator());
	RUN(test_uplink()); /* last: it moves this process into a network namespace */
	return check_done();
}
