/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xcloudd: the node agent. One process per node, in one role:
 *
 *  switch agent   sees declared VM ports come up and go down (rtnetlink),
 *                 installs local delivery, publishes bindings under a
 *                 lease, and programs the xcloud devices from the store
 *                 (remote VMs -> gateways, same-cloud VMs -> their node);
 *  gateway agent  publishes its gateway record under a lease (gateway.c)
 *                 and programs its devices from its cloud's bindings
 *                 (VM -> node); both are the overlay agent (overlay.c),
 *                 give each virtual network a VRF and a device
 *                 (networks.c) and fill their allow-lists (trust.c);
 *  aggregation    EIP pools announced through BIRD, `eip` entries
 *                 (eip_agg.c);
 *  router         a virtual router's EIPs through BIRD, 1:1 NAT
 *                 (eip_router.c); both are the EIP agent (eip_agent.c,
 *                 docs/eip-bgp.md).
 */
#ifndef XCLOUDD_AGENT_H
#define XCLOUDD_AGENT_H

#include <stdbool.h>
#include <stdio.h>
#include <ev.h>
#include <libxcloud.h>
#include <values.h>	/* the store's addresses: lib/values.c */
#include <xcetcd.h>
#include "config.h"
#include "log.h"
#include "workq.h"

struct xd_links;
struct xd_ports;
struct xd_table;
struct xd_eip;
struct xd_gw;
struct xd_nets;
struct xd_groups;
struct gwref;
struct cloudref;

/* Routes xcloudd installs carry this protocol (iproute2: "proto 77"). */
#define XD_RTPROT 77
/* Where the local table's rule goes: behind the VRFs' l3mdev rule. */
#define XD_RULE_LOCAL 1001

/* What the devices accept (trust.c); owned by the networks. */
struct xd_trust {
	struct agent *a;
	unsigned int gen;		/* bumped at every change, never 0 */
	struct xc_prefix *allow;	/* sorted allow-list */
	size_t nallow;
	struct xc_addr gw[XCLOUD_MAX_GATEWAYS];	/* own cloud's gateways */
	unsigned int ngw;
	/* own gateways whose record went, still accepted until then */
	struct xc_addr leaving[XCLOUD_MAX_GATEWAYS];
	ev_tstamp leaving_until[XCLOUD_MAX_GATEWAYS];
	unsigned int nleaving;
	ev_timer grace;			/* the first of them is due */
	struct gwref *refs;		/* other clouds' gateways (switch) */
	size_t nrefs, caprefs;
	struct cloudref *crefs;		/* other clouds named (their groups) */
	size_t ncrefs, capcrefs;
	bool dirty;			/* refs changed: update soon */
};

/*
 * What a role does differently, called through a->ops (xd_role_ops()
 * picks them from conf->role, once): the overlay agent's (overlay.c) for
 * switch and gateway, which share most hooks, and the EIP agent's for
 * aggregation (eip_agg.c) and router (eip_router.c), which share most of
 * theirs (eip_agent.c). Hooks marked "or NULL" may be left out.
 */
struct xd_role_ops {
	/* Builds the role's part (a is zeroed, ev and conf set); nonzero:
	 * cannot run (logged). fini undoes what init got to. */
	int (*init)(struct agent *a);
	int (*start)(struct agent *a);
	void (*fini)(struct agent *a, bool revoke);
	bool (*synced)(struct agent *a);	/* xd_agent_synced() */
	bool (*online)(struct agent *a);	/* xd_agent_online() */
	/* -t: the role's keys, after the common line. */
	void (*print_conf)(const struct xd_conf *conf);
	/* status.c: STATUS= once ready; --status's lease line and the
	 * lines after "log level" (or NULL). */
	void (*status_line)(struct agent *a, char *buf, size_t len);
	void (*status_lease)(struct agent *a, FILE *f);
	void (*status_text)(struct agent *a, FILE *f);
	/* metrics.c: the role's series, after the agent's own. */
	void (*metrics)(struct agent *a, FILE *f);
	/* SIGHUP, same role and store: what it applies of nc; how many
	 * changes (or NULL: nothing but the log level). */
	unsigned int (*reload)(struct agent *a, struct xd_conf *nc);
	uint8_t mode;			/* the devices' XCLOUD_MODE_* */
};

const struct xd_role_ops *xd_role_ops(enum xd_role role);	/* agent.c */
extern const struct xd_role_ops xd_switch_ops, xd_gateway_ops;	/* overlay.c */
extern const struct xd_role_ops xd_agg_ops;		/* eip_agg.c */
extern const struct xd_role_ops xd_router_ops;		/* eip_router.c */

struct agent {
	const struct xd_role_ops *ops;
	struct ev_loop *ev;
	struct xd_conf *conf;
	struct xe_loop *xl;
	struct xe_client *etcd;
	struct xc *xc;			/* libxcloud handle */
	/* the overlay agent (switch and gateway) from here on */
	struct xe_keeper *lease;
	struct xe_mirror *ports;	/* <prefix>/ports/ (switch) */
	struct xe_mirror *bindings;	/* <prefix>/bindings/ */
	struct xe_mirror *remote;	/* <prefix>/remote/ (switch) */
	struct xe_mirror *networks;	/* <prefix>/networks/ */
	struct xe_mirror *underlay;	/* <prefix>/underlay/ */
	struct xe_mirror *gateways;	/* <prefix>/gateways/ (switch) */
	struct xe_mirror *groups;	/* <prefix>/groups/ (switch) */
	struct xd_groups *groupstate;	/* what groups/ says (switch) */
	struct xd_links *links;		/* rtnetlink link cache */
	struct xd_ports *portstate;	/* switch: ports, bindings published */
	struct xd_gw *gw;		/* gateway: its record */
	struct xd_table *table;		/* the devices' tables */
	struct xd_nets *nets;		/* the VRFs and devices */
	char *p_ports, *p_bindings, *p_remote, *p_gateways;
	char *p_networks, *p_underlay, *p_groups;
	ev_timer retry;			/* publish again after a failure */
	ev_idle work;			/* queued ports and routes, in chunks */
	double backoff;
	struct xd_eip *eip;		/* the EIP agent (aggregation, router) */
};

/* A log line; fmt may start with SD_ERR, SD_WARNING, ... (log.h). */
void xd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* XCLOUD_LOG_TIMES set: stamp log lines and log how long batches take. */
bool xd_timing(void);
double xd_now_ms(void);	/* CLOCK_MONOTONIC */

/* The store read and nothing queued: the kernel is in line with it. */
bool xd_agent_synced(struct agent *a);
/* etcd answers the watches. */
bool xd_agent_online(struct agent *a);

/* There is queued work (ports, routes): have the loop do it soon. */
void xd_work_pending(struct agent *a);

struct json_object;
/* The string member key of the JSON object o, or NULL: a null, a number
 * or a missing member is never taken for a string. */
const char *xd_json_str(struct json_object *o, const char *key);

/* Is kv a binding of this node? */
bool xd_is_mine(struct agent *a, const struct xe_kv *kv);

/* "<vni>/<addr>" split; false if the suffix is not that. */
bool xd_split_key(const char *suffix, uint32_t *vni, char *addr, size_t len);

/* ---- links.c: interfaces over rtnetlink (libnl-route cache manager) ---- */
typedef void (*xd_link_cb)(const char *ifname, void *arg);
struct xd_links *xd_links_new(struct ev_loop *ev, xd_link_cb changed,
			      void *arg, char *err, size_t errlen);
void xd_links_free(struct xd_links *l);
/* ifindex of an interface that is up with carrier, else 0. */
int xd_link_up(struct xd_links *l, const char *ifname);
/* ifindex of an interface of that name, up or down, else 0. */
int xd_link_index(struct xd_links *l, const char *ifname);

/* ---- local.c: local delivery of a VM behind its port, in batches ---- */
struct xd_local;
/* Answers are read on ev; freeing drops what is on its way, unreported. */
struct xd_local *xd_local_new(struct ev_loop *ev, char *err, size_t errlen);
void xd_local_free(struct xd_local *l);
/* Queue a host route to addr through the port and (IPv4) proxy ARP on
 * it, or the route's removal, for the next commit; -errno if not queued.
 * Failures are logged per port as the kernel answers. */
int xd_local_install(struct xd_local *l, void *cookie, const char *addr,
		     int ifindex, const char *ifname, int vrf, uint32_t table);
int xd_local_remove(struct xd_local *l, const char *addr, int ifindex,
		    const char *ifname, uint32_t table);
/*
 * Sends everything queued as one batch (a few datagrams) and returns;
 * from the loop, once the kernel answered it all, calls done once per
 * install (ok unless its route was refused or went unanswered: proxy ARP
 * failing is only logged), then end. A batch committed while another is
 * on its way follows it. False if nothing was queued: nothing is called.
 */
typedef void (*xd_local_done)(void *cookie, bool ok, void *arg);
typedef void (*xd_local_end)(void *arg);
bool xd_local_commit(struct xd_local *l, xd_local_done done, xd_local_end end,
		     void *arg);
/* A committed batch is not answered yet. */
bool xd_local_busy(const struct xd_local *l);

/* ---- networks.c: a VRF and a device per virtual network ---- */
struct xd_nets *xd_nets_new(struct agent *a);
void xd_nets_free(struct xd_nets *ns);
/* Checks the node (table-range free, rules, sysctls) and adopts what a
 * previous run made; nonzero: the agent cannot run here. */
int xd_nets_start(struct agent *a);
/* A networks/ key changed (suffix: "<vni>"). */
void xd_nets_changed(struct agent *a, const char *suffix);
/* Every network looked at again. */
void xd_nets_sync(struct agent *a);
/* A link changed (ifindex: of that name now, else 0): a network whose
 * device or VRF it was is made again. */
void xd_nets_link_changed(struct agent *a, const char *ifname, int ifindex);
/* The store's trust inputs changed: devices brought in line if needed. */
void xd_nets_trust_changed(struct agent *a);
struct xd_trust *xd_nets_trust(struct agent *a);
size_t xd_nets_work(struct agent *a, size_t max);
/* Every network is ready (its VRF, device, allow-list and routes made)
 * or refused (logged why): none is on its way. */
bool xd_nets_settled(struct agent *a);
/* A ready network's device (its ifindex, else 0) and its name. */
int xd_nets_device(struct agent *a, uint32_t vni, const char **name);
/* A network's VRF once its ports may go in (its ifindex, else 0), and
 * its table. */
int xd_nets_vrf(struct agent *a, uint32_t vni, uint32_t *table);
/*
 * The network is declared and its VRF being made (at start, or again
 * after it was deleted): its ports' bindings stay meanwhile.
 */
bool xd_nets_coming(struct agent *a, uint32_t vni);
void xd_nets_foreach(struct agent *a,
		     void (*fn)(uint32_t vni, int ifindex, const char *dev,
				void *arg), void *arg);
size_t xd_nets_count(const struct agent *a);

/* ---- trust.c: allow-lists and gateways from the store ---- */
/* Recomputes what is wanted; true if it changed (t->gen moved on). */
void xd_trust_init(struct agent *a, struct xd_trust *t);
bool xd_trust_update(struct agent *a, struct xd_trust *t);
/* Logs what is wrong with a value of underlay/ or gateways/ (m), once. */
void xd_trust_check(struct agent *a, struct xe_mirror *m,
		    const struct xe_kv *kv);
/* Programs one device; 0 or -errno (logged). */
int xd_trust_apply(struct agent *a, const struct xd_trust *t,
		   const char *dev, int ifindex);
/* A remote entry changed (switch): the gateways it names counted. */
void xd_trust_remote(struct xd_trust *t, const struct xe_kv *kv,
		     const struct xe_kv *old);
void xd_trust_remote_reread(struct agent *a, struct xd_trust *t);
void xd_trust_free(struct xd_trust *t);

/* ---- ports.c: switch agent's ports and bindings ---- */
struct xd_ports *xd_ports_new(struct agent *a);
void xd_ports_free(struct xd_ports *p);
/* Re-evaluates every declared port and publishes or withdraws. */
void xd_ports_sync(struct agent *a);
void xd_ports_link_changed(struct agent *a, const char *ifname);
void xd_ports_port_changed(struct agent *a, const char *suffix);
/* A network became ready or went: its ports looked at again. */
void xd_ports_vni_changed(struct agent *a, uint32_t vni);
/* A network's VRF was deleted under the agent: its ports' local delivery
 * is installed again once it is back. */
void xd_ports_vrf_lost(struct agent *a, uint32_t vni);
/* The three above only queue the ports; this looks at up to max queued
 * ports and returns how many it did: none while the kernel has yet to
 * answer the last ones' local delivery (the loop works again then). */
size_t xd_ports_work(struct agent *a, size_t max);
/* Is this change of a binding just the store confirming what this agent
 * published (new: our value under our lease, where there was none, for a
 * port that is still up and published)? */
bool xd_ports_is_echo(struct agent *a, const char *suffix,
		      const struct xe_kv *kv, const struct xe_kv *old);
/* How many bindings are queued; is a transaction of them on its way. */
size_t xd_ports_queued(const struct agent *a);
bool xd_ports_sending(const struct agent *a);
/* A chunk's local delivery is on its way to the kernel. */
bool xd_ports_installing(const struct agent *a);

/* ---- table.c: the xcloud devices' forwarding tables ---- */
struct xd_table *xd_table_new(struct agent *a);
void xd_table_free(struct xd_table *t);
/* Queues one "<vni>/<addr>": its route is made what the store says. */
void xd_table_sync_key(struct agent *a, const char *suffix);
/* Programs up to max queued keys, batched into few netlink messages;
 * returns how many it did. */
size_t xd_table_work(struct agent *a, size_t max);
/* Dumps every device and fixes what differs (adds, replaces, deletes). */
void xd_table_sync_all(struct agent *a);
/* A network's device is new or adopted: its table synced in full. */
void xd_table_sync_vni(struct agent *a, uint32_t vni);
/* A network's device is gone, with its routes. */
void xd_table_forget_vni(struct agent *a, uint32_t vni);
/* Routes programmed into VNI's device (all devices: vni 0). */
size_t xd_table_count(struct agent *a, uint32_t vni);

/* Kernel next-hop groups of the other clouds' gateways (a group changed:
 * one replace per device holding it; new: the routes waiting for it). */
struct xd_group;
void xd_table_group_changed(struct agent *a, const struct xd_group *g,
			    bool is_new);
/* Next-hop groups this agent holds in VNI's device (all devices: 0). */
size_t xd_table_group_count(struct agent *a, uint32_t vni);

/* ---- groups.c: the other clouds' gateway groups, groups/ (switch) ---- */

/* Kernel ids of the agent's groups: XD_GROUP_ID_MIN and up (groups.c). */
#define XD_GROUP_ID_MIN 0x80000000u
struct xd_group {
	char cloud[XE_NAME_MAX + 1];
	uint32_t id;			/* of its kernel group, every device */
	bool known;			/* good members were read */
	uint8_t n;
	struct xc_addr gw[XCLOUD_MAX_NEXTHOPS];	/* sorted */
};
enum { XD_GROUP_NEW = 1, XD_GROUP_CHANGED = 2 };
struct xd_groups *xd_groups_new(void);
void xd_groups_free(struct xd_groups *gs);
/* groups/<cloud> is value now (NULL: deleted): 0 if that changes no
 * member, XD_GROUP_NEW for a cloud's first good members, else
 * XD_GROUP_CHANGED; -ENOMEM. A bad value is logged and changes nothing. */
int xd_groups_update(struct agent *a, const char *key, const char *value);
/* A cloud's group (known or not), or NULL. */
const struct xd_group *xd_group_find(struct agent *a, const char *cloud);
const struct xd_group *xd_group_by_id(struct agent *a, uint32_t id);
/* Is id in the agent's range (groups below it are made by hand)? */
bool xd_group_id_ours(uint32_t id);

/* ---- gateway.c: the gateway's record, once its devices relay ---- */
int xd_gw_new(struct agent *a);
void xd_gw_free(struct agent *a);
void xd_gw_lease(struct agent *a);
void xd_gw_retry(struct agent *a);
void xd_gw_poke(struct agent *a);
void xd_gw_ready(struct agent *a);

/* ---- eip_live.c: a router agent's liveness key, under its lease ---- */
struct xd_live;
/* Writes <p_routers><router> under a lease of its own (adopted from the
 * lease file), again whenever the lease is new. */
struct xd_live *xd_live_new(struct agent *a, const char *p_routers);
void xd_live_free(struct xd_live *l);

/* ---- eip_rehome.c: EIPs of a dead router moved to a standby router ---- */
struct xd_rehome;
struct xd_rehome_stats {
	unsigned long moved;	/* moves this agent wrote */
	unsigned long lost;	/* moves whose compare failed (another
				 * agent's, or the state changed) */
	unsigned long failed;	/* moves etcd did not answer */
};
/* Mirrors <p_routers>; moves records of @addrs (keys under @p_addrs, which
 * must outlive it). */
struct xd_rehome *xd_rehome_new(struct agent *a, struct xe_mirror *addrs,
				const char *p_addrs, const char *p_routers);
int xd_rehome_start(struct xd_rehome *rh);
/* The records changed: look at them again soon (NULL is fine). */
void xd_rehome_kick(struct xd_rehome *rh);
void xd_rehome_stats(const struct xd_rehome *rh, struct xd_rehome_stats *st);
void xd_rehome_free(struct xd_rehome *rh);

#endif
