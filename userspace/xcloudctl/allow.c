// SPDX-License-Identifier: GPL-2.0
/* xcloudctl allow add|del|show: the underlay source allow-list. */
#include <string.h>

#include "xcloudctl.h"

static const char allow_usage[] =
	"Usage: xcloudctl allow { add | del } PREFIX [PREFIX]... dev DEV\n"
	"       xcloudctl allow show [dev DEV]";

enum { AV_ADD, AV_DEL, AV_SHOW };

static const struct keyword allow_verbs[] = {
	{ "add", AV_ADD }, { "del", AV_DEL }, { "delete", AV_DEL },
	{ "show", AV_SHOW }, { "list", AV_SHOW }, { "ls", AV_SHOW },
};

static const struct keyword dev_kw[] = { { "dev", 0 } };

static int allow_print(const struct xc_prefix *p, void *arg)
{
	char buf[INET6_ADDRSTRLEN + 4];
	json_object *o;

	if (!out.json) {
		fprintf(out.f, "%s dev %s\n", prefix_str(p, buf, sizeof(buf)),
			(const char *)arg);
		return 0;
	}
	o = json_object_new_object();
	json_object_object_add(o, "prefix", prefix_json(p));
	json_object_object_add(o, "dev", json_object_new_string(arg));
	out_list_item(o);
	return 0;
}

static int allow_show_dev(const struct xc_link *l, void *arg)
{
	int err = xc_allow_dump(ctl_handle(), l->ifindex, allow_print,
				(void *)l->name);

	(void)arg;
	return err ? kernel_error(err) : EXIT_OK;
}

int do_allow(int argc, char **argv)
{
	struct xc_prefix prefixes[64];
	const char *dev = NULL;
	size_t n = 0;
	int verb, ifindex, err, ret;

	if (argc < 1)
		verb = AV_SHOW;
	else if ((verb = kw_arg(argv[0], allow_verbs, ARRAY_SIZE(allow_verbs),
				"command", allow_usage)) < 0)
		return EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		if (kw_lookup(argv[i], dev_kw, 1) == 0 && i + 1 < argc) {
			dev = argv[++i];
		} else if (verb == AV_SHOW) {
			return usage_error(allow_usage,
					   "unexpected argument \"%s\"", argv[i]);
		} else if (n == ARRAY_SIZE(prefixes)) {
			return usage_error(allow_usage, "too many prefixes");
		} else if (parse_prefix(argv[i], &prefixes[n++])) {
			return usage_error(allow_usage, "bad prefix \"%s\"",
					   argv[i]);
		}
	}
	if (verb == AV_SHOW) {
		out_list_begin();
		ret = for_each_dev(dev, allow_show_dev, NULL);
		out_list_end();
		return ret;
	}
	if (!n)
		return usage_error(allow_usage, "a prefix is required");
	if (!dev)
		return usage_error(allow_usage, "a device (dev DEV) is required");
	if (!(ifindex = dev_index(dev)))
		return EXIT_USAGE;
	err = verb == AV_ADD ? xc_allow_add(ctl_handle(), ifindex, prefixes, n) :
			       xc_allow_del(ctl_handle(), ifindex, prefixes, n);
	return err ? kernel_error(err) : EXIT_OK;
}
