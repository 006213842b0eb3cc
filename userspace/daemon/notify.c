// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "notify.h"

static struct ev_loop *loop;
static ev_timer watchdog;
static bool ready;
static char status[256];

static void watchdog_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	(void)ev;
	(void)w;
	(void)revents;
	sd_notify(0, "WATCHDOG=1");
}

void xsd_init(struct ev_loop *ev)
{
	uint64_t usec;
	int r;

	loop = ev;
	/* unset_environment 0: a child would see the manager's variables,
	 * but the daemons start none. */
	r = sd_watchdog_enabled(0, &usec);
	if (r < 0)
		xlog(SD_WARNING "systemd watchdog: %s; not pinging it",
		     strerror(-r));
	if (r <= 0 || !usec)
		return;
	/* Half the interval: a late loop iteration is not a hung one. */
	ev_timer_init(&watchdog, watchdog_cb, 0., usec / 2e6);
	ev_timer_again(ev, &watchdog);
	sd_notify(0, "WATCHDOG=1");
}

void xsd_fini(void)
{
	if (loop)
		ev_timer_stop(loop, &watchdog);
}

static bool status_set(const char *fmt, va_list ap)
{
	char s[sizeof(status)];

	vsnprintf(s, sizeof(s), fmt, ap);
	if (!strcmp(s, status))
		return false;
	memcpy(status, s, sizeof(status));
	return true;
}

void xsd_ready(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	status_set(fmt, ap);
	va_end(ap);
	if (ready) {
		sd_notifyf(0, "STATUS=%s", status);
		return;
	}
	ready = true;
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void xsd_status(const char *fmt, ...)
{
	va_list ap;
	bool changed;

	va_start(ap, fmt);
	changed = status_set(fmt, ap);
	va_end(ap);
	if (changed)
		sd_notifyf(0, "STATUS=%s", status);
}

const char *xsd_last_status(void)
{
	return status;
}

void xsd_reloading(void)
{
	sd_notify(0, "RELOADING=1\nSTATUS=reloading the configuration");
}

void xsd_reloaded(void)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void xsd_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}
