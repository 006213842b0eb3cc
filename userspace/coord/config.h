/* SPDX-License-Identifier: GPL-2.0 */
/* xcloud-coord's configuration file: one [cloud NAME] section per cloud. */
#ifndef COORD_CONFIG_H
#define COORD_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <xcetcd.h>

#define COORD_MAX_CLOUDS 64

struct coord_cloud_conf {
	char *name;
	struct xe_conf etcd;	/* how to reach the cloud's etcd */
	unsigned int section;	/* ordinal of its section in the file */
};

struct coord_conf {
	char *prefix;		/* key prefix, default "/xcloud" */
	double remove_delay;	/* seconds a vanished binding's entries stay */
	double join_delay;	/* seconds a new gateway waits (joins.h) */
	char *election;		/* the cloud whose etcd elects the leader */
	char *id;		/* this coordinator, as the election key says:
				 * unique among coordinators */
	int64_t election_ttl;	/* seconds, default 5 */
	struct coord_cloud_conf cloud[COORD_MAX_CLOUDS];
	size_t nclouds;
	char *section;		/* while reading: the section and its */
	unsigned int nsection;	/* ordinal, to tell a section repeated */
	char err[256];
};

/* 0, or -1 with conf->err saying which line of path is wrong and why. */
int coord_conf_load(struct coord_conf *conf, const char *path);
void coord_conf_free(struct coord_conf *conf);

#endif
