// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for inflight I/O tracking on packed rings (src/vhost/lib/
 * vu_inflight_packed.c): a test front-end and a mock driver (mock_vq, the
 * packed ring in memfd guest memory) talk to the back-end library through a
 * socketpair; the back-end "crashes" at chosen points — everything it had
 * in memory is dropped, nothing is completed or published on the way out,
 * exactly what SIGKILL leaves — and a new one gets the inflight area back
 * and a stale SET_VRING_BASE, as QEMU gives after a crash.
 *
 * Each request carries its sequence number; the device checks every chain
 * it pops against the driver's record: after a restart it must see exactly
 * the requests the driver has not seen completed, each once, oldest first,
 * and the driver must see each completion once (mock_vq refuses an id it
 * does not own). Then the spec's crash windows one by one, a long random
 * run of pops, completions, publishes, give-backs, clean stops and crashes,
 * and hostile regions, each of which must close the connection or break
 * only the queue — never crash the back-end.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/vhost.h>
#include <linux/virtio_config.h>

#include "check.h"
#include "iovirt/vhost_user.h"
#include "mock_vq.h"
#include "src/vhost/lib/vu_priv.h"
#include "vu_test_frontend.h"

#define QSIZE 8
#define NQ 2
#define MAXREQ 4096
#define OUTBUF 0x200000ull
#define INBUF 0x280000ull
#define STALE_BASE 0x80008000u /* QEMU's base for a packed ring it started once */

#define FEATURES                                                                                   \
	(BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_RING_PACKED) |                                 \
	 BIT64(VIRTIO_RING_F_INDIRECT_DESC))
#define PROTO                                                                                      \
	(BIT64(VHOST_USER_PROTOCOL_F_MQ) | BIT64(VHOST_USER_PROTOCOL_F_REPLY_ACK) |                \
	 BIT64(VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD))

enum { R_NONE, R_ADDED, R_DONE };

struct held {
	struct virtq_elem e;
	struct iovec iov[8];
	u32 seq;
};

/* The guest (mock driver), the front-end, and the back-end of the moment. */
struct world {
	struct vu_fe fe;
	struct mock_vq m[NQ];
	gpa_t ring_gpa[NQ];
	int ifd;
	u64 isize;
	/* Driver's record. */
	u8 state[MAXREQ];
	u8 q_of[MAXREQ];
	u32 nseq;
	u32 id_seq[NQ][QSIZE];
	/* Back-end. */
	struct vu_dev *dev;
	int last;
	bool closed;
	unsigned hold_max;	/* keep up to this many popped chains per queue; 0: complete at once */
	bool unpop_next;	/* give back the next chain popped */
	struct held held[NQ][QSIZE];
	unsigned nheld[NQ];
	u8 handled[MAXREQ];	/* popped by this back-end life (and not given back) */
	unsigned pops;
	unsigned order_errors;
};

static u32 tag_of(const struct virtq_elem *e)
{
	u32 t = ~0u;

	if (e->out_num && e->iov[0].iov_len >= 4)
		memcpy(&t, e->iov[0].iov_base, 4);
	return t;
}

/* The oldest request on queue qi the driver has not seen completed and this life not popped. */
static u32 expected_next(const struct world *w, unsigned qi)
{
	for (u32 s = 0; s < w->nseq; s++)
		if (w->state[s] == R_ADDED && w->q_of[s] == qi && !w->handled[s])
			return s;
	return ~0u;
}

/* The device's answer: the sequence number written back into the writable part. */
static void push_elem(struct vu_queue *q, struct held *h)
{
	const u8 *src = (const u8 *)&h->seq;
	unsigned done = 0;

	for (unsigned i = h->e.out_num; i < h->e.out_num + h->e.in_num && done < 4; i++) {
		unsigned k = MIN(4u - done, (unsigned)h->e.iov[i].iov_len);

		memcpy(h->e.iov[i].iov_base, src + done, k);
		done += k;
	}
	vu_queue_push(q, &h->e, done);
}

static void handle_queue(struct vu_dev *dev, struct vu_queue *q)
{
	struct world *w = vu_dev_opaque(dev);
	unsigned qi = vu_queue_index(q);

	for (;;) {
		struct held *h;
		bool resubmit;
		u32 seq;

		if (w->nheld[qi] >= QSIZE || (w->hold_max && w->nheld[qi] >= w->hold_max))
			break;
		h = &w->held[qi][w->nheld[qi]];
		virtq_elem_init(&h->e, h->iov, 8);
		/* Only chains taken from the ring may be given back (vu_queue_unpop). */
		resubmit = q->next_resubmit < q->nr_resubmit;
		if (vu_queue_pop(q, &h->e) != 1)
			break;
		seq = tag_of(&h->e);
		if (seq != expected_next(w, qi)) {
			w->order_errors++;
			fprintf(stderr, "q%u popped request %u, expected %u\n", qi, seq,
				expected_next(w, qi));
		}
		if (seq >= MAXREQ)
			break;
		if (w->unpop_next && !resubmit) {
			w->unpop_next = false;
			vu_queue_unpop(q, &h->e);
			continue;
		}
		h->seq = seq;
		w->handled[seq] = 1;
		w->pops++;
		if (w->hold_max)
			w->nheld[qi]++;
		else
			push_elem(q, h);
	}
}

/* A ring stops: what the device holds is abandoned (still in flight in the area). */
static void queue_stop(struct vu_dev *dev, struct vu_queue *q)
{
	struct world *w = vu_dev_opaque(dev);

	w->nheld[vu_queue_index(q)] = 0;
}

static const struct vu_dev_ops ops = {
	.features = FEATURES,
	.num_queues = NQ,
	.max_queue_size = 1024,
	.inflight = true,
	.queue_stop = queue_stop,
	.handle_queue = handle_queue,
};

static void pump(void *opaque)
{
	struct world *w = opaque;

	if (w->closed || !w->dev)
		return;
	w->last = vu_dev_dispatch(w->dev);
	if (w->last) {
		vu_dev_free(w->dev);
		w->dev = NULL;
		w->closed = true;
	}
}

/* A new back-end on a new connection, negotiated, with the guest's memory and the area. */
static void connect_backend(struct world *w, bool first)
{
	int sv[2];

	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	w->dev = vu_dev_new(sv[1], &ops, w, "inflight-test");
	CHECK(w->dev != NULL);
	w->closed = false;
	w->last = 0;
	if (first) {
		vu_fe_init(&w->fe, sv[0]);
	} else {
		close(w->fe.sock);
		w->fe.sock = sv[0];
	}
	w->fe.pump = pump;
	w->fe.pump_opaque = w;
	CHECK_EQ(vu_fe_negotiate(&w->fe, FEATURES, PROTO), 0);
	if (first) {
		CHECK_EQ(vu_fe_add_memory(&w->fe, 0, 0x100000), 0);
		CHECK_EQ(vu_fe_add_memory(&w->fe, 0x200000, 0x100000), 0);
	}
	CHECK_EQ(vu_fe_set_mem_table(&w->fe), 0);
	if (first)
		CHECK_EQ(vu_fe_get_inflight(&w->fe, NQ, QSIZE, &w->ifd, &w->isize), 0);
	CHECK_EQ(vu_fe_set_inflight(&w->fe, NQ, QSIZE, w->ifd, w->isize), 0);
	memset(w->handled, 0, sizeof(w->handled));
	memset(w->nheld, 0, sizeof(w->nheld));
}

static int start_ring(struct world *w, unsigned qi, u32 base)
{
	struct mock_vq *m = &w->m[qi];

	vu_fe_attach_ring(&w->fe, qi, QSIZE, m->desc_gpa, m->driver_gpa, m->device_gpa);
	return vu_fe_send_ring(&w->fe, qi, base);
}

static void world_open(struct world *w, unsigned nrings)
{
	memset(w, 0, sizeof(*w));
	w->ifd = -1;
	connect_backend(w, true);
	for (unsigned qi = 0; qi < nrings; qi++) {
		w->ring_gpa[qi] = 0x10000 + 0x30000ull * qi;
		CHECK_EQ(mock_vq_init(&w->m[qi], &w->fe.mem, w->ring_gpa[qi], QSIZE,
				      MOCK_VQ_PACKED | MOCK_VQ_INDIRECT),
			 0);
		CHECK_EQ(start_ring(w, qi, STALE_BASE), 0);
	}
}

static void world_close(struct world *w)
{
	if (w->dev)
		vu_dev_free(w->dev);
	w->dev = NULL;
	for (unsigned qi = 0; qi < NQ; qi++)
		mock_vq_destroy(&w->m[qi]);
	vu_fe_destroy(&w->fe);
	if (w->ifd >= 0)
		close(w->ifd);
}

/*
 * SIGKILL, in process: every resource of the back-end goes, and nothing it
 * had pushed but not published is published on the way (no queue_stop, no
 * notify). Guest memory and the area keep whatever it had written.
 */
static void crash(struct world *w)
{
	struct vu_dev *dev = w->dev;

	for (unsigned i = 0; i < dev->nq; i++)
		vu_queue_destroy(&dev->q[i]);
	vu_mem_destroy(&dev->mem);
	vu_log_destroy(&dev->log);
	vu_iotlb_destroy(&dev->iotlb);
	vu_inflight_destroy(&dev->infl);
	if (dev->backend_fd >= 0)
		close(dev->backend_fd);
	close(dev->sock);
	pthread_mutex_destroy(&dev->backend_lock);
	free(dev->q);
	free(dev);
	w->dev = NULL;
}

/* Request shapes: 2, 3 and 3 ring descriptors, or one indirect descriptor. */
static int add_request(struct world *w, unsigned qi, unsigned shape)
{
	u32 seq = w->nseq;
	gpa_t out = OUTBUF + (gpa_t)seq * 0x40, in = INBUF + (gpa_t)seq * 0x40;
	struct mock_buf b[3];
	unsigned n;
	int id;

	if (seq >= MAXREQ)
		return -ENOSPC;
	memcpy(vu_fe_gpa(&w->fe, out, 4), &seq, 4);
	memset(vu_fe_gpa(&w->fe, in, 4), 0xee, 4);
	switch (shape % 4) {
	case 0:
	case 2:
		b[0] = (struct mock_buf){ out, 4, false };
		b[1] = (struct mock_buf){ in, 4, true };
		n = 2;
		break;
	case 1:
		b[0] = (struct mock_buf){ out, 4, false };
		b[1] = (struct mock_buf){ in, 2, true };
		b[2] = (struct mock_buf){ in + 2, 2, true };
		n = 3;
		break;
	default:
		b[0] = (struct mock_buf){ out, 4, false };
		b[1] = (struct mock_buf){ out + 4, 4, false };
		b[2] = (struct mock_buf){ in, 4, true };
		n = 3;
		break;
	}
	id = mock_vq_add(&w->m[qi], b, n, shape % 4 == 2);
	if (id < 0)
		return id;
	w->id_seq[qi][id] = seq;
	w->state[seq] = R_ADDED;
	w->q_of[seq] = (u8)qi;
	w->nseq++;
	vu_fe_kick(&w->fe, qi);
	return (int)seq;
}

/* The driver takes every completion it can see; each must be a request it owns, answered. */
static unsigned reap(struct world *w, unsigned qi)
{
	unsigned n = 0;
	u32 len;
	int id;

	while ((id = mock_vq_get_used(&w->m[qi], &len)) >= 0) {
		u32 seq = w->id_seq[qi][id], got;

		CHECK_EQ(w->state[seq], R_ADDED);
		CHECK_EQ(len, 4);
		memcpy(&got, vu_fe_gpa(&w->fe, INBUF + (gpa_t)seq * 0x40, 4), 4);
		CHECK_EQ(got, seq);
		w->state[seq] = R_DONE;
		n++;
	}
	/* -EPROTO: a used descriptor for an id the driver does not own (a double completion). */
	CHECK_EQ(id, -EAGAIN);
	return n;
}

/* The ring's kick eventfd has a count (a kick not yet taken); it is left as it was. */
static bool kick_pending(struct vu_fe *fe, unsigned qi)
{
	struct pollfd p = { .fd = fe->ring[qi].kick, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

static void process(struct world *w, unsigned qi)
{
	CHECK_EQ(vu_queue_process(vu_dev_queue(w->dev, qi)), 0);
}

/* Complete held chain k; publish it (and everything pushed before) or leave it pending. */
static void finish(struct world *w, unsigned qi, unsigned k, bool publish)
{
	struct vu_queue *q = vu_dev_queue(w->dev, qi);
	struct held *h = &w->held[qi][k];

	pthread_mutex_lock(&q->lock);
	push_elem(q, h);
	if (publish)
		vu_queue_notify(q);
	pthread_mutex_unlock(&q->lock);
	if (k != --w->nheld[qi]) {
		w->held[qi][k] = w->held[qi][w->nheld[qi]];
		w->held[qi][k].e.iov = w->held[qi][k].iov;
	}
}

static void publish(struct world *w, unsigned qi)
{
	struct vu_queue *q = vu_dev_queue(w->dev, qi);

	vu_queue_lock(q);
	vu_queue_unlock(q);
}

static unsigned outstanding(const struct world *w)
{
	unsigned n = 0;

	for (u32 s = 0; s < w->nseq; s++)
		n += w->state[s] == R_ADDED;
	return n;
}

/* Crash, then a new back-end with the area and this (stale) base on every ring. */
static void crash_restart(struct world *w, unsigned nrings, u32 base)
{
	crash(w);
	connect_backend(w, false);
	for (unsigned qi = 0; qi < nrings; qi++)
		CHECK_EQ(start_ring(w, qi, base), 0);
	CHECK(!w->closed);
}

/* Drain: the device completes everything, the driver must see every request once. */
static void drain(struct world *w, unsigned nrings)
{
	w->hold_max = 0;
	for (unsigned qi = 0; qi < nrings; qi++) {
		while (w->nheld[qi])
			finish(w, qi, 0, true);
		process(w, qi);
		reap(w, qi);
	}
	CHECK_EQ(outstanding(w), 0);
	CHECK_EQ(w->order_errors, 0);
}

static struct vu_queue_region_packed *map_region(struct world *w, unsigned qi, void **map)
{
	*map = mmap(NULL, w->isize, PROT_READ | PROT_WRITE, MAP_SHARED, w->ifd, 0);
	CHECK(*map != MAP_FAILED);
	return (void *)((u8 *)*map + vu_inflight_packed_region_size(QSIZE) * qi);
}

/* GET_INFLIGHT_FD with a packed ring: the packed layout's size; the region set up at start. */
static void test_layout(void)
{
	struct world w;
	struct vu_queue_region_packed *r;
	void *map;

	world_open(&w, 1);
	CHECK_EQ(w.isize, NQ * ALIGN_UP(32ull + 32ull * QSIZE, 64ull));
	r = map_region(&w, 0, &map);
	CHECK_EQ(r->version, 1);
	CHECK_EQ(r->desc_num, QSIZE);
	CHECK_EQ(r->free_head, 0);
	CHECK_EQ(r->used_idx, 0);
	CHECK_EQ(r->used_wrap_counter, 1);
	CHECK_EQ(r->old_used_wrap_counter, 1);
	for (unsigned i = 0; i < QSIZE; i++)
		CHECK_EQ(r->desc[i].next, i + 1);
	/* One request, held: its two descriptors copied into entries 0 and 1. */
	w.hold_max = QSIZE;
	CHECK_EQ(add_request(&w, 0, 0), 0);
	process(&w, 0);
	CHECK_EQ(r->desc[0].inflight, 1);
	CHECK_EQ(r->desc[0].num, 2);
	CHECK_EQ(r->desc[0].last, 1);
	CHECK_EQ(r->desc[0].addr, OUTBUF);
	CHECK_EQ(r->desc[1].addr, INBUF);
	CHECK(r->desc[1].flags & VRING_DESC_F_WRITE);
	CHECK_EQ(r->free_head, 2);
	CHECK_EQ(r->old_free_head, 2);
	/* Completed and published: entries back on the free list, used_idx committed. */
	finish(&w, 0, 0, true);
	CHECK_EQ(r->desc[0].inflight, 0);
	CHECK_EQ(r->free_head, 0);
	CHECK_EQ(r->old_free_head, 0);
	CHECK_EQ(r->used_idx, 2);
	CHECK_EQ(r->old_used_idx, 2);
	CHECK_EQ(reap(&w, 0), 1);
	munmap(map, w.isize);
	world_close(&w);
}

/*
 * Three requests fetched, the middle one completed and seen by the driver,
 * crash: the new back-end, given QEMU's stale base, resubmits the first and
 * the third, in order, never the second, and goes on with new requests.
 */
static void test_restart(void)
{
	struct world w;

	world_open(&w, 1);
	w.hold_max = QSIZE;
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(add_request(&w, 0, i), (int)i);
	process(&w, 0);
	CHECK_EQ(w.nheld[0], 3);
	finish(&w, 0, 1, true);
	CHECK_EQ(reap(&w, 0), 1);
	CHECK_EQ(w.state[1], R_DONE);

	crash_restart(&w, 1, STALE_BASE);
	/* The driver has nothing new to kick about: the back-end wakes itself for the two. */
	CHECK(kick_pending(&w.fe, 0));
	w.hold_max = 0;
	w.pops = 0;
	process(&w, 0);
	CHECK_EQ(w.pops, 2);
	CHECK(w.handled[0] && w.handled[2] && !w.handled[1]);
	CHECK_EQ(reap(&w, 0), 2);
	/* The ring goes on where the fetched ones end. */
	for (unsigned i = 0; i < 5; i++) {
		CHECK_EQ(add_request(&w, 0, i), (int)(3 + i));
		process(&w, 0);
		CHECK_EQ(reap(&w, 0), 1);
	}
	CHECK_EQ(w.order_errors, 0);
	CHECK_EQ(outstanding(&w), 0);
	world_close(&w);
}

/*
 * Pushed but never published (the crash came before the flush): the driver
 * saw nothing, so both are done again — and the used descriptor of the
 * second, already written at the slot after the first's chain, must not
 * surface as a completion once the driver's next used slot reaches it.
 */
static void test_unpublished(void)
{
	struct world w;

	world_open(&w, 1);
	w.hold_max = QSIZE;
	CHECK_EQ(add_request(&w, 0, 0), 0);
	CHECK_EQ(add_request(&w, 0, 0), 1);
	process(&w, 0);
	finish(&w, 0, 0, false);
	finish(&w, 0, 0, false);
	CHECK_EQ(reap(&w, 0), 0);

	crash_restart(&w, 1, STALE_BASE);
	w.hold_max = QSIZE;
	process(&w, 0);
	CHECK_EQ(w.nheld[0], 2);
	CHECK(w.handled[0] && w.handled[1]);
	/* The second completes first: its used descriptor at slot 0, the next at slot 2. */
	CHECK_EQ(w.held[0][1].seq, 1);
	finish(&w, 0, 1, true);
	CHECK_EQ(reap(&w, 0), 1);
	CHECK_EQ(w.state[0], R_ADDED);
	finish(&w, 0, 0, true);
	CHECK_EQ(reap(&w, 0), 1);
	drain(&w, 1);
	world_close(&w);
}

/*
 * The two crash windows of a completion (vhost-user "When supplying used
 * buffers"): used_idx advanced but the flags not written (roll back: done
 * again), and the flags written but the batch not committed (roll forward:
 * not done again).
 */
static void test_batch_windows(void)
{
	for (int published = 0; published < 2; published++) {
		struct world w;
		struct vu_queue *q;

		world_open(&w, 1);
		w.hold_max = QSIZE;
		for (unsigned i = 0; i < 3; i++)
			CHECK_EQ(add_request(&w, 0, i), (int)i);
		process(&w, 0);
		q = vu_dev_queue(w.dev, 0);
		pthread_mutex_lock(&q->lock);
		push_elem(q, &w.held[0][2]);
		push_elem(q, &w.held[0][0]);
		vu_inflight_flushing(q);
		if (published)
			virtq_flush(&q->vq);
		pthread_mutex_unlock(&q->lock);
		w.nheld[0] = 0;
		CHECK_EQ(reap(&w, 0), published ? 2 : 0);

		crash_restart(&w, 1, STALE_BASE);
		w.hold_max = 0;
		w.pops = 0;
		process(&w, 0);
		CHECK_EQ(w.pops, published ? 1 : 3);
		CHECK(w.handled[1]);
		CHECK_EQ(w.handled[0], !published);
		drain(&w, 1);
		world_close(&w);
	}
}

/*
 * A clean stop with requests held (GET_VRING_BASE: both positions with
 * their wrap counters), the ring restarted on the same connection with that
 * base: the abandoned requests are handed out again. Queue 1 too, whose
 * region sits after queue 0's.
 */
static void test_stop_resume(void)
{
	struct world w;
	u32 base;

	world_open(&w, 2);
	w.hold_max = QSIZE;
	/* Go round the ring once so that the wrap counters matter. */
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 3; i++) {
			CHECK(add_request(&w, 0, i) >= 0);
			CHECK(add_request(&w, 1, i + 1) >= 0);
		}
		process(&w, 0);
		process(&w, 1);
		while (w.nheld[0])
			finish(&w, 0, 0, true);
		while (w.nheld[1])
			finish(&w, 1, w.nheld[1] - 1, true);
		CHECK_EQ(reap(&w, 0), 3);
		CHECK_EQ(reap(&w, 1), 3);
	}
	CHECK_EQ(add_request(&w, 0, 0), 18);
	CHECK_EQ(add_request(&w, 1, 3), 19);
	process(&w, 0);
	process(&w, 1);
	/* q0: 3 x (2+3+1) = 18 descriptors, then 2 held: avail 20 = slot 4 after two wraps. */
	CHECK_EQ(vu_fe_stop_ring(&w.fe, 0, &base), 0);
	CHECK_EQ(base & 0xffff, 0x8000 | 4);
	CHECK_EQ(base >> 16, 0x8000 | 2);
	CHECK_EQ(start_ring(&w, 0, base), 0);
	CHECK_EQ(vu_fe_stop_ring(&w.fe, 1, &base), 0);
	CHECK_EQ(start_ring(&w, 1, base), 0);
	memset(w.handled, 0, sizeof(w.handled));
	w.pops = 0;
	drain(&w, 2);
	CHECK_EQ(w.pops, 2);
	world_close(&w);
}

static u64 rng_state;

static u32 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (u32)(rng_state >> 11);
}

/*
 * A long random run on one ring: requests of every shape, chains held and
 * completed out of order, published now or later, given back, clean stops,
 * and crashes anywhere between those steps with a stale base (QEMU's, an
 * older GET_VRING_BASE, or 0). The device's order check and the driver's
 * once-only check run all along.
 */
static void test_random(void)
{
	static const u64 seeds[] = { 0x9e3779b97f4a7c15ull, 0x1234567ull, 0xdeadbeefcafeull };

	for (unsigned si = 0; si < ARRAY_SIZE(seeds); si++) {
		struct world w;
		unsigned crashes = 0, stops = 0;
		u32 last_base = STALE_BASE;

		rng_state = seeds[si];
		world_open(&w, 1);
		for (unsigned step = 0; step < 4000 && w.nseq < MAXREQ - 8 && !w.closed; step++) {
			u32 r = rnd() % 100, base;

			if (r < 30) {
				add_request(&w, 0, rnd());
			} else if (r < 48) {
				w.hold_max = 1 + rnd() % QSIZE;
				process(&w, 0);
			} else if (r < 66) {
				if (w.nheld[0])
					finish(&w, 0, rnd() % w.nheld[0], rnd() % 2);
			} else if (r < 72) {
				publish(&w, 0);
			} else if (r < 82) {
				reap(&w, 0);
			} else if (r < 86) {
				w.unpop_next = true;
				w.hold_max = 1 + rnd() % QSIZE;
				process(&w, 0);
				w.unpop_next = false;
			} else if (r < 90) {
				CHECK_EQ(vu_fe_stop_ring(&w.fe, 0, &base), 0);
				reap(&w, 0);
				memset(w.handled, 0, sizeof(w.handled));
				CHECK_EQ(start_ring(&w, 0, base), 0);
				last_base = base;
				stops++;
			} else if (r < 95) {
				static const u32 bases[] = { STALE_BASE, 0 };
				u32 b = rnd() % 3 ? bases[rnd() % 2] : last_base;

				reap(&w, 0);
				crash_restart(&w, 1, b);
				crashes++;
			} else {
				w.hold_max = 0;
				process(&w, 0);
			}
		}
		fprintf(stderr, "random run %u: %u requests, %u crashes, %u clean stops\n", si,
			w.nseq, crashes, stops);
		CHECK(crashes > 10);
		CHECK(stops > 10);
		CHECK(w.nseq > 400);
		drain(&w, 1);
		world_close(&w);
	}
}

/* ---- Hostile areas ---- */

/*
 * Three requests in flight (entries 0-1, 2 (indirect), 3-4), a crash, the
 * region changed as a hostile front-end might, a new back-end: mutate says
 * how. Returns with the new back-end's ring set up, or the connection closed.
 */
static void hostile_setup(struct world *w, void (*mutate)(struct vu_queue_region_packed *r))
{
	struct vu_queue_region_packed *r;
	void *map;

	world_open(w, 1);
	w->hold_max = QSIZE;
	CHECK_EQ(add_request(w, 0, 0), 0);
	CHECK_EQ(add_request(w, 0, 2), 1);
	CHECK_EQ(add_request(w, 0, 0), 2);
	process(w, 0);
	CHECK_EQ(w->nheld[0], 3);
	crash(w);
	r = map_region(w, 0, &map);
	CHECK_EQ(r->desc[2].inflight, 1);
	CHECK_EQ(r->desc[3].last, 4);
	mutate(r);
	munmap(map, w->isize);
	connect_backend(w, false);
	start_ring(w, 0, STALE_BASE);
}

static void m_version(struct vu_queue_region_packed *r)
{
	r->version = 2;
}

static void m_free_head(struct vu_queue_region_packed *r)
{
	r->free_head = r->old_free_head = QSIZE + 1;
}

static void m_used_idx(struct vu_queue_region_packed *r)
{
	r->used_idx = r->old_used_idx = QSIZE;
}

static void m_wrap(struct vu_queue_region_packed *r)
{
	r->used_wrap_counter = r->old_used_wrap_counter = 2;
}

static void m_inflight_byte(struct vu_queue_region_packed *r)
{
	r->desc[3].inflight = 7;
}

static void m_num_zero(struct vu_queue_region_packed *r)
{
	r->desc[0].num = 0;
}

static void m_num_big(struct vu_queue_region_packed *r)
{
	r->desc[0].num = QSIZE + 1;
}

static void m_next_out(struct vu_queue_region_packed *r)
{
	r->desc[0].next = 0xfff0;
}

static void m_overlap(struct vu_queue_region_packed *r)
{
	r->desc[3].next = 2; /* the chain at 3 runs into the chain at 2 */
}

static void m_last(struct vu_queue_region_packed *r)
{
	r->desc[0].last = 0;
}

static void m_id_range(struct vu_queue_region_packed *r)
{
	r->desc[1].id = QSIZE;
}

static void m_id_twice(struct vu_queue_region_packed *r)
{
	r->desc[4].id = r->desc[1].id;
}

static void m_all_flight(struct vu_queue_region_packed *r)
{
	/* Every entry a one-entry chain in flight, all with id 0. */
	for (unsigned i = 0; i < QSIZE; i++) {
		r->desc[i].inflight = 1;
		r->desc[i].num = 1;
		r->desc[i].last = (u16)i;
		r->desc[i].id = 0;
	}
	r->free_head = r->old_free_head = QSIZE;
}

static void test_hostile_regions(void)
{
	static const struct {
		const char *name;
		void (*mutate)(struct vu_queue_region_packed *r);
	} cases[] = {
		{ "unknown version", m_version },
		{ "free_head beyond the ring", m_free_head },
		{ "used_idx beyond the ring", m_used_idx },
		{ "wrap counter 2", m_wrap },
		{ "inflight byte 7", m_inflight_byte },
		{ "chain of 0 entries", m_num_zero },
		{ "chain longer than the ring", m_num_big },
		{ "chain link out of the region", m_next_out },
		{ "two chains sharing entries", m_overlap },
		{ "chain's last entry wrong", m_last },
		{ "buffer id beyond the ring", m_id_range },
		{ "two chains with one buffer id", m_id_twice },
		{ "every entry a chain with id 0", m_all_flight },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct world w;

		hostile_setup(&w, cases[i].mutate);
		if (!w.closed || w.last != -EPROTO)
			fprintf(stderr, "hostile region '%s' was not refused\n", cases[i].name);
		CHECK(w.closed);
		CHECK_EQ(w.last, -EPROTO);
		world_close(&w);
	}
}

static void m_free_loop(struct vu_queue_region_packed *r)
{
	r->desc[5].next = 5;
}

static void m_desc_num(struct vu_queue_region_packed *r)
{
	r->desc_num = QSIZE / 2;
}

static void m_bad_addr(struct vu_queue_region_packed *r)
{
	r->desc[3].addr = 0x7000000000ull;
}

/* Damage recovery survives: a looping free list, a region for another ring, a bogus copy. */
static void test_odd_regions(void)
{
	struct world w;
	struct vu_queue *q;

	/* The free list is rebuilt; the loop costs nothing. */
	hostile_setup(&w, m_free_loop);
	CHECK(!w.closed);
	w.pops = 0;
	drain(&w, 1);
	CHECK_EQ(w.pops, 3);
	world_close(&w);

	/*
	 * Laid out for another ring size: started clean at the front-end's base,
	 * nothing resubmitted — the three chains are taken from the ring again,
	 * where they still are (nothing was used over them).
	 */
	hostile_setup(&w, m_desc_num);
	CHECK(!w.closed);
	w.pops = 0;
	drain(&w, 1);
	CHECK_EQ(w.pops, 3);
	world_close(&w);

	/* A copied descriptor outside guest memory: the queue breaks, the connection stays. */
	hostile_setup(&w, m_bad_addr);
	CHECK(!w.closed);
	w.hold_max = 0;
	q = vu_dev_queue(w.dev, 0);
	CHECK_EQ(vu_queue_process(q), -EIO);
	CHECK(!w.closed);
	w.order_errors = 0;
	world_close(&w);
}

/* SET_INFLIGHT_FD refusals: wrong layout size, a short fd, an fd that can shrink. */
static void test_hostile_set(void)
{
	struct world w;
	u64 split_size = NQ * ALIGN_UP(16ull + 16ull * QSIZE, 64ull);
	int fd;

	/* The split layout's size with a packed ring negotiated: the connection closes. */
	world_open(&w, 0);
	fd = dup(w.ifd);
	vu_fe_set_inflight(&w.fe, NQ, QSIZE, fd, split_size);
	close(fd);
	CHECK(w.closed);
	CHECK_EQ(w.last, -EPROTO);
	world_close(&w);

	/* The right size claimed, a sealed fd too short for it: closes. */
	world_open(&w, 0);
	fd = memfd_create("short", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK_EQ(ftruncate(fd, 64), 0);
	CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	CHECK(w.isize > 64);
	vu_fe_set_inflight(&w.fe, NQ, QSIZE, fd, w.isize);
	close(fd);
	CHECK(w.closed);
	CHECK_EQ(w.last, -EPROTO);
	world_close(&w);

	/* Big enough but not sealed: refused, the connection kept. */
	world_open(&w, 0);
	fd = memfd_create("unsealed", MFD_CLOEXEC);
	CHECK_EQ(ftruncate(fd, (off_t)w.isize), 0);
	CHECK_EQ(vu_fe_set_inflight(&w.fe, NQ, QSIZE, fd, w.isize), -EIO);
	close(fd);
	CHECK(!w.closed);
	world_close(&w);
}

int main(void)
{
	/* Hostile cases log one line each by design. */
	log_set_level(getenv("VU_TEST_VERBOSE") ? LOG_DEBUG : LOG_ERR);
	test_layout();
	test_restart();
	test_unpublished();
	test_batch_windows();
	test_stop_resume();
	test_random();
	test_hostile_regions();
	test_odd_regions();
	test_hostile_set();
	return check_done();
}
