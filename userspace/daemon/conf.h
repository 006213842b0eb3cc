/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XCLOUD_CONF_H
#define XCLOUD_CONF_H

#include <stdbool.h>
#include <stddef.h>

/*
 * ini_parse()'s result r for path as the daemons report it: 0 stays 0;
 * otherwise err gets "cannot open PATH" (r -1) or "line N: WHY" (WHY is
 * the handler's reason, or "not INI syntax" when it gave none) and the
 * result is -1. why may point into err.
 */
int xsd_ini_result(int r, const char *path, const char *why, char *err,
		   size_t len);

/*
 * The command line of a daemon that takes -c FILE, -t, -V and -h and
 * nothing else: name, its default configuration and a paragraph on what
 * it does make the help. Returns -1 to go on (*path and *test set), or
 * the status to exit with.
 */
int xsd_args(int argc, char **argv, const char *name, const char *about,
	     const char **path, bool *test);

#endif
