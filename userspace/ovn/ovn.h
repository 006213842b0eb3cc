/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xcloud-ovn: OVN's NAT rules as xcloud's EIP records (docs/ovn.md).
 *
 *   config.c   the INI file
 *   ovsdb.c    the OVSDB protocol: NB and SB replicas
 *   eips.c     replicas + pools -> the EIP records OVN asks for
 *   sync.c     those records <-> <prefix>/eip/addrs/ in etcd
 *   main.c     the program
 */
#ifndef XCLOUD_OVN_H
#define XCLOUD_OVN_H

#include <stdbool.h>
#include <stddef.h>
#include <xcetcd.h>

#include "eip.h"
#include "ovsdb.h"

#define OVN_MAX_CHASSIS 1024

/* [chassis NAME]: which virtual router a chassis is, and its node. */
struct ovn_chassis_conf {
	char *name;		/* SB Chassis.name */
	char *router;		/* the record's "router"; default: the name */
	char *node;		/* the record's "node"; default: Encap.ip */
};

enum ovn_router_name { OVN_NAME_CHASSIS, OVN_NAME_HOSTNAME };

struct ovn_conf {
	char *nb, *sb;		/* ovsdb remotes */
	struct xe_conf etcd;
	char *prefix;		/* key prefix, default "/xcloud" */
	char *source;		/* the "source" of the records we own */
	enum ovn_router_name router_name;
	double probe;		/* seconds */
	struct ovn_chassis_conf chassis[OVN_MAX_CHASSIS];
	size_t nchassis;
	char err[256];
};

int ovn_conf_load(struct ovn_conf *conf, const char *path);
void ovn_conf_free(struct ovn_conf *conf);

/* ---- eips.c ---- */

/* One EIP OVN asks for. value NULL: the owner cannot be told now (the
 * gateway port is not bound to a chassis, e.g. while it moves): the
 * store's record, if any, stays as it is. */
struct ovn_eip {
	char eip[INET6_ADDRSTRLEN];	/* canonical text: the key's end */
	char *value;			/* the record's JSON */
	char nat[40];			/* NB NAT row UUID */
};

/* Why a NAT is not an EIP (or not now): the counters' names. */
enum ovn_skip {
	OVN_SKIP_BAD_ADDRESS,	/* external_ip or logical_ip unusable */
	OVN_SKIP_NO_POOL,	/* external_ip in no declared pool */
	OVN_SKIP_NO_GATEWAY,	/* router without (one) gateway port */
	OVN_SKIP_UNBOUND,	/* gateway port bound to no chassis */
	OVN_SKIP_CHASSIS,	/* chassis unknown, or no name or node */
	OVN_SKIP_DUPLICATE,	/* an EIP of two NATs */
	OVN_SKIP_NOT_OURS,	/* the store's record is someone else's */
	OVN_SKIP_TOO_MANY,	/* a router with more NATs than read */
	OVN_SKIP_MAX
};

extern const char *const ovn_skip_name[OVN_SKIP_MAX];

struct ovn_eips {
	struct ovn_eip *e;
	size_t n;
	/* Why NATs were skipped: one line each, sorted; and how many of
	 * each reason. */
	char **skipped;
	size_t nskipped;
	unsigned int count[OVN_SKIP_MAX];
};

/*
 * Every dnat_and_snat NAT of every logical router as a record: "router"
 * and "node" of the chassis its gateway port is bound to (or a gateway
 * router's options:chassis), "private" its logical_ip, "source" ours,
 * "nat" its UUID. Sorted by EIP; an EIP twice keeps the lowest NAT UUID.
 * A NAT that cannot be one is skipped with the reason (and its UUID).
 */
int ovn_eips_build(const struct ovn_conf *conf, const struct ovsdb *nb,
		   const struct ovsdb *sb, const struct xc_prefix *pools,
		   size_t npools, struct ovn_eips *out);
void ovn_eips_free(struct ovn_eips *e);

/* The monitor requests. */
extern const char ovn_nb_monitor[], ovn_sb_monitor[];

/* ---- sync.c ---- */

struct ovn_sync;

struct ovn_sync *ovn_sync_new(struct ev_loop *ev, const struct ovn_conf *conf);
void ovn_sync_free(struct ovn_sync *s);
/* Connects to NB, SB and etcd. */
void ovn_sync_start(struct ovn_sync *s);

#endif
