// SPDX-License-Identifier: GPL-2.0-only
/*
 * tap devices (Documentation/networking/tuntap.rst): IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR, plus IFF_MULTI_QUEUE when more than one queue is asked for —
 * each TUNSETIFF on a fresh /dev/net/tun fd attaches one more queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "iovirt/log.h"
#include "iovirt/tap.h"

static int tap_open_queue(const char *name, bool mq, char *actual)
{
	struct ifreq ifr = { 0 };
	int fd, ret;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_err("tap %s: cannot open /dev/net/tun: %s", name, strerror(-ret));
		return ret;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | (mq ? IFF_MULTI_QUEUE : 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		if (ret == -EINVAL)
			pr_err("tap %s: exists with other flags (multi-queue or vnet header mismatch)",
			       name);
		else if (ret == -EPERM)
			pr_err("tap %s: permission denied (CAP_NET_ADMIN or tap ownership needed)",
			       name);
		else
			pr_err("tap %s: TUNSETIFF: %s", name, strerror(-ret));
		close(fd);
		return ret;
	}
	if (actual)
		snprintf(actual, IFNAMSIZ, "%s", ifr.ifr_name);
	return fd;
}

int tap_set_vnet_hdr_len(struct tap *t, unsigned len)
{
	int l = (int)len;

	for (unsigned i = 0; i < t->nr_queues; i++)
		if (ioctl(t->fds[i], TUNSETVNETHDRSZ, &l) < 0)
			return -errno;
	return 0;
}

int tap_open(struct tap *t, const char *name, unsigned queues, unsigned vnet_hdr_len)
{
	int ret;

	memset(t, 0, sizeof(*t));
	if (!queues || queues > TAP_MAX_QUEUES)
		return -EINVAL;
	for (unsigned i = 0; i < queues; i++) {
		int fd = tap_open_queue(name, queues > 1, i ? NULL : t->name);

		if (fd < 0) {
			ret = fd;
			goto err;
		}
		t->fds[t->nr_queues++] = fd;
	}
	ret = tap_set_vnet_hdr_len(t, vnet_hdr_len);
	if (ret) {
		pr_err("tap %s: TUNSETVNETHDRSZ %u: %s", name, vnet_hdr_len, strerror(-ret));
		goto err;
	}
	return 0;
err:
	tap_close(t);
	return ret;
}

int tap_open_fd(struct tap *t, int fd, unsigned vnet_hdr_len)
{
	struct ifreq ifr = { 0 };
	int flags, ret;

	memset(t, 0, sizeof(*t));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		ret = -errno;
		pr_err("--net fd=%d: not a tap device: %s", fd, strerror(-ret));
		return ret;
	}
	if (!(ifr.ifr_flags & IFF_TAP) || !(ifr.ifr_flags & IFF_VNET_HDR)) {
		pr_err("--net fd=%d: %s is not a tap with IFF_VNET_HDR", fd, ifr.ifr_name);
		return -EINVAL;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
	t->fds[0] = fd;
	t->nr_queues = 1;
	ret = tap_set_vnet_hdr_len(t, vnet_hdr_len);
	if (ret)
		pr_err("tap %s: TUNSETVNETHDRSZ: %s", t->name, strerror(-ret));
	return ret;
}

void tap_close(struct tap *t)
{
	for (unsigned i = 0; i < t->nr_queues; i++)
		close(t->fds[i]);
	t->nr_queues = 0;
}

int tap_set_offload(struct tap *t, unsigned tun_flags)
{
	for (unsigned i = 0; i < t->nr_queues; i++)
		if (ioctl(t->fds[i], TUNSETOFFLOAD, (unsigned long)tun_flags) < 0)
			return -errno;
	return 0;
}

int tap_set_queue_enabled(struct tap *t, unsigned q, bool enabled)
{
	struct ifreq ifr = { 0 };

	if (q >= t->nr_queues)
		return -EINVAL;
	/* A detached queue gets no packets steered to it (IFF_MULTI_QUEUE only). */
	ifr.ifr_flags = enabled ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE;
	if (ioctl(t->fds[q], TUNSETQUEUE, &ifr) < 0)
		return -errno;
	return 0;
}
