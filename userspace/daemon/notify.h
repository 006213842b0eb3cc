/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The service manager's side of a daemon (sd_notify, Type=notify units):
 * READY=1 once it serves, STATUS= lines, RELOADING=1 and STOPPING=1, and
 * WATCHDOG=1 from the event loop itself, so a loop that hangs is what
 * the watchdog sees. Outside systemd (no NOTIFY_SOCKET) all are no-ops.
 */
#ifndef XCLOUD_NOTIFY_H
#define XCLOUD_NOTIFY_H

#include <ev.h>

/* Starts the watchdog timer if the unit has WatchdogSec=. */
void xsd_init(struct ev_loop *ev);
void xsd_fini(void);
/* READY=1 with a STATUS=, once; later calls only set the status. */
void xsd_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* STATUS=..., sent only when it changed. */
void xsd_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *xsd_last_status(void);
void xsd_reloading(void);
/* After RELOADING=1: READY=1 again. */
void xsd_reloaded(void);
void xsd_stopping(void);

#endif
