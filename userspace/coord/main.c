// SPDX-License-Identifier: GPL-2.0
/* xcloud-coord: the network coordinator between clouds. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coord.h"
#include "conf.h"
#include "log.h"
#include "notify.h"
#include "signals.h"

#define DEFAULT_CONFIG "/etc/xcloud/coord.conf"

static const char about[] =
	"Watches every cloud's <prefix>/bindings/ and <prefix>/gateways/\n"
	"and keeps every other cloud's <prefix>/remote/ in step.\n";

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
	const char *path = DEFAULT_CONFIG;
	struct ev_loop *ev = EV_DEFAULT;
	struct xsd_signals sig;
	struct coord_conf conf;
	struct coord *co;
	bool test = false;
	int down;
	int r;

	r = xsd_args(argc, argv, "xcloud-coord", about, &path, &test);
	if (r >= 0)
		return r;
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
