// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copies between a flat buffer and the iovecs of a popped chain. Bounded by
 * both the array and the requested length: a chain shorter than expected
 * yields a short copy (the return value), never an overrun.
 */
#include <sys/uio.h>

#include "iovirt/virtio.h"

size_t virtio_iov_size(const struct iovec *iov, unsigned n)
{
	size_t total = 0;

	for (unsigned i = 0; i < n; i++)
		total += iov[i].iov_len;
	return total;
}

size_t virtio_iov_to_buf(const struct iovec *iov, unsigned n, size_t off, void *buf, size_t len)
{
	u8 *dst = buf;
	size_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len, k;

		if (off >= l) {
			off -= l;
			continue;
		}
		k = MIN(l - off, len - done);
		memcpy(dst + done, (const u8 *)iov[i].iov_base + off, k);
		done += k;
		off = 0;
	}
	return done;
}

size_t virtio_iov_from_buf(const struct iovec *iov, unsigned n, size_t off, const void *buf,
			   size_t len)
{
	const u8 *src = buf;
	size_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len, k;

		if (off >= l) {
			off -= l;
			continue;
		}
		k = MIN(l - off, len - done);
		memcpy((u8 *)iov[i].iov_base + off, src + done, k);
		done += k;
		off = 0;
	}
	return done;
}
