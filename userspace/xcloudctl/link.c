// SPDX-License-Identifier: GPL-2.0
/* xcloudctl link add|set|del|show: xcloud devices. */
#include <net/if.h>
#include <string.h>

#include "xcloudctl.h"

static const char link_usage[] =
	"Usage: xcloudctl link add NAME vni N [port P] [local ADDR] [mode edge|gateway]\n"
	"                          [tunnels ondemand|eager] [idle-timeout S]\n"
	"                          [ingress DEV|none] [source-check on|off]\n"
	"                          [gateways ADDR[,ADDR...]|none] [max-routes N]\n"
	"                          [max-tunnels N] [max-allowed N]\n"
	"                          [probe-interval MS] [probe-multiplier N]\n"
	"       xcloudctl link set NAME [vni N] [port P] [local ADDR] [mode MODE]\n"
	"                          [tunnels POLICY] [idle-timeout S] [ingress DEV|none]\n"
	"                          [source-check on|off] [gateways ADDR[,ADDR...]|none]\n"
	"                          [max-routes N] [max-tunnels N] [max-allowed N]\n"
	"                          [probe-interval MS] [probe-multiplier N]\n"
	"       xcloudctl link del NAME\n"
	"       xcloudctl link show [NAME]";

enum { LV_ADD, LV_SET, LV_DEL, LV_SHOW };

static const struct keyword link_verbs[] = {
	{ "add", LV_ADD }, { "set", LV_SET }, { "change", LV_SET },
	{ "del", LV_DEL }, { "delete", LV_DEL }, { "show", LV_SHOW },
	{ "list", LV_SHOW }, { "ls", LV_SHOW },
};

enum { LK_VNI, LK_PORT, LK_LOCAL, LK_MODE, LK_TUNNELS, LK_IDLE, LK_INGRESS,
	LK_SOURCE_CHECK, LK_GATEWAYS, LK_MAX_ROUTES, LK_MAX_TUNNELS,
	LK_MAX_ALLOWED, LK_PROBE_INTERVAL, LK_PROBE_MULTIPLIER };

static const struct keyword link_kw[] = {
	{ "vni", LK_VNI }, { "port", LK_PORT }, { "local", LK_LOCAL },
	{ "mode", LK_MODE }, { "tunnels", LK_TUNNELS },
	{ "idle-timeout", LK_IDLE }, { "ingress", LK_INGRESS },
	{ "source-check", LK_SOURCE_CHECK }, { "gateways", LK_GATEWAYS },
	{ "max-routes", LK_MAX_ROUTES }, { "max-tunnels", LK_MAX_TUNNELS },
	{ "max-allowed", LK_MAX_ALLOWED },
	{ "probe-interval", LK_PROBE_INTERVAL },
	{ "probe-multiplier", LK_PROBE_MULTIPLIER },
};

/* A per-device limit, 1..XCLOUD_LIMIT_MAX, into @v; 0 or EXIT_USAGE. */
static int parse_limit(const char *kw, const char *arg, uint32_t *v)
{
	if (parse_u32(arg, 1, XCLOUD_LIMIT_MAX, v))
		return usage_error(link_usage, "bad %s \"%s\" (1-%u)", kw, arg,
				   XCLOUD_LIMIT_MAX);
	return 0;
}

static const struct keyword onoff_kw[] = {
	{ "on", 1 }, { "off", 0 },
};

static const struct keyword mode_kw[] = {
	{ "edge", XCLOUD_MODE_EDGE }, { "gateway", XCLOUD_MODE_GATEWAY },
};

static const struct keyword tunnels_kw[] = {
	{ "ondemand", XCLOUD_TUNNELS_ONDEMAND }, { "on-demand", XCLOUD_TUNNELS_ONDEMAND },
	{ "eager", XCLOUD_TUNNELS_EAGER },
};

/* "ADDR[,ADDR...]" or "none" into @l->gateways; 0 or EXIT_USAGE. */
static int parse_gateways(const char *arg, struct xc_link *l)
{
	char buf[(INET6_ADDRSTRLEN + 1) * XCLOUD_MAX_GATEWAYS + 1];
	char *tok, *save = NULL;

	l->n_gateways = 0;
	if (!strcmp(arg, "none"))
		return 0;
	if (!*arg || strlen(arg) >= sizeof(buf))
		return usage_error(link_usage, "bad gateways \"%s\"", arg);
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (l->n_gateways == XCLOUD_MAX_GATEWAYS)
			return usage_error(link_usage,
					   "too many gateways (at most %d)",
					   XCLOUD_MAX_GATEWAYS);
		if (parse_addr(tok, &l->gateways[l->n_gateways]))
			return usage_error(link_usage,
					   "bad gateway address \"%s\"", tok);
		l->n_gateways++;
	}
	if (!l->n_gateways || arg[strlen(arg) - 1] == ',' || strstr(arg, ",,") ||
	    arg[0] == ',')
		return usage_error(link_usage, "bad gateways \"%s\"", arg);
	return 0;
}

/* Parse "NAME [key value]..." into @l; returns 0 or EXIT_USAGE. */
static int parse_link(int argc, char **argv, struct xc_link *l)
{
	uint32_t v;
	int k, id;

	memset(l, 0, sizeof(*l));
	if (argc < 1)
		return usage_error(link_usage, "a device name is required");
	if (!*argv[0] || strlen(argv[0]) >= sizeof(l->name))
		return usage_error(link_usage, "bad device name \"%s\"",
				   argv[0]);
	strcpy(l->name, argv[0]);
	for (int i = 1; i < argc; i++) {
		k = kw_arg(argv[i], link_kw, ARRAY_SIZE(link_kw), "argument",
			   link_usage);
		if (k < 0)
			return EXIT_USAGE;
		if (++i == argc)
			return usage_error(link_usage, "\"%s\" needs a value",
					   argv[i - 1]);
		switch (k) {
		case LK_VNI:
			if (parse_u32(argv[i], 0, XCLOUD_VNI_MAX, &l->vni))
				return usage_error(link_usage, "bad vni \"%s\" (0-%u)",
						   argv[i], XCLOUD_VNI_MAX);
			l->mask |= XC_LINK_VNI;
			break;
		case LK_PORT:
			if (parse_u32(argv[i], 1, 65535, &v))
				return usage_error(link_usage, "bad port \"%s\"",
						   argv[i]);
			l->port = v;
			l->mask |= XC_LINK_PORT;
			break;
		case LK_LOCAL:
			if (parse_addr(argv[i], &l->local))
				return usage_error(link_usage, "bad address \"%s\"",
						   argv[i]);
			l->mask |= XC_LINK_LOCAL;
			break;
		case LK_MODE:
			id = kw_arg(argv[i], mode_kw, ARRAY_SIZE(mode_kw),
				    "mode", link_usage);
			if (id < 0)
				return EXIT_USAGE;
			l->mode = id;
			l->mask |= XC_LINK_MODE;
			break;
		case LK_TUNNELS:
			id = kw_arg(argv[i], tunnels_kw, ARRAY_SIZE(tunnels_kw),
				    "tunnel policy", link_usage);
			if (id < 0)
				return EXIT_USAGE;
			l->tunnels = id;
			l->mask |= XC_LINK_TUNNELS;
			break;
		case LK_IDLE:
			if (parse_u32(argv[i], 1, XCLOUD_MAX_IDLE_TIMEOUT,
				      &l->idle_timeout))
				return usage_error(link_usage,
						   "bad idle-timeout \"%s\" (1-%u)",
						   argv[i], XCLOUD_MAX_IDLE_TIMEOUT);
			l->mask |= XC_LINK_IDLE_TIMEOUT;
			break;
		case LK_INGRESS:
			l->ingress = strcmp(argv[i], "none") ?
				     (int)if_nametoindex(argv[i]) : 0;
			if (!l->ingress && strcmp(argv[i], "none"))
				return usage_error(link_usage,
						   "no ingress device \"%s\"",
						   argv[i]);
			l->mask |= XC_LINK_INGRESS;
			break;
		case LK_SOURCE_CHECK:
			id = kw_arg(argv[i], onoff_kw, ARRAY_SIZE(onoff_kw),
				    "source-check value", link_usage);
			if (id < 0)
				return EXIT_USAGE;
			l->source_check = id;
			l->mask |= XC_LINK_SOURCE_CHECK;
			break;
		case LK_GATEWAYS:
			if (parse_gateways(argv[i], l))
				return EXIT_USAGE;
			l->mask |= XC_LINK_GATEWAYS;
			break;
		case LK_MAX_ROUTES:
			if (parse_limit(argv[i - 1], argv[i], &l->max_routes))
				return EXIT_USAGE;
			l->mask |= XC_LINK_MAX_ROUTES;
			break;
		case LK_MAX_TUNNELS:
			if (parse_limit(argv[i - 1], argv[i], &l->max_tunnels))
				return EXIT_USAGE;
			l->mask |= XC_LINK_MAX_TUNNELS;
			break;
		case LK_MAX_ALLOWED:
			if (parse_limit(argv[i - 1], argv[i], &l->max_allowed))
				return EXIT_USAGE;
			l->mask |= XC_LINK_MAX_ALLOWED;
			break;
		case LK_PROBE_INTERVAL:
			if (parse_u32(argv[i], 0, XCLOUD_MAX_PROBE_INTERVAL,
				      &l->probe_interval) ||
			    (l->probe_interval &&
			     l->probe_interval < XCLOUD_MIN_PROBE_INTERVAL))
				return usage_error(link_usage,
						   "bad probe-interval \"%s\" (0 for off, or %u-%u ms)",
						   argv[i], XCLOUD_MIN_PROBE_INTERVAL,
						   XCLOUD_MAX_PROBE_INTERVAL);
			l->mask |= XC_LINK_PROBE_INTERVAL;
			break;
		case LK_PROBE_MULTIPLIER:
			if (parse_u32(argv[i], 1, 255, &v))
				return usage_error(link_usage,
						   "bad probe-multiplier \"%s\" (1-255)",
						   argv[i]);
			l->probe_multiplier = v;
			l->mask |= XC_LINK_PROBE_MULTIPLIER;
			break;
		}
	}
	return 0;
}

static int link_show_one(const struct xc_link *l, void *arg)
{
	(void)arg;
	if (out.json)
		out_list_item(link_json(l));
	else
		link_print(l);
	return 0;
}

static int link_show(int argc, char **argv)
{
	int ret;

	if (argc > 1)
		return usage_error(link_usage, "too many arguments");
	out_list_begin();
	ret = for_each_dev(argc ? argv[0] : NULL, link_show_one, NULL);
	out_list_end();
	return ret;
}

int do_link(int argc, char **argv)
{
	struct xc_link l;
	int verb, err;

	if (argc < 1)
		return link_show(0, NULL);
	verb = kw_arg(argv[0], link_verbs, ARRAY_SIZE(link_verbs), "command",
		      link_usage);
	if (verb < 0)
		return EXIT_USAGE;
	argc--, argv++;
	switch (verb) {
	case LV_ADD:
		if (parse_link(argc, argv, &l))
			return EXIT_USAGE;
		if (!(l.mask & XC_LINK_VNI))
			return usage_error(link_usage, "vni is required");
		err = xc_link_add(ctl_handle(), &l);
		break;
	case LV_SET:
		if (parse_link(argc, argv, &l))
			return EXIT_USAGE;
		if (!dev_index(l.name))
			return EXIT_USAGE;
		err = xc_link_set(ctl_handle(), &l);
		break;
	case LV_DEL:
		if (argc != 1)
			return usage_error(link_usage,
					   "link del takes exactly one name");
		if (!dev_index(argv[0]))
			return EXIT_USAGE;
		err = xc_link_del(ctl_handle(), argv[0]);
		break;
	default:
		return link_show(argc, argv);
	}
	return err ? kernel_error(err) : EXIT_OK;
}
