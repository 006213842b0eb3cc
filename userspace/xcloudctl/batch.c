// SPDX-License-Identifier: GPL-2.0
/*
 * xcloudctl -batch FILE: one command per line, as ip -batch. Consecutive
 * route add/replace/del lines of one device and verb are coalesced and
 * sent many routes per message, which is what makes a million routes
 * fast; any other line first sends what is pending.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xcloudctl.h"

#define PENDING_MAX 16384	/* routes held before sending */

struct pending {
	int verb;
	char dev[IF_NAMESIZE];
	int ifindex;
	size_t n;
	struct xc_route routes[PENDING_MAX];
	unsigned long lines[PENDING_MAX];
};

struct batch {
	const char *name;
	bool force;
	int ret;
	struct pending p;
};

static void batch_failed(struct batch *b, unsigned long line)
{
	fprintf(stderr, "Command failed %s:%lu\n", b->name, line);
	b->ret = EXIT_USAGE;
}

/* Send what is pending; false if the batch must stop. */
static bool batch_flush(struct batch *b)
{
	struct pending *p = &b->p;
	size_t done = 0;
	int err, idx;

	while (done < p->n) {
		err = xc_route_change(ctl_handle(), p->ifindex,
				      route_op(p->verb), p->routes + done,
				      p->n - done);
		if (!err)
			break;
		kernel_error(err);
		idx = xc_erridx(ctl_handle());
		if (idx < 0)
			idx = 0;
		batch_failed(b, p->lines[done + idx]);
		if (!b->force) {
			p->n = 0;
			return false;
		}
		/* Routes before the refused one went in; go on after it. */
		done += idx + 1;
	}
	p->n = 0;
	return true;
}

/* A route add/replace/del line: queue it; false if the batch must stop. */
static bool batch_route(struct batch *b, int verb, int argc, char **argv,
			unsigned long line)
{
	struct pending *p = &b->p;
	char dev[IF_NAMESIZE], msg[128];
	struct xc_route r;

	if (parse_route_args(argc, argv,
			     verb == RV_DEL ? 0 : ROUTE_NEED_NEXTHOP, &r, dev,
			     sizeof(dev), msg, sizeof(msg))) {
		if (!batch_flush(b))
			return false;
		usage_error(route_usage, "%s", msg);
		batch_failed(b, line);
		return b->force;
	}
	if (p->n && (p->verb != verb || strcmp(p->dev, dev) ||
		     p->n == PENDING_MAX) && !batch_flush(b))
		return false;
	if (!p->n) {
		if (strcmp(p->dev, dev) || !p->ifindex) {
			p->ifindex = if_nametoindex(dev);
			strcpy(p->dev, dev);
		}
		if (!p->ifindex) {
			dev_index(dev);
			batch_failed(b, line);
			return b->force;
		}
		p->verb = verb;
	}
	p->routes[p->n] = r;
	p->lines[p->n++] = line;
	return true;
}

static bool batch_line(struct batch *b, char *text, unsigned long line)
{
	static const struct keyword route_kw[] = { { "route", 0 } };
	char *argv[LINE_MAX_ARGS];
	int argc, verb;

	argc = split_line(text, argv, LINE_MAX_ARGS);
	if (argc == 0)
		return true;
	if (argc < 0) {
		if (!batch_flush(b))
			return false;
		fprintf(stderr, "Error: cannot split the line (quote?).\n");
		batch_failed(b, line);
		return b->force;
	}
	if (argc > 1 && kw_lookup(argv[0], route_kw, 1) == 0) {
		verb = route_verb(argv[1]);
		if (verb == RV_ADD || verb == RV_REPLACE || verb == RV_DEL)
			return batch_route(b, verb, argc - 2, argv + 2, line);
	}
	if (!batch_flush(b))
		return false;
	if (dispatch(argc, argv)) {
		batch_failed(b, line);
		return b->force;
	}
	return true;
}

int run_batch(const char *file, bool force)
{
	struct batch *b = calloc(1, sizeof(*b));
	FILE *f = input_open(file);
	unsigned long line = 0;
	char *text = NULL;
	size_t cap = 0;
	int ret;

	if (!b)
		return EXIT_KERNEL;
	if (!f) {
		free(b);
		return EXIT_USAGE;
	}
	b->name = file;
	b->force = force;
	while (getline(&text, &cap, f) >= 0)
		if (!batch_line(b, text, ++line))
			break;
	batch_flush(b);
	ret = b->ret;
	free(text);
	input_close(f);
	free(b);
	return ret;
}
