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
	xlog("signal %d, exiting", w->signum);
	xsd_stopping();
	ev_break(ev, EVBREAK_ALL);
}

/* The file as read at start: SIGHUP compares with it. */
static char *loaded;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int c;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	while (m && (c = getc(f)) != EOF)
		putc(c, m);
	if (m)
		fclose(m);
	fclose(f);
	return buf;
}

/*
 * SIGHUP: the clouds, their etcd and the election are what the
 * coordinator is made of, so a changed file takes a restart; the reload
 * checks it and says so (a broken file: which line, and why).
 */
static void on_hup(struct ev_loop *ev, ev_signal *w, int revents)
{
	const char *path = w->data;
	struct coord_conf nc;
	char *now;

	(void)ev;
	(void)revents;
	xsd_reloading();
	now = slurp(path);
	if (!now)
		xlog(SD_ERR "reload: cannot read %s; running on", path);
	else if (loaded && !strcmp(now, loaded))
		xlog("reload: %s unchanged, nothing to do", path);
	else if (coord_conf_load(&nc, path))
		xlog(SD_ERR "reload: %s: %s; keeping the running configuration",
		     path, nc.err);
	else
		xlog(SD_WARNING "reload: %s changed: needs a restart (systemctl restart xcloud-coord); running on as started",
		     path);
	if (now && !(loaded && !strcmp(now, loaded)))
		coord_conf_free(&nc);
	free(now);
	xsd_reloaded();
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
	ev_signal sigint, sigterm, sighup;
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
	loaded = slurp(path);
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
	ev_signal_init(&sigint, on_signal, SIGINT);
	ev_signal_init(&sigterm, on_signal, SIGTERM);
	ev_signal_init(&sighup, on_hup, SIGHUP);
	sighup.data = (void *)path;
	ev_signal_start(ev, &sigint);
	ev_signal_start(ev, &sigterm);
	ev_signal_start(ev, &sighup);
	ev_run(ev, 0);
	xsd_fini();
	coord_free(co);
	coord_conf_free(&conf);
	free(loaded);
	return 0;
}
