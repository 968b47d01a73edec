// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for src/cli.c: every option, and every kind of bad input gets -EINVAL. */
#include <errno.h>
#include <unistd.h>

#include "check.h"
#include "iovirt/config.h"

/* Copies of the arguments: cli_parse modifies device options in place and cfg points into them. */
static char arg_store[32][128];

static int parse(struct vm_config *cfg, const char *const *args)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = (char *)"run";
	while (*args && argc < 31) {
		snprintf(arg_store[argc], sizeof(arg_store[argc]), "%s", *args++);
		argv[argc] = arg_store[argc];
		argc++;
	}
	argv[argc] = NULL;
	return cli_parse(argc, argv, cfg);
}

#define P(...) parse(&cfg, (const char *const[]){ __VA_ARGS__, NULL })

int main(void)
{
	struct vm_config cfg;
	u64 sz;

	CHECK_EQ(cli_parse_size("512M", &sz), 0);
	CHECK_EQ(sz, 512ull << 20);
	CHECK_EQ(cli_parse_size("2G", &sz), 0);
	CHECK_EQ(sz, 2ull << 30);
	CHECK_EQ(cli_parse_size("4096", &sz), 0);
	CHECK_EQ(sz, 4096);
	CHECK_EQ(cli_parse_size("1GiB", &sz), 0);
	CHECK_EQ(sz, 1ull << 30);
	CHECK_EQ(cli_parse_size("", &sz), -EINVAL);
	CHECK_EQ(cli_parse_size("-1G", &sz), -EINVAL);
	CHECK_EQ(cli_parse_size("12X", &sz), -EINVAL);
	CHECK_EQ(cli_parse_size("1G2", &sz), -EINVAL);
	CHECK_EQ(cli_parse_size("99999999999999999999", &sz), -EINVAL);
	CHECK_EQ(cli_parse_size("18446744073709551615T", &sz), -EINVAL);

	CHECK_EQ(P("--kernel", "/k"), 0);
	CHECK_STREQ(cfg.kernel, "/k");
	CHECK_EQ(cfg.mem_size, 512ull << 20);
	CHECK_EQ(cfg.ncpus, 1);
	CHECK_EQ(cfg.console, CONSOLE_SERIAL);
	CHECK_EQ(P("--kernel", "/k", "--memory", "2G", "--cpus", "2", "--cmdline", "console=ttyS0",
		   "--initrd", "/i", "--no-reboot", "--log-level", "debug"), 0);
	CHECK_EQ(cfg.mem_size, 2ull << 30);
	CHECK_EQ(cfg.ncpus, 2);
	CHECK(cfg.no_reboot);
	CHECK_EQ(cfg.log_level, LOG_DEBUG);
	CHECK_STREQ(cfg.cmdline, "console=ttyS0");
	CHECK_EQ(P("--kernel=/k", "--memory=1G"), 0);
	CHECK_EQ(cfg.mem_size, 1ull << 30);

	/* Bad input: each one a clean -EINVAL. */
	CHECK_EQ(P("--memory", "1G"), -EINVAL);			/* no kernel */
	CHECK_EQ(P("--kernel", "/k", "--bogus"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--memory"), -EINVAL);	/* missing value */
	CHECK_EQ(P("--kernel", "/k", "--memory", "lots"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--memory", "1M"), -EINVAL);	/* too small */
	CHECK_EQ(P("--kernel", "/k", "--memory", "4T"), -EINVAL);	/* too big */
	CHECK_EQ(P("--kernel", "/k", "--cpus", "0"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--cpus", "256"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--cpus", "two"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--console", "vga"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--log-level", "loud"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "extra"), -EINVAL);
	CHECK_EQ(P("--qtest", "tcp:1"), -EINVAL);
	CHECK_EQ(P("--qtest", "unix:"), -EINVAL);
	CHECK_EQ(P("--qtest", "unix:/tmp/x"), 0);

	/* Device options. */
	CHECK_EQ(P("--kernel", "/k", "--disk", "/dev/null,readonly=on,queues=2,cache=none,serial=abc"), 0);
	CHECK_EQ(cfg.nr_disks, 1);
	CHECK(cfg.disks[0].readonly);
	CHECK_EQ(cfg.disks[0].queues, 2);
	CHECK_EQ(cfg.disks[0].cache, DISK_CACHE_NONE);
	CHECK_STREQ(cfg.disks[0].serial, "abc");
	CHECK_EQ(P("--kernel", "/k", "--disk", "/nonexistent/image"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--disk", "/dev/null,readonly=maybe"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--disk", "/dev/null,queues=0"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--disk", "/dev/null,queues=65"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--disk", "/dev/null,cache=fast"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--disk", "/dev/null,serial=123456789012345678901"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--disk", "/dev/null,color=red"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--disk", "/dev/null,sched=batch"), 0);
	CHECK(cfg.disks[0].sched_batch);
	CHECK_EQ(P("--kernel", "/k", "--disk", "/dev/null,sched=normal"), 0);
	CHECK(!cfg.disks[0].sched_batch);
	CHECK_EQ(P("--kernel", "/k", "--disk", "/dev/null,sched=fifo"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--disk", "/dev/null,sched="), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--disk", "/dev/null,vhost-user=/s"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--disk", "vhost-user=/s,queues=4"), 0);
	CHECK_STREQ(cfg.disks[0].vhost_user, "/s");

	CHECK_EQ(P("--kernel", "/k", "--net", "tap=tap0,mac=52:54:00:12:34:56,queues=2"), 0);
	CHECK_EQ(cfg.nr_nets, 1);
	CHECK_EQ(cfg.nets[0].mac[5], 0x56);
	CHECK(cfg.nets[0].mac_set);
	CHECK_EQ(P("--kernel", "/k", "--net", "tap=tap0,mac=01:00:00:00:00:01"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--net", "tap=tap0,mac=52:54:00:12:34"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--net", "tap=tap0,mac=52:54:00:12:34:567"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--net", "tap=averyveryverylongname"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--net", "mac=52:54:00:12:34:56"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--net", "tap=a,vhost-user=/s"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--net", "tap=a,queues=17"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--net", "tap=a,sched=batch"), 0);
	CHECK(cfg.nets[0].sched_batch);
	CHECK_EQ(P("--kernel", "/k", "--net", "tap=a,sched=idle"), -EINVAL);
	CHECK_EQ(P("--kernel", "/k", "--net", "tap0"), -EINVAL);

	return check_done();
}
