// SPDX-License-Identifier: GPL-2.0
/* xcloudd: the xcloud node agent (switch, gateway, aggregation or router). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"
#include "notify.h"
#include "xcloudd.h"

#define DEFAULT_CONFIG "/etc/xcloud/xcloudd.conf"
#ifndef XCLOUD_VERSION
#error "XCLOUD_VERSION is set from the VERSION file by userspace/common.mk"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xcloudd [-c FILE] [options]\n"
		"  -c, --config FILE     configuration (default " DEFAULT_CONFIG ";\n"
		"                        \"-\" for none: flags only)\n"
		"  -r, --role ROLE       switch, gateway, aggregation or router\n"
		"  -n, --node NAME       this node's name, as ports declare it\n"
		"  -u, --underlay ADDR   this node's underlay address\n"
		"  -e, --etcd URL        this cloud's etcd (http://host:port)\n"
		"  -C, --cloud NAME      this cloud's name (for messages)\n"
		"  -d, --device VNI=DEV  serve virtual network VNI with device DEV\n"
		"                        (networks are also declared in the store)\n"
		"  -l, --lease-ttl SECS  lease of published entries (default 10)\n"
		"      --router NAME     router role: this virtual router's name\n"
		"      --eip-device DEV  aggregation role: device the pools point into\n"
		"      --eip-ingress DEV aggregation role: uplink whose EIP packets\n"
		"                        the device tunnels on arrival\n"
		"      --eip-handoff DEV router role: no NAT; each EIP is routed\n"
		"                        onto DEV (OVN's provider bridge)\n"
		"      --bird-socket, --bird-config, --bird-include PATH\n"
		"                        EIP roles: BIRD's control socket, main file,\n"
		"                        and the file xcloudd generates for it\n"
		"      --log-level LEVEL err, warning, notice, info (default) or debug\n"
		"      --metrics-listen ADDR:PORT  serve Prometheus metrics at\n"
		"                        http://ADDR:PORT/metrics ([ADDR6]:PORT for\n"
		"                        IPv6; default: none)\n"
		"      --metrics-max-peers N  per-peer series of devices with at most\n"
		"                        N tunnels (default 1000)\n"
		"      --status-socket PATH  where the agent answers --status\n"
		"                        (default " XD_STATUS_SOCKET "; \"-\" for none)\n"
		"  -s, --status          print the running agent's state and exit\n"
		"  -t, --test-config     check the configuration and exit\n"
		"  -V, --version         print \"xcloudd VERSION\" and exit\n"
		"  -h, --help            this text\n"
		"Flags win over the file. SIGHUP reads the file again (docs/control-plane.md).\n");
}

struct daemon {
	struct agent a;
	struct xd_conf conf;
	const char *path;
	const char *status_path;
	int argc;
	char **argv;
};

static void on_signal(struct ev_loop *ev, ev_signal *w, int revents)
{
	(void)revents;
	xd_log("signal %d, exiting (published entries expire with the lease)",
	       w->signum);
	xsd_stopping();
	ev_break(ev, EVBREAK_ALL);
}

static int parse(struct xd_conf *conf, int argc, char **argv,
		 struct daemon *d, bool *test, bool *status);

/* SIGHUP: the file again, with the same flags over it; a broken file
 * changes nothing. */
static void on_hup(struct ev_loop *ev, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	struct xd_conf nc;
	bool test, status;

	(void)ev;
	(void)revents;
	xsd_reloading();
	xd_conf_init(&nc);
	optind = 0;	/* getopt starts over */
	opterr = 0;
	if (parse(&nc, d->argc, d->argv, NULL, &test, &status) ||
	    (strcmp(d->path, "-") && xd_conf_load(&nc, d->path)) ||
	    xd_conf_check(&nc))
		xd_log(SD_ERR "reload: %s: %s; keeping the running configuration",
		       strcmp(d->path, "-") ? d->path : "flags", nc.err);
	else
		xd_reload(&d->a, &nc);
	xd_conf_free(&nc);
	xsd_reloaded();
}

static int add_device(struct xd_conf *conf, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *end;
	unsigned long vni;

	if (!eq)
		return -1;
	vni = strtoul(arg, &end, 10);
	if (end != eq || end == arg || vni > 0xffffff)
		return -1;
	return xd_conf_add_vni(conf, (uint32_t)vni, eq + 1);
}

/* The flags into conf; d is NULL on a reload (flags were checked at
 * start, and -h, -V and -c matter only then). 0, 1 (exit 0) or 2. */
static int parse(struct xd_conf *conf, int argc, char **argv,
		 struct daemon *d, bool *test, bool *status)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "role", required_argument, NULL, 'r' },
		{ "node", required_argument, NULL, 'n' },
		{ "underlay", required_argument, NULL, 'u' },
		{ "etcd", required_argument, NULL, 'e' },
		{ "cloud", required_argument, NULL, 'C' },
		{ "device", required_argument, NULL, 'd' },
		{ "lease-ttl", required_argument, NULL, 'l' },
		{ "router", required_argument, NULL, 'R' },
		{ "eip-device", required_argument, NULL, 'D' },
		{ "eip-ingress", required_argument, NULL, 'G' },
		{ "eip-handoff", required_argument, NULL, 'H' },
		{ "bird-socket", required_argument, NULL, 'S' },
		{ "bird-config", required_argument, NULL, 'B' },
		{ "bird-include", required_argument, NULL, 'I' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "status-socket", required_argument, NULL, 'P' },
		{ "metrics-listen", required_argument, NULL, 'M' },
		{ "metrics-max-peers", required_argument, NULL, 'N' },
		{ "status", no_argument, NULL, 's' },
		{ "test-config", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const keys[128] = {
		['r'] = "role", ['n'] = "node", ['u'] = "underlay",
		['e'] = "etcd", ['C'] = "cloud", ['l'] = "lease-ttl",
		/* long options only */
		['R'] = "router", ['D'] = "eip-device", ['G'] = "eip-ingress",
		['H'] = "eip-handoff",
		['S'] = "bird-socket", ['L'] = "log-level",
		['B'] = "bird-config", ['I'] = "bird-include",
		['M'] = "metrics-listen", ['N'] = "metrics-max-peers",
	};
	int o;

	*test = *status = false;
	while ((o = getopt_long(argc, argv, "c:r:n:u:e:C:d:l:sthV", opts,
				NULL)) != -1) {
		switch (o) {
		case 'c':
			if (d)
				d->path = optarg;
			break;
		case 'P':
			if (d)
				d->status_path = optarg;
			break;
		case 's':
			*status = true;
			break;
		case 'd':
			if (add_device(conf, optarg)) {
				fprintf(stderr, "xcloudd: --device %s: want VNI=DEVICE%s%s\n",
					optarg, conf->err[0] ? ": " : "",
					conf->err);
				return 2;
			}
			break;
		case 't':
			*test = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("xcloudd %s\n", XCLOUD_VERSION);
			return 1;
		case 'r': case 'n': case 'u': case 'e': case 'C': case 'l':
		case 'R': case 'D': case 'G': case 'H': case 'S': case 'B': case 'I':
		case 'L': case 'M': case 'N':
			if (xd_conf_set(conf, keys[o], optarg)) {
				fprintf(stderr, "xcloudd: --%s %s: %s\n", keys[o],
					optarg, conf->err);
				return 2;
			}
			break;
		default:
			if (d)
				usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	return 0;
}

/* -t: what the agent would run with. */
static void print_conf(const struct xd_conf *conf)
{
	printf("role %s node %s underlay %s cloud %s etcd %s\n",
	       xd_role_name(conf->role), conf->node,
	       conf->underlay ? conf->underlay : "-", conf->cloud,
	       conf->etcd);
	xd_role_ops(conf->role)->print_conf(conf);
	if (conf->metrics_listen)
		printf("metrics http://%s/metrics max-peers %u\n",
		       conf->metrics_listen, conf->metrics_max_peers);
	else
		printf("metrics off\n");
	for (unsigned int i = 0; i < conf->nvnis; i++) {
		char dev[IF_NAMESIZE], vrf[IF_NAMESIZE];
		uint32_t vni = conf->vni[i].vni;

		printf("vni %u device %s vrf %s prefixes %s\n", vni,
		       xd_vni_devname(conf, vni, dev),
		       xd_vni_vrfname(conf, vni, vrf),
		       conf->vni[i].prefixes ? conf->vni[i].prefixes : "-");
	}
}

int main(int argc, char **argv)
{
	struct ev_loop *ev = EV_DEFAULT;
	ev_signal sigint, sigterm, sighup;
	static struct daemon d = {
		.path = DEFAULT_CONFIG, .status_path = XD_STATUS_SOCKET,
	};
	struct xd_conf *conf = &d.conf;
	bool test, status;
	int r;

	d.argc = argc;
	d.argv = argv;
	xd_conf_init(conf);
	r = parse(conf, argc, argv, &d, &test, &status);
	if (r) {
		xd_conf_free(conf);
		return r == 1 ? 0 : 2;
	}
	if (status) {
		xd_conf_free(conf);
		return xd_status_query(d.status_path);
	}
	if ((strcmp(d.path, "-") && xd_conf_load(conf, d.path)) ||
	    xd_conf_check(conf)) {
		fprintf(stderr, "xcloudd: %s: %s\n",
			strcmp(d.path, "-") ? d.path : "flags", conf->err);
		xd_conf_free(conf);
		return 1;
	}
	if (test) {
		print_conf(conf);
		xd_conf_free(conf);
		return 0;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	xlog_init("xcloudd");
	xlog_set_level(conf->log_level);
	xsd_init(ev);
	xd_log("%s agent of node %s (cloud %s, underlay %s), etcd %s",
	       xd_role_name(conf->role), conf->node, conf->cloud,
	       conf->underlay ? conf->underlay : "-", conf->etcd);
	xsd_status("starting: reading the store");
	if (agent_init(&d.a, ev, conf)) {
		agent_fini(&d.a, false);
		xd_conf_free(conf);
		return 1;
	}
	if (xd_status_start(&d.a, d.status_path) || xd_metrics_start(&d.a)) {
		xd_status_stop(&d.a);
		agent_fini(&d.a, false);
		xd_conf_free(conf);
		return 1;
	}
	agent_start(&d.a);
	ev_signal_init(&sigint, on_signal, SIGINT);
	ev_signal_init(&sigterm, on_signal, SIGTERM);
	ev_signal_init(&sighup, on_hup, SIGHUP);
	sighup.data = &d;
	ev_signal_start(ev, &sigint);
	ev_signal_start(ev, &sigterm);
	ev_signal_start(ev, &sighup);
	ev_run(ev, 0);
	xd_metrics_stop(&d.a);
	xd_status_stop(&d.a);
	xsd_fini();
	agent_fini(&d.a, false);
	xd_conf_free(conf);
	return 0;
}
