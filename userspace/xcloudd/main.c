// SPDX-License-Identifier: GPL-2.0
/* xcloudd: the xcloud node agent (switch, gateway, aggregation or router). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
		"      --bird-socket, --bird-config, --bird-include PATH\n"
		"                        EIP roles: BIRD's control socket, main file,\n"
		"                        and the file xcloudd generates for it\n"
		"  -t, --test-config     check the configuration and exit\n"
		"  -V, --version         print \"xcloudd VERSION\" and exit\n"
		"  -h, --help            this text\n"
		"Flags win over the file.\n");
}

static void on_signal(struct ev_loop *ev, ev_signal *w, int revents)
{
	(void)revents;
	xd_log("signal %d, exiting (published entries expire with the lease)",
	       w->signum);
	ev_break(ev, EVBREAK_ALL);
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

int main(int argc, char **argv)
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
		{ "bird-socket", required_argument, NULL, 'S' },
		{ "bird-config", required_argument, NULL, 'B' },
		{ "bird-include", required_argument, NULL, 'I' },
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
		['S'] = "bird-socket",
		['B'] = "bird-config", ['I'] = "bird-include",
	};
	const char *path = DEFAULT_CONFIG;
	struct ev_loop *ev = EV_DEFAULT;
	ev_signal sigint, sigterm;
	struct xd_conf conf;
	struct agent a;
	bool test = false;
	int o, rc = 0;

	xd_conf_init(&conf);
	while ((o = getopt_long(argc, argv, "c:r:n:u:e:C:d:l:thV", opts,
				NULL)) != -1) {
		switch (o) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			if (add_device(&conf, optarg)) {
				fprintf(stderr, "xcloudd: --device %s: want VNI=DEVICE%s%s\n",
					optarg, conf.err[0] ? ": " : "",
					conf.err);
				return 2;
			}
			break;
		case 't':
			test = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("xcloudd %s\n", XCLOUD_VERSION);
			return 0;
		case 'r': case 'n': case 'u': case 'e': case 'C': case 'l':
		case 'R': case 'D': case 'G': case 'S': case 'B': case 'I':
			if (xd_conf_set(&conf, keys[o], optarg)) {
				fprintf(stderr, "xcloudd: --%s %s: %s\n", keys[o],
					optarg, conf.err);
				return 2;
			}
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if ((strcmp(path, "-") && xd_conf_load(&conf, path)) ||
	    xd_conf_check(&conf)) {
		fprintf(stderr, "xcloudd: %s: %s\n",
			strcmp(path, "-") ? path : "flags", conf.err);
		xd_conf_free(&conf);
		return 1;
	}
	if (test) {
		printf("role %s node %s underlay %s cloud %s etcd %s\n",
		       xd_role_name(conf.role), conf.node,
		       conf.underlay ? conf.underlay : "-", conf.cloud,
		       conf.etcd);
		if (XD_ROLE_EIP(conf.role))
			printf("router %s eip-device %s eip-ingress %s bird-socket %s bird-config %s bird-include %s\n",
			       conf.router ? conf.router : "-",
			       conf.eip_device ? conf.eip_device : "-",
			       conf.eip_ingress ? conf.eip_ingress : "-",
			       conf.bird_socket, conf.bird_config,
			       conf.bird_include);
		if (!XD_ROLE_EIP(conf.role))
			printf("table-range %u-%u port %u tunnels %s\n",
			       conf.table_first, conf.table_last, conf.port,
			       xc_tunnels_name(conf.tunnels));
		for (unsigned int i = 0; i < conf.nvnis; i++) {
			char dev[IF_NAMESIZE], vrf[IF_NAMESIZE];
			uint32_t vni = conf.vni[i].vni;

			printf("vni %u device %s vrf %s prefixes %s\n", vni,
			       xd_vni_devname(&conf, vni, dev),
			       xd_vni_vrfname(&conf, vni, vrf),
			       conf.vni[i].prefixes ? conf.vni[i].prefixes : "-");
		}
		xd_conf_free(&conf);
		return 0;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	xd_log("%s agent of node %s (cloud %s, underlay %s), etcd %s",
	       xd_role_name(conf.role), conf.node, conf.cloud,
	       conf.underlay ? conf.underlay : "-", conf.etcd);
	if (agent_init(&a, ev, &conf)) {
		agent_fini(&a, false);
		xd_conf_free(&conf);
		return 1;
	}
	agent_start(&a);
	ev_signal_init(&sigint, on_signal, SIGINT);
	ev_signal_init(&sigterm, on_signal, SIGTERM);
	ev_signal_start(ev, &sigint);
	ev_signal_start(ev, &sigterm);
	ev_run(ev, 0);
	agent_fini(&a, false);
	xd_conf_free(&conf);
	return rc;
}
