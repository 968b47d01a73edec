/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost-user messages over a unix stream socket: one message is a header,
 * its payload, and up to eight file descriptors in SCM_RIGHTS ancillary data.
 * Received fds are always either handed to the caller or closed here, so a
 * refused message never leaks a descriptor.
 */
#ifndef IOVIRT_VHOST_VU_SOCK_H
#define IOVIRT_VHOST_VU_SOCK_H

#include "vu_msg.h"

/*
 * Receive one message. On success returns 0 with *nfds descriptors in fds
 * (close-on-exec; the caller owns them). Returns -ECONNRESET when the peer
 * closed the connection before a header, -EPROTO for a malformed stream (a
 * truncated message, a payload larger than any request, more than
 * VHOST_USER_MAX_FDS fds, an ancillary message that is not SCM_RIGHTS) with
 * *why naming it and every received fd closed, or another -errno.
 */
int vu_sock_recv(int sock, struct vu_msg *m, int *fds, unsigned *nfds, const char **why)
	__must_check;

/* Send header + hdr.size payload bytes with nfds descriptors. 0 or -errno. */
int vu_sock_send(int sock, const struct vu_msg *m, const int *fds, unsigned nfds) __must_check;

/* Close n descriptors (skipping negative ones) and set them to -1. */
void vu_close_fds(int *fds, unsigned n);

#endif
