// SPDX-License-Identifier: GPL-2.0-only
/*
 * iovirt's entry point: parse the command line, then build, run and tear down
 * the VM — again on a guest reboot unless --no-reboot. The console terminal is
 * put in raw mode while the guest runs and restored on every way out.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "iovirt/config.h"
#include "iovirt/log.h"
#include "iovirt/qtest.h"
#include "iovirt/vm.h"
#include "iovirt/x86.h"

/* Saved terminal state: written once before the guest starts, read by signal handlers. */
static struct termios saved_tio;
static volatile sig_atomic_t tio_saved;

static void term_restore(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

static void term_signal(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void term_raw(void)
{
	struct termios tio;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio))
		return;
	tio = saved_tio;
	cfmakeraw(&tio);
	/* Keep output post-processing off too: the guest sends its own CR/LF. */
	tio_saved = 1;
	atexit(term_restore);
	signal(SIGTERM, term_signal);
	signal(SIGHUP, term_signal);
	signal(SIGINT, term_signal);
	signal(SIGQUIT, term_signal);
	tcsetattr(STDIN_FILENO, TCSANOW, &tio);
}

/*
 * Build and run the VM once; returns how it stopped, or -1 when it could not
 * be built (bad input: a missing file, too little memory, no KVM).
 */
static int run_once(const struct vm_config *cfg)
{
	struct vm vm;
	int why = -1;

	if (vm_create(&vm, cfg))
		goto out;
	if (machine_create(&vm))
		goto out;
	if (x86_load_kernel(&vm))
		goto out;
	if (vcpus_create(&vm))
		goto out;
	if (evloop_start_thread(&vm.loop, &vm.loop_thread)) {
		pr_err("cannot start the main event loop thread");
		goto out;
	}
	vm.loop_running = true;
	if (vcpus_start(&vm)) {
		pr_err("cannot start vCPU threads");
		goto out;
	}
	why = vm_wait_stop(&vm);
out:
	vm_destroy(&vm);
	return why;
}

/*
 * A closed stdin/stdout/stderr would be reused by the next open() (the epoll
 * fd, guest memory...) and then read or written as the console: park
 * /dev/null on any of them that is closed.
 */
static void stdio_fds_ensure(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			exit(2);
	}
}

int main(int argc, char **argv)
{
	struct vm_config cfg;
	int ret;

	stdio_fds_ensure();
	if (argc >= 2 && !strcmp(argv[1], "run")) {
		ret = cli_parse(argc - 1, argv + 1, &cfg);
	} else if (argc >= 2 && argv[1][0] == '-') {
		ret = cli_parse(argc, argv, &cfg);
		if (ret == 0 && !cfg.qtest) {
			fprintf(stderr, "iovirt: options need a command: iovirt run ...\n");
			return 2;
		}
	} else {
		if (argc >= 2)
			fprintf(stderr, "iovirt: unknown command '%s' (see iovirt --help)\n",
				argv[1]);
		else
			cli_usage();
		return 2;
	}
	if (ret == 1)
		return 0;
	if (ret)
		return 2;
	log_set_level(cfg.log_level);
	if (cfg.qtest)
		return qtest_main(&cfg);
	if (cfg.console == CONSOLE_SERIAL || cfg.console == CONSOLE_VIRTIO)
		term_raw();
	for (bool first = true;; first = false) {
		int why = run_once(&cfg);

		if (why == VM_STOP_RESET && !cfg.no_reboot) {
			pr_info("rebooting");
			continue;
		}
		term_restore();
		if (why < 0)
			return first ? 2 : 1;
		return why == VM_STOP_ERROR ? 1 : 0;
	}
}
