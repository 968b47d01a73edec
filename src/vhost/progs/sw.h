/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iovirt-vswitch: a learning L2 switch between vhost-user virtio-net ports
 * and an optional tap uplink. Shared declarations of its files:
 *   sw_main.c  command line, ports, threads, counters on SIGUSR1 and exit
 *   sw_mac.c   the MAC table: lock-free lookups, learning, ageing
 *   sw_port.c  a vhost-user port: features, config, queue start/stop, the
 *              control queue, and delivery into its receive rings
 *   sw_fwd.c   the forwarding workers: pop a batch from a source, learn,
 *              look up, deliver per destination, give the batch back
 *   sw_tap.c   the tap uplink (vnet headers), as a source and a destination
 *   sw_gen.c   a frame generator port (benchmarks), as a source and a sink
 *
 * Packets are never staged in a buffer of ours between two vhost-user ports:
 * the destination's receive buffers are filled straight from the source's
 * transmit buffers (both are guest memory we map).
 *
 * Lock order. A worker holds, in this order: its source port's rwlock
 * (read), the source transmit queue's lock (taken by vu_queue_process), a
 * destination port's rwlock (read), that port's receive queue lock — one
 * destination at a time, never two receive queues at once, never its own
 * port as destination. The control thread takes a port's rwlock (write) only
 * in detach, holding nothing else; the library takes queue locks (one
 * connection at a time, lock_all in index order) without any port lock. Two
 * workers may take two ports' read locks in opposite orders: read locks do
 * not exclude each other, and the only writer holds nothing while it waits,
 * so no cycle can wait forever (ThreadSanitizer reports the opposite orders
 * as a potential deadlock; it does not model reader/writer locks).
 */
#ifndef IOVIRT_VHOST_PROGS_SW_H
#define IOVIRT_VHOST_PROGS_SW_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/uio.h>

#include <linux/virtio_net.h>

#include "iovirt/tap.h"
#include "iovirt/vhost_user.h"
#include "prog.h"

#define SW_MAX_PORTS 32
#define SW_MAX_PAIRS 16		/* queue pairs per vhost-user port */
#define SW_MAX_THREADS 16
#define SW_BATCH 32		/* packets taken from a source at a time */
#define SW_TX_IOV 64		/* iovecs of one transmitted chain */
#define SW_RX_IOV 64		/* iovecs of one receive chain */
#define SW_RX_CHAINS 64		/* receive chains one packet may take (mergeable) */
#define SW_FRAME_MAX 65550	/* largest frame taken from the tap (64 KiB + L2 header) */
#define SW_QUEUE_SIZE 1024	/* largest ring a front-end may set up */

/* ---- MAC table ---- */

#define SW_MAC_WAYS 4
#define SW_MAC_BUCKETS 1024	/* 4096 addresses */

/*
 * One learned address: key is mac << 16 | (port + 1), 0 when free; seen is
 * the time (ns) it was last a source. Both are single atomic words, so a
 * reader never sees a torn entry; writers are serialised by the table lock.
 */
struct sw_mac_ent {
	_Atomic u64 key;
	_Atomic u64 seen;
};

struct sw_mac_table {
	struct sw_mac_ent ent[SW_MAC_BUCKETS][SW_MAC_WAYS];
	pthread_mutex_t lock;	/* serialises writers (new address, moved address, flush) */
	u64 age_ns;		/* an entry unseen this long is forgotten */
	_Atomic u64 learned, moved, evicted;
};

#define SW_PORT_NONE (-1)	/* unknown destination: flood */
#define SW_PORT_DROP (-2)	/* not forwarded */
#define SW_CTRL_READY BIT64(63)	/* sw_port.tx_ready: the control queue */

void sw_mac_init(struct sw_mac_table *t, u64 age_ns);
void sw_mac_destroy(struct sw_mac_table *t);
/* The port a unicast address was last seen on (and not aged out), or SW_PORT_NONE. */
int sw_mac_lookup(struct sw_mac_table *t, const u8 mac[6], u64 now);
/* The source address of a frame from `port`: learn it, move it, or refresh its time. */
void sw_mac_learn(struct sw_mac_table *t, const u8 mac[6], int port, u64 now);
/* Forget every address learned on a port (it went away). */
void sw_mac_flush_port(struct sw_mac_table *t, int port);
/* Entries alive at `now`. */
unsigned sw_mac_count(struct sw_mac_table *t, u64 now);

/* ---- Ports ---- */

struct vswitch;

enum sw_port_kind { SW_PORT_VHOST, SW_PORT_TAP, SW_PORT_GEN };

#define SW_GEN_MIN 60		/* smallest generated frame (Ethernet's minimum, no FCS) */

/* Counters, from the switch's side of the port: rx = frames it got from the port. */
struct sw_port_stats {
	_Atomic u64 rx_packets, rx_bytes, rx_dropped;	/* dropped: malformed / runt */
	_Atomic u64 tx_packets, tx_bytes, tx_dropped;	/* dropped: no room at the port */
};

struct sw_port {
	struct vswitch *sw;
	int id;
	enum sw_port_kind kind;
	char name[48];
	struct sw_port_stats st;
	/* vhost-user */
	struct prog_endpoint ep;
	/*
	 * Guards `dev` against the control thread: workers hold it (read) for
	 * as long as they use the connection; detach takes it (write) to make
	 * the connection unreachable before it is freed. Writer-preferring, so
	 * busy-polling readers cannot starve a disconnect.
	 */
	pthread_rwlock_t lock;
	struct vu_dev *dev;
	unsigned max_pairs;	/* queue pairs offered (max_virtqueue_pairs) */
	/*
	 * Written by the control thread before a queue is started, read by
	 * workers under that queue's lock (so ordered by it).
	 */
	unsigned hdr_len;	/* 12 with VERSION_1 or MRG_RXBUF, else 10 */
	bool mrg;		/* VIRTIO_NET_F_MRG_RXBUF */
	unsigned ctrl_idx;	/* index of the control queue */
	/* Receive queue pairs a worker may deliver into: bit k = rx queue 2k started. */
	_Atomic u64 rx_ready;
	/*
	 * Transmit queues started (bit k: queue 2k+1; bit 63: the control
	 * queue): a hint that lets a polling worker skip idle queues without
	 * taking any lock. The queue lock still decides.
	 */
	_Atomic u64 tx_ready;
	/* Pairs the driver asked for with VIRTIO_NET_CTRL_MQ (all of them until then). */
	_Atomic unsigned rx_pairs;
	/* The worker slots of its transmit queues and control queue (set at start-up). */
	struct sw_source *tx_src[SW_MAX_PAIRS];
	struct sw_source *ctrl_src;
	/* tap */
	struct tap tap;
	/* generator */
	u8 *gen_frame;
	struct iovec gen_iov;
};

/* A frame to deliver: its bytes after the sender's virtio-net header. */
struct sw_pkt {
	const struct iovec *iov;
	unsigned niov;
	u32 len;
	int dst;		/* destination port, SW_PORT_NONE (flood) or SW_PORT_DROP */
};

/* ---- Workers ---- */

/* One thing a worker polls: a transmit queue (or control queue) of a port, or the tap. */
struct sw_source {
	struct sw_port *port;
	unsigned qidx;		/* vhost-user queue index (tx 2k+1, or the control queue) */
	unsigned pair;		/* the queue pair, for choosing the destination rx queue */
	struct sw_worker *w;
};

struct sw_worker {
	struct vswitch *sw;
	unsigned id;
	pthread_t thread;
	bool started;
	int epfd;		/* event mode: kick fds and the tap */
	int stop_fd;		/* eventfd */
	struct sw_source src[SW_MAX_PORTS * (SW_MAX_PAIRS + 1)];
	unsigned nsrc;
	/*
	 * Scratch for one batch, owned by this thread. Each element's iov
	 * points at its row of the iovec array from start-up on, so the batch
	 * pops fill them with no per-frame set-up.
	 */
	struct virtq_elem tx[SW_BATCH];
	struct iovec tx_iov[SW_BATCH][SW_TX_IOV];
	struct sw_pkt pkt[SW_BATCH];
	struct virtq_elem rx[SW_RX_CHAINS];	/* receive chains of one delivery */
	struct iovec rx_iov[SW_RX_CHAINS][SW_RX_IOV];
	u32 rx_written[SW_RX_CHAINS];
	u8 *frames;		/* tap: SW_BATCH frames of SW_FRAME_MAX + header */
	struct iovec frame_iov[SW_BATCH];
	u64 now;		/* coarse time of the batch */
};

struct vswitch {
	struct sw_port port[SW_MAX_PORTS];
	unsigned nports;
	struct sw_mac_table mac;
	struct sw_worker *workers;
	unsigned nworkers;
	bool poll;
	_Atomic bool stop;
	struct vu_dev_ops ops;
};

/* sw_port.c */
int sw_port_init_vhost(struct vswitch *sw, struct sw_port *p, const char *path, bool client,
		       unsigned pairs) __must_check;
void sw_port_fini(struct sw_port *p);
extern const struct vu_dev_ops sw_port_ops_template;
/*
 * Deliver n frames (pkt[i].dst == p->id or a flood) into port p, from queue
 * pair `pair` of the source: one lock, one publish and one notify for all.
 */
void sw_port_deliver(struct sw_worker *w, struct sw_port *p, struct sw_pkt **pkts, unsigned n,
		     unsigned pair);
/* Handle the control queue's commands (VIRTIO_NET_CTRL_MQ). Called with q locked. */
void sw_port_ctrl(struct sw_port *p, struct vu_queue *q);

/* sw_tap.c */
int sw_port_init_tap(struct vswitch *sw, struct sw_port *p, const char *ifname) __must_check;
void sw_tap_deliver(struct sw_worker *w, struct sw_port *p, struct sw_pkt **pkts, unsigned n);
/* Read a batch from the tap and forward it; true if anything came. */
bool sw_tap_poll(struct sw_worker *w, struct sw_port *p);

/* sw_gen.c */
int sw_port_init_gen(struct sw_port *p, unsigned bytes) __must_check;
void sw_gen_fini(struct sw_port *p);
/* Offer a batch of generated frames to the switch; always true (there is always work). */
bool sw_gen_poll(struct sw_worker *w, struct sw_port *p);
void sw_gen_deliver(struct sw_port *p, struct sw_pkt **pkts, unsigned n);

/* sw_fwd.c */
/* CLOCK_MONOTONIC_COARSE in ns: the time of a batch (MAC ageing needs no more). */
u64 sw_coarse_ns(void);
/*
 * Deal every source (transmit queues, control queues, the tap) to the
 * sw->nworkers workers and make their fds, starting no thread: the workers'
 * state for a caller that runs them itself (fuzz/fuzz_vswitch.c).
 */
int sw_workers_setup(struct vswitch *sw) __must_check;
/* sw_workers_setup, then one thread per worker (polling or in epoll). */
int sw_workers_start(struct vswitch *sw) __must_check;
void sw_workers_stop(struct vswitch *sw);
/* Learn, look up and deliver a batch that came from port src. */
void sw_forward(struct sw_worker *w, struct sw_port *src, unsigned pair, unsigned n);
/* vu_dev_ops.handle_queue of every vhost-user port. */
void sw_handle_queue(struct vu_dev *dev, struct vu_queue *q);
/* Event mode: start/stop watching a started transmit/control queue. */
void sw_watch_queue(struct sw_port *p, struct vu_queue *q, bool on);

/*
 * Ask for a cache line we are about to write. __builtin_prefetch(p, 1) is a
 * plain read prefetch without -mprfchw: the line then comes shared, and the
 * store still waits for the other core to give it up — a receive buffer the
 * driver last touched is exactly that line. PREFETCHW fetches it to be
 * written; CPUs without it (older Intel) decode it as a NOP.
 */
static inline void sw_prefetchw(const void *p)
{
#if defined(__x86_64__)
	__asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p, 1);
#endif
}

/*
 * A MAC address as a 48-bit number, for comparing and hashing only (its
 * bytes in memory order: two loads, not six).
 */
static inline u64 sw_mac48(const u8 m[6])
{
	u32 lo;
	u16 hi;

	memcpy(&lo, m, 4);
	memcpy(&hi, m + 4, 2);
	return (u64)hi << 32 | lo;
}

static inline u64 sw_hdr_num_buffers_off(void)
{
	return offsetof(struct virtio_net_hdr_mrg_rxbuf, num_buffers);
}

#endif
