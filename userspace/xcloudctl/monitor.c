// SPDX-License-Identifier: GPL-2.0
/*
 * xcloudctl monitor: route, next-hop group, tunnel and miss events, one
 * line (or one JSON object) each, written out as soon as no more are
 * queued: a single event shows at once, a burst of thousands costs a
 * write per burst, not one per event.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>

#include "xcloudctl.h"

static const char monitor_usage[] = "Usage: xcloudctl monitor [dev DEV]";

/*
 * Device names by ifindex, looked up once per burst of events (a lookup
 * is a socket and an ioctl) and forgotten when the burst has been
 * written, so a renamed device shows its new name from the next burst.
 */
#define NAME_CACHE 8

struct monitor {
	int only;
	size_t nnames;
	struct {
		int ifindex;
		char name[IF_NAMESIZE];
	} names[NAME_CACHE];
};

static const char *dev_name(struct monitor *m, int ifindex)
{
	size_t i;

	for (i = 0; i < m->nnames; i++)
		if (m->names[i].ifindex == ifindex)
			return m->names[i].name;
	if (m->nnames == NAME_CACHE)
		m->nnames = 0;
	i = m->nnames++;
	m->names[i].ifindex = ifindex;
	if (!if_indextoname(ifindex, m->names[i].name))
		snprintf(m->names[i].name, IF_NAMESIZE, "if%d", ifindex);
	return m->names[i].name;
}

static int monitor_event(const struct xc_event *ev, void *arg)
{
	struct monitor *m = arg;
	const char *name;
	char buf[1024];

	if (m->only && ev->ifindex != m->only)
		return 0;
	name = dev_name(m, ev->ifindex);
	if (out.json) {
		json_object *o = event_json(ev, name);

		fprintf(out.f, "%s\n", json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		fprintf(out.f, "%s\n", event_str(ev, name, buf, sizeof(buf)));
	}
	return 0;
}

int do_monitor(int argc, char **argv)
{
	static const struct keyword kw[] = { { "dev", 0 } };
	struct monitor m = { 0 };
	struct pollfd pfd;
	int err;

	if (argc == 2 && kw_lookup(argv[0], kw, 1) == 0) {
		if (!(m.only = dev_index(argv[1])))
			return EXIT_USAGE;
	} else if (argc) {
		return usage_error(monitor_usage, "unexpected argument \"%s\"",
				   argv[0]);
	}
	err = xc_events_subscribe(ctl_handle());
	if (err)
		return kernel_error(err);
	pfd = (struct pollfd){ .fd = xc_events_fd(ctl_handle()),
			       .events = POLLIN };
	if (fcntl(pfd.fd, F_SETFL, fcntl(pfd.fd, F_GETFL) | O_NONBLOCK) < 0)
		return kernel_error(-errno);
	for (;;) {
		err = xc_events_recv(ctl_handle(), monitor_event, &m);
		if (err == -EAGAIN) {
			/* All read: out with the burst, then wait. */
			fflush(out.f);
			m.nnames = 0;
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return kernel_error(-errno);
			continue;
		}
		if (err == -ENOBUFS) {
			fflush(out.f);
			fprintf(stderr, "Warning: events lost (receive buffer overrun)\n");
			continue;
		}
		if (err)
			return kernel_error(err);
	}
}
