// SPDX-License-Identifier: GPL-2.0
/*
 * xcloudctl: an ip-style CLI for xcloud. Global options, the object
 * dispatcher and the helpers shared by the objects.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xcloudctl.h"

#ifndef XCLOUD_VERSION
#error "XCLOUD_VERSION is set from the VERSION file by userspace/common.mk"
#endif

static struct xc *handle;

static const char main_usage[] =
	"Usage: xcloudctl [OPTIONS] OBJECT { COMMAND | help }\n"
	"       xcloudctl [OPTIONS] -batch FILE\n"
	"       xcloudctl -V[ersion]\n"
	"where  OBJECT := { link | route | nexthop | tunnel | allow | stats | monitor }\n"
	"       OPTIONS := { -j[son] | -p[retty] | -s[tatistics] | -n[etns] NAME |\n"
	"                    -b[atch] FILE | -f[orce] | -V[ersion] | -h[elp] }";

struct xc *ctl_handle(void)
{
	int err;

	if (handle)
		return handle;
	err = xc_open(&handle);
	if (err) {
		fprintf(stderr, "Error: cannot open netlink sockets: %s\n",
			strerror(-err));
		exit(EXIT_KERNEL);
	}
	return handle;
}

int usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ".\n%s\n", usage);
	return EXIT_USAGE;
}

int kernel_error(int err)
{
	const char *msg = handle ? xc_errmsg(handle) : "";

	if (*msg)
		fprintf(stderr, "Error: %s: %s.\n", strerror(-err), msg);
	else
		fprintf(stderr, "Error: %s.\n", strerror(-err));
	return EXIT_KERNEL;
}

int dev_index(const char *name)
{
	int ifindex = if_nametoindex(name);

	if (!ifindex)
		fprintf(stderr, "Cannot find device \"%s\"\n", name);
	return ifindex;
}

int kw_arg(const char *arg, const struct keyword *kw, size_t n,
	   const char *what, const char *usage)
{
	int id = kw_lookup(arg, kw, n);

	if (id == KW_AMBIGUOUS)
		return usage_error(usage, "%s \"%s\" is ambiguous", what, arg),
		       id;
	if (id == KW_UNKNOWN)
		return usage_error(usage, "unknown %s \"%s\"", what, arg), id;
	return id;
}

FILE *input_open(const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;

	if (!f)
		fprintf(stderr, "Cannot open file \"%s\" for reading: %s\n",
			file, strerror(errno));
	return f;
}

void input_close(FILE *f)
{
	if (f != stdin)
		fclose(f);
}

struct each_dev {
	int (*fn)(const struct xc_link *l, void *arg);
	void *arg;
	int ret;
};

static int each_dev_cb(const struct xc_link *l, void *arg)
{
	struct each_dev *e = arg;

	e->ret = e->fn(l, e->arg);
	return 0;
}

int for_each_dev(const char *dev, int (*fn)(const struct xc_link *l,
					    void *arg), void *arg)
{
	struct each_dev e = { fn, arg, 0 };
	struct xc_link l;
	int err;

	if (dev) {
		if (!dev_index(dev))
			return EXIT_USAGE;
		err = xc_link_get(ctl_handle(), dev, &l);
		return err ? kernel_error(err) : fn(&l, arg);
	}
	err = xc_link_dump(ctl_handle(), each_dev_cb, &e);
	return err ? kernel_error(err) : e.ret;
}

enum { OBJ_LINK, OBJ_ROUTE, OBJ_NEXTHOP, OBJ_TUNNEL, OBJ_ALLOW, OBJ_STATS,
	OBJ_MONITOR, OBJ_HELP };

static const struct keyword objects[] = {
	{ "link", OBJ_LINK }, { "route", OBJ_ROUTE },
	{ "nexthop", OBJ_NEXTHOP }, { "tunnel", OBJ_TUNNEL },
	{ "allow", OBJ_ALLOW }, { "stats", OBJ_STATS },
	{ "monitor", OBJ_MONITOR }, { "help", OBJ_HELP },
};

int dispatch(int argc, char **argv)
{
	int obj;

	if (argc < 1)
		return usage_error(main_usage, "an object is required");
	obj = kw_arg(argv[0], objects, ARRAY_SIZE(objects), "object",
		     main_usage);
	if (obj < 0)
		return EXIT_USAGE;
	argc--, argv++;
	switch (obj) {
	case OBJ_LINK:
		return do_link(argc, argv);
	case OBJ_ROUTE:
		return do_route(argc, argv);
	case OBJ_NEXTHOP:
		return do_nexthop(argc, argv);
	case OBJ_TUNNEL:
		return do_tunnel(argc, argv);
	case OBJ_ALLOW:
		return do_allow(argc, argv);
	case OBJ_STATS:
		return do_stats(argc, argv);
	case OBJ_MONITOR:
		return do_monitor(argc, argv);
	default:
		printf("%s\n", main_usage);
		return EXIT_OK;
	}
}

/* Enter /run/netns/NAME, as ip -n does, before any socket is opened. */
static int enter_netns(const char *name)
{
	char path[256];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "Cannot open network namespace \"%s\": %s\n",
			name, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "setting the network namespace \"%s\" failed: %s\n",
			name, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

enum { OPT_JSON, OPT_PRETTY, OPT_STATS, OPT_NETNS, OPT_BATCH, OPT_FORCE,
	OPT_VERSION, OPT_HELP };

static const struct keyword options[] = {
	{ "json", OPT_JSON }, { "pretty", OPT_PRETTY },
	{ "statistics", OPT_STATS }, { "stats", OPT_STATS },
	{ "netns", OPT_NETNS }, { "batch", OPT_BATCH }, { "force", OPT_FORCE },
	{ "Version", OPT_VERSION }, { "version", OPT_VERSION },
	{ "help", OPT_HELP },
};

int main(int argc, char **argv)
{
	const char *batch = NULL;
	bool force = false;
	int ret;

	out.f = stdout;
	argc--, argv++;
	while (argc > 0 && argv[0][0] == '-' && argv[0][1]) {
		const char *opt = argv[0] + 1 + (argv[0][1] == '-');
		int id = kw_arg(opt, options, ARRAY_SIZE(options), "option",
				main_usage);

		if (id < 0)
			return EXIT_USAGE;
		if ((id == OPT_NETNS || id == OPT_BATCH) && argc < 2)
			return usage_error(main_usage, "%s needs an argument",
					   argv[0]);
		switch (id) {
		case OPT_PRETTY:
			out.pretty = true;
			__attribute__((fallthrough)); /* -p implies -j */
		case OPT_JSON:
			out.json = true;
			break;
		case OPT_STATS:
			out.stats = true;
			break;
		case OPT_NETNS:
			if (enter_netns(argv[1]))
				return EXIT_USAGE;
			argc--, argv++;
			break;
		case OPT_BATCH:
			batch = argv[1];
			argc--, argv++;
			break;
		case OPT_FORCE:
			force = true;
			break;
		case OPT_VERSION:
			printf("xcloudctl %s\n", XCLOUD_VERSION);
			return EXIT_OK;
		default:
			printf("%s\n", main_usage);
			return EXIT_OK;
		}
		argc--, argv++;
	}
	if (batch) {
		if (argc)
			return usage_error(main_usage,
					   "-batch takes no other command");
		ret = run_batch(batch, force);
	} else {
		ret = dispatch(argc, argv);
	}
	fflush(stdout);
	xc_close(handle);
	return ret;
}
