// SPDX-License-Identifier: GPL-2.0
/*
 * xcloudctl monitor: route, tunnel and miss events, one line (or one
 * JSON object) each, flushed as they happen.
 */
#include <errno.h>
#include <string.h>

#include "xcloudctl.h"

static const char monitor_usage[] = "Usage: xcloudctl monitor [dev DEV]";

static int monitor_event(const struct xc_event *ev, void *arg)
{
	int *only = arg;
	char name[IF_NAMESIZE], buf[1024];

	if (*only && ev->ifindex != *only)
		return 0;
	if (!if_indextoname(ev->ifindex, name))
		snprintf(name, sizeof(name), "if%d", ev->ifindex);
	if (out.json) {
		json_object *o = event_json(ev, name);

		fprintf(out.f, "%s\n", json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		fprintf(out.f, "%s\n", event_str(ev, name, buf, sizeof(buf)));
	}
	fflush(out.f);
	return 0;
}

int do_monitor(int argc, char **argv)
{
	static const struct keyword kw[] = { { "dev", 0 } };
	int only = 0, err;

	if (argc == 2 && kw_lookup(argv[0], kw, 1) == 0) {
		if (!(only = dev_index(argv[1])))
			return EXIT_USAGE;
	} else if (argc) {
		return usage_error(monitor_usage, "unexpected argument \"%s\"",
				   argv[0]);
	}
	err = xc_events_subscribe(ctl_handle());
	if (err)
		return kernel_error(err);
	for (;;) {
		err = xc_events_recv(ctl_handle(), monitor_event, &only);
		if (err == -ENOBUFS) {
			fprintf(stderr, "Warning: events lost (receive buffer overrun)\n");
			continue;
		}
		if (err)
			return kernel_error(err);
	}
}
