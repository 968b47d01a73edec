// SPDX-License-Identifier: GPL-2.0-only
/*
 * qtest protocol client (see qtest_client.h). The test listens on a unix
 * socket in a private temporary directory and starts the target with
 * `-qtest unix:PATH` (both iovirt and QEMU connect to it); answers are read a
 * line at a time, and the asynchronous "IRQ ..." lines that may come before
 * an answer are folded into the interrupt state as they pass.
 *
 * QEMU is started as libqos expects a bare machine: q35, no default devices,
 * no display, its qtest log discarded, and a 64 KiB firmware of our own whose
 * reset vector halts the CPU with interrupts off — so nothing but the test
 * touches the machine (SeaBIOS would enumerate PCI, program BARs and the
 * PIT), while the virtual clock still runs (a stopped QEMU, -S, freezes it and
 * timer-driven devices such as edu's DMA would never complete).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "iovirt/types.h"
#include "qtest_client.h"

#define ANSWER_TIMEOUT_MS 60000
#define CONNECT_TIMEOUT_MS 20000
#define MAX_IRQ 256
#define MSI_QUEUE 256
#define XFER_CHUNK 65536

struct qtest_state {
	enum qtest_target target;
	pid_t pid;
	int fd;
	char dir[64];
	char sock_path[96];
	/* Receive buffer: bytes [rx_start, rx_len) not yet consumed. */
	char *rx;
	size_t rx_start, rx_len, rx_cap;
	char *line;	/* the last answer line */
	size_t line_cap;
	char last_cmd[128];
	bool irq_level[MAX_IRQ];
	unsigned irq_raises[MAX_IRQ];
	uint64_t msi_addr[MSI_QUEUE];
	uint32_t msi_data[MSI_QUEUE];
	unsigned msi_head, msi_tail;
	bool virtual_clock;
	uint64_t slept_ns;
};

const char *qtest_target_name(enum qtest_target t)
{
	return t == QTEST_QEMU ? "qemu" : "iovirt";
}

enum qtest_target qtest_target(const struct qtest_state *s)
{
	return s->target;
}

bool qtest_is_qemu(const struct qtest_state *s)
{
	return s->target == QTEST_QEMU;
}

int qtest_pid(const struct qtest_state *s)
{
	return s->pid;
}

static void kill_target(struct qtest_state *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = -1;
	}
}

static void cleanup_files(struct qtest_state *s)
{
	char p[128];

	if (!s->dir[0])
		return;
	unlink(s->sock_path);
	snprintf(p, sizeof(p), "%s/halt.bin", s->dir);
	unlink(p);
	rmdir(s->dir);
	s->dir[0] = '\0';
}

void qtest_fatal(struct qtest_state *s, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "qtest[%s]: ", s ? qtest_target_name(s->target) : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (s) {
		kill_target(s);
		cleanup_files(s);
	}
	exit(1);
}

/* ---- finding and starting a target ---- */

static bool find_in_path(const char *name, char *out, size_t outlen)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(name, '/')) {
		snprintf(out, outlen, "%s", name);
		return access(out, X_OK) == 0;
	}
	snprintf(buf, sizeof(buf), "%s", path ? path : "/usr/bin:/bin");
	for (char *save, *dir = strtok_r(buf, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(out, outlen, "%s/%s", dir, name);
		if (access(out, X_OK) == 0)
			return true;
	}
	return false;
}

static bool target_binary(enum qtest_target t, char *out, size_t outlen, char *why,
			  size_t whylen)
{
	const char *env = getenv(t == QTEST_QEMU ? "QEMU_BIN" : "IOVIRT_BIN");
	const char *name = env && *env ? env :
			   t == QTEST_QEMU ? "qemu-system-x86_64" : "iovirt";

	if (find_in_path(name, out, outlen))
		return true;
	snprintf(why, whylen, "%s not found (%s)", name,
		 t == QTEST_QEMU ? "install qemu-system-x86, or set QEMU_BIN" :
				   "set IOVIRT_BIN to the built iovirt");
	return false;
}

bool qtest_target_available(enum qtest_target t, char *why, size_t whylen)
{
	char bin[4096];

	return target_binary(t, bin, sizeof(bin), why, whylen);
}

/* The 64 KiB "firmware" for QEMU: at the reset vector (F000:FFF0), cli; hlt; jmp hlt. */
static void write_halt_bios(struct qtest_state *s, char *path, size_t len)
{
	static unsigned char img[65536];
	static const unsigned char reset[] = { 0xfa, 0xf4, 0xeb, 0xfd };
	int fd;

	memset(img, 0xf4, sizeof(img));
	memcpy(img + 0xfff0, reset, sizeof(reset));
	snprintf(path, len, "%s/halt.bin", s->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, img, sizeof(img)) != (ssize_t)sizeof(img))
		qtest_fatal(s, "cannot write %s: %s", path, strerror(errno));
	close(fd);
}

#define MAX_ARGS 64

static void add_arg(struct qtest_state *s, const char **argv, int *argc, const char *a)
{
	if (*argc >= MAX_ARGS - 1)
		qtest_fatal(s, "too many target arguments");
	argv[(*argc)++] = a;
	argv[*argc] = NULL;
}

static void build_args(struct qtest_state *s, const struct qtest_machine *m, const char *bin,
		       const char **argv, char *qtest_arg, char *bios_path, size_t bios_len)
{
	int argc = 0;

	add_arg(s, argv, &argc, bin);
	if (s->target == QTEST_IOVIRT) {
		add_arg(s, argv, &argc, "--qtest");
		add_arg(s, argv, &argc, qtest_arg);
		add_arg(s, argv, &argc, "--memory");
		add_arg(s, argv, &argc, m->mem ? m->mem : "256M");
		add_arg(s, argv, &argc, "--console");
		add_arg(s, argv, &argc, m->uart ? "serial" : "none");
		if (m->edu)
			add_arg(s, argv, &argc, "--edu");
		if (m->virtio_rng)
			add_arg(s, argv, &argc, "--rng");
	} else {
		static const char *const base[] = {
			"-M", "q35", "-accel", "tcg", "-display", "none", "-nodefaults",
			"-qtest-log", "none", "-monitor", "none",
		};

		for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
			add_arg(s, argv, &argc, base[i]);
		add_arg(s, argv, &argc, "-qtest");
		add_arg(s, argv, &argc, qtest_arg);
		add_arg(s, argv, &argc, "-m");
		add_arg(s, argv, &argc, m->mem ? m->mem : "256M");
		write_halt_bios(s, bios_path, bios_len);
		add_arg(s, argv, &argc, "-bios");
		add_arg(s, argv, &argc, bios_path);
		if (m->uart) {
			add_arg(s, argv, &argc, "-serial");
			add_arg(s, argv, &argc, "null");
		}
		if (m->edu) {
			add_arg(s, argv, &argc, "-device");
			add_arg(s, argv, &argc, "edu");
		}
		if (m->virtio_rng) {
			add_arg(s, argv, &argc, "-device");
			add_arg(s, argv, &argc, "virtio-rng-pci,disable-legacy=on");
		}
	}
	for (const char *const *e = m->extra; e && *e; e++)
		add_arg(s, argv, &argc, *e);
}

static int listen_socket(struct qtest_state *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	snprintf(s->dir, sizeof(s->dir), "/tmp/iovirt-qtest-XXXXXX");
	if (!mkdtemp(s->dir))
		qtest_fatal(s, "mkdtemp: %s", strerror(errno));
	snprintf(s->sock_path, sizeof(s->sock_path), "%s/qtest.sock", s->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1))
		qtest_fatal(s, "listen on %s: %s", s->sock_path, strerror(errno));
	return fd;
}

/* Accept the target's connection, noticing if it dies first. */
static int accept_target(struct qtest_state *s, int lfd)
{
	for (int waited = 0; waited < CONNECT_TIMEOUT_MS; waited += 100) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int status;

		if (poll(&p, 1, 100) > 0)
			return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = -1;
			qtest_fatal(s, "the target exited before connecting (status 0x%x)", status);
		}
	}
	qtest_fatal(s, "the target did not connect within %d ms", CONNECT_TIMEOUT_MS);
}

struct qtest_state *qtest_start(enum qtest_target t, const struct qtest_machine *m)
{
	static const struct qtest_machine none;
	struct qtest_state *s = calloc(1, sizeof(*s));
	char bin[4096], why[256], qtest_arg[128], bios[128];
	const char *argv[MAX_ARGS];
	pid_t parent;
	int lfd;

	if (!s)
		qtest_fatal(NULL, "out of memory");
	if (!m)
		m = &none;
	s->target = t;
	s->pid = -1;
	s->fd = -1;
	s->rx_cap = 65536;
	s->rx = malloc(s->rx_cap);
	if (!s->rx)
		qtest_fatal(s, "out of memory");
	if (!target_binary(t, bin, sizeof(bin), why, sizeof(why)))
		qtest_fatal(s, "%s", why);
	signal(SIGPIPE, SIG_IGN);
	lfd = listen_socket(s);
	snprintf(qtest_arg, sizeof(qtest_arg), "unix:%s", s->sock_path);
	build_args(s, m, bin, argv, qtest_arg, bios, sizeof(bios));
	if (getenv("QTEST_VERBOSE")) {
		fprintf(stderr, "qtest: starting");
		for (int i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
	}
	parent = getpid();
	s->pid = fork();
	if (s->pid < 0)
		qtest_fatal(s, "fork: %s", strerror(errno));
	if (s->pid == 0) {
		int null = open("/dev/null", O_RDWR);

		/*
		 * The target dies with the test, however the test ends (QEMU does not
		 * exit when the qtest stream closes, and an orphan would hold the test
		 * runner's output pipes open).
		 */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(127);

		/* The target's own output (a serial console) must not mix with the test's. */
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
		}
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	s->fd = accept_target(s, lfd);
	close(lfd);
	if (s->fd < 0)
		qtest_fatal(s, "accept: %s", strerror(errno));
	/* Which clock: iovirt and a QEMU with the qtest accelerator answer; Debian's QEMU does not. */
	s->virtual_clock = !strncmp(qtest_raw(s, "clock_set 0"), "OK", 2);
	return s;
}

int qtest_quit(struct qtest_state *s)
{
	int status = -1;

	if (!s)
		return -1;
	if (s->fd >= 0)
		close(s->fd);
	if (s->pid > 0) {
		/* Both targets end when the stream closes; give them a moment before SIGKILL. */
		for (int i = 0; i < 50; i++) {
			if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
				s->pid = -1;
				break;
			}
			usleep(20000);
		}
		if (s->pid > 0) {
			status = -1;
			kill(s->pid, SIGTERM);
			for (int i = 0; s->pid > 0 && i < 50; i++) {
				if (waitpid(s->pid, NULL, WNOHANG) == s->pid)
					s->pid = -1;
				else
					usleep(20000);
			}
			kill_target(s);
		}
	}
	cleanup_files(s);
	free(s->rx);
	free(s->line);
	free(s);
	return status;
}

/* ---- the stream ---- */

static void send_all(struct qtest_state *s, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(s->fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			qtest_fatal(s, "sending '%s': %s (the target died?)", s->last_cmd,
				    n < 0 ? strerror(errno) : "closed");
		buf += n;
		len -= (size_t)n;
	}
}

void qtest_send_bytes(struct qtest_state *s, const void *buf, size_t len)
{
	snprintf(s->last_cmd, sizeof(s->last_cmd), "%.*s", (int)(len < 60 ? len : 60),
		 (const char *)buf);
	send_all(s, buf, len);
}

/* One line from the stream (any kind), without its '\n'. */
static const char *read_line(struct qtest_state *s)
{
	for (;;) {
		char *start = s->rx + s->rx_start;
		/* memchr/memmove on the initial NULL buffer would be UB even with length 0. */
		char *nl = s->rx_len > s->rx_start ? memchr(start, '\n', s->rx_len - s->rx_start)
						   : NULL;

		if (nl) {
			size_t l = (size_t)(nl - start);

			if (l + 1 > s->line_cap) {
				s->line_cap = l + 1;
				s->line = realloc(s->line, s->line_cap);
				if (!s->line)
					qtest_fatal(s, "out of memory");
			}
			memcpy(s->line, start, l);
			s->line[l] = '\0';
			s->rx_start += l + 1;
			return s->line;
		}
		/* Compact, grow, read more. */
		if (s->rx_len > s->rx_start)
			memmove(s->rx, start, s->rx_len - s->rx_start);
		s->rx_len -= s->rx_start;
		s->rx_start = 0;
		if (s->rx_cap - s->rx_len < 65536) {
			s->rx_cap = s->rx_cap * 2 + 65536;
			s->rx = realloc(s->rx, s->rx_cap);
			if (!s->rx)
				qtest_fatal(s, "out of memory");
		}
		{
			struct pollfd p = { .fd = s->fd, .events = POLLIN };
			ssize_t n;
			int r = poll(&p, 1, ANSWER_TIMEOUT_MS);

			if (r == 0)
				qtest_fatal(s, "no answer to '%s' within %d ms", s->last_cmd,
					    ANSWER_TIMEOUT_MS);
			n = recv(s->fd, s->rx + s->rx_len, s->rx_cap - s->rx_len, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				qtest_fatal(s, "connection closed while waiting for the answer to "
					    "'%s' (the target died?)", s->last_cmd);
			s->rx_len += (size_t)n;
		}
	}
}

/* Fold an async line into the state; false if it is not one. */
static bool handle_async(struct qtest_state *s, const char *l)
{
	char what[16];
	unsigned long long a;
	unsigned d, n;

	if (strncmp(l, "IRQ ", 4))
		return false;
	if (sscanf(l, "IRQ msi 0x%llx 0x%x", &a, &d) == 2) {
		if (s->msi_tail - s->msi_head < MSI_QUEUE) {
			s->msi_addr[s->msi_tail % MSI_QUEUE] = a;
			s->msi_data[s->msi_tail % MSI_QUEUE] = d;
			s->msi_tail++;
		}
		return true;
	}
	if (sscanf(l, "IRQ %15s %u", what, &n) == 2 && n < MAX_IRQ) {
		bool up = !strcmp(what, "raise");

		if (up && !s->irq_level[n])
			s->irq_raises[n]++;
		s->irq_level[n] = up;
		return true;
	}
	qtest_fatal(s, "malformed async line '%s'", l);
}

const char *qtest_recv_line(struct qtest_state *s)
{
	for (;;) {
		const char *l = read_line(s);

		if (!handle_async(s, l))
			return l;
	}
}

const char *qtest_raw(struct qtest_state *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(buf) - 1)
		qtest_fatal(s, "command too long for qtest_raw");
	snprintf(s->last_cmd, sizeof(s->last_cmd), "%.100s", buf);
	buf[n++] = '\n';
	send_all(s, buf, (size_t)n);
	return qtest_recv_line(s);
}

/* A command that must succeed; returns what follows "OK" (maybe ""). */
static const char *cmd_ok(struct qtest_state *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *cmd_ok(struct qtest_state *s, const char *fmt, ...)
{
	char buf[512];
	const char *l;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(buf))
		qtest_fatal(s, "command too long");
	l = qtest_raw(s, "%s", buf);
	if (strcmp(l, "OK") && strncmp(l, "OK ", 3))
		qtest_fatal(s, "'%s' answered '%s'", buf, l);
	return l[2] ? l + 3 : "";
}

static uint64_t parse_value(struct qtest_state *s, const char *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno || end == v || *end)
		qtest_fatal(s, "'%s' answered a bad value '%s'", s->last_cmd, v);
	return x;
}

bool qtest_alive(struct qtest_state *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	const char *l;

	/* A dead target closes the stream: look before writing into it. */
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR)))
		return false;
	if (send(s->fd, "endianness\n", 11, MSG_NOSIGNAL) != 11)
		return false;
	snprintf(s->last_cmd, sizeof(s->last_cmd), "endianness");
	l = qtest_recv_line(s);
	return !strcmp(l, "OK little");
}

/* ---- port and memory accessors ---- */

void qtest_outb(struct qtest_state *s, uint16_t port, uint8_t v)
{
	cmd_ok(s, "outb 0x%x 0x%x", port, v);
}

void qtest_outw(struct qtest_state *s, uint16_t port, uint16_t v)
{
	cmd_ok(s, "outw 0x%x 0x%x", port, v);
}

void qtest_outl(struct qtest_state *s, uint16_t port, uint32_t v)
{
	cmd_ok(s, "outl 0x%x 0x%x", port, v);
}

uint8_t qtest_inb(struct qtest_state *s, uint16_t port)
{
	return (uint8_t)parse_value(s, cmd_ok(s, "inb 0x%x", port));
}

uint16_t qtest_inw(struct qtest_state *s, uint16_t port)
{
	return (uint16_t)parse_value(s, cmd_ok(s, "inw 0x%x", port));
}

uint32_t qtest_inl(struct qtest_state *s, uint16_t port)
{
	return (uint32_t)parse_value(s, cmd_ok(s, "inl 0x%x", port));
}

void qtest_writeb(struct qtest_state *s, uint64_t addr, uint8_t v)
{
	cmd_ok(s, "writeb 0x%" PRIx64 " 0x%x", addr, v);
}

void qtest_writew(struct qtest_state *s, uint64_t addr, uint16_t v)
{
	cmd_ok(s, "writew 0x%" PRIx64 " 0x%x", addr, v);
}

void qtest_writel(struct qtest_state *s, uint64_t addr, uint32_t v)
{
	cmd_ok(s, "writel 0x%" PRIx64 " 0x%x", addr, v);
}

void qtest_writeq(struct qtest_state *s, uint64_t addr, uint64_t v)
{
	cmd_ok(s, "writeq 0x%" PRIx64 " 0x%" PRIx64, addr, v);
}

uint8_t qtest_readb(struct qtest_state *s, uint64_t addr)
{
	return (uint8_t)parse_value(s, cmd_ok(s, "readb 0x%" PRIx64, addr));
}

uint16_t qtest_readw(struct qtest_state *s, uint64_t addr)
{
	return (uint16_t)parse_value(s, cmd_ok(s, "readw 0x%" PRIx64, addr));
}

uint32_t qtest_readl(struct qtest_state *s, uint64_t addr)
{
	return (uint32_t)parse_value(s, cmd_ok(s, "readl 0x%" PRIx64, addr));
}

uint64_t qtest_readq(struct qtest_state *s, uint64_t addr)
{
	return parse_value(s, cmd_ok(s, "readq 0x%" PRIx64, addr));
}

/* Send "<head><payload>\n" where the payload may be long (bulk writes). */
static const char *send_long(struct qtest_state *s, const char *head, const char *payload,
			     size_t plen)
{
	snprintf(s->last_cmd, sizeof(s->last_cmd), "%.100s...", head);
	send_all(s, head, strlen(head));
	send_all(s, payload, plen);
	send_all(s, "\n", 1);
	return qtest_recv_line(s);
}

void qtest_memread(struct qtest_state *s, uint64_t addr, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		size_t n = len < XFER_CHUNK ? len : XFER_CHUNK;
		const char *v = cmd_ok(s, "read 0x%" PRIx64 " 0x%zx", addr, n);

		if (strncmp(v, "0x", 2) || strlen(v + 2) != 2 * n)
			qtest_fatal(s, "'%s' answered %zu hex digits, want %zu", s->last_cmd,
				    strlen(v) - 2, 2 * n);
		for (size_t i = 0; i < n; i++) {
			int hi = hex_digit_value(v[2 + 2 * i]), lo = hex_digit_value(v[3 + 2 * i]);

			if (hi < 0 || lo < 0)
				qtest_fatal(s, "'%s' answered a non-hex digit", s->last_cmd);
			out[i] = (uint8_t)(hi << 4 | lo);
		}
		out += n;
		addr += n;
		len -= n;
	}
}

void qtest_memwrite(struct qtest_state *s, uint64_t addr, const void *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *in = buf;
	char *payload = malloc(2 * XFER_CHUNK + 3);

	if (!payload)
		qtest_fatal(s, "out of memory");
	while (len) {
		size_t n = len < XFER_CHUNK ? len : XFER_CHUNK;
		char head[80];
		const char *l;

		payload[0] = '0';
		payload[1] = 'x';
		for (size_t i = 0; i < n; i++) {
			payload[2 + 2 * i] = hex[in[i] >> 4];
			payload[3 + 2 * i] = hex[in[i] & 15];
		}
		snprintf(head, sizeof(head), "write 0x%" PRIx64 " 0x%zx ", addr, n);
		l = send_long(s, head, payload, 2 + 2 * n);
		if (strcmp(l, "OK"))
			qtest_fatal(s, "'%s' answered '%s'", head, l);
		in += n;
		addr += n;
		len -= n;
	}
	free(payload);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
	}
	return o;
}

static size_t b64_decode(struct qtest_state *s, const char *in, uint8_t *out, size_t max)
{
	static signed char val[256];
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	if (!val['B']) {
		memset(val, -1, sizeof(val));
		for (int i = 0; i < 64; i++)
			val[(unsigned char)b64[i]] = (signed char)i;
	}
	for (; *in && *in != '='; in++) {
		int v = val[(unsigned char)*in];

		if (v < 0)
			qtest_fatal(s, "'%s' answered bad base64", s->last_cmd);
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == max)
				qtest_fatal(s, "'%s' answered too much data", s->last_cmd);
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return o;
}

void qtest_bufread(struct qtest_state *s, uint64_t addr, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		size_t n = len < XFER_CHUNK ? len : XFER_CHUNK;
		const char *v = cmd_ok(s, "b64read 0x%" PRIx64 " 0x%zx", addr, n);

		if (b64_decode(s, v, out, n) != n)
			qtest_fatal(s, "'%s' answered too little data", s->last_cmd);
		out += n;
		addr += n;
		len -= n;
	}
}

void qtest_bufwrite(struct qtest_state *s, uint64_t addr, const void *buf, size_t len)
{
	const uint8_t *in = buf;
	char *payload = malloc((XFER_CHUNK + 2) / 3 * 4 + 1);

	if (!payload)
		qtest_fatal(s, "out of memory");
	while (len) {
		size_t n = len < XFER_CHUNK ? len : XFER_CHUNK;
		char head[80];
		const char *l;
		size_t plen = b64_encode(in, n, payload);

		snprintf(head, sizeof(head), "b64write 0x%" PRIx64 " 0x%zx ", addr, n);
		l = send_long(s, head, payload, plen);
		if (strcmp(l, "OK"))
			qtest_fatal(s, "'%s' answered '%s'", head, l);
		in += n;
		addr += n;
		len -= n;
	}
	free(payload);
}

void qtest_memset(struct qtest_state *s, uint64_t addr, uint8_t byte, size_t len)
{
	cmd_ok(s, "memset 0x%" PRIx64 " 0x%zx 0x%x", addr, len, byte);
}

/* ---- time ---- */

bool qtest_has_virtual_clock(const struct qtest_state *s)
{
	return s->virtual_clock;
}

uint64_t qtest_clock_step(struct qtest_state *s, uint64_t ns)
{
	struct timespec ts;

	if (s->virtual_clock)
		return parse_value(s, cmd_ok(s, "clock_step %" PRIu64, ns));
	/* Real-time target: let the time pass. */
	ts.tv_sec = (time_t)(ns / 1000000000ull);
	ts.tv_nsec = (long)(ns % 1000000000ull);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	s->slept_ns += ns;
	return s->slept_ns;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void qtest_wait_start(struct qtest_wait *w, struct qtest_state *s, uint64_t step_ns,
		      unsigned tries)
{
	*w = (struct qtest_wait){ .s = s, .step_ns = step_ns, .tries = tries,
				  .deadline_ns = mono_ns() + QTEST_HANG_MS * 1000000ull };
}

bool qtest_wait_more(struct qtest_wait *w)
{
	if (w->stepped < w->tries) {
		w->stepped++;
		qtest_clock_step(w->s, w->step_ns);
		return true;
	}
	if (mono_ns() > w->deadline_ns)
		return false;
	/* The clock budget is spent: look again as real time passes, backing off to 1 ms. */
	w->pause_us = w->pause_us ? (w->pause_us < 1000 ? w->pause_us * 2 : 1000) : 10;
	usleep(w->pause_us);
	return true;
}

bool qtest_clock_step_next(struct qtest_state *s, uint64_t *now)
{
	const char *l;

	if (!s->virtual_clock)
		return false;
	l = qtest_raw(s, "clock_step");
	if (strncmp(l, "OK ", 3))
		return false;
	if (now)
		*now = parse_value(s, l + 3);
	return true;
}

/* ---- interrupts ---- */

void qtest_irq_intercept_in(struct qtest_state *s, const char *path)
{
	cmd_ok(s, "irq_intercept_in %s", path);
}

bool qtest_get_irq(struct qtest_state *s, unsigned num)
{
	if (num >= MAX_IRQ)
		qtest_fatal(s, "irq %u out of range", num);
	/* A round trip: whatever the previous commands raised has arrived before its answer. */
	cmd_ok(s, "endianness");
	return s->irq_level[num];
}

bool qtest_irq_peek(struct qtest_state *s, unsigned num)
{
	if (num >= MAX_IRQ)
		qtest_fatal(s, "irq %u out of range", num);
	return s->irq_level[num];
}

unsigned qtest_irq_raises(struct qtest_state *s, unsigned num)
{
	if (num >= MAX_IRQ)
		qtest_fatal(s, "irq %u out of range", num);
	cmd_ok(s, "endianness");
	return s->irq_raises[num];
}

bool qtest_wait_irq(struct qtest_state *s, unsigned num, bool level, uint64_t step_ns,
		    unsigned tries)
{
	return QTEST_WAIT_UNTIL(s, qtest_get_irq(s, num) == level, step_ns, tries);
}

bool qtest_msi_intercept(struct qtest_state *s)
{
	return !strcmp(qtest_raw(s, "irq_intercept_msi"), "OK");
}

bool qtest_msi_pop(struct qtest_state *s, uint64_t *addr, uint32_t *data)
{
	cmd_ok(s, "endianness");
	if (s->msi_head == s->msi_tail)
		return false;
	*addr = s->msi_addr[s->msi_head % MSI_QUEUE];
	*data = s->msi_data[s->msi_head % MSI_QUEUE];
	s->msi_head++;
	return true;
}
