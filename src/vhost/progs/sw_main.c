// SPDX-License-Identifier: GPL-2.0-only
/*
 * iovirt-vswitch: the command line, the ports and threads, and the counters.
 * The main thread runs the control loop over every port's socket (prog.c);
 * --threads workers forward frames (sw_fwd.c). Per-port counters are printed
 * on SIGUSR1 and at exit, one line per port, on standard output.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "sw.h"

#define PROG "iovirt-vswitch"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " --port PATH [--port PATH]... [--uplink tap=NAME] [--poll]\n"
		"       [--queues N] [--threads N] [--client] [--mac-age SECONDS] [--verbose]\n"
		"  --port PATH        a vhost-user virtio-net port: listen on PATH (connect with\n"
		"                     --client); up to %u ports\n"
		"  --uplink tap=NAME  a tap device (created if absent) as one more port\n"
		"  --uplink gen=BYTES a frame generator as one more port (benchmarks; needs\n"
		"                     --poll): broadcast frames of BYTES bytes (%u..%u), as\n"
		"                     many as the other ports take; frames to it are dropped\n"
		"  --poll             busy-poll the rings on the worker threads\n"
		"  --queues N         queue pairs offered per port, 1..%u (default 1)\n"
		"  --threads N        forwarding threads, 1..%u (default 1)\n"
		"  --client           connect to every port's PATH instead of listening\n"
		"  --mac-age SECONDS  forget an address unseen this long (default 300)\n"
		"counters: kill -USR1 <pid> prints them; they are printed at exit too\n",
		SW_MAX_PORTS, SW_GEN_MIN, SW_FRAME_MAX, SW_MAX_PAIRS, SW_MAX_THREADS);
}

static void print_stats(struct vswitch *sw)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	for (unsigned i = 0; i < sw->nports; i++) {
		struct sw_port *p = &sw->port[i];
		struct sw_port_stats *s = &p->st;

		printf("vswitch: port %u %s: rx %llu pkts %llu bytes %llu dropped, "
		       "tx %llu pkts %llu bytes %llu dropped\n",
		       i, p->name, (unsigned long long)atomic_load(&s->rx_packets),
		       (unsigned long long)atomic_load(&s->rx_bytes),
		       (unsigned long long)atomic_load(&s->rx_dropped),
		       (unsigned long long)atomic_load(&s->tx_packets),
		       (unsigned long long)atomic_load(&s->tx_bytes),
		       (unsigned long long)atomic_load(&s->tx_dropped));
	}
	printf("vswitch: mac table %u addresses (%llu learned, %llu moved, %llu evicted)\n",
	       sw_mac_count(&sw->mac, (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec),
	       (unsigned long long)atomic_load(&sw->mac.learned),
	       (unsigned long long)atomic_load(&sw->mac.moved),
	       (unsigned long long)atomic_load(&sw->mac.evicted));
	fflush(stdout);
}

static bool on_signal(void *opaque, int sig)
{
	if (sig == SIGUSR1) {
		print_stats(opaque);
		return true;
	}
	return sig == SIGHUP;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'P' },
		{ "uplink", required_argument, NULL, 'u' },
		{ "poll", no_argument, NULL, 'p' },
		{ "queues", required_argument, NULL, 'q' },
		{ "threads", required_argument, NULL, 't' },
		{ "client", no_argument, NULL, 'c' },
		{ "mac-age", required_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static struct vswitch sw;
	const char *paths[SW_MAX_PORTS], *uplink = NULL;
	unsigned npaths = 0, pairs = 1, threads = 1, age = 300, gen_bytes = 0;
	struct prog_endpoint *eps[SW_MAX_PORTS];
	bool client = false;
	int c, sigfd, ret = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			if (npaths + (uplink || gen_bytes) == SW_MAX_PORTS) {
				fprintf(stderr, PROG ": at most %u ports\n", SW_MAX_PORTS);
				return 2;
			}
			paths[npaths++] = optarg;
			break;
		case 'u':
			if (uplink || gen_bytes || npaths == SW_MAX_PORTS) {
				fprintf(stderr, PROG ": one --uplink, at most %u ports in all\n",
					SW_MAX_PORTS);
				return 2;
			}
			if (!strncmp(optarg, "gen=", 4)) {
				if (!prog_parse_uint(optarg + 4, SW_GEN_MIN, SW_FRAME_MAX, &gen_bytes)) {
					fprintf(stderr, PROG ": --uplink '%s': expected gen=%u..%u\n",
						optarg, SW_GEN_MIN, SW_FRAME_MAX);
					return 2;
				}
				break;
			}
			if (strncmp(optarg, "tap=", 4) || !optarg[4] || strlen(optarg + 4) >= IFNAMSIZ) {
				fprintf(stderr,
					PROG ": --uplink '%s': expected tap=NAME (NAME < %u chars) or "
					     "gen=BYTES\n",
					optarg, IFNAMSIZ);
				return 2;
			}
			uplink = optarg + 4;
			break;
		case 'p':
			sw.poll = true;
			break;
		case 'q':
			if (!prog_parse_uint(optarg, 1, SW_MAX_PAIRS, &pairs)) {
				fprintf(stderr, PROG ": --queues '%s': expected 1..%u\n", optarg,
					SW_MAX_PAIRS);
				return 2;
			}
			break;
		case 't':
			if (!prog_parse_uint(optarg, 1, SW_MAX_THREADS, &threads)) {
				fprintf(stderr, PROG ": --threads '%s': expected 1..%u\n", optarg,
					SW_MAX_THREADS);
				return 2;
			}
			break;
		case 'c':
			client = true;
			break;
		case 'a':
			if (!prog_parse_uint(optarg, 1, 86400, &age)) {
				fprintf(stderr, PROG ": --mac-age '%s': expected 1..86400 seconds\n",
					optarg);
				return 2;
			}
			break;
		case 'v':
			log_set_level(LOG_INFO);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!npaths) {
		fprintf(stderr, PROG ": at least one --port is required (see --help)\n");
		return 2;
	}
	if (gen_bytes && !sw.poll) {
		fprintf(stderr, PROG ": --uplink gen= needs --poll (a generator has no fd to wait on)\n");
		return 2;
	}
	for (unsigned i = 0; i < npaths; i++)
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(paths[i], paths[j])) {
				fprintf(stderr, PROG ": --port '%s' given twice\n", paths[i]);
				return 2;
			}

	sigfd = prog_signals_init();
	if (sigfd < 0) {
		fprintf(stderr, PROG ": cannot set up signals: %s\n", strerror(-sigfd));
		return 1;
	}
	sw_mac_init(&sw.mac, (u64)age * 1000000000ull);
	sw.ops = sw_port_ops_template;
	sw.ops.num_queues = (u16)(2 * pairs + 1);
	sw.nworkers = threads;
	for (unsigned i = 0; i < npaths; i++) {
		struct sw_port *p = &sw.port[sw.nports];

		p->sw = &sw;
		p->id = (int)sw.nports;
		snprintf(p->name, sizeof(p->name), "vswitch port %u", sw.nports);
		if (sw_port_init_vhost(&sw, p, paths[i], client, pairs))
			goto out; /* said why */
		sw.nports++;
	}
	if (uplink) {
		struct sw_port *p = &sw.port[sw.nports];

		p->sw = &sw;
		p->id = (int)sw.nports;
		snprintf(p->name, sizeof(p->name), "uplink tap %s", uplink);
		if (sw_port_init_tap(&sw, p, uplink))
			goto out;
		sw.nports++;
	}
	if (gen_bytes) {
		struct sw_port *p = &sw.port[sw.nports];

		p->sw = &sw;
		p->id = (int)sw.nports;
		snprintf(p->name, sizeof(p->name), "generator (%u-byte frames)", gen_bytes);
		ret = sw_port_init_gen(p, gen_bytes);
		if (ret) {
			fprintf(stderr, PROG ": generator: %s\n", strerror(-ret));
			ret = 1;
			goto out;
		}
		sw.nports++;
	}
	ret = sw_workers_start(&sw);
	if (ret) {
		fprintf(stderr, PROG ": cannot start the forwarding threads: %s\n", strerror(-ret));
		ret = 1;
		goto out;
	}
	pr_info("%u port(s), %u queue pair(s) each, %u %s thread(s)", sw.nports, pairs, threads,
		sw.poll ? "polling" : "event");

	for (unsigned i = 0; i < npaths; i++)
		eps[i] = &sw.port[i].ep;
	ret = prog_run(eps, npaths, sigfd, on_signal, &sw) ? 1 : 0;
	/* Connections first (their queues stop), then the workers. */
	for (unsigned i = 0; i < npaths; i++)
		prog_endpoint_close(&sw.port[i].ep);
	print_stats(&sw);
out:
	sw_workers_stop(&sw);
	for (unsigned i = 0; i < sw.nports; i++)
		sw_port_fini(&sw.port[i]);
	sw_mac_destroy(&sw.mac);
	close(sigfd);
	return ret;
}
