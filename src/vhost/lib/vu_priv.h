/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private state of the vhost-user back-end library, shared by its files:
 * vu_backend.c (connection, dispatch, feature and config messages), vu_mem.c
 * (memory table), vu_vring.c (rings and the data path), vu_log.c (dirty
 * log), vu_iotlb.c (device IOTLB), vu_inflight.c (inflight tracking: the
 * area, split rings) and vu_inflight_packed.c (packed rings).
 */
#ifndef IOVIRT_VHOST_LIB_VU_PRIV_H
#define IOVIRT_VHOST_LIB_VU_PRIV_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include "iovirt/gmem.h"
#include "iovirt/log.h"
#include "iovirt/vhost_user.h"
#include "../vu_msg.h"

/* One region the front-end shared: its description and our mapping of it. */
struct vu_mmap {
	struct vu_mem_region reg;	/* as the front-end sent it */
	void *map;			/* mmap of [map_off, map_off + map_len) of fd */
	u64 map_len;
	u64 map_off;			/* mmap_offset rounded down to a page */
	u8 *hva;			/* host address of guest_phys_addr */
	int fd;
	unsigned dups;			/* ADD_MEM_REG of this very region again (QEMU, one per vhost_dev) */
	dev_t st_dev;			/* identity of the file, to spot an unchanged table */
	ino_t st_ino;
};

/*
 * Guest memory of a connection, kept twice over the same mappings: by guest
 * physical address (descriptor buffers without an IOMMU) and by front-end user
 * address (ring addresses; IOTLB translations), so both lookups are the one
 * checked gmem code. Rebuilt whenever the region set changes, with every
 * queue fenced.
 */
struct vu_mem {
	struct vu_mmap m[VU_MAX_MEM_SLOTS];
	unsigned nr;
	struct gmem by_gpa;
	struct gmem by_uva;
};

/* The dirty log (SET_LOG_BASE, LOG_SHMFD). */
struct vu_dirty_log {
	u8 *map;		/* mmap of the whole fd range */
	u64 map_len;
	u8 *bits;		/* bit n: guest page n written */
	u64 size;		/* bytes of bitmap */
	int fd;			/* SET_LOG_FD eventfd, or -1 */
	bool dirty;		/* bits set since the log fd was last signalled */
};

/* One IOTLB entry: [iova, iova+size) → [uaddr, ...) with perm. */
struct vu_iotlb_ent {
	u64 iova;
	u64 size;
	u64 uaddr;
	u8 perm;		/* VHOST_ACCESS_* */
};

#define VU_IOTLB_MAX 2048

struct vu_iotlb {
	pthread_mutex_t lock;	/* guards ent/nr against the queues' translate calls */
	pthread_cond_t updated;	/* broadcast on every update */
	struct vu_iotlb_ent *ent; /* sorted by iova, non-overlapping */
	unsigned nr;
	u64 last_miss_iova;	/* do not repeat the same miss back to back */
	bool last_miss_valid;
};

/* The inflight area (INFLIGHT_SHMFD), in the spec's split or packed queue-region format. */
struct vu_inflight_area {
	void *map;
	u64 map_len;
	u64 size;		/* mmap_size from the front-end */
	u16 num_queues;
	u16 queue_size;
	bool packed;		/* laid out for packed rings (RING_PACKED negotiated when set up) */
	int fd;
};

/* Header of one queue's inflight region (vhost-user "Inflight I/O tracking"). */
struct vu_desc_state_split {
	u8 inflight;
	u8 padding[5];
	u16 next;
	u64 counter;
};

struct vu_queue_region_split {
	u64 features;
	u16 version;
	u16 desc_num;
	u16 last_batch_head;
	u16 used_idx;
	struct vu_desc_state_split desc[];
};

/*
 * Packed layout (vhost-user "Inflight I/O tracking", packed virtqueue): one
 * entry per descriptor the back-end holds, a copy of what it fetched, the
 * entries linked in a free list; a chain's head entry says it is in flight,
 * how many entries it has and which is its last. The "old" fields are the
 * state at the last completed batch, for rolling back a half-done one.
 */
struct vu_desc_state_packed {
	u8 inflight;
	u8 padding;
	u16 next;		/* free list / next entry of the chain */
	u16 last;		/* head: last entry of its chain */
	u16 num;		/* head: entries (descriptors) of its chain */
	u64 counter;		/* head: fetch order */
	u16 id;
	u16 flags;
	u32 len;
	u64 addr;
};

struct vu_queue_region_packed {
	u64 features;
	u16 version;
	u16 desc_num;
	u16 free_head;
	u16 old_free_head;
	u16 used_idx;
	u16 old_used_idx;
	u8 used_wrap_counter;
	u8 old_used_wrap_counter;
	u8 padding[7];
	struct vu_desc_state_packed desc[];
};

/* The layout is the spec's C declaration; both sides must agree to the byte. */
_Static_assert(sizeof(struct vu_desc_state_packed) == 32, "DescStatePacked is 32 bytes");
_Static_assert(offsetof(struct vu_queue_region_packed, desc) == 32, "QueueRegionPacked header");
_Static_assert(sizeof(struct vu_desc_state_split) == 16, "DescStateSplit is 16 bytes");
_Static_assert(offsetof(struct vu_queue_region_split, desc) == 16, "QueueRegionSplit header");

struct vu_infl_packed;		/* vu_inflight_packed.c: our private view of a packed region */

struct vu_queue {
	struct vu_dev *dev;
	unsigned idx;
	/*
	 * Guards the ring state below (vq, fds, flags, inflight) between the
	 * message thread and the data path of this queue.
	 */
	pthread_mutex_t lock;
	u16 num;			/* SET_VRING_NUM, 0 until set */
	u32 base;			/* SET_VRING_BASE, applied at start */
	struct vhost_vring_addr addr;	/* SET_VRING_ADDR */
	bool addr_set;
	int kick_fd;			/* -1: none / polled */
	int call_fd;
	int err_fd;
	bool started;			/* kick set, rings mapped; cleared by GET_VRING_BASE */
	bool enabled;			/* SET_VRING_ENABLE */
	bool active;			/* started && enabled: the device was told (queue_start) */
	bool poll;			/* host polls: driver notifications suppressed */
	bool rings_stale;		/* an IOTLB change may have moved a ring: map again */
	bool log_used;			/* VHOST_VRING_F_LOG */
	struct virtq vq;
	struct dma_as dma;
	/* Inflight tracking. */
	void *infl;			/* our queue region (split or packed layout); NULL: not tracked */
	struct vu_infl_packed *infl_pk;	/* packed: private state (free list, ids, copies) */
	u64 infl_counter;
	u16 *resubmit;			/* head entries to hand out again, oldest first */
	unsigned nr_resubmit;
	unsigned next_resubmit;
	unsigned batch_len;		/* heads pushed since the last notify */
	char name[64];
	struct ratelimit rl;
};

struct vu_dev {
	int sock;
	const struct vu_dev_ops *ops;
	void *opaque;
	char name[48];
	pthread_t ctl_thread;		/* the thread that last ran vu_dev_dispatch */
	bool ctl_thread_set;
	bool in_dispatch;
	u64 offered;			/* virtio features offered */
	u64 offered_proto;		/* protocol features offered */
	u64 features;			/* acked by SET_FEATURES */
	u64 proto;			/* acked by SET_PROTOCOL_FEATURES */
	bool features_set;
	u8 status;
	struct vu_mem mem;
	struct vu_queue *q;		/* ops->num_queues of them */
	unsigned nq;
	struct vu_dirty_log log;
	struct vu_iotlb iotlb;
	struct vu_inflight_area infl;
	int backend_fd;			/* SET_BACKEND_REQ_FD, or -1 */
	pthread_mutex_t backend_lock;	/* guards backend_fd writes from queue threads */
	int reply_fd;			/* fd to send with the current reply, or -1 */
	struct vu_dev_stats stats;
	struct ratelimit rl;
	char why[192];			/* the violation that closes the connection */
};

/* Handler results: 0 done; -EPROTO protocol violation (dev->why set); other -errno: refused. */
int vu_violation(struct vu_dev *dev, const char *fmt, ...) __printf(2, 3);

static inline bool vu_has_feature(const struct vu_dev *dev, unsigned bit)
{
	return dev->features & BIT64(bit);
}

static inline bool vu_has_proto(const struct vu_dev *dev, unsigned bit)
{
	return dev->proto & BIT64(bit);
}

/* vu_mem.c */
void vu_mem_init(struct vu_mem *mem);
void vu_mem_destroy(struct vu_mem *mem);
int vu_mem_set_table(struct vu_dev *dev, const struct vu_mem_table *t, int *fds);
int vu_mem_add_region(struct vu_dev *dev, const struct vu_mem_region *r, int *fd);
int vu_mem_rem_region(struct vu_dev *dev, const struct vu_mem_region *r);
/* Host pointer for the whole [uaddr, uaddr+len) of front-end user address space, or NULL. */
void *vu_mem_uva_to_hva(const struct vu_mem *mem, u64 uaddr, u64 len);
/* Guest-physical address of a front-end user address, false when unmapped. */
bool vu_mem_uva_to_gpa(const struct vu_mem *mem, u64 uaddr, gpa_t *gpa);
/* Guest-physical address of a host pointer into guest memory; *len trimmed to its region. */
bool vu_mem_hva_to_gpa(const struct vu_mem *mem, const void *hva, u64 *len, gpa_t *gpa);

/* vu_vring.c */
int vu_vring_handle(struct vu_dev *dev, struct vu_msg *m, int *fds, unsigned nfds);
void vu_queue_init(struct vu_dev *dev, struct vu_queue *q, unsigned idx);
void vu_queue_destroy(struct vu_queue *q);
/* Stop a queue for good (GET_VRING_BASE, reset): device told, rings unmapped. */
void vu_queue_stop(struct vu_queue *q);
/* Bring q->active in line with started && enabled. */
void vu_queue_update(struct vu_queue *q);
/* Quiesce every active queue before a memory change; vu_queues_resume maps the rings again. */
void vu_queues_suspend(struct vu_dev *dev, bool *was_active);
int vu_queues_resume(struct vu_dev *dev, const bool *was_active);
void vu_queues_lock_all(struct vu_dev *dev);
void vu_queues_unlock_all(struct vu_dev *dev);
void vu_queues_mark_stale(struct vu_dev *dev, u64 iova, u64 size);
bool vu_any_queue_active(const struct vu_dev *dev);

/* vu_log.c */
int vu_log_set_base(struct vu_dev *dev, const struct vu_log *msg, int *fd);
void vu_log_set_fd(struct vu_dev *dev, int *fd);
void vu_log_destroy(struct vu_dirty_log *log);
static inline bool vu_log_active(const struct vu_dev *dev)
{
	return dev->log.bits && vu_has_feature(dev, VHOST_F_LOG_ALL);
}
void vu_log_gpa(struct vu_dev *dev, gpa_t gpa, u64 len);
void vu_log_hva(struct vu_dev *dev, const void *hva, u64 len);
void vu_log_signal(struct vu_dev *dev);

/* vu_iotlb.c */
void vu_iotlb_init(struct vu_iotlb *t);
void vu_iotlb_destroy(struct vu_iotlb *t);
void vu_iotlb_flush(struct vu_iotlb *t);
int vu_iotlb_msg(struct vu_dev *dev, const struct vhost_iotlb_msg *im);
/* IOVA → front-end user address; *len trimmed to what is contiguous. 0 or -EFAULT. */
int vu_iotlb_translate(struct vu_dev *dev, u64 iova, u64 *len, unsigned perm, u64 *uaddr,
		       bool send_miss);
extern const struct dma_xlate_ops vu_iotlb_xlate_ops;

/* vu_inflight.c: the area, and split rings */
u64 vu_inflight_queue_region_size(u16 queue_size, bool packed);
int vu_inflight_get(struct vu_dev *dev, struct vu_inflight *in);
int vu_inflight_set(struct vu_dev *dev, const struct vu_inflight *in, int *fd);
void vu_inflight_destroy(struct vu_inflight_area *a);
/*
 * At ring start: attach q to its region, recover the state a crashed
 * back-end left and place the ring after it. -EPROTO (dev->why set) when the
 * region is malformed: the connection closes.
 */
int vu_inflight_queue_start(struct vu_queue *q);
void vu_inflight_queue_stop(struct vu_queue *q);
/* Hand out the next request in flight before a restart (q->next_resubmit < q->nr_resubmit). */
int vu_inflight_resubmit(struct vu_queue *q, struct virtq_elem *e);
/* Record a chain just popped from the ring, or given back. */
void vu_inflight_pop(struct vu_queue *q, const struct virtq_elem *e);
void vu_inflight_unpop(struct vu_queue *q, const struct virtq_elem *e);
void vu_inflight_push(struct vu_queue *q, const struct virtq_elem *e);
/* Around virtq_flush: before it publishes, and after. */
void vu_inflight_flushing(struct vu_queue *q);
void vu_inflight_flushed(struct vu_queue *q);

/* Fetch order of a head entry, for sorting private copies of a region's counters. */
struct vu_infl_order {
	u64 counter;
	u16 entry;
};
void vu_inflight_sort(struct vu_infl_order *o, unsigned n);
void *vu_inflight_region(const struct vu_queue *q);
#define VU_INFLIGHT_VERSION 1

/* vu_inflight_packed.c */
u64 vu_inflight_packed_region_size(u16 queue_size);
int vu_inflight_packed_start(struct vu_queue *q, struct vu_queue_region_packed *r);
void vu_inflight_packed_stop(struct vu_queue *q);
int vu_inflight_packed_resubmit(struct vu_queue *q, struct virtq_elem *e);
void vu_inflight_packed_pop(struct vu_queue *q, const struct virtq_elem *e);
void vu_inflight_packed_unpop(struct vu_queue *q, const struct virtq_elem *e);
void vu_inflight_packed_push(struct vu_queue *q, const struct virtq_elem *e);
void vu_inflight_packed_flushing(struct vu_queue *q);
void vu_inflight_packed_flushed(struct vu_queue *q);

/* vu_backend.c: a request on the back-end channel (IOTLB miss, config change). */
int vu_backend_send(struct vu_dev *dev, u32 request, const void *payload, u32 size);

#endif
