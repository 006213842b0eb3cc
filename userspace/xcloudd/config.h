/* SPDX-License-Identifier: GPL-2.0 */
/* xcloudd's configuration: an INI file, overridden by flags. */
#ifndef XCLOUDD_CONFIG_H
#define XCLOUDD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <xcetcd.h>

/* The routing tables of the tenants' VRFs, unless table-range says. */
#define XD_TABLE_FIRST	1000000
#define XD_TABLE_LAST	1999999
/* Overlay prefixes routed into one virtual network's device. */
#define XD_NET_PREFIXES	16
/* metrics-max-peers: per-peer series of a device with more tunnels are
 * left out (its totals stay). */
#define XD_METRICS_MAX_PEERS	1000
#define XD_METRICS_MAX_PEERS_LIMIT 1000000

enum xd_role {
	XD_ROLE_NONE, XD_ROLE_SWITCH, XD_ROLE_GATEWAY,
	XD_ROLE_AGGREGATION,	/* EIP pools and `eip` entries (eip_agg.c) */
	XD_ROLE_ROUTER,		/* a virtual router's EIPs, NAT (eip_router.c) */
};

/* EIP roles: talk to BIRD and the store, not to the [vni N] devices. */
#define XD_ROLE_EIP(r) ((r) == XD_ROLE_AGGREGATION || (r) == XD_ROLE_ROUTER)

/* A [vni N] section: a virtual network declared in the file (the store
 * declares others under <prefix>/networks/). Names may be NULL: the
 * defaults xc<N> and xvrf<N> then. */
struct xd_vni_conf {
	uint32_t vni;
	char *device;		/* the xcloud device of this virtual network */
	char *vrf;		/* its VRF */
	char *prefixes;		/* overlay prefixes, "P, P" as in the file */
};

struct xd_conf {
	enum xd_role role;
	char *cloud;		/* for messages */
	char *node;		/* this node's name, as ports declare it */
	char *underlay;		/* this node's underlay address */
	char *etcd;		/* this cloud's etcd: its members' URLs */
	struct xe_conf etcd_conf;	/* [etcd]: TLS files, user; and, once
					 * checked, the endpoints of etcd */
	char *prefix;		/* key prefix, default /xcloud */
	int64_t lease_ttl;	/* seconds, default 10 */
	int log_level;		/* LOG_ERR..LOG_DEBUG, default LOG_INFO */
	/* EIP roles (docs/eip-bgp.md) */
	char *router;		/* router: the name EIP records give */
	char *eip_device;	/* aggregation: the xcloud device for pools */
	char *eip_ingress;	/* aggregation: its ingress device, or NULL */
	char *eip_handoff;	/* router: no NAT; EIPs routed onto this
				 * device (OVN's provider bridge), or NULL */
	char *bird_socket;	/* BIRD's control socket */
	char *bird_config;	/* BIRD's main file (configure check/soft) */
	char *bird_include;	/* the generated file it includes */
	/* switch and gateway roles: the tenants' VRFs and devices */
	uint32_t table_first, table_last;	/* table-range */
	uint16_t port;		/* UDP port of the devices, default 6081 */
	uint8_t tunnels;	/* enum xcloud_tunnel_policy */
	bool tunnels_set;
	/* Prometheus metrics (metrics.c): "ADDR:PORT" or "[ADDR6]:PORT",
	 * NULL: off (the default) */
	char *metrics_listen;
	unsigned int metrics_max_peers;	/* default XD_METRICS_MAX_PEERS */
	bool metrics_max_peers_set;
	struct xd_vni_conf *vni;
	unsigned int nvnis, capvnis;
	char err[256];
};

void xd_conf_init(struct xd_conf *conf);
/* Reads path into conf (keys already set by flags are kept); 0 or -1
 * with conf->err. */
int xd_conf_load(struct xd_conf *conf, const char *path);
/* Checks that everything needed is there; 0 or -1 with conf->err. */
int xd_conf_check(struct xd_conf *conf);
/* Sets one [agent] key ("role", "node", ...); 0 or -1 with conf->err. */
int xd_conf_set(struct xd_conf *conf, const char *name, const char *value);
const char *xd_role_name(enum xd_role role);
const struct xd_vni_conf *xd_conf_vni(const struct xd_conf *conf,
				      uint32_t vni);
/* The names of VNI's device and VRF: its [vni N] section's, else xc<N>
 * and xvrf<N>; buf holds IF_NAMESIZE bytes. */
const char *xd_vni_devname(const struct xd_conf *conf, uint32_t vni,
			   char *buf);
const char *xd_vni_vrfname(const struct xd_conf *conf, uint32_t vni,
			   char *buf);
/* Adds [vni N] (or -d N=DEV); 0 or -1 with conf->err. */
int xd_conf_add_vni(struct xd_conf *conf, uint32_t vni, const char *device);
void xd_conf_free(struct xd_conf *conf);

/* "ADDR:PORT" (IPv4) or "[ADDR]:PORT" (IPv6), numeric only, into *ss;
 * 0, or -1 with conf->err. */
int xd_listen_parse(struct xd_conf *conf, const char *s,
		    struct sockaddr_storage *ss, socklen_t *len);

struct xc_prefix;
/* "P, P, ..." into p[max]; 0, -EINVAL (a bad prefix) or -E2BIG. */
int xd_prefixes_parse(const char *text, struct xc_prefix *p, unsigned int max,
		      unsigned int *n);

#endif
