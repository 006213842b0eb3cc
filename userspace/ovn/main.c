// SPDX-License-Identifier: GPL-2.0
/* xcloud-ovn: keeps xcloud's EIP records in step with OVN's NAT rules. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "notify.h"
#include "ovn.h"

#define DEFAULT_CONFIG "/etc/xcloud/ovn.conf"
#ifndef XCLOUD_VERSION
#error "XCLOUD_VERSION is set from the VERSION file by userspace/common.mk"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xcloud-ovn [-c FILE] [-t]\n"
		"       xcloud-ovn -V | -h\n"
		"  -c, --config FILE  configuration (default " DEFAULT_CONFIG ")\n"
		"  -t, --test-config  check the configuration and exit\n"
		"  -V, --version      print \"xcloud-ovn VERSION\" and exit\n"
		"  -h, --help         this text\n"
		"\n"
		"Reads OVN's NB and SB databases and keeps <prefix>/eip/addrs/\n"
		"in step: every dnat_and_snat NAT of a logical router is an EIP\n"
		"of the chassis its gateway port is bound to.\n");
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
 * SIGHUP: the databases, the store and the mapping are what the program
 * is made of, so a changed file takes a restart; the reload checks it and
 * says so (a broken file: which line, and why).
 */
static void on_hup(struct ev_loop *ev, ev_signal *w, int revents)
{
	const char *path = w->data;
	struct ovn_conf *nc;
	char *now;

	(void)ev;
	(void)revents;
	xsd_reloading();
	now = slurp(path);
	nc = calloc(1, sizeof(*nc));	/* freed whether loaded or not */
	if (!now || !nc)
		xlog(SD_ERR "reload: cannot read %s; running on", path);
	else if (loaded && !strcmp(now, loaded))
		xlog("reload: %s unchanged, nothing to do", path);
	else if (ovn_conf_load(nc, path))
		xlog(SD_ERR "reload: %s: %s; keeping the running configuration",
		     path, nc->err);
	else
		xlog(SD_WARNING "reload: %s changed: needs a restart (systemctl restart xcloud-ovn); running on as started",
		     path);
	if (nc) {
		ovn_conf_free(nc);
		free(nc);
	}
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
	struct ovn_conf *conf;
	struct ovn_sync *s;
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
			printf("xcloud-ovn %s\n", XCLOUD_VERSION);
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
	/* Large (a thousand [chassis] sections): not on the stack. */
	conf = malloc(sizeof(*conf));
	if (!conf)
		return 1;
	if (ovn_conf_load(conf, path)) {
		fprintf(stderr, "xcloud-ovn: %s: %s\n", path, conf->err);
		ovn_conf_free(conf);
		free(conf);
		return 1;
	}
	if (test) {
		printf("nb %s\nsb %s\netcd %s\nprefix %s\nsource %s\n",
		       conf->nb, conf->sb, conf->etcd.endpoints, conf->prefix,
		       conf->source);
		for (size_t i = 0; i < conf->nchassis; i++)
			printf("chassis %s: router %s node %s\n",
			       conf->chassis[i].name,
			       conf->chassis[i].router ? conf->chassis[i].router : "(its name)",
			       conf->chassis[i].node ? conf->chassis[i].node : "(its Encap ip)");
		ovn_conf_free(conf);
		free(conf);
		return 0;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	xlog_init("xcloud-ovn");
	xsd_init(ev);
	loaded = slurp(path);
	s = ovn_sync_new(ev, conf);
	if (!s) {
		ovn_conf_free(conf);
		free(conf);
		return 1;
	}
	xlog("reading OVN at %s and %s into %s/eip/addrs/ (source \"%s\")",
	     conf->nb, conf->sb, conf->prefix, conf->source);
	ovn_sync_start(s);
	/* Serving: each database and the store connect (and retry) on
	 * their own; STATUS= says when the records are in step. */
	xsd_ready("reading OVN at %s and %s", conf->nb, conf->sb);
	ev_signal_init(&sigint, on_signal, SIGINT);
	ev_signal_init(&sigterm, on_signal, SIGTERM);
	ev_signal_init(&sighup, on_hup, SIGHUP);
	sighup.data = (void *)path;
	ev_signal_start(ev, &sigint);
	ev_signal_start(ev, &sigterm);
	ev_signal_start(ev, &sighup);
	ev_run(ev, 0);
	xsd_fini();
	ovn_sync_free(s);
	ovn_conf_free(conf);
	free(conf);
	free(loaded);
	return 0;
}
