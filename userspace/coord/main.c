// SPDX-License-Identifier: GPL-2.0
/* xcloud-coord: the network coordinator between clouds. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coord.h"

#define DEFAULT_CONFIG "/etc/xcloud/coord.conf"
#ifndef XCLOUD_VERSION
#error "XCLOUD_VERSION is set from the VERSION file by userspace/common.mk"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xcloud-coord [-c FILE] [-t]\n"
		"       xcloud-coord -V | -h\n"
		"  -c, --config FILE  configuration (default " DEFAULT_CONFIG ")\n"
		"  -t, --test-config  check the configuration and exit\n"
		"  -V, --version      print \"xcloud-coord VERSION\" and exit\n"
		"  -h, --help         this text\n"
		"\n"
		"Watches every cloud's <prefix>/bindings/ and <prefix>/gateways/\n"
		"and keeps every other cloud's <prefix>/remote/ in step.\n");
}

static void on_signal(struct ev_loop *ev, ev_signal *w, int revents)
{
	(void)revents;
	fprintf(stderr, "xcloud-coord: signal %d, exiting\n", w->signum);
	ev_break(ev, EVBREAK_ALL);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "test-config", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_CONFIG;
	struct ev_loop *ev = EV_DEFAULT;
	ev_signal sigint, sigterm;
	struct coord_conf conf;
	struct coord *co;
	bool test = false;
	int o;

	while ((o = getopt_long(argc, argv, "c:thV", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			path = optarg;
			break;
		case 't':
			test = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("xcloud-coord %s\n", XCLOUD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (coord_conf_load(&conf, path)) {
		fprintf(stderr, "xcloud-coord: %s: %s\n", path, conf.err);
		coord_conf_free(&conf);
		return 1;
	}
	if (test) {
		for (size_t i = 0; i < conf.nclouds; i++)
			printf("cloud %s: %s\n", conf.cloud[i].name,
			       conf.cloud[i].etcd);
		coord_conf_free(&conf);
		return 0;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	co = coord_new(ev, &conf);
	if (!co) {
		fprintf(stderr, "xcloud-coord: out of memory\n");
		coord_conf_free(&conf);
		return 1;
	}
	fprintf(stderr, "xcloud-coord: coordinating %zu clouds under %s/\n",
		conf.nclouds, conf.prefix);
	coord_start(co);
	ev_signal_init(&sigint, on_signal, SIGINT);
	ev_signal_init(&sigterm, on_signal, SIGTERM);
	ev_signal_start(ev, &sigint);
	ev_signal_start(ev, &sigterm);
	ev_run(ev, 0);
	coord_free(co);
	coord_conf_free(&conf);
	return 0;
}
