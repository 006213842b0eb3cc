/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The signals of a daemon whose configuration is what it is made of
 * (xcloud-coord, xcloud-ovn): SIGINT and SIGTERM stop the loop; SIGHUP
 * checks the file and says whether it changed, is broken (which line, and
 * why) or would take a restart, and changes nothing.
 */
#ifndef XCLOUD_SIGNALS_H
#define XCLOUD_SIGNALS_H

#include <ev.h>
#include <stddef.h>

/* 0, or -1 with the reason in err (a config loader's message). */
typedef int (*xsd_conf_check_fn)(const char *path, char *err, size_t len);

struct xsd_signals {
	ev_signal sigint, sigterm, sighup;
	const char *path, *unit;
	char *loaded;		/* the file as read at start */
	xsd_conf_check_fn check;
};

/* Reads path as it is now and starts the three watchers. */
void xsd_signals_start(struct ev_loop *ev, struct xsd_signals *s,
		       const char *path, const char *unit,
		       xsd_conf_check_fn check);
void xsd_signals_stop(struct ev_loop *ev, struct xsd_signals *s);

#endif
