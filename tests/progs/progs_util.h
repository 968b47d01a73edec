/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the tests of the vhost-user back-end programs: start a program
 * as a child process, run one to completion with its stderr captured, find
 * the program binaries (meson passes their paths in the environment), and a
 * scratch directory removed at exit.
 */
#ifndef IOVIRT_TEST_PROGS_UTIL_H
#define IOVIRT_TEST_PROGS_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "wait.h"

static char progs_dir[64];

static void progs_cleanup(void)
{
	char cmd[96];

	if (progs_dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", progs_dir);
		if (system(cmd))
			fprintf(stderr, "cannot remove %s\n", progs_dir);
	}
}

/* A scratch directory for sockets and images, removed at exit. */
static const char *progs_tmpdir(void)
{
	if (!progs_dir[0]) {
		snprintf(progs_dir, sizeof(progs_dir), "/tmp/iovirt-progs-XXXXXX");
		if (!mkdtemp(progs_dir))
			CHECK_SKIP("cannot create a scratch directory: %s", strerror(errno));
		atexit(progs_cleanup);
	}
	return progs_dir;
}

/* The program's path from the environment variable meson sets. */
static const char *progs_bin(const char *env)
{
	const char *p = getenv(env);

	if (!p || access(p, X_OK))
		CHECK_SKIP("%s does not name the program (run through meson test)", env);
	return p;
}

/* Start argv[0] with argv; its stderr goes to errpath (appended) when given. */
static pid_t progs_spawn(const char *const argv[], const char *errpath)
{
	pid_t pid = fork();

	if (pid < 0)
		CHECK_SKIP("fork: %s", strerror(errno));
	if (pid == 0) {
		if (errpath) {
			int fd = open(errpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

			if (fd >= 0)
				dup2(fd, STDERR_FILENO);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Signal a child and reap it; returns its wait status. */
static int progs_kill(pid_t pid, int sig)
{
	int st = 0;

	kill(pid, sig);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* Wait for a child to exit by itself within timeout_ms; -1 when it does not. */
static int progs_wait(pid_t pid, int timeout_ms)
{
	for (int t = 0; t < timeout_ms; t += 10) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return st;
		usleep(10000);
	}
	return -1;
}

/* Run argv to completion with stderr captured into err (NUL-terminated); exit code or -1. */
static int progs_run_capture(const char *const argv[], char *err, size_t errlen)
{
	char path[128];
	pid_t pid;
	int st, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stderr.txt", progs_tmpdir());
	unlink(path);
	pid = progs_spawn(argv, path);
	st = progs_wait(pid, TEST_HANG_MS);	/* it exits at once; the bound is a hang */
	if (st < 0) {
		progs_kill(pid, SIGKILL);
		return -1;
	}
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, err, errlen - 1) : 0;
	err[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Copy a child's log to our stderr (meson keeps it), prefixed; true if it has sanitizer reports. */
static bool progs_dump_log(const char *path, const char *who)
{
	char line[512];
	bool bad = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		fprintf(stderr, "[%s] %s", who, line);
		if (strstr(line, "Sanitizer") || strstr(line, "runtime error"))
			bad = true;
	}
	fclose(f);
	unlink(path);
	return bad;
}

/* Lines in s. */
static unsigned progs_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void progs_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

#endif
