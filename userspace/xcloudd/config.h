/* SPDX-License-Identifier: GPL-2.0 */
/* xcloudd's configuration: an INI file, overridden by flags. */
#ifndef XCLOUDD_CONFIG_H
#define XCLOUDD_CONFIG_H

#include <stdint.h>

#define XD_MAX_VNIS 64

enum xd_role {
	XD_ROLE_NONE, XD_ROLE_SWITCH, XD_ROLE_GATEWAY,
	XD_ROLE_AGGREGATION,	/* EIP pools and `eip` entries (eip_agent.c) */
	XD_ROLE_ROUTER,		/* a virtual router's EIPs and NAT */
};

/* EIP roles: talk to BIRD and the store, not to the [vni N] devices. */
#define XD_ROLE_EIP(r) ((r) == XD_ROLE_AGGREGATION || (r) == XD_ROLE_ROUTER)

struct xd_vni_conf {
	uint32_t vni;
	char *device;		/* the xcloud device of this virtual network */
};

struct xd_conf {
	enum xd_role role;
	char *cloud;		/* for messages */
	char *node;		/* this node's name, as ports declare it */
	char *underlay;		/* this node's underlay address */
	char *etcd;		/* client URL of this cloud's etcd */
	char *prefix;		/* key prefix, default /xcloud */
	int64_t lease_ttl;	/* seconds, default 10 */
	/* EIP roles (docs/eip-bgp.md) */
	char *router;		/* router: the name EIP records give */
	char *eip_device;	/* aggregation: the xcloud device for pools */
	char *eip_ingress;	/* aggregation: its ingress device, or NULL */
	char *bird_socket;	/* BIRD's control socket */
	char *bird_config;	/* BIRD's main file (configure check/soft) */
	char *bird_include;	/* the generated file it includes */
	struct xd_vni_conf vni[XD_MAX_VNIS];
	unsigned int nvnis;
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
const char *xd_conf_device(const struct xd_conf *conf, uint32_t vni);
void xd_conf_free(struct xd_conf *conf);

#endif
