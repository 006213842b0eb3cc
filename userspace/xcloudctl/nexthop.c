// SPDX-License-Identifier: GPL-2.0
/*
 * xcloudctl nexthop add|replace|del|show|flush: next-hop groups, in the
 * style of ip-nexthop. Routes name a group with "nhid ID".
 */
#include <string.h>

#include "xcloudctl.h"

static const char nexthop_usage[] =
	"Usage: xcloudctl nexthop { add | replace } id ID [type gateway(default)|node|eip]\n"
	"                         via ADDR [via ADDR]... dev DEV\n"
	"       xcloudctl nexthop del id ID dev DEV\n"
	"       xcloudctl nexthop show [id ID] [dev DEV]\n"
	"       xcloudctl nexthop flush dev DEV";

enum { NV_ADD, NV_REPLACE, NV_DEL, NV_SHOW, NV_FLUSH };

static const struct keyword nexthop_verbs[] = {
	{ "add", NV_ADD }, { "replace", NV_REPLACE }, { "del", NV_DEL },
	{ "delete", NV_DEL }, { "show", NV_SHOW }, { "list", NV_SHOW },
	{ "ls", NV_SHOW }, { "flush", NV_FLUSH },
};

struct show {
	uint32_t id;			/* 0: every group */
	const char *dev;
	bool found;
};

static int nhgroup_print(const struct xc_nhgroup *g, void *arg)
{
	struct show *s = arg;
	char buf[1024];

	if (s->id && g->id != s->id)
		return 0;
	s->found = true;
	if (out.json)
		out_list_item(nhgroup_json(g, s->dev));
	else
		fprintf(out.f, "%s\n", nhgroup_str(g, s->dev, buf, sizeof(buf)));
	return 0;
}

static int nexthop_show_dev(const struct xc_link *l, void *arg)
{
	struct show *s = arg;
	int err;

	s->dev = l->name;
	err = xc_nhgroup_dump(ctl_handle(), l->ifindex, nhgroup_print, s);
	return err ? kernel_error(err) : EXIT_OK;
}

int do_nexthop(int argc, char **argv)
{
	static const unsigned int need[] = {
		[NV_ADD] = NHGROUP_NEED_ID | NHGROUP_NEED_MEMBER |
			   NHGROUP_NEED_DEV,
		[NV_REPLACE] = NHGROUP_NEED_ID | NHGROUP_NEED_MEMBER |
			       NHGROUP_NEED_DEV,
		[NV_DEL] = NHGROUP_NEED_ID | NHGROUP_NEED_DEV,
		[NV_SHOW] = 0,
		[NV_FLUSH] = NHGROUP_NEED_DEV,
	};
	char dev[IF_NAMESIZE], msg[128];
	struct show s = {};
	struct xc_nhgroup g;
	int verb, ifindex, err, ret;

	if (argc < 1)
		verb = NV_SHOW;
	else if ((verb = kw_arg(argv[0], nexthop_verbs,
				ARRAY_SIZE(nexthop_verbs), "command",
				nexthop_usage)) < 0)
		return EXIT_USAGE;
	else
		argc--, argv++;
	if (parse_nhgroup_args(argc, argv, need[verb], &g, dev, sizeof(dev),
			       msg, sizeof(msg)))
		return usage_error(nexthop_usage, "%s", msg);
	if (verb == NV_FLUSH && g.id)
		return usage_error(nexthop_usage, "flush takes no id");

	if (verb == NV_SHOW) {
		s.id = g.id;
		out_list_begin();
		ret = for_each_dev(dev[0] ? dev : NULL, nexthop_show_dev, &s);
		out_list_end();
		if (!ret && s.id && !s.found) {
			fprintf(stderr, "Error: no next-hop group %u.\n", s.id);
			return EXIT_KERNEL;
		}
		return ret;
	}
	if (!(ifindex = dev_index(dev)))
		return EXIT_USAGE;
	if (verb == NV_FLUSH)
		err = xc_nhgroup_flush(ctl_handle(), ifindex);
	else
		err = xc_nhgroup_change(ctl_handle(), ifindex,
					verb == NV_ADD ? XC_ROUTE_ADD :
					verb == NV_REPLACE ? XC_ROUTE_REPLACE :
					XC_ROUTE_DEL, &g, 1);
	return err ? kernel_error(err) : EXIT_OK;
}
