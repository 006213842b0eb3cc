// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "conf.h"

int xsd_ini_result(int r, const char *path, const char *why, char *err,
		   size_t len)
{
	char what[200];

	if (!r)
		return 0;
	if (r == -1) {
		snprintf(err, len, "cannot open %.200s", path);
		return -1;
	}
	/* A copy first: why may be err itself. */
	snprintf(what, sizeof(what), "%s",
		 why && why[0] ? why : "not INI syntax");
	snprintf(err, len, "line %d: %s", r, what);
	return -1;
}
