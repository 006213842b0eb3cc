/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TAP for the unit tests (and tests/cp's C tests): one line per case, the
 * plan printed at the end, when the count is known. The counters are
 * static: a test is one program of one file, which includes this once.
 *
 *	printf("TAP version 13\n");
 *	ok(cond, "what holds");
 *	return tap_done();
 */
#ifndef XC_TAP_H
#define XC_TAP_H

#include <stdio.h>

static int tap_n, tap_failed;

static inline void ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++tap_n, what);
	if (!cond)
		tap_failed++;
}

/* A case that cannot run here (no bird, no namespace): passes, says why. */
static inline void tap_skip(const char *what, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++tap_n, what, why);
}

/* The plan; main's exit status, 1 if any case failed. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
