// SPDX-License-Identifier: GPL-2.0-only
/*
 * iovirt-vhost-blk as a process, driven by the test front-end
 * (tests/lib/vu_test_frontend.c) the way QEMU's vhost-user-blk drives it:
 * features and GET_CONFIG, reads and writes over two queues checked against
 * the image file itself, FLUSH, DISCARD, WRITE_ZEROES, GET_ID, bad requests,
 * a read-only disk, poll mode, the command line's errors, a front-end that
 * goes away and comes back, and a back-end killed with SIGKILL while
 * requests are in flight and started again on the same inflight area: every
 * request completes exactly once, with its data on the disk.
 */
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <sys/mman.h>

#include "iovirt/vhost_user.h"
#include "progs_util.h"
#include "vu_test_frontend.h"

#define MEM_SIZE (32ull << 20)
#define RING_GPA(q) ((gpa_t)(q) * 0x10000)
#define HDR_GPA 0x100000ull
#define DATA_GPA 0x200000ull
#define SLOT_DATA 0x40000u		/* 256 KiB of data per request slot */
#define NSLOTS 32
#define QSIZE 128
#define DISK_SIZE (64ull << 20)

struct blk_t {
	struct vu_fe fe;
	pid_t pid;
	char sock[128], disk[128], log[128];
	int disk_fd;
	unsigned nq;
	/* Per queue, per head: the slot it carries (or -1). */
	int head_slot[2][QSIZE];
	unsigned done[NSLOTS];		/* completions seen per slot */
	u32 used_len[NSLOTS];
};

static const char *blk_bin;

static void blk_start(struct blk_t *t, const char *extra1, const char *extra2)
{
	const char *argv[12];
	char nq[8];
	unsigned n = 0;

	snprintf(nq, sizeof(nq), "%u", t->nq);
	argv[n++] = blk_bin;
	argv[n++] = "--socket";
	argv[n++] = t->sock;
	argv[n++] = "--disk";
	argv[n++] = t->disk;
	argv[n++] = "--queues";
	argv[n++] = nq;
	if (extra1)
		argv[n++] = extra1;
	if (extra2)
		argv[n++] = extra2;
	argv[n] = NULL;
	t->pid = progs_spawn(argv, t->log);
}

static int blk_connect(struct blk_t *t)
{
	int sock = vu_connect(t->sock, 5000);

	CHECK(sock >= 0);
	return sock;
}

/* Features, memory, inflight area (optional) and rings, as QEMU's vhost-user-blk does. */
static u64 blk_setup(struct blk_t *t, bool rings)
{
	u64 want = BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_BLK_F_FLUSH) |
		   BIT64(VIRTIO_BLK_F_DISCARD) | BIT64(VIRTIO_BLK_F_WRITE_ZEROES) |
		   BIT64(VIRTIO_BLK_F_MQ) | BIT64(VIRTIO_BLK_F_SEG_MAX) | BIT64(VIRTIO_BLK_F_BLK_SIZE) |
		   BIT64(VIRTIO_BLK_F_RO) | BIT64(VIRTIO_RING_F_EVENT_IDX);
	u64 proto = BIT64(VHOST_USER_PROTOCOL_F_MQ) | BIT64(VHOST_USER_PROTOCOL_F_REPLY_ACK) |
		    BIT64(VHOST_USER_PROTOCOL_F_CONFIG) |
		    BIT64(VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD);

	CHECK_EQ(vu_fe_negotiate(&t->fe, want, proto), 0);
	CHECK_EQ(vu_fe_set_mem_table(&t->fe), 0);
	if (rings)
		for (unsigned q = 0; q < t->nq; q++)
			CHECK_EQ(vu_fe_setup_ring(&t->fe, q, QSIZE, RING_GPA(q)), 0);
	return t->fe.features;
}

static void blk_init(struct blk_t *t, unsigned nq, const char *name)
{
	const char *dir = progs_tmpdir();

	memset(t, 0, sizeof(*t));
	t->nq = nq;
	snprintf(t->sock, sizeof(t->sock), "%s/%s.sock", dir, name);
	snprintf(t->disk, sizeof(t->disk), "%s/%s.img", dir, name);
	snprintf(t->log, sizeof(t->log), "%s/%s.log", dir, name);
	t->disk_fd = open(t->disk, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(t->disk_fd >= 0);
	CHECK_EQ(ftruncate(t->disk_fd, DISK_SIZE), 0);
	memset(t->head_slot, 0xff, sizeof(t->head_slot));
}

static void blk_attach(struct blk_t *t)
{
	vu_fe_init(&t->fe, blk_connect(t));
	CHECK_EQ(vu_fe_add_memory(&t->fe, 0, MEM_SIZE), 0);
}

static void blk_fini(struct blk_t *t)
{
	vu_fe_destroy(&t->fe);
	if (t->pid > 0) {
		int st = progs_kill(t->pid, SIGTERM);

		/* A clean exit on SIGTERM. */
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	close(t->disk_fd);
	unlink(t->disk);
	CHECK(!progs_dump_log(t->log, "iovirt-vhost-blk"));
}

static u8 *slot_data(struct blk_t *t, unsigned slot)
{
	return vu_fe_gpa(&t->fe, DATA_GPA + (gpa_t)slot * SLOT_DATA, SLOT_DATA);
}

static u8 *slot_status(struct blk_t *t, unsigned slot)
{
	return vu_fe_gpa(&t->fe, HDR_GPA + slot * 64ull + 32, 1);
}

/*
 * Make a request available on queue q: header, data in nseg buffers (device
 * readable for OUT/DISCARD/WRITE_ZEROES, writable otherwise), status byte.
 */
static void blk_submit(struct blk_t *t, unsigned q, unsigned slot, u32 type, u64 sector, u32 len,
		       unsigned nseg)
{
	struct virtio_blk_outhdr *h = vu_fe_gpa(&t->fe, HDR_GPA + slot * 64ull, sizeof(*h));
	bool dev_reads = type == VIRTIO_BLK_T_OUT || type == VIRTIO_BLK_T_DISCARD ||
			 type == VIRTIO_BLK_T_WRITE_ZEROES;
	gpa_t gpa[10];
	u32 l[10];
	bool w[10];
	unsigned n = 0;
	int head;

	h->type = type;
	h->ioprio = 0;
	h->sector = sector;
	*slot_status(t, slot) = 0xee;
	gpa[n] = HDR_GPA + slot * 64ull;
	l[n] = sizeof(*h);
	w[n++] = false;
	for (unsigned i = 0; i < nseg && len; i++) {
		u32 piece = i + 1 == nseg ? len - (len / nseg) * i : len / nseg;

		gpa[n] = DATA_GPA + (gpa_t)slot * SLOT_DATA + (len / nseg) * i;
		l[n] = piece;
		w[n++] = !dev_reads;
	}
	gpa[n] = HDR_GPA + slot * 64ull + 32;
	l[n] = 1;
	w[n++] = true;
	head = vu_fe_add_chain(&t->fe, q, n, gpa, l, w);
	CHECK(head >= 0);
	if (head >= 0)
		t->head_slot[q][head] = (int)slot;
	t->done[slot] = 0;
}

/* Collect completions on q until `want` more arrived or wait_ms passed; returns how many. */
static unsigned blk_collect_wait(struct blk_t *t, unsigned q, unsigned want, int wait_ms)
{
	u64 deadline = test_mono_ns() + (u64)wait_ms * 1000000ull;
	unsigned got = 0;

	for (bool last = false; got < want && !last;) {
		last = test_mono_ns() > deadline;	/* one more look after the deadline */
		u32 id, len;

		while (got < want && vu_fe_get_used(&t->fe, q, &id, &len) == 1) {
			CHECK(id < QSIZE);
			if (id >= QSIZE)
				continue;
			int slot = t->head_slot[q][id];

			CHECK(slot >= 0);
			if (slot < 0)
				continue;
			t->done[slot]++;
			t->used_len[slot] = len;
			got++;
		}
		if (got < want && wait_ms)
			vu_fe_wait_call(&t->fe, q, 10);
	}
	return got;
}

/* Completions the test waits for: however long a loaded machine takes (wait.h's hang bound). */
static unsigned blk_collect(struct blk_t *t, unsigned q, unsigned want)
{
	return blk_collect_wait(t, q, want, TEST_HANG_MS);
}

/* One request, waited for: its status byte. */
static u8 blk_do(struct blk_t *t, unsigned q, unsigned slot, u32 type, u64 sector, u32 len,
		 unsigned nseg)
{
	blk_submit(t, q, slot, type, sector, len, nseg);
	vu_fe_kick(&t->fe, q);
	CHECK_EQ(blk_collect(t, q, 1), 1);
	CHECK_EQ(t->done[slot], 1);
	return *slot_status(t, slot);
}

static void fill(u8 *p, size_t n, u32 seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (u8)(seed * 31 + i * 7 + (i >> 9));
}

static void test_basic(bool poll)
{
	struct virtio_blk_config cfg;
	u8 buf[16384], cfgraw[300];
	struct blk_t t;
	u64 feat, qn = 0;

	blk_init(&t, 2, poll ? "basic-poll" : "basic");
	blk_start(&t, poll ? "--poll" : NULL, NULL);
	blk_attach(&t);
	feat = blk_setup(&t, true);
	CHECK(feat & BIT64(VIRTIO_BLK_F_FLUSH));
	CHECK(feat & BIT64(VIRTIO_BLK_F_DISCARD));
	CHECK(feat & BIT64(VIRTIO_BLK_F_WRITE_ZEROES));
	CHECK(feat & BIT64(VIRTIO_BLK_F_MQ));
	CHECK(feat & BIT64(VIRTIO_F_RING_PACKED));
	CHECK(!(feat & BIT64(VIRTIO_BLK_F_RO)));
	CHECK(t.fe.proto & BIT64(VHOST_USER_PROTOCOL_F_CONFIG));
	CHECK(t.fe.proto & BIT64(VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD));
	CHECK_EQ(vu_fe_get_u64(&t.fe, VHOST_USER_GET_QUEUE_NUM, &qn), 0);
	CHECK_EQ(qn, 2);

	/* GET_CONFIG: what Linux's virtio_blk reads at probe. */
	CHECK_EQ(vu_fe_get_config(&t.fe, 0, &cfg, sizeof(cfg)), 0);
	CHECK_EQ(cfg.capacity, DISK_SIZE / 512);
	CHECK_EQ(cfg.num_queues, 2);
	CHECK_EQ(cfg.blk_size, 512);
	CHECK_EQ(cfg.seg_max, 126);
	CHECK_EQ(cfg.max_discard_seg, 32);
	CHECK_EQ(vu_fe_get_config(&t.fe, 20, cfgraw, 4), 0); /* blk_size alone */
	CHECK_EQ(*(u32 *)cfgraw, 512);
	/* Past struct virtio_blk_config (a newer front-end's fields): zeroes. */
	memset(cfgraw, 0xaa, sizeof(cfgraw));
	CHECK_EQ(vu_fe_get_config(&t.fe, 156, cfgraw, 100), 0);
	for (unsigned i = 0; i < 100; i++)
		CHECK_EQ(cfgraw[i], 0);

	/* A write of 12 KiB in three buffers on queue 0, read back on queue 1 in five. */
	fill(slot_data(&t, 0), 12288, 1);
	CHECK_EQ(blk_do(&t, 0, 0, VIRTIO_BLK_T_OUT, 24, 12288, 3), VIRTIO_BLK_S_OK);
	CHECK_EQ(t.used_len[0], 1);
	CHECK_EQ(pread(t.disk_fd, buf, 12288, 24 * 512), 12288);
	CHECK(!memcmp(buf, slot_data(&t, 0), 12288));
	memset(slot_data(&t, 1), 0, 12288);
	CHECK_EQ(blk_do(&t, 1, 1, VIRTIO_BLK_T_IN, 24, 12288, 5), VIRTIO_BLK_S_OK);
	CHECK_EQ(t.used_len[1], 12288 + 1);
	CHECK(!memcmp(slot_data(&t, 1), slot_data(&t, 0), 12288));

	CHECK_EQ(blk_do(&t, 0, 2, VIRTIO_BLK_T_FLUSH, 0, 0, 0), VIRTIO_BLK_S_OK);
	CHECK_EQ(blk_do(&t, 0, 3, VIRTIO_BLK_T_GET_ID, 0, 20, 1), VIRTIO_BLK_S_OK);
	CHECK(!memcmp(slot_data(&t, 3), "basic", 5));

	/* DISCARD of the first 4 KiB written, WRITE_ZEROES of the next 4 KiB: zeroes on disk. */
	{
		struct virtio_blk_discard_write_zeroes *s = (void *)slot_data(&t, 4);

		s->sector = 24;
		s->num_sectors = 8;
		s->flags = 0;
		CHECK_EQ(blk_do(&t, 0, 4, VIRTIO_BLK_T_DISCARD, 0, sizeof(*s), 1), VIRTIO_BLK_S_OK);
		s->sector = 32;
		CHECK_EQ(blk_do(&t, 1, 4, VIRTIO_BLK_T_WRITE_ZEROES, 0, sizeof(*s), 1),
			 VIRTIO_BLK_S_OK);
		CHECK_EQ(pread(t.disk_fd, buf, 12288, 24 * 512), 12288);
		for (unsigned i = 0; i < 8192; i++)
			CHECK_EQ(buf[i], 0);
		CHECK(!memcmp(buf + 8192, slot_data(&t, 0) + 8192, 4096));
	}

	/* Hostile requests: answered, never fatal. */
	CHECK_EQ(blk_do(&t, 0, 5, 0x4242, 0, 512, 1), VIRTIO_BLK_S_UNSUPP);
	CHECK_EQ(blk_do(&t, 0, 5, VIRTIO_BLK_T_IN, DISK_SIZE / 512 - 1, 1024, 1),
		 VIRTIO_BLK_S_IOERR);
	CHECK_EQ(blk_do(&t, 0, 5, VIRTIO_BLK_T_IN, ~0ull, 512, 1), VIRTIO_BLK_S_IOERR);
	CHECK_EQ(blk_do(&t, 0, 5, VIRTIO_BLK_T_OUT, 0, 100, 1), VIRTIO_BLK_S_IOERR);

	/* A burst: 32 writes of 64 KiB in one kick, then all read back. */
	for (unsigned s = 0; s < NSLOTS; s++) {
		fill(slot_data(&t, s), 65536, 100 + s);
		blk_submit(&t, s & 1, s, VIRTIO_BLK_T_OUT, 2048 + s * 128, 65536, 2);
	}
	vu_fe_kick(&t.fe, 0);
	vu_fe_kick(&t.fe, 1);
	CHECK_EQ(blk_collect(&t, 0, NSLOTS / 2) + blk_collect(&t, 1, NSLOTS / 2), NSLOTS);
	for (unsigned s = 0; s < NSLOTS; s++) {
		CHECK_EQ(t.done[s], 1);
		CHECK_EQ(*slot_status(&t, s), VIRTIO_BLK_S_OK);
		CHECK_EQ(pread(t.disk_fd, buf, 16384, (2048 + s * 128) * 512ll), 16384);
		CHECK(!memcmp(buf, slot_data(&t, s), 16384));
	}
	blk_fini(&t);
}

/*
 * A driver that kicks only when the device asks (EVENT_IDX: avail_event,
 * virtio 1.2 §2.7.10), with a full barrier between publishing and looking.
 */
static bool kick_if_asked(struct blk_t *t, unsigned q, u16 old)
{
	struct vu_fe_ring *r = &t->fe.ring[q];
	u16 ev;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ev = __atomic_load_n((u16 *)&r->used->ring[r->num], __ATOMIC_RELAXED);
	if ((u16)(r->avail_idx - ev - 1) >= (u16)(r->avail_idx - old))
		return false;
	vu_fe_kick(&t->fe, q);
	return true;
}

/*
 * --poll: the poll thread sleeps when the ring has been idle a while, with
 * the driver's kicks on, and wakes for the next request — whether the
 * driver kicks (it was asked to) or made the request available just as the
 * thread turned kicks on (the thread's last look finds it). Requests a few
 * milliseconds apart from a driver that kicks only when asked all complete,
 * and the thread says at exit that it slept.
 */
static void test_poll_sleep(void)
{
	unsigned kicks = 0, slept = 0;
	char line[256];
	struct blk_t t;
	FILE *f;

	blk_init(&t, 1, "poll-sleep");
	blk_start(&t, "--poll", "--verbose");
	blk_attach(&t);
	blk_setup(&t, true);
	for (unsigned i = 0; i < 40; i++) {
		u16 old = t.fe.ring[0].avail_idx;

		blk_submit(&t, 0, i % NSLOTS, VIRTIO_BLK_T_IN, i * 8, 4096, 1);
		kicks += kick_if_asked(&t, 0, old);
		CHECK_EQ(blk_collect(&t, 0, 1), 1);
		CHECK_EQ(*slot_status(&t, i % NSLOTS), VIRTIO_BLK_S_OK);
		/* Half the time long enough for the thread to go to sleep. */
		if (i & 1)
			progs_sleep_ms(3);
	}
	CHECK(kicks > 0);
	/* Stopped here (the thread reports at queue stop), read, then blk_fini checks the log. */
	{
		int st = progs_kill(t.pid, SIGTERM);

		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		t.pid = 0;
	}
	f = fopen(t.log, "r");
	CHECK(f != NULL);
	while (f && fgets(line, sizeof(line), f)) {
		const char *s = strstr(line, "the poll thread slept ");

		if (s)
			slept = (unsigned)strtoul(s + strlen("the poll thread slept "), NULL, 10);
	}
	if (f)
		fclose(f);
	CHECK(slept > 0);
	blk_fini(&t);
}

static void test_readonly(void)
{
	u8 buf[4096];
	struct blk_t t;
	u64 feat;

	blk_init(&t, 1, "ro");
	CHECK_EQ(pwrite(t.disk_fd, "original", 8, 0), 8);
	blk_start(&t, "--readonly", NULL);
	blk_attach(&t);
	feat = blk_setup(&t, true);
	CHECK(feat & BIT64(VIRTIO_BLK_F_RO));
	CHECK(!(feat & BIT64(VIRTIO_BLK_F_DISCARD)));
	memset(slot_data(&t, 0), 'x', 4096);
	CHECK_EQ(blk_do(&t, 0, 0, VIRTIO_BLK_T_OUT, 0, 4096, 1), VIRTIO_BLK_S_IOERR);
	CHECK_EQ(pread(t.disk_fd, buf, 8, 0), 8);
	CHECK(!memcmp(buf, "original", 8));
	CHECK_EQ(blk_do(&t, 0, 1, VIRTIO_BLK_T_IN, 0, 4096, 1), VIRTIO_BLK_S_OK);
	CHECK(!memcmp(slot_data(&t, 1), "original", 8));
	blk_fini(&t);
}

/* The front-end closes its socket; the back-end listens again and serves the next one. */
static void test_reconnect(void)
{
	struct blk_t t;

	blk_init(&t, 1, "reconnect");
	blk_start(&t, NULL, NULL);
	for (unsigned round = 0; round < 3; round++) {
		blk_attach(&t);
		blk_setup(&t, true);
		fill(slot_data(&t, 0), 4096, round);
		CHECK_EQ(blk_do(&t, 0, 0, VIRTIO_BLK_T_OUT, round * 8, 4096, 1), VIRTIO_BLK_S_OK);
		memset(slot_data(&t, 1), 0, 4096);
		CHECK_EQ(blk_do(&t, 0, 1, VIRTIO_BLK_T_IN, round * 8, 4096, 1), VIRTIO_BLK_S_OK);
		CHECK(!memcmp(slot_data(&t, 1), slot_data(&t, 0), 4096));
		vu_fe_destroy(&t.fe);
	}
	/* A front-end that breaks the protocol is dropped; the next one is served. */
	blk_attach(&t);
	CHECK_EQ(vu_fe_send(&t.fe, 9999, VHOST_USER_VERSION, NULL, 0, NULL, 0), 0);
	{
		struct vu_msg m;

		CHECK_EQ(vu_fe_recv(&t.fe, &m), -ECONNRESET);
	}
	vu_fe_destroy(&t.fe);
	blk_attach(&t);
	blk_setup(&t, true);
	CHECK_EQ(blk_do(&t, 0, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0), VIRTIO_BLK_S_OK);
	blk_fini(&t);
}

/*
 * --client: the back-end connects to a front-end that listens (QEMU's
 * server=on), and connects again when that front-end goes away — also to a
 * front-end that only comes up later.
 */
static void test_client(void)
{
	struct blk_t t;
	int lfd;

	blk_init(&t, 1, "client");
	lfd = vu_listen(t.sock);
	CHECK(lfd >= 0);
	blk_start(&t, "--client", NULL);
	for (unsigned round = 0; round < 2; round++) {
		int sock = vu_accept(lfd);

		CHECK(sock >= 0);
		vu_fe_init(&t.fe, sock);
		CHECK_EQ(vu_fe_add_memory(&t.fe, 0, MEM_SIZE), 0);
		blk_setup(&t, true);
		fill(slot_data(&t, 0), 4096, round);
		CHECK_EQ(blk_do(&t, 0, 0, VIRTIO_BLK_T_OUT, 8, 4096, 1), VIRTIO_BLK_S_OK);
		vu_fe_destroy(&t.fe);
		if (round == 0) {
			/* The front-end is gone for a while, socket and all. */
			close(lfd);
			unlink(t.sock);
			progs_sleep_ms(300);
			lfd = vu_listen(t.sock);
			CHECK(lfd >= 0);
		}
	}
	close(lfd);
	/* blk_fini closes the front-end again: give it a harmless one. */
	vu_fe_init(&t.fe, -1);
	blk_fini(&t);
}

/* Count the heads the inflight region of queue 0 marks in flight (vhost-user layout). */
static unsigned inflight_count(const u8 *area)
{
	unsigned n = 0;

	/* 16-byte header (features, version, desc_num, last_batch_head, used_idx), then descs. */
	for (unsigned i = 0; i < QSIZE; i++)
		n += area[16 + i * 16] == 1;
	return n;
}

/*
 * SIGKILL while 32 writes of 256 KiB are being processed, restart, reconnect
 * with the same inflight area and rings: every write completes exactly once.
 * The kill comes at a point of progress, not of time: once the back-end has
 * taken (in flight or done) 1, 5, 9 ... of the batch's requests, as its
 * inflight area and the used ring show. Rounds go on (up to 64) until one
 * kill found requests in flight, so the resubmission path is always run.
 */
static void test_kill_restart(void)
{
	unsigned resubmitted = 0, rounds = 8;
	struct vring_used *used;
	u8 *buf = malloc(SLOT_DATA);
	struct blk_t t;
	int infl_fd = -1;
	u64 infl_size = 0;
	u8 *area;

	blk_init(&t, 1, "kill");
	blk_start(&t, NULL, NULL);
	blk_attach(&t);
	blk_setup(&t, false);
	CHECK_EQ(vu_fe_get_inflight(&t.fe, 1, QSIZE, &infl_fd, &infl_size), 0);
	if (infl_fd < 0)
		return;
	area = mmap(NULL, infl_size, PROT_READ, MAP_SHARED, infl_fd, 0);
	CHECK(area != MAP_FAILED);
	CHECK_EQ(vu_fe_set_inflight(&t.fe, 1, QSIZE, infl_fd, infl_size), 0);
	CHECK_EQ(vu_fe_setup_ring(&t.fe, 0, QSIZE, RING_GPA(0)), 0);
	used = t.fe.ring[0].used;

	for (unsigned round = 0; round < rounds || (!resubmitted && round < 64); round++) {
		unsigned got, before, in_flight, target = 1 + (round % 8) * 4;
		u16 start = __atomic_load_n(&used->idx, __ATOMIC_ACQUIRE);
		u32 base;
		int st;

		for (unsigned s = 0; s < NSLOTS; s++) {
			fill(slot_data(&t, s), SLOT_DATA, round * 1000 + s);
			blk_submit(&t, 0, s, VIRTIO_BLK_T_OUT, s * (SLOT_DATA / 512), SLOT_DATA, 1);
		}
		vu_fe_kick(&t.fe, 0);
		/* Somewhere in the middle of the batch: `target` requests taken. */
		WAIT_UNTIL(inflight_count(area) +
				   (u16)(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) - start) >=
			   target);
		st = progs_kill(t.pid, SIGKILL);
		CHECK(WIFSIGNALED(st));
		/* What completed before the kill (all of it is still a valid round). */
		before = blk_collect_wait(&t, 0, NSLOTS, 0);
		in_flight = inflight_count(area);
		resubmitted += in_flight;
		CHECK(before + in_flight <= NSLOTS);

		/* A new back-end on the same image; the front-end keeps memory, rings, area. */
		blk_start(&t, NULL, NULL);
		close(t.fe.sock);
		t.fe.sock = blk_connect(&t);
		blk_setup(&t, false);
		CHECK_EQ(vu_fe_set_inflight(&t.fe, 1, QSIZE, infl_fd, infl_size), 0);
		/* As QEMU after a crash: the next avail index is the used index. */
		base = __atomic_load_n(&used->idx, __ATOMIC_ACQUIRE);
		CHECK_EQ(vu_fe_send_ring(&t.fe, 0, base), 0);
		vu_fe_kick(&t.fe, 0);
		got = blk_collect(&t, 0, NSLOTS - before);
		CHECK_EQ(before + got, NSLOTS);
		for (unsigned s = 0; s < NSLOTS; s++) {
			CHECK_EQ(t.done[s], 1);
			CHECK_EQ(*slot_status(&t, s), VIRTIO_BLK_S_OK);
			CHECK_EQ(pread(t.disk_fd, buf, SLOT_DATA, (off_t)s * SLOT_DATA), SLOT_DATA);
			CHECK(!memcmp(buf, slot_data(&t, s), SLOT_DATA));
		}
		CHECK_EQ(inflight_count(area), 0);
		/* Nothing more comes: no request is done twice. */
		{
			u32 id, len;

			progs_sleep_ms(20);
			CHECK_EQ(vu_fe_get_used(&t.fe, 0, &id, &len), 0);
		}
	}
	fprintf(stderr, "kill/restart: %u requests were in flight at a kill and resubmitted\n",
		resubmitted);
	/* At least one kill must have hit requests in flight, or the test proved nothing. */
	CHECK(resubmitted > 0);
	munmap(area, infl_size);
	close(infl_fd);
	free(buf);
	blk_fini(&t);
}

static void test_cli(void)
{
	char err[1024], sock[128];
	const char *argv[8];
	int rc;

	snprintf(sock, sizeof(sock), "%s/cli.sock", progs_tmpdir());
	argv[0] = blk_bin;
	argv[1] = "--socket";
	argv[2] = sock;
	argv[3] = "--disk";
	argv[4] = "/nonexistent/disk.img";
	argv[5] = NULL;
	rc = progs_run_capture(argv, err, sizeof(err));
	CHECK_EQ(rc, 1);
	CHECK(strstr(err, "/nonexistent/disk.img") && strstr(err, "No such file"));
	CHECK_EQ(progs_lines(err), 1);

	argv[3] = "--queues";
	argv[4] = "0";
	rc = progs_run_capture(argv, err, sizeof(err));
	CHECK_EQ(rc, 2);
	CHECK(strstr(err, "--queues"));
	CHECK_EQ(progs_lines(err), 1);

	argv[3] = "--bogus";
	argv[4] = NULL;
	rc = progs_run_capture(argv, err, sizeof(err));
	CHECK_EQ(rc, 2);

	argv[1] = "--disk";
	argv[2] = "x.img";
	argv[3] = NULL;
	rc = progs_run_capture(argv, err, sizeof(err));
	CHECK_EQ(rc, 2);
	CHECK(strstr(err, "--socket"));
	CHECK_EQ(progs_lines(err), 1);
}

#define RUN(t) (fprintf(stderr, "== %s\n", #t), t)

int main(void)
{
	blk_bin = progs_bin("IOVIRT_VHOST_BLK");
	RUN(test_cli());
	RUN(test_basic(false));
	RUN(test_basic(true));
	RUN(test_poll_sleep());
	RUN(test_readonly());
	RUN(test_reconnect());
	RUN(test_client());
	RUN(test_kill_restart());
	return check_done();
}
