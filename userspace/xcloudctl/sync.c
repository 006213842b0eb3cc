// SPDX-License-Identifier: GPL-2.0
/*
 * xcloudctl route sync dev DEV FILE: the device's node and gateway routes
 * made exactly FILE's, in the spirit of wg syncconf: only the difference
 * is sent (libxcloud's route sync). FILE holds route add's arguments, one
 * route a line, read as -batch reads lines; "dev" may be left out. The
 * output of route show dev DEV, less its eip routes, reads back.
 *
 * The whole file is parsed before the kernel is asked anything: a bad
 * line changes nothing. eip routes (the EIP agent's) are left alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xcloudctl.h"

/* The routes of FILE, and the line of each. */
struct sync_file {
	const char *name;
	struct xc_route *r;
	unsigned long *line;
	size_t n, cap;
	size_t failed;		/* routes the kernel refused */
};

static const struct xc_route_filter sync_filter = {
	.types = (1U << XCLOUD_ROUTE_NODE) | (1U << XCLOUD_ROUTE_GATEWAY),
};

static void line_error(const struct sync_file *sf, unsigned long line,
		       const char *msg)
{
	fprintf(stderr, "Error: %s:%lu: %s.\n", sf->name, line, msg);
}

static int sync_add(struct sync_file *sf, const struct xc_route *r,
		    unsigned long line)
{
	if (sf->n == sf->cap) {
		size_t cap = sf->cap ? sf->cap * 2 : 1024;
		struct xc_route *nr = realloc(sf->r, cap * sizeof(*nr));
		unsigned long *nl;

		if (!nr)
			return -1;
		sf->r = nr;
		nl = realloc(sf->line, cap * sizeof(*nl));
		if (!nl)
			return -1;
		sf->line = nl;
		sf->cap = cap;
	}
	sf->r[sf->n] = *r;
	sf->line[sf->n++] = line;
	return 0;
}

/* One line into @r (*@empty: none on it); false (said why) if it is no
 * route of @dev's sync. */
static bool sync_line(const struct sync_file *sf, char *text,
		      unsigned long line, const char *dev, struct xc_route *r,
		      bool *empty)
{
	char *argv[LINE_MAX_ARGS], d[IF_NAMESIZE], msg[160];
	int argc = split_line(text, argv, LINE_MAX_ARGS);

	*empty = argc == 0;
	if (*empty)
		return true;
	if (argc < 0) {
		snprintf(msg, sizeof(msg), "cannot split the line (quote?)");
	} else if (!parse_route_args(argc, argv,
				     ROUTE_NEED_NEXTHOP | ROUTE_DEV_OPTIONAL,
				     r, d, sizeof(d), msg, sizeof(msg))) {
		if (d[0] && strcmp(d, dev))
			snprintf(msg, sizeof(msg), "a route of dev %s, not %s",
				 d, dev);
		else if (r->type == XCLOUD_ROUTE_EIP)
			snprintf(msg, sizeof(msg),
				 "eip routes are not route sync's (the EIP agent's)");
		else
			return true;
	}
	line_error(sf, line, msg);
	return false;
}

/* Every route of @f; the count of bad lines, or -1 out of memory. */
static long sync_read(struct sync_file *sf, FILE *f, const char *dev)
{
	unsigned long line = 0;
	char *text = NULL;
	size_t cap = 0;
	long bad = 0;

	while (getline(&text, &cap, f) >= 0) {
		struct xc_route r;
		bool empty;

		if (!sync_line(sf, text, ++line, dev, &r, &empty))
			bad++;
		else if (!empty && sync_add(sf, &r, line)) {
			bad = -1;
			break;
		}
	}
	free(text);
	return bad;
}

static void sync_report(const struct xc_sync_item *it, void *arg)
{
	struct sync_file *sf = arg;
	char b[1024], msg[1400];

	if (!it->err)
		return;
	sf->failed++;
	if (it->act == XC_SYNC_DEL) {
		fprintf(stderr, "Error: cannot remove route %s: %s%s%s.\n",
			route_str(it->cur, NULL, b, sizeof(b)),
			strerror(-it->err), *it->msg ? ": " : "", it->msg);
		return;
	}
	snprintf(msg, sizeof(msg), "cannot %s route %s: %s%s%s",
		 it->act == XC_SYNC_ADD ? "add" : "replace",
		 route_str(it->want, NULL, b, sizeof(b)), strerror(-it->err),
		 *it->msg ? ": " : "", it->msg);
	line_error(sf, sf->line[it->idx], msg);
}

static void sync_summary(const size_t *count, size_t failed)
{
	static const char *const name[XC_SYNC_KEEP] = {
		[XC_SYNC_ADD] = "added", [XC_SYNC_REPLACE] = "replaced",
		[XC_SYNC_DEL] = "removed", [XC_SYNC_SAME] = "unchanged",
	};
	static const enum xc_sync_act order[] = {
		XC_SYNC_ADD, XC_SYNC_REPLACE, XC_SYNC_DEL, XC_SYNC_SAME,
	};
	json_object *o = out.json ? json_object_new_object() : NULL;

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		size_t n = count[order[i]];

		if (o)
			json_object_object_add(o, name[order[i]],
					       json_object_new_uint64(n));
		else
			fprintf(out.f, "%s%s %zu", i ? ", " : "",
				name[order[i]], n);
	}
	if (o) {
		json_object_object_add(o, "failed",
				       json_object_new_uint64(failed));
		out_json(o);
	} else {
		if (failed)
			fprintf(out.f, ", failed %zu", failed);
		fputc('\n', out.f);
	}
}

int route_sync(int argc, char **argv)
{
	static const struct keyword kw[] = { { "dev", 0 } };
	size_t count[XC_SYNC_ACTS];
	struct sync_file sf = { 0 };
	int ifindex, err, ret;
	FILE *f;
	long bad;

	if (argc != 3 || kw_lookup(argv[0], kw, 1) != 0)
		return usage_error(route_usage,
				   "route sync takes dev DEV and a FILE");
	if (!(ifindex = dev_index(argv[1])) || !(f = input_open(argv[2])))
		return EXIT_USAGE;
	sf.name = strcmp(argv[2], "-") ? argv[2] : "stdin";
	bad = sync_read(&sf, f, argv[1]);
	input_close(f);
	if (bad) {
		if (bad < 0)
			fprintf(stderr, "Error: out of memory reading %s.\n",
				sf.name);
		else
			fprintf(stderr, "Error: %ld bad line%s in %s: nothing changed.\n",
				bad, bad == 1 ? "" : "s", sf.name);
		ret = EXIT_USAGE;
		goto out;
	}
	err = xc_route_sync(ctl_handle(), ifindex, sf.r, sf.n, &sync_filter,
			    sync_report, &sf, count);
	if (err && !sf.failed) {
		/* Refused before anything was sent. */
		if ((err == -EINVAL || err == -EEXIST) &&
		    xc_erridx(ctl_handle()) >= 0) {
			line_error(&sf, sf.line[xc_erridx(ctl_handle())],
				   xc_errmsg(ctl_handle()));
			fprintf(stderr, "Error: nothing changed.\n");
			ret = EXIT_USAGE;
		} else {
			ret = kernel_error(err);
		}
		goto out;
	}
	sync_summary(count, sf.failed);
	ret = err ? EXIT_KERNEL : EXIT_OK;
out:
	free(sf.r);
	free(sf.line);
	return ret;
}
