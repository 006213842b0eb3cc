// SPDX-License-Identifier: GPL-2.0
/* xcloudctl tunnel add|del|show: tunnel peers of a device. */
#include <string.h>

#include "xcloudctl.h"

static const char tunnel_usage[] =
	"Usage: xcloudctl tunnel { add | del } ADDR [ADDR]... dev DEV\n"
	"       xcloudctl [-s] tunnel show [dev DEV]";

enum { TV_ADD, TV_DEL, TV_SHOW };

static const struct keyword tunnel_verbs[] = {
	{ "add", TV_ADD }, { "del", TV_DEL }, { "delete", TV_DEL },
	{ "show", TV_SHOW }, { "list", TV_SHOW }, { "ls", TV_SHOW },
};

static const struct keyword dev_kw[] = { { "dev", 0 } };

static int tunnel_print_one(const struct xc_tunnel *t, void *arg)
{
	json_object *o;

	if (!out.json) {
		tunnel_print(t, arg, out.stats);
		return 0;
	}
	o = tunnel_json(t, out.stats);
	json_object_object_add(o, "dev", json_object_new_string(arg));
	out_list_item(o);
	return 0;
}

static int tunnel_show_dev(const struct xc_link *l, void *arg)
{
	int err = xc_tunnel_dump(ctl_handle(), l->ifindex, tunnel_print_one,
				 (void *)l->name);

	(void)arg;
	return err ? kernel_error(err) : EXIT_OK;
}

int do_tunnel(int argc, char **argv)
{
	struct xc_addr remotes[64];
	const char *dev = NULL;
	size_t n = 0;
	int verb, ifindex, err, ret;

	if (argc < 1)
		verb = TV_SHOW;
	else if ((verb = kw_arg(argv[0], tunnel_verbs, ARRAY_SIZE(tunnel_verbs),
				"command", tunnel_usage)) < 0)
		return EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		if (kw_lookup(argv[i], dev_kw, 1) == 0 && i + 1 < argc) {
			dev = argv[++i];
		} else if (verb == TV_SHOW) {
			return usage_error(tunnel_usage,
					   "unexpected argument \"%s\"", argv[i]);
		} else if (n == ARRAY_SIZE(remotes)) {
			return usage_error(tunnel_usage, "too many addresses");
		} else if (parse_addr(argv[i], &remotes[n++])) {
			return usage_error(tunnel_usage, "bad address \"%s\"",
					   argv[i]);
		}
	}
	if (verb == TV_SHOW) {
		out_list_begin();
		ret = for_each_dev(dev, tunnel_show_dev, NULL);
		out_list_end();
		return ret;
	}
	if (!n)
		return usage_error(tunnel_usage, "an address is required");
	if (!dev)
		return usage_error(tunnel_usage, "a device (dev DEV) is required");
	if (!(ifindex = dev_index(dev)))
		return EXIT_USAGE;
	err = verb == TV_ADD ? xc_tunnel_add(ctl_handle(), ifindex, remotes, n) :
			       xc_tunnel_del(ctl_handle(), ifindex, remotes, n);
	return err ? kernel_error(err) : EXIT_OK;
}
