// SPDX-License-Identifier: GPL-2.0-only
/*
 * `iovirt --qtest unix:PATH|stdio`: build the machine with no vCPU and no KVM
 * (memory, buses, the devices the options ask for), connect the protocol
 * stream, and serve it from the main thread until the client goes away or the
 * machine powers off. As with QEMU's `-qtest unix:PATH`, iovirt connects to a
 * socket the test is listening on; `unix:PATH,server` listens and accepts one
 * client instead (handy by hand: `socat - UNIX-CONNECT:PATH`).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "iovirt/config.h"
#include "iovirt/log.h"
#include "iovirt/vm.h"
#include "iovirt/x86.h"
#include "qtest_int.h"

struct qtest_link {
	int in_fd;
	int out_fd;
	bool is_socket;
	bool broken;		/* a write failed: the client is gone */
	struct qtest_server *server;
};

static void link_send(void *opaque, const char *buf, size_t len)
{
	struct qtest_link *l = opaque;

	while (len && !l->broken) {
		ssize_t n = l->is_socket ? send(l->out_fd, buf, len, MSG_NOSIGNAL)
					 : write(l->out_fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			l->broken = true;
			break;
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void link_readable(void *opaque, u32 events)
{
	struct qtest_link *l = opaque;
	char buf[65536];
	ssize_t n = read(l->in_fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* The client closed the stream: the test is over. */
		__atomic_store_n(&l->server->quit, true, __ATOMIC_RELEASE);
		return;
	}
	qtest_server_feed(l->server, buf, (size_t)n);
	if (l->broken)
		__atomic_store_n(&l->server->quit, true, __ATOMIC_RELEASE);
}

static void irq_loop_readable(void *opaque, u32 events)
{
	qtest_irq_pump(opaque);
}

static int unix_address(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		pr_err("--qtest unix:%s: path too long for a unix socket", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

/* Open the protocol stream named by spec ("stdio", "unix:PATH", "unix:PATH,server"). */
static int link_open(struct qtest_link *l, const char *spec)
{
	struct sockaddr_un sa;
	char path[sizeof(sa.sun_path) + 16];
	bool server = false;
	size_t plen;
	int fd, ret;

	if (!strcmp(spec, "stdio")) {
		l->in_fd = STDIN_FILENO;
		l->out_fd = STDOUT_FILENO;
		return 0;
	}
	plen = strlen(spec + 5);
	if (plen >= sizeof(path)) {
		pr_err("--qtest %s: path too long for a unix socket", spec);
		return -ENAMETOOLONG;
	}
	memcpy(path, spec + 5, plen + 1);
	if (plen > 7 && !strcmp(path + plen - 7, ",server")) {
		path[plen - 7] = '\0';
		server = true;
	} else if (plen > 10 && !strcmp(path + plen - 10, ",server=on")) {
		path[plen - 10] = '\0';
		server = true;
	}
	ret = unix_address(path, &sa);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (server) {
		int c;

		unlink(path);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
			ret = -errno;
			pr_err("--qtest: cannot listen on %s: %s", path, strerror(-ret));
			close(fd);
			return ret;
		}
		pr_info("qtest: waiting for a client on %s", path);
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		ret = c < 0 ? -errno : 0;
		close(fd);
		unlink(path);
		if (ret) {
			pr_err("--qtest: accept on %s: %s", path, strerror(-ret));
			return ret;
		}
		fd = c;
	} else if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		pr_err("--qtest: cannot connect to %s: %s", path, strerror(-ret));
		close(fd);
		return ret;
	}
	l->in_fd = l->out_fd = fd;
	l->is_socket = true;
	return 0;
}

int qtest_main(const struct vm_config *cfg_in)
{
	struct qtest_link link = { .in_fd = -1, .out_fd = -1 };
	struct vm_config local = *cfg_in, *cfg = &local;
	struct qtest_server *s = NULL;
	struct vm vm;
	int status = 1;

	/* With the protocol on stdio, a console there would steal its bytes. */
	if (!strcmp(cfg->qtest, "stdio") && cfg->console != CONSOLE_NONE) {
		pr_info("qtest: the protocol uses stdio: no console on it");
		cfg->console = CONSOLE_NONE;
	}

	/* A client that disappears must end the harness through EPIPE, not kill it. */
	signal(SIGPIPE, SIG_IGN);
	if (vm_create(&vm, cfg))
		goto out_vm;
	s = qtest_server_new(&vm, link_send, &link);
	if (!s) {
		pr_err("qtest: cannot create the server");
		goto out_vm;
	}
	link.server = s;
	/* vm_create leaves the router to us: the devices below bind their interrupts to it. */
	irq_router_init(&vm.irq, &qtest_irq_ops, s);
	if (irq_router_commit(&vm.irq))
		goto out_vm;
	if (machine_create(&vm))
		goto out_vm;
	if (link_open(&link, cfg->qtest))
		goto out_vm;
	if (evloop_add(&vm.loop, link.in_fd, EPOLLIN, link_readable, &link) ||
	    evloop_add(&vm.loop, s->irq_loop.epfd, EPOLLIN, irq_loop_readable, s)) {
		pr_err("qtest: cannot watch the protocol stream");
		goto out_vm;
	}
	pr_info("qtest: serving %s", cfg->qtest);
	/* The main thread is the harness: it runs the VM's main loop itself. */
	while (!qtest_server_done(s)) {
		int ret = evloop_run_once(&vm.loop, 200);

		if (ret < 0) {
			pr_err("qtest: event loop: %s", strerror(-ret));
			goto out_vm;
		}
	}
	status = 0;
out_vm:
	if (link.in_fd >= 0)
		evloop_del(&vm.loop, link.in_fd);
	/* Devices go first: their teardown unbinds irqfds through the server. */
	vm_destroy(&vm);
	qtest_server_free(s);
	if (link.is_socket)
		close(link.in_fd);
	return status;
}
