/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemons' one logger: a line per call on stderr. Under systemd
 * (stderr is the journal's stream) each line starts with its priority,
 * "<3>" .. "<7>", which journald takes as the entry's PRIORITY; elsewhere
 * lines are plain "IDENT: text". A format may start with a priority
 * prefix of <systemd/sd-daemon.h> (SD_ERR "cannot ..."): without one a
 * line is SD_INFO.
 */
#ifndef XCLOUD_LOG_H
#define XCLOUD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <systemd/sd-daemon.h>

/* ident: the program's name; reads JOURNAL_STREAM and XCLOUD_LOG_TIMES. */
void xlog_init(const char *ident);
void xlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xlogv(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Lines less urgent than prio (LOG_ERR .. LOG_DEBUG) are dropped. */
void xlog_set_level(int prio);
int xlog_level(void);
/* "err", "warning", "notice", "info" or "debug"; -1 if none of them. */
int xlog_level_parse(const char *name);
const char *xlog_level_name(int prio);
/* Is stderr the journal? */
bool xlog_journal(void);

#endif
