// SPDX-License-Identifier: GPL-2.0
/* xcloudctl route add|replace|del|get|show|flush: forwarding tables. */
#include <string.h>

#include "xcloudctl.h"

const char route_usage[] =
	"Usage: xcloudctl route { add | replace } PREFIX [type gateway|node(default)|eip]\n"
	"                       { via ADDR [via ADDR]... | nhid ID } dev DEV\n"
	"       xcloudctl route del PREFIX dev DEV\n"
	"       xcloudctl route get ADDR dev DEV\n"
	"       xcloudctl route show [dev DEV]\n"
	"       xcloudctl route flush dev DEV\n"
	"       xcloudctl route sync dev DEV { FILE | - }\n"
	"where  FILE holds a route a line as route add takes it (dev optional);\n"
	"       sync makes DEV's routes of type node and gateway, host and\n"
	"       prefix routes alike, exactly FILE's; eip routes stay";

static const struct keyword route_verbs[] = {
	{ "add", RV_ADD }, { "replace", RV_REPLACE }, { "del", RV_DEL },
	{ "delete", RV_DEL }, { "get", RV_GET }, { "show", RV_SHOW },
	{ "list", RV_SHOW }, { "ls", RV_SHOW }, { "flush", RV_FLUSH },
	/* "s" stays show, as in ip, now that sync shares its letter. */
	{ "s", RV_SHOW }, { "sync", RV_SYNC }, { "help", RV_HELP },
};

int route_verb(const char *arg)
{
	return kw_lookup(arg, route_verbs, ARRAY_SIZE(route_verbs));
}

enum xc_route_op route_op(int verb)
{
	return verb == RV_ADD ? XC_ROUTE_ADD :
	       verb == RV_REPLACE ? XC_ROUTE_REPLACE : XC_ROUTE_DEL;
}

static int route_print(const struct xc_route *r, void *arg)
{
	char buf[1024];

	if (out.json)
		out_list_item(route_json(r, arg));
	else
		fprintf(out.f, "%s\n", route_str(r, arg, buf, sizeof(buf)));
	return 0;
}

static int route_show_dev(const struct xc_link *l, void *arg)
{
	int err = xc_route_dump(ctl_handle(), l->ifindex, route_print,
				(void *)l->name);

	(void)arg;
	return err ? kernel_error(err) : EXIT_OK;
}

/* "dev DEV" only (show, flush); @dev stays NULL without it. */
static int parse_dev_only(int argc, char **argv, const char **dev)
{
	static const struct keyword kw[] = { { "dev", 0 } };

	*dev = NULL;
	if (argc == 0)
		return 0;
	if (argc != 2 || kw_lookup(argv[0], kw, 1) != 0)
		return usage_error(route_usage, "unexpected argument \"%s\"",
				   argv[0]);
	*dev = argv[1];
	return 0;
}

int do_route(int argc, char **argv)
{
	char dev[IF_NAMESIZE], msg[128], buf[1024];
	const char *d;
	struct xc_route r, got;
	int verb, ifindex, err, ret;

	if (argc < 1)
		verb = RV_SHOW;
	else if ((verb = kw_arg(argv[0], route_verbs, ARRAY_SIZE(route_verbs),
				"command", route_usage)) < 0)
		return EXIT_USAGE;
	argc--, argv++;
	switch (verb) {
	case RV_SHOW:
		if (parse_dev_only(argc, argv, &d))
			return EXIT_USAGE;
		out_list_begin();
		ret = for_each_dev(d, route_show_dev, NULL);
		out_list_end();
		return ret;
	case RV_FLUSH:
		if (parse_dev_only(argc, argv, &d))
			return EXIT_USAGE;
		if (!d)
			return usage_error(route_usage,
					   "a device (dev DEV) is required");
		if (!(ifindex = dev_index(d)))
			return EXIT_USAGE;
		err = xc_route_flush(ctl_handle(), ifindex);
		return err ? kernel_error(err) : EXIT_OK;
	case RV_SYNC:
		return route_sync(argc, argv);
	case RV_HELP:
		printf("%s\n", route_usage);
		return EXIT_OK;
	}

	if (parse_route_args(argc, argv,
			     verb == RV_GET ? ROUTE_NEED_ADDR :
			     verb == RV_DEL ? 0 : ROUTE_NEED_NEXTHOP,
			     &r, dev, sizeof(dev), msg, sizeof(msg)))
		return usage_error(route_usage, "%s", msg);
	if (!(ifindex = dev_index(dev)))
		return EXIT_USAGE;
	if (verb != RV_GET) {
		err = xc_route_change(ctl_handle(), ifindex, route_op(verb),
				      &r, 1);
		return err ? kernel_error(err) : EXIT_OK;
	}
	err = xc_route_get(ctl_handle(), ifindex, &r.dst.addr, &got);
	if (err)
		return kernel_error(err);
	if (out.json)
		out_json(route_json(&got, dev));
	else
		fprintf(out.f, "%s\n", route_str(&got, dev, buf, sizeof(buf)));
	return EXIT_OK;
}
