// SPDX-License-Identifier: GPL-2.0
/*
 * Reads xcloud-coord's INI file with inih:
 *
 *   [coord]
 *   prefix = /xcloud
 *   remove-delay = 2     ; seconds before a vanished binding's remote
 *                        ; entries go (a VM moving inside its cloud)
 *   join-delay = 2       ; seconds before a gateway new to its cloud is
 *                        ; in its group elsewhere (its own switches
 *                        ; accept it first)
 *   election = A         ; whose etcd elects the leader (default: the
 *                        ; first cloud by name)
 *   election-ttl = 5     ; seconds: the leader's lease
 *   name = coord-1       ; in the election key, unique per coordinator
 *                        ; (default: the host name)
 *
 *   [cloud A]
 *   etcd = https://10.0.0.1:2379, https://10.0.0.2:2379
 *   cacert = /etc/xcloud/etcd-A/ca.pem
 *   cert = /etc/xcloud/etcd-A/coord.pem
 *   key = /etc/xcloud/etcd-A/coord-key.pem
 *   user = xcloud-coord
 *   password-file = /etc/xcloud/etcd-A/coord.password
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ini.h>
#include "conf.h"
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
	char err[200];
	int r;

	if (conf->err[0])
		return 0;
	/* A section starts where its name changes (inih has no event). */
	if (!conf->section || strcmp(section, conf->section)) {
		free(conf->section);
		conf->section = strdup(section);
		conf->nsection++;
	}
	if (!strcmp(section, "coord")) {
		if (!strcmp(name, "remove-delay")) {
			char *end;

			conf->remove_delay = strtod(value, &end);
			if (*end || conf->remove_delay < 0 ||
			    conf->remove_delay > 3600)
				return conf_fail(conf, "remove-delay must be 0..3600 seconds");
			return 1;
		}
		if (!strcmp(name, "join-delay")) {
			char *end;

			conf->join_delay = strtod(value, &end);
			if (end == value || *end || !(conf->join_delay >= 0) ||
			    conf->join_delay > 60)
				return conf_fail(conf, "join-delay must be 0..60 seconds");
			return 1;
		}
		if (!strcmp(name, "election")) {
			free(conf->election);
			conf->election = strdup(value);
			return 1;
		}
		if (!strcmp(name, "election-ttl")) {
			char *end;
			long ttl = strtol(value, &end, 10);

			if (*end || ttl < 2 || ttl > 600)
				return conf_fail(conf, "election-ttl must be 2..600 seconds");
			conf->election_ttl = ttl;
			return 1;
		}
		if (!strcmp(name, "name")) {
			if (!value[0] || strpbrk(value, "\"\\ "))
				return conf_fail(conf, "name must be a word without \" or \\");
			free(conf->id);
			conf->id = strdup(value);
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
	c = NULL;
	for (size_t i = 0; i < conf->nclouds; i++)
		if (!strcmp(conf->cloud[i].name, section + 6))
			c = &conf->cloud[i];
	if (!c) {
		if (conf->nclouds == COORD_MAX_CLOUDS)
			return conf_fail(conf, "too many clouds");
		c = &conf->cloud[conf->nclouds++];
		c->name = strdup(section + 6);
		c->section = conf->nsection;
	} else if (c->section != conf->nsection ||
		   ((!strcmp(name, "etcd") || !strcmp(name, "endpoints")) &&
		    c->etcd.endpoints)) {
		/* inih does not tell a repeated [cloud A] from one */
		return conf_fail(conf, "cloud defined twice (or its etcd)");
	}
	r = xe_conf_set(&c->etcd, name, value, err, sizeof(err));
	if (r > 0)
		return conf_fail(conf,
				 "unknown key in [cloud NAME] (etcd, cacert, cert, key, user, password-file)");
	if (r < 0)
		return conf_fail(conf, err);
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
	conf->join_delay = 2.0;
	r = ini_parse(path, conf_handler, conf);
	free(conf->section);
	conf->section = NULL;
	if (xsd_ini_result(r, path, conf->err, conf->err, sizeof(conf->err)))
		return -1;
	if (conf->nclouds < 2) {
		snprintf(conf->err, sizeof(conf->err),
			 "needs at least two [cloud NAME] sections, has %zu",
			 conf->nclouds);
		return -1;
	}
	for (size_t i = 0; i < conf->nclouds; i++) {
		char err[200];

		if (xe_conf_check(&conf->cloud[i].etcd, err, sizeof(err))) {
			snprintf(conf->err, sizeof(conf->err),
				 "[cloud %.40s]: %s", conf->cloud[i].name, err);
			return -1;
		}
	}
	if (!conf->prefix)
		conf->prefix = strdup("/xcloud");
	if (!conf->election_ttl)
		conf->election_ttl = 5;
	if (!conf->id) {
		char host[64] = "";

		/* Stable across restarts: a restarted coordinator takes its
		 * own key back at once (election.c). */
		gethostname(host, sizeof(host) - 1);
		conf->id = strdup(host[0] ? host : "xcloud-coord");
	}
	/* Ties between clouds are broken by name: keep them sorted. */
	qsort(conf->cloud, conf->nclouds, sizeof(conf->cloud[0]), cloud_cmp);
	if (!conf->election)
		conf->election = strdup(conf->cloud[0].name);
	for (size_t i = 0; i < conf->nclouds; i++)
		if (!strcmp(conf->cloud[i].name, conf->election))
			return conf->id ? 0 : -1;
	snprintf(conf->err, sizeof(conf->err),
		 "election = %.100s names no [cloud NAME]", conf->election);
	return -1;
}

void coord_conf_free(struct coord_conf *conf)
{
	for (size_t i = 0; i < conf->nclouds; i++) {
		free(conf->cloud[i].name);
		xe_conf_free(&conf->cloud[i].etcd);
	}
	free(conf->prefix);
	free(conf->election);
	free(conf->id);
	memset(conf, 0, sizeof(*conf));
}
