// SPDX-License-Identifier: GPL-2.0
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "notify.h"
#include "signals.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int c;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	while (m && (c = getc(f)) != EOF)
		putc(c, m);
	if (m)
		fclose(m);
	fclose(f);
	return buf;
}

static void on_stop(struct ev_loop *ev, ev_signal *w, int revents)
{
	(void)revents;
	xlog("signal %d, exiting", w->signum);
	xsd_stopping();
	ev_break(ev, EVBREAK_ALL);
}

static void on_hup(struct ev_loop *ev, ev_signal *w, int revents)
{
	struct xsd_signals *s = w->data;
	char *now, err[256];

	(void)ev;
	(void)revents;
	xsd_reloading();
	now = slurp(s->path);
	if (!now)
		xlog(SD_ERR "reload: cannot read %s; running on", s->path);
	else if (s->loaded && !strcmp(now, s->loaded))
		xlog("reload: %s unchanged, nothing to do", s->path);
	else if (s->check(s->path, err, sizeof(err)))
		xlog(SD_ERR "reload: %s: %s; keeping the running configuration",
		     s->path, err);
	else
		xlog(SD_WARNING "reload: %s changed: needs a restart (systemctl restart %s); running on as started",
		     s->path, s->unit);
	free(now);
	xsd_reloaded();
}

void xsd_signals_start(struct ev_loop *ev, struct xsd_signals *s,
		       const char *path, const char *unit,
		       xsd_conf_check_fn check)
{
	s->path = path;
	s->unit = unit;
	s->check = check;
	s->loaded = slurp(path);
	ev_signal_init(&s->sigint, on_stop, SIGINT);
	ev_signal_init(&s->sigterm, on_stop, SIGTERM);
	ev_signal_init(&s->sighup, on_hup, SIGHUP);
	s->sighup.data = s;
	ev_signal_start(ev, &s->sigint);
	ev_signal_start(ev, &s->sigterm);
	ev_signal_start(ev, &s->sighup);
}

void xsd_signals_stop(struct ev_loop *ev, struct xsd_signals *s)
{
	ev_signal_stop(ev, &s->sigint);
	ev_signal_stop(ev, &s->sigterm);
	ev_signal_stop(ev, &s->sighup);
	free(s->loaded);
	s->loaded = NULL;
}
