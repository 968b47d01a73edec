// SPDX-License-Identifier: GPL-2.0-only
/*
 * Command line → struct vm_config. Every option is checked here, before any
 * resource is created, and a bad one gets one line naming it. Device options
 * take a comma-separated list of key=value pairs ("PATH,readonly=on").
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "iovirt-version.h"
#include "iovirt/config.h"

#define MEM_MIN (16ull << 20)

enum {
	OPT_KERNEL = 256,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_MEMORY,
	OPT_CPUS,
	OPT_CONSOLE,
	OPT_LOG_LEVEL,
	OPT_NO_REBOOT,
	OPT_HUGEPAGES,
	OPT_QTEST,
	OPT_EDU,
	OPT_DISK,
	OPT_NET,
	OPT_RNG,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option long_opts[] = {
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "no-reboot", no_argument, NULL, OPT_NO_REBOOT },
	{ "hugepages", no_argument, NULL, OPT_HUGEPAGES },
	{ "qtest", required_argument, NULL, OPT_QTEST },
	{ "edu", no_argument, NULL, OPT_EDU },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "net", required_argument, NULL, OPT_NET },
	{ "rng", no_argument, NULL, OPT_RNG },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

void cli_usage(void)
{
	fputs("usage: iovirt run --kernel PATH [options]\n"
	      "       iovirt --qtest unix:PATH|stdio [machine options]\n"
	      "       iovirt --help | --version\n"
	      "\n"
	      "  --kernel PATH        bzImage (boot protocol >= 2.12) or ELF vmlinux\n"
	      "  --initrd PATH        initial ramdisk\n"
	      "  --cmdline STRING     kernel command line\n"
	      "  --memory SIZE        guest RAM: 512M, 2G or bytes (default 512M)\n"
	      "  --cpus N             vCPUs (default 1)\n"
	      "  --hugepages          back guest RAM with hugetlbfs pages\n"
	      "  --console serial|virtio|none   guest console on stdio (default serial)\n"
	      "  --no-reboot          exit (status 0) when the guest reboots\n"
	      "  --log-level error|warn|info|debug\n"
	      "  --disk PATH[,readonly=on][,queues=N][,cache=none|writeback][,transport=pci|mmio]\n"
	      "        [,serial=S][,packed=on][,poll=USEC][,sched=batch] | vhost-user=SOCK[,queues=N]\n"
	      "  --net tap=NAME|fd=N|vhost-user=SOCK[,mac=MAC][,queues=N][,transport=pci|mmio]\n"
	      "        [,sched=batch]\n"
	      "  --rng                virtio-rng\n"
	      "  --edu                the edu PCI DMA test device\n"
	      "  --qtest unix:PATH|stdio   device harness: no vCPU, driven by the qtest protocol\n",
	      stdout);
}

int cli_parse_size(const char *s, u64 *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default:
		return -EINVAL;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end)
		return -EINVAL;
	if (shift && v > (~0ull >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int parse_mac(const char *s, u8 mac[6])
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6 || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (u8)v[i];
	/* A multicast address cannot be a station address. */
	if (mac[0] & 1)
		return -EINVAL;
	return 0;
}

static int parse_onoff(const char *opt, const char *key, const char *v, bool *out)
{
	if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else {
		fprintf(stderr, "iovirt: %s: %s=%s: expected on or off\n", opt, key, v);
		return -EINVAL;
	}
	return 0;
}

static int parse_transport(const char *opt, const char *v, enum transport_kind *t)
{
	if (!strcmp(v, "pci"))
		*t = TRANSPORT_PCI;
	else if (!strcmp(v, "mmio"))
		*t = TRANSPORT_MMIO;
	else {
		fprintf(stderr, "iovirt: %s: transport=%s: expected pci or mmio\n", opt, v);
		return -EINVAL;
	}
	return 0;
}

/*
 * Split "a,b=c,d=e" in place. The first item may be a bare value (the path);
 * each later one must be key=value. Returns the count or -EINVAL.
 */
struct kv {
	char *key;
	char *val;
};

static int split_kv(const char *opt, char *s, struct kv *kv, int max)
{
	int n = 0;

	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		char *eq = strchr(tok, '=');

		if (n == max) {
			fprintf(stderr, "iovirt: %s: too many parameters\n", opt);
			return -EINVAL;
		}
		if (eq) {
			*eq = '\0';
			kv[n].key = tok;
			kv[n].val = eq + 1;
		} else if (n == 0) {
			kv[n].key = NULL;
			kv[n].val = tok;
		} else {
			fprintf(stderr, "iovirt: %s: '%s' is not key=value\n", opt, tok);
			return -EINVAL;
		}
		n++;
	}
	if (!n) {
		fprintf(stderr, "iovirt: %s: empty value\n", opt);
		return -EINVAL;
	}
	return n;
}

/*
 * sched=batch|normal: the scheduling class of a device's queue threads
 * (struct virtio_iothread.sched_batch says what batch buys and costs).
 */
static int parse_sched(const char *opt, const char *v, bool *batch)
{
	if (!strcmp(v, "batch") || !strcmp(v, "normal")) {
		*batch = !strcmp(v, "batch");
		return 0;
	}
	fprintf(stderr, "iovirt: %s: sched=%s: expected batch or normal\n", opt, v);
	return -EINVAL;
}

static int parse_disk(struct vm_config *cfg, char *arg)
{
	struct disk_config *d;
	struct kv kv[16];
	int n;

	if (cfg->nr_disks == CONFIG_MAX_DEVICES) {
		fprintf(stderr, "iovirt: --disk: at most %d disks\n", CONFIG_MAX_DEVICES);
		return -EINVAL;
	}
	d = &cfg->disks[cfg->nr_disks];
	memset(d, 0, sizeof(*d));
	n = split_kv("--disk", arg, kv, (int)ARRAY_SIZE(kv));
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const char *k = kv[i].key, *v = kv[i].val;

		if (!k || !strcmp(k, "path")) {
			d->path = v;
		} else if (!strcmp(k, "vhost-user")) {
			d->vhost_user = v;
		} else if (!strcmp(k, "readonly")) {
			if (parse_onoff("--disk", k, v, &d->readonly))
				return -EINVAL;
		} else if (!strcmp(k, "packed")) {
			if (parse_onoff("--disk", k, v, &d->packed))
				return -EINVAL;
		} else if (!strcmp(k, "sched")) {
			if (parse_sched("--disk", v, &d->sched_batch))
				return -EINVAL;
		} else if (!strcmp(k, "queues")) {
			if (parse_uint(v, 1, 64, &d->queues)) {
				fprintf(stderr, "iovirt: --disk: queues=%s: expected 1..64\n", v);
				return -EINVAL;
			}
		} else if (!strcmp(k, "cache")) {
			if (!strcmp(v, "none"))
				d->cache = DISK_CACHE_NONE;
			else if (!strcmp(v, "writeback"))
				d->cache = DISK_CACHE_WRITEBACK;
			else {
				fprintf(stderr,
					"iovirt: --disk: cache=%s: expected none or writeback\n", v);
				return -EINVAL;
			}
		} else if (!strcmp(k, "transport")) {
			if (parse_transport("--disk", v, &d->transport))
				return -EINVAL;
		} else if (!strcmp(k, "poll")) {
			/* Adaptive polling of the queues, in microseconds (0: off). */
			if (parse_uint(v, 0, 1000000, &d->poll_us)) {
				fprintf(stderr, "iovirt: --disk: poll=%s: expected 0..1000000 (us)\n",
					v);
				return -EINVAL;
			}
		} else if (!strcmp(k, "serial")) {
			/* virtio-blk GET_ID returns at most 20 bytes (virtio 1.2 §5.2.6). */
			if (strlen(v) > 20) {
				fprintf(stderr, "iovirt: --disk: serial=%s: at most 20 characters\n",
					v);
				return -EINVAL;
			}
			d->serial = v;
		} else {
			fprintf(stderr, "iovirt: --disk: unknown parameter '%s'\n", k);
			return -EINVAL;
		}
	}
	if (!d->path == !d->vhost_user) {
		fprintf(stderr, "iovirt: --disk: give an image PATH or vhost-user=SOCK (one)\n");
		return -EINVAL;
	}
	cfg->nr_disks++;
	return 0;
}

static int parse_net(struct vm_config *cfg, char *arg)
{
	struct net_config *nc;
	struct kv kv[16];
	int n;

	if (cfg->nr_nets == CONFIG_MAX_DEVICES) {
		fprintf(stderr, "iovirt: --net: at most %d NICs\n", CONFIG_MAX_DEVICES);
		return -EINVAL;
	}
	nc = &cfg->nets[cfg->nr_nets];
	memset(nc, 0, sizeof(*nc));
	nc->tap_fd = -1;
	n = split_kv("--net", arg, kv, (int)ARRAY_SIZE(kv));
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const char *k = kv[i].key, *v = kv[i].val;

		if (!k) {
			fprintf(stderr, "iovirt: --net: '%s' is not key=value\n", v);
			return -EINVAL;
		} else if (!strcmp(k, "tap")) {
			if (!*v || strlen(v) >= 16) {
				fprintf(stderr, "iovirt: --net: tap=%s: bad interface name\n", v);
				return -EINVAL;
			}
			nc->tap = v;
		} else if (!strcmp(k, "fd")) {
			unsigned fd;

			if (parse_uint(v, 0, 1 << 20, &fd)) {
				fprintf(stderr, "iovirt: --net: fd=%s: not a file descriptor\n", v);
				return -EINVAL;
			}
			nc->tap_fd = (int)fd;
		} else if (!strcmp(k, "vhost-user")) {
			nc->vhost_user = v;
		} else if (!strcmp(k, "mac")) {
			if (parse_mac(v, nc->mac)) {
				fprintf(stderr, "iovirt: --net: mac=%s: not a unicast MAC address\n",
					v);
				return -EINVAL;
			}
			nc->mac_set = true;
		} else if (!strcmp(k, "queues")) {
			if (parse_uint(v, 1, 16, &nc->queues)) {
				fprintf(stderr, "iovirt: --net: queues=%s: expected 1..16\n", v);
				return -EINVAL;
			}
		} else if (!strcmp(k, "transport")) {
			if (parse_transport("--net", v, &nc->transport))
				return -EINVAL;
		} else if (!strcmp(k, "packed")) {
			if (parse_onoff("--net", k, v, &nc->packed))
				return -EINVAL;
		} else if (!strcmp(k, "sched")) {
			if (parse_sched("--net", v, &nc->sched_batch))
				return -EINVAL;
		} else {
			fprintf(stderr, "iovirt: --net: unknown parameter '%s'\n", k);
			return -EINVAL;
		}
	}
	if ((nc->tap != NULL) + (nc->tap_fd >= 0) + (nc->vhost_user != NULL) != 1) {
		fprintf(stderr, "iovirt: --net: give exactly one of tap=NAME, fd=N, vhost-user=SOCK\n");
		return -EINVAL;
	}
	cfg->nr_nets++;
	return 0;
}

int cli_parse(int argc, char **argv, struct vm_config *cfg)
{
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = 512ull << 20;
	cfg->ncpus = 1;
	cfg->console = CONSOLE_SERIAL;
	cfg->log_level = LOG_WARN;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
		const char *a = optarg;

		switch (c) {
		case OPT_KERNEL:
			cfg->kernel = a;
			break;
		case OPT_INITRD:
			cfg->initrd = a;
			break;
		case OPT_CMDLINE:
			cfg->cmdline = a;
			break;
		case OPT_MEMORY:
			if (cli_parse_size(a, &cfg->mem_size)) {
				fprintf(stderr, "iovirt: --memory %s: expected a size like 512M or 2G\n", a);
				return -EINVAL;
			}
			if (cfg->mem_size < MEM_MIN) {
				fprintf(stderr, "iovirt: --memory %s: at least 16M is needed\n", a);
				return -EINVAL;
			}
			if (cfg->mem_size > (1ull << 40)) {
				fprintf(stderr, "iovirt: --memory %s: at most 1T is supported\n", a);
				return -EINVAL;
			}
			cfg->mem_size = ALIGN_UP(cfg->mem_size, SZ_2M);
			break;
		case OPT_CPUS:
			if (parse_uint(a, 1, 255, &cfg->ncpus)) {
				fprintf(stderr, "iovirt: --cpus %s: expected a number from 1 to 255\n", a);
				return -EINVAL;
			}
			break;
		case OPT_CONSOLE:
			if (!strcmp(a, "serial"))
				cfg->console = CONSOLE_SERIAL;
			else if (!strcmp(a, "virtio"))
				cfg->console = CONSOLE_VIRTIO;
			else if (!strcmp(a, "none"))
				cfg->console = CONSOLE_NONE;
			else {
				fprintf(stderr, "iovirt: --console %s: expected serial, virtio or none\n", a);
				return -EINVAL;
			}
			break;
		case OPT_LOG_LEVEL:
			if (log_parse_level(a, &cfg->log_level)) {
				fprintf(stderr, "iovirt: --log-level %s: expected error, warn, info or debug\n", a);
				return -EINVAL;
			}
			break;
		case OPT_NO_REBOOT:
			cfg->no_reboot = true;
			break;
		case OPT_HUGEPAGES:
			cfg->hugepages = true;
			break;
		case OPT_QTEST:
			if (strcmp(a, "stdio") && strncmp(a, "unix:", 5)) {
				fprintf(stderr, "iovirt: --qtest %s: expected unix:PATH or stdio\n", a);
				return -EINVAL;
			}
			if (!strncmp(a, "unix:", 5) && !a[5]) {
				fprintf(stderr, "iovirt: --qtest unix: needs a socket path\n");
				return -EINVAL;
			}
			cfg->qtest = a;
			break;
		case OPT_EDU:
			cfg->edu = true;
			break;
		case OPT_DISK:
			if (parse_disk(cfg, optarg))
				return -EINVAL;
			break;
		case OPT_NET:
			if (parse_net(cfg, optarg))
				return -EINVAL;
			break;
		case OPT_RNG:
			cfg->rng = true;
			break;
		case OPT_HELP:
			cli_usage();
			return 1;
		case OPT_VERSION:
			printf("iovirt %s\n", IOVIRT_VERSION);
			return 1;
		case ':':
			fprintf(stderr, "iovirt: option %s needs a value\n", argv[optind - 1]);
			return -EINVAL;
		default:
			if (optopt)
				fprintf(stderr, "iovirt: option %s needs a value\n", argv[optind - 1]);
			else
				fprintf(stderr, "iovirt: unknown option '%s' (see iovirt --help)\n",
					argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "iovirt: unexpected argument '%s' (see iovirt --help)\n", argv[optind]);
		return -EINVAL;
	}
	if (!cfg->kernel && !cfg->qtest) {
		fprintf(stderr, "iovirt: --kernel is required\n");
		return -EINVAL;
	}
	for (unsigned i = 0; i < cfg->nr_disks; i++)
		if (cfg->disks[i].path && access(cfg->disks[i].path, R_OK)) {
			fprintf(stderr, "iovirt: --disk %s: %s\n", cfg->disks[i].path, strerror(errno));
			return -EINVAL;
		}
	return 0;
}
