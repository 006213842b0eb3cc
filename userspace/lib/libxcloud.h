/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libxcloud: typed calls over xcloud's netlink API (uapi/linux/xcloud.h).
 *
 * Links (the rtnetlink link type "xcloud") are created, changed and deleted
 * over NETLINK_ROUTE; everything else goes over the generic netlink family
 * "xcloud". All calls are synchronous and return 0 or a negative errno.
 * When the kernel refused a request, xc_errmsg() gives its extack message.
 *
 * A handle is not thread safe; use one per thread. Open it after entering
 * the network namespace it should work in.
 */
#ifndef _LIBXCLOUD_H
#define _LIBXCLOUD_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/xcloud.h>

struct xc;

/* An IPv4 or IPv6 address; family 0 means "none". */
struct xc_addr {
	uint8_t family;			/* AF_INET, AF_INET6 or 0 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	};
};

struct xc_prefix {
	struct xc_addr addr;
	uint8_t len;
};

/* ---- handle and errors ---- */

/* Open a handle (rtnetlink + genl sockets). */
int xc_open(struct xc **out);
void xc_close(struct xc *h);

/* The kernel's extack message of the last failed call, or "". */
const char *xc_errmsg(const struct xc *h);

/*
 * Index of the item of the last failed multi-item request (routes, tunnels,
 * prefixes) the kernel pointed at through the extack offset, or -1.
 */
int xc_erridx(const struct xc *h);

/*
 * The extack of the NLMSG_ERROR message @nh, for callers with a netlink
 * socket of their own: *msg the kernel's message (NULL if none), *off the
 * offset it points at (-1 if none).
 */
struct nlmsghdr;
void xc_extack(const struct nlmsghdr *nh, const char **msg, int64_t *off);

/* ---- links ---- */

/* Which fields of struct xc_link are set. */
enum {
	XC_LINK_VNI = 1U << 0,
	XC_LINK_PORT = 1U << 1,
	XC_LINK_LOCAL = 1U << 2,
	XC_LINK_MODE = 1U << 3,
	XC_LINK_TUNNELS = 1U << 4,
	XC_LINK_IDLE_TIMEOUT = 1U << 5,
	XC_LINK_ROUTE_COUNT = 1U << 6,
	XC_LINK_TUNNEL_COUNT = 1U << 7,
	XC_LINK_INGRESS = 1U << 8,
	XC_LINK_SOURCE_CHECK = 1U << 9,
	XC_LINK_GATEWAYS = 1U << 10,
	XC_LINK_MAX_ROUTES = 1U << 11,
	XC_LINK_MAX_TUNNELS = 1U << 12,
	XC_LINK_MAX_ALLOWED = 1U << 13,
	XC_LINK_ALLOW_COUNT = 1U << 14,
	XC_LINK_PROBE_INTERVAL = 1U << 15,
	XC_LINK_PROBE_MULTIPLIER = 1U << 16,
};

struct xc_link {
	char name[IF_NAMESIZE];
	int ifindex;
	unsigned int mask;		/* XC_LINK_* */
	uint32_t vni;
	uint16_t port;			/* host order */
	struct xc_addr local;
	uint8_t mode;			/* enum xcloud_mode */
	uint8_t tunnels;		/* enum xcloud_tunnel_policy */
	uint32_t idle_timeout;		/* seconds */
	uint32_t route_count;		/* DEV_GET only */
	uint32_t tunnel_count;		/* DEV_GET only */
	int ingress;			/* ifindex, 0: none */
	/* IFLA_XCLOUD_SOURCE_CHECK: 1 on (the kernel's default), 0 off */
	uint8_t source_check;
	/*
	 * IFLA_XCLOUD_GATEWAYS, the own cloud's gateways: sent, they replace
	 * the device's set (n_gateways 0: cleared).
	 */
	uint8_t n_gateways;
	struct xc_addr gateways[XCLOUD_MAX_GATEWAYS];
	/* IFLA_XCLOUD_MAX_*: the most routes, tunnels, allow-list prefixes */
	uint32_t max_routes;
	uint32_t max_tunnels;
	uint32_t max_allowed;
	uint32_t allow_count;		/* DEV_GET only */
	/* IFLA_XCLOUD_PROBE_*: liveness of multi-path next hops */
	uint32_t probe_interval;	/* ms, 0: off */
	uint8_t probe_multiplier;
};

/* Create link @l->name with the fields in @l->mask (VNI required). */
int xc_link_add(struct xc *h, const struct xc_link *l);
/* Change the fields in @l->mask of the existing link @l->name. */
int xc_link_set(struct xc *h, const struct xc_link *l);
int xc_link_del(struct xc *h, const char *name);

/* DEV_GET: one device by name, or all devices of the namespace. */
int xc_link_get(struct xc *h, const char *name, struct xc_link *out);
typedef int (*xc_link_cb)(const struct xc_link *l, void *arg);
int xc_link_dump(struct xc *h, xc_link_cb cb, void *arg);

/* ---- routes ---- */

struct xc_route {
	struct xc_prefix dst;
	uint8_t type;			/* enum xcloud_route_type, 0: unset */
	uint8_t n_nexthops;		/* 0 with @nhid */
	uint32_t nhid;			/* a next-hop group instead, or 0 */
	struct xc_addr nexthops[XCLOUD_MAX_NEXTHOPS];
};

enum xc_route_op {
	XC_ROUTE_ADD,			/* ROUTE_NEW, fails if it exists */
	XC_ROUTE_REPLACE,		/* ROUTE_NEW with XCLOUD_A_REPLACE */
	XC_ROUTE_DEL,			/* ROUTE_DEL */
};

/*
 * Apply @op to @n routes of device @ifindex, packing as many routes per
 * netlink message as fit (about 60 KiB). On error, xc_erridx() is the
 * index in @routes of the route the kernel refused, if it said.
 */
int xc_route_change(struct xc *h, int ifindex, enum xc_route_op op,
		    const struct xc_route *routes, size_t n);

/* Longest-prefix match of @dst in device @ifindex's table. */
int xc_route_get(struct xc *h, int ifindex, const struct xc_addr *dst,
		 struct xc_route *out);

typedef int (*xc_route_cb)(const struct xc_route *r, void *arg);
/*
 * Every route of device @ifindex, each exactly once: a dump the kernel
 * marks interrupted (NLM_F_DUMP_INTR) is retried from the start, and @cb
 * only sees routes of a consistent dump.
 */
int xc_route_dump(struct xc *h, int ifindex, xc_route_cb cb, void *arg);
int xc_route_flush(struct xc *h, int ifindex);

/* ---- route sync: a device's table made what the caller wants ---- */

/* Which of a device's routes a sync manages; it leaves the others alone. */
struct xc_route_filter {
	unsigned int types;		/* 1 << XCLOUD_ROUTE_*: types managed */
	bool host_only;			/* only host routes (/32, /128) */
	/* A managed route of the kernel's to leave as it is, wanted or not
	 * (NULL: none). */
	bool (*keep)(const struct xc_route *r, void *arg);
	void *arg;
};

enum xc_sync_act {
	XC_SYNC_SAME,			/* wanted and already so */
	XC_SYNC_ADD,
	XC_SYNC_REPLACE,
	XC_SYNC_DEL,			/* managed, not wanted */
	XC_SYNC_KEEP,			/* left as it is: the filter's keep */
	XC_SYNC_ACTS
};

/* One route's part in a sync: indices into the wanted and dumped routes. */
struct xc_sync_op {
	enum xc_sync_act act;
	size_t want;			/* SIZE_MAX for DEL and KEEP */
	size_t cur;			/* SIZE_MAX for ADD */
};

/*
 * The pure part of xc_route_sync(), for a caller that sends the
 * difference itself (xcloudd, in bounded slices): @want against a dump
 * @cur as *@ops (malloc'ed, *@nops of them): DEL, REPLACE, ADD, SAME,
 * KEEP, each in prefix order; @cur's routes @f does not manage are in
 * none. Nothing is sent. Returns 0, -ENOMEM, or with *@bad its index:
 * -EINVAL for a wanted route @f does not manage, -EEXIST for one whose
 * prefix an earlier one has.
 */
int xc_route_diff(const struct xc_route *want, size_t nw,
		  const struct xc_route *cur, size_t nc,
		  const struct xc_route_filter *f, struct xc_sync_op **ops,
		  size_t *nops, size_t *bad);

/* What a sync did with one route. */
struct xc_sync_item {
	enum xc_sync_act act;
	const struct xc_route *want;	/* NULL for DEL and KEEP */
	const struct xc_route *cur;	/* the kernel's; NULL for ADD */
	size_t idx;			/* @want's index in the caller's array
					 * (SIZE_MAX for DEL and KEEP) */
	int err;			/* 0, or why the kernel refused it */
	const char *msg;		/* the kernel's extack message, or "" */
};

typedef void (*xc_sync_cb)(const struct xc_sync_item *it, void *arg);

/*
 * Make the routes of device @ifindex that @f manages exactly @want (@n
 * routes, each of a kind @f manages; a route naming a group may leave its
 * type 0): dump the table, then delete, replace and add only what differs,
 * batched. Next hops compare as sets. @cb (may be NULL) hears of every
 * managed route, failed ones with the kernel's error; a refused route does
 * not stop the others, and one gone already when deleted counts as
 * removed. @count (may be NULL) gets the routes done per act.
 * Returns 0, the first refusal's error, or, with nothing changed: the
 * dump's error, -EINVAL for a route of @want the filter does not manage,
 * -EEXIST for one whose prefix an earlier one has (xc_erridx() its index).
 */
int xc_route_sync(struct xc *h, int ifindex, const struct xc_route *want,
		  size_t n, const struct xc_route_filter *f, xc_sync_cb cb,
		  void *arg, size_t count[XC_SYNC_ACTS]);

/* ---- next-hop groups ---- */

struct xc_nhgroup {
	uint32_t id;			/* 1..UINT32_MAX */
	uint8_t type;			/* enum xcloud_route_type, 0: unset */
	uint8_t n_members;
	uint32_t routes;		/* dumps and events: routes naming it */
	struct xc_addr members[XCLOUD_MAX_NEXTHOPS];
};

/*
 * Apply @op (XC_ROUTE_ADD, _REPLACE, _DEL: only ids count) to @n groups
 * of device @ifindex, packed as routes are; xc_erridx() as for routes.
 */
int xc_nhgroup_change(struct xc *h, int ifindex, enum xc_route_op op,
		      const struct xc_nhgroup *groups, size_t n);
typedef int (*xc_nhgroup_cb)(const struct xc_nhgroup *g, void *arg);
/* Every group of device @ifindex, in id order, from a consistent dump. */
int xc_nhgroup_dump(struct xc *h, int ifindex, xc_nhgroup_cb cb, void *arg);
/* Delete every group no route names; -EBUSY if some stay. */
int xc_nhgroup_flush(struct xc *h, int ifindex);

/* ---- tunnels ---- */

struct xc_tunnel {
	struct xc_addr remote;
	uint32_t flags;			/* enum xcloud_tunnel_flags */
	uint32_t route_refs;
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes, tx_errors;
	uint64_t age_ms, idle_ms;
	/* Liveness: state (enum xcloud_tunnel_state) and probe counters */
	uint8_t state;
	uint64_t probes_sent, probe_replies, state_changes;
};

int xc_tunnel_add(struct xc *h, int ifindex, const struct xc_addr *remotes,
		  size_t n);
int xc_tunnel_del(struct xc *h, int ifindex, const struct xc_addr *remotes,
		  size_t n);
typedef int (*xc_tunnel_cb)(const struct xc_tunnel *t, void *arg);
int xc_tunnel_dump(struct xc *h, int ifindex, xc_tunnel_cb cb, void *arg);

/* ---- allow-list of underlay sources ---- */

int xc_allow_add(struct xc *h, int ifindex, const struct xc_prefix *p,
		 size_t n);
int xc_allow_del(struct xc *h, int ifindex, const struct xc_prefix *p,
		 size_t n);
typedef int (*xc_prefix_cb)(const struct xc_prefix *p, void *arg);
int xc_allow_dump(struct xc *h, int ifindex, xc_prefix_cb cb, void *arg);

/* ---- counters ---- */

struct xc_stats {
	uint64_t present;		/* bit i: v[i] was reported */
	uint64_t v[XCLOUD_STATS_A_MAX + 1];	/* indexed by XCLOUD_STATS_A_* */
};

/* Device @ifindex's counters and its namespace's (either may be NULL). */
int xc_stats_get(struct xc *h, int ifindex, struct xc_stats *dev,
		 struct xc_stats *ns);
/* Name of counter XCLOUD_STATS_A_@i ("tx_packets"), or NULL. */
const char *xc_stats_name(int i);

/* ---- events ---- */

struct xc_event {
	uint8_t cmd;			/* XCLOUD_CMD_ROUTE_NEW, ..., _MISS */
	int ifindex;
	union {
		struct xc_route route;	/* ROUTE_NEW, ROUTE_DEL */
		struct xc_nhgroup nhgroup; /* NHGROUP_NEW, NHGROUP_DEL */
		struct xc_tunnel tunnel; /* TUNNEL_NEW, _DEL, _STATE */
		struct xc_addr dst;	/* MISS */
	};
};

/* Join the "events" multicast group on @h's genl socket. */
int xc_events_subscribe(struct xc *h);
/* File descriptor to poll for events, after xc_events_subscribe(). */
int xc_events_fd(const struct xc *h);
typedef int (*xc_event_cb)(const struct xc_event *ev, void *arg);
/*
 * Read one datagram of events and call @cb per event. Blocks while none
 * is queued, unless @h's event socket is non-blocking (O_NONBLOCK on
 * xc_events_fd()): then -EAGAIN. -ENOBUFS: events were lost (overrun).
 */
int xc_events_recv(struct xc *h, xc_event_cb cb, void *arg);

/* ---- VRFs, their tables and rules (plain rtnetlink; lib/vrf.c) ---- */

/* Any link, as far as a VRF's owner needs to know it. */
struct xc_iflink {
	char name[IF_NAMESIZE];
	int ifindex;
	int master;			/* ifindex of its VRF (or bridge...), 0 */
	char kind[16];			/* IFLA_INFO_KIND: "vrf", "xcloud", "" */
	uint32_t vrf_table;		/* kind "vrf": its table */
	bool up;
};

/* -ENODEV if there is no link of that name. */
int xc_iflink_get(struct xc *h, const char *name, struct xc_iflink *out);
/* Every link, or (@master > 0) those enslaved to @master. */
int xc_iflink_dump(struct xc *h, int master,
		   int (*cb)(const struct xc_iflink *l, void *arg), void *arg);
/* A VRF link bound to @table, brought up. */
int xc_vrf_add(struct xc *h, const char *name, uint32_t table);
/* @master: its VRF's ifindex (0: none), or -1 to keep it; @up: 1, 0, or
 * -1 to keep it. */
int xc_iflink_set(struct xc *h, int ifindex, int master, int up);
int xc_iflink_del(struct xc *h, int ifindex);

/* A route of any table: unicast through @oif, or RTN_UNREACHABLE. */
struct xc_table_route {
	struct xc_prefix dst;		/* family required; len 0: default */
	uint32_t table;
	int oif;
	uint8_t type;			/* RTN_UNICAST, RTN_UNREACHABLE, ... */
	uint8_t protocol;		/* RTPROT_* or a daemon's own */
	uint32_t priority;		/* the metric, 0: none */
};

/* Creates or replaces @r, or (@del) deletes it. */
int xc_table_route_change(struct xc *h, const struct xc_table_route *r,
			  bool del);
/* Every route of every table of @family (AF_INET, AF_INET6). */
int xc_table_route_dump(struct xc *h, int family,
			int (*cb)(const struct xc_table_route *r, void *arg),
			void *arg);

struct xc_rule {
	uint8_t family;
	uint8_t action;			/* FR_ACT_* */
	bool l3mdev;			/* the VRFs' "lookup [l3mdev-table]" */
	bool selective;			/* matches on more than "from all" */
	uint32_t pref, table;
};

int xc_rule_dump(struct xc *h, int family,
		 int (*cb)(const struct xc_rule *r, void *arg), void *arg);
/* "pref @pref lookup @table" (from all) added, or (@del) deleted. */
int xc_rule_change(struct xc *h, int family, uint32_t pref, uint32_t table,
		   bool del);

/* ---- names and formatting (no kernel involved) ---- */

const char *xc_mode_name(unsigned int mode);		/* "edge", "gateway" */
const char *xc_tunnels_name(unsigned int policy);	/* "ondemand", "eager" */
const char *xc_route_type_name(unsigned int type);	/* "gateway", ... */

/* Text of @a into @buf (INET6_ADDRSTRLEN bytes); "" for family 0. */
const char *xc_addr_str(const struct xc_addr *a, char *buf, size_t len);
int xc_addr_from_bytes(struct xc_addr *a, const void *data, size_t len);
/* Length in bytes of @a on the wire (4, 16 or 0). */
size_t xc_addr_len(const struct xc_addr *a);
/* An IPv4 or IPv6 address from text; -EINVAL if it is none. */
int xc_addr_parse(const char *s, struct xc_addr *a);
/* "ADDR[/LEN]" (no LEN: a host prefix); host bits must be clear. */
int xc_prefix_parse(const char *s, struct xc_prefix *p);
/* The same, host bits allowed and kept: an address on its network,
 * 10.0.0.1/8, as well as a network. */
int xc_prefix_parse_any(const char *s, struct xc_prefix *p);
/* Whether @a lies in @p: the same family and its first p->len bits;
 * host bits of @p are not looked at. */
bool xc_prefix_has(const struct xc_prefix *p, const struct xc_addr *a);

#endif /* _LIBXCLOUD_H */
