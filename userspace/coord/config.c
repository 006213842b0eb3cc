// SPDX-License-Identifier: GPL-2.0
/*
 * Reads xcloud-coord's INI file with inih:
 *
 *   [coord]
 *   prefix = /xcloud
 *   remove-delay = 2     ; seconds before a vanished binding's remote
 *                        ; entries go (a VM moving inside its cloud)
 *
 *   [cloud A]
 *   etcd = http://127.0.0.1:2379
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>
#include "config.h"

/* inih reports the line of the first failing call; main adds it. */
static int conf_fail(struct coord_conf *conf, const char *what)
{
	snprintf(conf->err, sizeof(conf->err), "%s", what);
	return 0;
}

static int conf_handler(void *user, const char *section, const char *name,
			const char *value)
{
	struct coord_conf *conf = user;
	struct coord_cloud_conf *c;

	if (conf->err[0])
		return 0;
	if (!strcmp(section, "coord")) {
		if (!strcmp(name, "remove-delay")) {
			char *end;

			conf->remove_delay = strtod(value, &end);
			if (*end || conf->remove_delay < 0 ||
			    conf->remove_delay > 3600)
				return conf_fail(conf, "remove-delay must be 0..3600 seconds");
			return 1;
		}
		if (strcmp(name, "prefix"))
			return conf_fail(conf, "unknown key in [coord]");
		if (value[0] != '/')
			return conf_fail(conf, "prefix must start with /");
		free(conf->prefix);
		conf->prefix = strdup(value);
		return 1;
	}
	if (strncmp(section, "cloud ", 6) || !section[6] ||
	    strchr(section + 6, '/') || strchr(section + 6, ' '))
		return conf_fail(conf,
				 "sections are [coord] or [cloud NAME] (NAME without spaces or /)");
	if (strcmp(name, "etcd"))
		return conf_fail(conf, "unknown key in [cloud NAME] (only etcd)");
	if (strncmp(value, "http://", 7) && strncmp(value, "https://", 8))
		return conf_fail(conf, "etcd must be an http:// or https:// URL");
	for (size_t i = 0; i < conf->nclouds; i++)
		if (!strcmp(conf->cloud[i].name, section + 6))
			return conf_fail(conf, "cloud defined twice");
	if (conf->nclouds == COORD_MAX_CLOUDS)
		return conf_fail(conf, "too many clouds");
	c = &conf->cloud[conf->nclouds++];
	c->name = strdup(section + 6);
	c->etcd = strdup(value);
	return 1;
}

static int cloud_cmp(const void *a, const void *b)
{
	return strcmp(((const struct coord_cloud_conf *)a)->name,
		      ((const struct coord_cloud_conf *)b)->name);
}

int coord_conf_load(struct coord_conf *conf, const char *path)
{
	int r;

	memset(conf, 0, sizeof(*conf));
	conf->remove_delay = 2.0;
	r = ini_parse(path, conf_handler, conf);
	if (r == -1) {
		snprintf(conf->err, sizeof(conf->err), "cannot open %s", path);
		return -1;
	}
	if (r > 0) {
		char what[200];

		snprintf(what, sizeof(what), "%.190s",
			 conf->err[0] ? conf->err : "not INI syntax");
		snprintf(conf->err, sizeof(conf->err), "line %d: %.200s", r, what);
		return -1;
	}
	if (conf->nclouds < 2) {
		snprintf(conf->err, sizeof(conf->err),
			 "needs at least two [cloud NAME] sections, has %zu",
			 conf->nclouds);
		return -1;
	}
	if (!conf->prefix)
		conf->prefix = strdup("/xcloud");
	/* Ties between clouds are broken by name: keep them sorted. */
	qsort(conf->cloud, conf->nclouds, sizeof(conf->cloud[0]), cloud_cmp);
	return 0;
}

void coord_conf_free(struct coord_conf *conf)
{
	for (size_t i = 0; i < conf->nclouds; i++) {
		free(conf->cloud[i].name);
		free(conf->cloud[i].etcd);
	}
	free(conf->prefix);
	memset(conf, 0, sizeof(*conf));
}
