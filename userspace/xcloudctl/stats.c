// SPDX-License-Identifier: GPL-2.0
/* xcloudctl stats [dev DEV]: device and namespace counters. */
#include <string.h>

#include "xcloudctl.h"

static const char stats_usage[] = "Usage: xcloudctl stats [dev DEV]";

struct stats_ctx {
	json_object *devs;
	struct xc_stats ns;
	bool have_ns;
};

static int stats_dev(const struct xc_link *l, void *arg)
{
	struct stats_ctx *ctx = arg;
	struct xc_stats dev;
	int err;

	err = xc_stats_get(ctl_handle(), l->ifindex, &dev, &ctx->ns);
	if (err)
		return kernel_error(err);
	ctx->have_ns = true;
	if (out.json) {
		json_object *o = stats_json(&dev);

		json_object_object_add(o, "ifname",
				       json_object_new_string(l->name));
		json_object_array_add(ctx->devs, o);
	} else {
		stats_print(l->name, &dev);
	}
	return EXIT_OK;
}

int do_stats(int argc, char **argv)
{
	static const struct keyword kw[] = { { "dev", 0 } };
	struct stats_ctx ctx = { 0 };
	const char *dev = NULL;
	json_object *o;
	int ret;

	if (argc == 2 && kw_lookup(argv[0], kw, 1) == 0)
		dev = argv[1];
	else if (argc)
		return usage_error(stats_usage, "unexpected argument \"%s\"",
				   argv[0]);
	ctx.devs = json_object_new_array();
	ret = for_each_dev(dev, stats_dev, &ctx);
	if (!ret && out.json) {
		o = json_object_new_object();
		json_object_object_add(o, "devices", json_object_get(ctx.devs));
		if (ctx.have_ns)
			json_object_object_add(o, "namespace",
					       stats_json(&ctx.ns));
		out_json(o);
	} else if (!ret && ctx.have_ns) {
		stats_print("namespace", &ctx.ns);
	}
	json_object_put(ctx.devs);
	return ret;
}
