// SPDX-License-Identifier: GPL-2.0
#include <getopt.h>
#include <stdio.h>
#include "conf.h"

#ifndef XCLOUD_VERSION
#error "XCLOUD_VERSION is set from the VERSION file by userspace/common.mk"
#endif

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

static void usage(FILE *f, const char *name, const char *path,
		  const char *about)
{
	fprintf(f,
		"Usage: %s [-c FILE] [-t]\n"
		"       %s -V | -h\n"
		"  -c, --config FILE  configuration (default %s)\n"
		"  -t, --test-config  check the configuration and exit\n"
		"  -V, --version      print \"%s VERSION\" and exit\n"
		"  -h, --help         this text\n"
		"\n%s",
		name, name, path, name, about);
}

int xsd_args(int argc, char **argv, const char *name, const char *about,
	     const char **path, bool *test)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "test-config", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *def = *path;
	int o;

	while ((o = getopt_long(argc, argv, "c:thV", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			*path = optarg;
			break;
		case 't':
			*test = true;
			break;
		case 'h':
			usage(stdout, name, def, about);
			return 0;
		case 'V':
			printf("%s %s\n", name, XCLOUD_VERSION);
			return 0;
		default:
			usage(stderr, name, def, about);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, name, def, about);
		return 2;
	}
	return -1;
}
