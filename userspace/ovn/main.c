// SPDX-License-Identifier: GPL-2.0
/* xcloud-ovn: keeps xcloud's EIP records in step with OVN's NAT rules. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf.h"
#include "log.h"
#include "notify.h"
#include "signals.h"
#include "ovn.h"

#define DEFAULT_CONFIG "/etc/xcloud/ovn.conf"

static const char about[] =
	"Reads OVN's NB and SB databases and keeps <prefix>/eip/addrs/\n"
	"in step: every dnat_and_snat NAT of a logical router is an EIP\n"
	"of the chassis its gateway port is bound to.\n";

/*
 * SIGHUP: the databases, the store and the mapping are what the program
 * is made of, so a changed file takes a restart; the reload only checks
 * it (signals.h).
 */
static int conf_check(const char *path, char *err, size_t len)
{
	/* Large (a thousand [chassis] sections): not on the stack. */
	struct ovn_conf *nc = calloc(1, sizeof(*nc));
	int r;

	if (!nc) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	r = ovn_conf_load(nc, path);
	if (r)
		snprintf(err, len, "%s", nc->err);
	ovn_conf_free(nc);
	free(nc);
	return r;
}

int main(int argc, char **argv)
{
	const char *path = DEFAULT_CONFIG;
	struct ev_loop *ev = EV_DEFAULT;
	struct xsd_signals sig;
	struct ovn_conf *conf;
	struct ovn_sync *s;
	bool test = false;
	int r;

	r = xsd_args(argc, argv, "xcloud-ovn", about, &path, &test);
	if (r >= 0)
		return r;
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
	xsd_signals_start(ev, &sig, path, "xcloud-ovn", conf_check);
	ev_run(ev, 0);
	xsd_signals_stop(ev, &sig);
	xsd_fini();
	ovn_sync_free(s);
	ovn_conf_free(conf);
	free(conf);
	return 0;
}
