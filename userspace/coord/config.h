/* SPDX-License-Identifier: GPL-2.0 */
/* xcloud-coord's configuration file: one [cloud NAME] section per cloud. */
#ifndef COORD_CONFIG_H
#define COORD_CONFIG_H

#include <stddef.h>

#define COORD_MAX_CLOUDS 64

struct coord_cloud_conf {
	char *name;
	char *etcd;		/* client URL of the cloud's etcd */
};

struct coord_conf {
	char *prefix;		/* key prefix, default "/xcloud" */
	double remove_delay;	/* seconds a vanished binding's entries stay */
	struct coord_cloud_conf cloud[COORD_MAX_CLOUDS];
	size_t nclouds;
	char err[256];
};

/* 0, or -1 with conf->err saying which line of path is wrong and why. */
int coord_conf_load(struct coord_conf *conf, const char *path);
void coord_conf_free(struct coord_conf *conf);

#endif
