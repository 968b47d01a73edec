// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtqueue throughput: a driver thread (the mock driver of tests/lib, which
 * behaves like Linux's virtio_ring.c) and a device thread (src/virtio) on two
 * cores, sharing a memfd-backed guest memory, both polling. Chains of 1 and
 * 4 descriptors, split and packed rings: million chains per second.
 *
 * The reference, measured in the same run between the same two threads, is a
 * pair of plain single-producer single-consumer rings of the same depth:
 * requests carrying the same descriptors (16 bytes each) one way, {id, len}
 * completions the other, with the same batching (one index store per chain
 * from the driver, one per batch of up to 32 from the device) and cached
 * peer indices. It is the cost of moving the same bytes between two cores
 * with no validation, translation or virtio layout: what the hardware allows.
 * The ratio virtq / reference says how close the virtqueue gets to it.
 *
 * Usage: bench-virtq [chains per run (default 2000000)] [single]
 * ("single": only the one-core table, e.g. for profiling)
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mock_vq.h"
#include "iovirt/dma.h"
#include "iovirt/gmem.h"
#include "iovirt/log.h"
#include "iovirt/virtq.h"

#define QSIZE	 256
#define BATCH	 32
#define RUNS	 3
#define RING_GPA 0x10000ull
#define DATA_GPA 0x400000ull
#define MEM_SIZE (16ull << 20)

static inline void cpu_relax(void)
{
	__builtin_ia32_pause();
}

/* CPU time of this thread: time spent descheduled (a loaded machine) does not count. */
static u64 thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* Best effort: on a machine with one CPU the numbers mean little anyway. */
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* ---- the virtqueue: mock driver <-> src/virtio device ---- */

struct vq_bench {
	struct gmem g;
	struct dma_as dma;
	struct mock_vq m;
	struct virtq vq;
	unsigned ndescs;
	u64 total;
	u64 notifies;
	int failed;
};

static void *vq_device(void *arg)
{
	struct vq_bench *b = arg;
	struct virtq *vq = &b->vq;
	struct iovec iov[8];
	struct virtq_elem e;
	unsigned batch = 0;
	u64 done = 0;

	pin(1);
	virtq_elem_init(&e, iov, ARRAY_SIZE(iov));
	virtq_disable_notify(vq);
	while (done < b->total) {
		int r = virtq_pop(vq, &e);

		if (r == 1) {
			virtq_push(vq, &e, (u32)e.in_len);
			done++;
			if (++batch < BATCH)
				continue;
		} else if (r < 0) {
			b->failed = 1;
			return NULL;
		} else if (!batch) {
			cpu_relax();
			continue;
		}
		virtq_flush(vq);
		b->notifies += virtq_should_notify(vq);
		batch = 0;
	}
	virtq_flush(vq);
	return NULL;
}

static void vq_driver(struct vq_bench *b)
{
	struct mock_buf buf[4];
	u64 added = 0, done = 0;
	u32 len;

	for (unsigned i = 0; i < b->ndescs; i++)
		buf[i] = (struct mock_buf){DATA_GPA + 0x1000 * i, 1500, i + 1 == b->ndescs};
	while (done < b->total) {
		bool any = false;

		while (added < b->total && mock_vq_add(&b->m, buf, b->ndescs, false) >= 0) {
			added++;
			any = true;
		}
		if (any)
			(void)mock_vq_kick_prepare(&b->m); /* decided, not sent: both sides poll */
		while (mock_vq_get_used(&b->m, &len) >= 0)
			done++;
		if (!any)
			cpu_relax();
	}
}

static double vq_run(bool packed, unsigned ndescs, u64 total)
{
	struct vq_bench *b = calloc(1, sizeof(*b));
	struct virtq_config cfg;
	pthread_t dev;
	double mps = 0;
	u64 t0, t1;

	gmem_init(&b->g);
	if (gmem_add_memfd(&b->g, 0, MEM_SIZE, false) ||
	    mock_vq_init(&b->m, &b->g, RING_GPA, QSIZE,
			 MOCK_VQ_EVENT_IDX | (packed ? MOCK_VQ_PACKED : 0))) {
		fprintf(stderr, "bench-virtq: cannot set up guest memory\n");
		exit(1);
	}
	dma_as_init(&b->dma, &b->g, 0, "bench");
	mock_vq_config(&b->m, &cfg);
	if (virtq_init(&b->vq, &cfg, &b->dma, "bench-vq"))
		exit(1);
	b->ndescs = ndescs;
	b->total = total;
	t0 = clock_ns();
	if (pthread_create(&dev, NULL, vq_device, b))
		exit(1);
	vq_driver(b);
	pthread_join(dev, NULL);
	t1 = clock_ns();
	if (b->failed || b->vq.error) {
		fprintf(stderr, "bench-virtq: queue broke: %s\n", virtq_error_str(b->vq.error));
		exit(1);
	}
	mps = (double)total / ((double)(t1 - t0) / 1e9) / 1e6;
	mock_vq_destroy(&b->m);
	gmem_destroy(&b->g);
	free(b);
	return mps;
}

/*
 * One core: the driver adds a batch, the device takes and returns it, the
 * driver reaps it, in turn. No cross-core traffic: this is the CPU cost of
 * each side's code per chain, and is little disturbed by other load.
 */
static double vq_single(bool packed, unsigned ndescs, u64 total, double *dev_ns)
{
	struct vq_bench *b = calloc(1, sizeof(*b));
	struct virtq_config cfg;
	struct mock_buf buf[4];
	struct iovec iov[8];
	struct virtq_elem e;
	u64 done = 0, dev = 0, dev_chains = 0, t0, t1;
	u32 len;

	gmem_init(&b->g);
	if (gmem_add_memfd(&b->g, 0, MEM_SIZE, false) ||
	    mock_vq_init(&b->m, &b->g, RING_GPA, QSIZE,
			 MOCK_VQ_EVENT_IDX | (packed ? MOCK_VQ_PACKED : 0)))
		exit(1);
	dma_as_init(&b->dma, &b->g, 0, "bench");
	mock_vq_config(&b->m, &cfg);
	if (virtq_init(&b->vq, &cfg, &b->dma, "bench-vq"))
		exit(1);
	for (unsigned i = 0; i < ndescs; i++)
		buf[i] = (struct mock_buf){DATA_GPA + 0x1000 * i, 1500, i + 1 == ndescs};
	virtq_elem_init(&e, iov, ARRAY_SIZE(iov));
	virtq_disable_notify(&b->vq);
	t0 = thread_cpu_ns();
	while (done < total) {
		unsigned n = 0;
		u64 d0, d1;

		for (int i = 0; i < BATCH; i++)
			(void)mock_vq_add(&b->m, buf, ndescs, false);
		(void)mock_vq_kick_prepare(&b->m);
		d0 = clock_ns();
		while (virtq_pop(&b->vq, &e) == 1) {
			virtq_push(&b->vq, &e, (u32)e.in_len);
			n++;
		}
		virtq_flush(&b->vq);
		b->notifies += virtq_should_notify(&b->vq);
		d1 = clock_ns();
		/* A batch takes a few µs; one that took 50 was preempted: leave it out. */
		if (d1 - d0 < 50000) {
			dev += d1 - d0;
			dev_chains += n;
		}
		while (mock_vq_get_used(&b->m, &len) >= 0)
			done++;
	}
	t1 = thread_cpu_ns();
	if (b->vq.error)
		exit(1);
	mock_vq_destroy(&b->m);
	gmem_destroy(&b->g);
	free(b);
	*dev_ns = dev_chains ? (double)dev / (double)dev_chains : 0;
	return (double)(t1 - t0) / (double)done;
}

/* ---- the reference: two plain SPSC rings ---- */

struct ref_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 id;
};

struct ref_req {
	struct ref_desc d[4];
	u32 n;
};

struct ref_comp {
	u32 id;
	u32 len;
};

struct ref_bench {
	/*
	 * Each index alone on its cache line. As in a virtqueue, the driver
	 * learns that request slots are free from the completions, so neither
	 * side publishes a consumer index.
	 */
	_Alignas(64) u32 req_head;  /* written by the driver */
	_Alignas(64) u32 comp_head; /* written by the device */
	_Alignas(64) struct ref_req req[QSIZE];
	struct ref_comp comp[QSIZE];
	unsigned ndescs;
	u64 total;
	u64 sink;
};

static void *ref_device(void *arg)
{
	struct ref_bench *r = arg;
	u32 head = 0, tail = 0, chead = 0, batch = 0;
	u64 done = 0, sink = 0;

	pin(1);
	while (done < r->total) {
		const struct ref_req *q;
		u32 len = 0;

		if (tail == head) {
			head = __atomic_load_n(&r->req_head, __ATOMIC_ACQUIRE);
			if (tail == head) {
				if (batch) {
					__atomic_store_n(&r->comp_head, chead, __ATOMIC_RELEASE);
					batch = 0;
				} else {
					cpu_relax();
				}
				continue;
			}
		}
		q = &r->req[tail % QSIZE];
		for (u32 i = 0; i < q->n; i++) {
			sink += q->d[i].addr;
			len += q->d[i].len;
		}
		r->comp[chead % QSIZE] = (struct ref_comp){q->d[0].id, len};
		chead++;
		tail++;
		done++;
		if (++batch == BATCH) {
			__atomic_store_n(&r->comp_head, chead, __ATOMIC_RELEASE);
			batch = 0;
		}
	}
	__atomic_store_n(&r->comp_head, chead, __ATOMIC_RELEASE);
	r->sink = sink;
	return NULL;
}

static void ref_driver(struct ref_bench *r)
{
	u32 head = 0, ctail = 0, chead = 0;
	u64 added = 0, done = 0, sink = 0;

	while (done < r->total) {
		bool any = false;

		/* At most QSIZE outstanding: a slot is free once its completion came. */
		while (added < r->total && added - done < QSIZE) {
			struct ref_req *q = &r->req[head % QSIZE];

			for (u32 i = 0; i < r->ndescs; i++)
				q->d[i] = (struct ref_desc){DATA_GPA + 0x1000 * i, 1500, 0,
							    (u16)(head % QSIZE)};
			q->n = r->ndescs;
			__atomic_store_n(&r->req_head, ++head, __ATOMIC_RELEASE);
			added++;
			any = true;
		}
		chead = __atomic_load_n(&r->comp_head, __ATOMIC_ACQUIRE);
		while (ctail != chead) {
			sink += r->comp[ctail % QSIZE].len;
			ctail++;
			done++;
		}
		if (!any)
			cpu_relax();
	}
	r->sink += sink;
}

static double ref_run(unsigned ndescs, u64 total)
{
	struct ref_bench *r = aligned_alloc(64, ALIGN_UP(sizeof(*r), 64));
	pthread_t dev;
	double mps;
	u64 t0, t1;

	memset(r, 0, sizeof(*r));
	r->ndescs = ndescs;
	r->total = total;
	t0 = clock_ns();
	if (pthread_create(&dev, NULL, ref_device, r))
		exit(1);
	ref_driver(r);
	pthread_join(dev, NULL);
	t1 = clock_ns();
	mps = (double)total / ((double)(t1 - t0) / 1e9) / 1e6;
	free(r);
	return mps;
}

/* The reference on one core, in the same batches. */
static double ref_single(unsigned ndescs, u64 total)
{
	struct ref_bench *r = aligned_alloc(64, ALIGN_UP(sizeof(*r), 64));
	u32 head = 0, dtail = 0, chead = 0, ctail = 0;
	u64 done = 0, sink = 0, t0, t1;

	memset(r, 0, sizeof(*r));
	t0 = thread_cpu_ns();
	while (done < total) {
		u32 h;

		for (int i = 0; i < BATCH; i++) {
			struct ref_req *q = &r->req[head % QSIZE];

			for (u32 k = 0; k < ndescs; k++)
				q->d[k] = (struct ref_desc){DATA_GPA + 0x1000 * k, 1500, 0,
							    (u16)(head % QSIZE)};
			q->n = ndescs;
			__atomic_store_n(&r->req_head, ++head, __ATOMIC_RELEASE);
		}
		h = __atomic_load_n(&r->req_head, __ATOMIC_ACQUIRE);
		while (dtail != h) {
			const struct ref_req *q = &r->req[dtail % QSIZE];
			u32 len = 0;

			for (u32 k = 0; k < q->n; k++) {
				sink += q->d[k].addr;
				len += q->d[k].len;
			}
			r->comp[chead % QSIZE] = (struct ref_comp){q->d[0].id, len};
			chead++;
			dtail++;
		}
		__atomic_store_n(&r->comp_head, chead, __ATOMIC_RELEASE);
		h = __atomic_load_n(&r->comp_head, __ATOMIC_ACQUIRE);
		while (ctail != h) {
			sink += r->comp[ctail % QSIZE].len;
			ctail++;
			done++;
		}
	}
	t1 = thread_cpu_ns();
	r->sink = sink;
	__asm__ volatile("" : : "r"(r->sink) : "memory");
	free(r);
	return (double)(t1 - t0) / (double)done;
}

int main(int argc, char **argv)
{
	u64 total = argc > 1 ? strtoull(argv[1], NULL, 0) : 2000000;
	bool single = argc > 2 && !strcmp(argv[2], "single");
	static const struct {
		const char *name;
		bool packed;
		unsigned ndescs;
	} cfgs[] = {
		{"split  1-desc", false, 1},
		{"split  4-desc", false, 4},
		{"packed 1-desc", true, 1},
		{"packed 4-desc", true, 4},
	};

	if (!total)
		total = 2000000;
	pin(0);
	printf("virtq: driver thread on CPU 0, device thread on CPU 1, both polling; queue %u,\n"
	       "EVENT_IDX, device flushes every %u chains; %llu chains per run, best of %d.\n"
	       "reference: two plain SPSC rings (same descriptors one way, {id,len} back, same\n"
	       "batching) between the same threads: the bare cost of the cross-core traffic.\n\n",
	       QSIZE, BATCH, (unsigned long long)total, RUNS);
	printf("%-14s %12s %14s %7s\n", "ring", "Mchains/s", "reference M/s", "ratio");
	for (unsigned i = 0; i < ARRAY_SIZE(cfgs) && !single; i++) {
		double best = 0, ref = 0;

		for (int k = 0; k < RUNS; k++) {
			best = MAX(best, vq_run(cfgs[i].packed, cfgs[i].ndescs, total));
			ref = MAX(ref, ref_run(cfgs[i].ndescs, total));
		}
		printf("%-14s %12.2f %14.2f %7.2f\n", cfgs[i].name, best, ref, best / ref);
		fflush(stdout);
	}
	printf("\nOne core, driver and device in turn, batches of %u: CPU time per chain of\n"
	       "both sides, of the device side alone (pop, push, flush, should_notify), and\n"
	       "of the same SPSC pair on one core (the reference of the ratio):\n\n",
	       BATCH);
	printf("%-14s %12s %12s %14s %7s\n", "ring", "ns/chain", "device part", "reference ns",
	       "ratio");
	for (unsigned i = 0; i < ARRAY_SIZE(cfgs); i++) {
		double best = 1e18, ref = 1e18, dev = 1e18;

		for (int k = 0; k < RUNS; k++) {
			double d, t = vq_single(cfgs[i].packed, cfgs[i].ndescs, total, &d);

			if (t < best) {
				best = t;
				dev = d;
			}
			ref = MIN(ref, ref_single(cfgs[i].ndescs, total));
		}
		printf("%-14s %12.1f %12.1f %14.1f %7.2f\n", cfgs[i].name, best, dev, ref,
		       best / ref);
		fflush(stdout);
	}
	return 0;
}
