/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * struct vm_config: everything the command line says, parsed and checked,
 * before anything is created. cli.c fills it; nothing else reads argv.
 */
#ifndef IOVIRT_CONFIG_H
#define IOVIRT_CONFIG_H

#include "log.h"
#include "types.h"

#define CONFIG_MAX_DEVICES 16

enum console_kind { CONSOLE_SERIAL, CONSOLE_VIRTIO, CONSOLE_NONE };

enum transport_kind { TRANSPORT_PCI, TRANSPORT_MMIO };

enum disk_cache { DISK_CACHE_WRITEBACK, DISK_CACHE_NONE };

struct disk_config {
	const char *path;		/* image file, or NULL with vhost_user */
	const char *vhost_user;		/* socket path */
	bool readonly;
	unsigned queues;		/* 0: one per vCPU */
	enum disk_cache cache;
	enum transport_kind transport;
	const char *serial;
	bool packed;			/* offer VIRTIO_F_RING_PACKED */
	unsigned poll_us;		/* adaptive queue polling before sleeping (0: off) */
	bool sched_batch;		/* queue threads SCHED_BATCH (struct virtio_iothread) */
};

struct net_config {
	const char *tap;		/* tap name */
	int tap_fd;			/* an open tap fd passed in, or -1 */
	const char *vhost_user;
	u8 mac[6];
	bool mac_set;
	unsigned queues;
	enum transport_kind transport;
	bool packed;
	bool sched_batch;		/* queue-pair threads SCHED_BATCH (struct virtio_iothread) */
};

struct vm_config {
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	u64 mem_size;
	unsigned ncpus;
	bool hugepages;
	bool no_reboot;
	enum console_kind console;
	const char *console_socket;	/* virtio console to a unix socket */
	enum log_level log_level;
	const char *qtest;		/* "unix:PATH" or "stdio": device harness, no vCPU */
	bool edu;			/* the edu DMA test device */
	bool rng;
	struct disk_config disks[CONFIG_MAX_DEVICES];
	unsigned nr_disks;
	struct net_config nets[CONFIG_MAX_DEVICES];
	unsigned nr_nets;
};

/*
 * Parse argv (after the "run" word) into cfg. On a bad option prints one line
 * naming it to stderr and returns -EINVAL. Returns 1 when --help/--version was
 * handled (the caller exits 0).
 */
int cli_parse(int argc, char **argv, struct vm_config *cfg) __must_check;
void cli_usage(void);

/* "512M", "2G", "4096" → bytes. -EINVAL on garbage or overflow. */
int cli_parse_size(const char *s, u64 *out) __must_check;

#endif
