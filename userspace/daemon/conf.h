/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XCLOUD_CONF_H
#define XCLOUD_CONF_H

#include <stddef.h>

/*
 * ini_parse()'s result r for path as the daemons report it: 0 stays 0;
 * otherwise err gets "cannot open PATH" (r -1) or "line N: WHY" (WHY is
 * the handler's reason, or "not INI syntax" when it gave none) and the
 * result is -1. why may point into err.
 */
int xsd_ini_result(int r, const char *path, const char *why, char *err,
		   size_t len);

#endif
