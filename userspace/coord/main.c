// SPDX-License-Identifier: GPL-2.0
/* xcloud-coord: the network coordinator between clouds. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coord.h"
#include "log.h"
#include "notify.h"
#include "signals.h"

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

/*
 * SIGHUP: the clouds, their etcd and the election are what the
 * coordinator is made of, so a changed file takes a restart; the reload
 * only checks it (signals.h).
 */
static int conf_check(const char *path, char *err, size_t len)
{
	struct coord_conf nc;
	int r = coord_conf_load(&nc, path);

	if (r)
		snprintf(err, len, "%s", nc.err);
	coord_conf_free(&nc);
	return r;
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
	struct xsd_signals sig;
	struct coord_conf conf;
	struct coord *co;
	bool test = false;
	int down;
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
			printf("cloud %s: %s%s%s\n", conf.cloud[i].name,
			       conf.cloud[i].etcd.endpoints,
			       conf.cloud[i].etcd.cert ? " (TLS client certificate)" :
			       conf.cloud[i].etcd.cacert ? " (TLS)" : "",
			       conf.cloud[i].etcd.user ? " (user)" : "");
		coord_conf_free(&conf);
		return 0;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	xlog_init("xcloud-coord");
	xsd_init(ev);
	co = coord_new(ev, &conf);
	if (!co) {
		xlog(SD_ERR "out of memory");
		coord_conf_free(&conf);
		return 1;
	}
	xlog("coordinating %zu clouds under %s/", conf.nclouds, conf.prefix);
	/* Every cloud read once (or found unreachable: each retries on
	 * its own): serving. */
	down = coord_start(co);
	xsd_ready("coordinating %zu clouds under %s/, %d unreachable at start",
		  conf.nclouds, conf.prefix, down);
	xsd_signals_start(ev, &sig, path, "xcloud-coord", conf_check);
	ev_run(ev, 0);
	xsd_signals_stop(ev, &sig);
	xsd_fini();
	coord_free(co);
	coord_conf_free(&conf);
	return 0;
}
