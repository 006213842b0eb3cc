/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xd_log() for the unit tests that include a part of xcloudd (local.c,
 * links.c) without the daemon's logger: each line a TAP comment, counted
 * in logged, which a test zeroes before what should log once or not at all.
 */
#ifndef XCLOUDD_TEST_LOG_H
#define XCLOUDD_TEST_LOG_H

#include <stdarg.h>
#include <stdio.h>

static int logged;

void xd_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	logged++;
}

#endif
