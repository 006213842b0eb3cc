/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EIP access over BGP (seed 004, DESIGN.md §3-4): the logic of xcloudd's
 * aggregation agent and router agent, as a library.
 *
 * Aggregation agent (the aggregation node):
 *  - the EIP pools are announced to the physical switches by BIRD
 *    (eip_bird_sync with the pools);
 *  - each EIP is tunnelled to the node of the virtual router owning it:
 *    `eip` entries in the node's xcloud device (eip_agg_sync_routes).
 * Router agent (a virtual router's node):
 *  - each owned EIP is announced as a /32 (/128) by BIRD, next hop = the
 *    aggregation node (set by bird-conf/vrouter.conf; eip_bird_sync with
 *    the EIPs);
 *  - 1:1 NAT EIP <-> VM address (eip_nat_apply, libnftables), or, on an
 *    OVN gateway chassis, each EIP routed onto OVN's provider bridge,
 *    whose logical router does the NAT (eip_sync_device_routes).
 *
 * How routes reach BIRD: a generated include file (static protocols
 * xc_eip4, xc_eip6), validated with `configure check` and loaded with
 * `configure soft`; BGP sessions stay up (docs/eip-bgp.md).
 *
 * Every call is synchronous and returns 0 or a negative errno; where a
 * message buffer is passed, it receives BIRD's or nftables' explanation.
 * Calls are idempotent: the agents call them with the whole desired state
 * after every change and after restarts.
 */
#ifndef XCLOUD_EIP_H
#define XCLOUD_EIP_H

#include <stdbool.h>
#include <stddef.h>

#include "libxcloud.h"
#include "birdc.h"

/* One EIP as the store describes it. */
struct eip_record {
	struct xc_addr eip;		/* public address */
	struct xc_addr private_addr;	/* the VM's address behind the NAT */
	struct xc_addr router_node;	/* underlay address of the owning
					 * virtual router's node */
};

/* Parse "ADDR" or "ADDR/LEN" (LEN: 1-3 digits, defaults to the host
 * length). */
int eip_prefix_parse(const char *s, struct xc_prefix *p);
/* Addresses: xc_addr_parse (libxcloud). */
/*
 * NULL if @a can be a unicast address on a network (an EIP, a router's
 * node, a VM), else the special range it is in, e.g. "127.0.0.0/8
 * (loopback)": 0/8, 127/8, 169.254/16, 224/4, 240/4, ::, ::1,
 * ::ffff:0:0/96, fe80::/10, ff00::/8. eip_prefix_unusable: the range @p
 * overlaps (a pool covering one would capture the node's own traffic; 0/0
 * covers them all).
 */
const char *eip_addr_unusable(const struct xc_addr *a);
const char *eip_prefix_unusable(const struct xc_prefix *p);
/* The special range that contains all of @p (0/0 is in none), or NULL. */
const char *eip_prefix_special(const struct xc_prefix *p);
/* "ADDR/LEN" into @buf (INET6_ADDRSTRLEN + 4 bytes). */
const char *eip_prefix_str(const struct xc_prefix *p, char *buf, size_t len);
/* A host prefix (/32 or /128) for @a. */
struct xc_prefix eip_host_prefix(const struct xc_addr *a);

/* ---- store ---- */

/* The most bytes of one store value, and of a router name. */
#define EIP_VALUE_MAX 4096
#define EIP_ROUTER_MAX 63	/* a name of the store's: XE_NAME_MAX */

/*
 * Decode the store's values (docs/eip-bgp.md, "Store"): a pool
 * {"prefix":"P/L"}, and an EIP (the key's last part, in the address's
 * canonical text form) with {"router":NAME,"node":UNDERLAY,
 * "private":VM-ADDR}; @router (if not NULL; EIP_ROUTER_MAX + 1 bytes)
 * receives NAME, so a router agent keeps only its own EIPs. @json is @len
 * bytes (a NUL byte among them is an error).
 *
 * -EINVAL for anything malformed, with the reason in @why (if not NULL):
 * a value longer than EIP_VALUE_MAX, not exactly one JSON object, a field
 * missing or not a string (null, a number, ...), empty, too long or with a
 * NUL byte, an address that does not parse or lies in a special range
 * (eip_addr_unusable), a pool overlapping one, a private address of
 * another family than the EIP or equal to it, a router name with a space
 * or a control character. The agent logs the key and the reason and skips
 * the value. *p and *r are zeroed on error.
 */
int eip_pool_from_json(const char *json, size_t len, struct xc_prefix *p,
		       char *why, size_t whylen);
int eip_record_from_json(const char *eip, const char *json, size_t len,
			 struct eip_record *r, char *router, size_t rlen,
			 char *why, size_t whylen);

/*
 * Standby routers of an EIP (optional field "standby" of its record): an
 * array of at most EIP_STANDBY_MAX objects {"router":NAME,"node":UNDERLAY},
 * checked like the record's own router and node; none may name the
 * record's router or a router twice. When the record's router is gone
 * (its liveness key <prefix>/eip/routers/<router> ended with its agent's
 * lease), an aggregation agent moves the EIP to the first standby whose
 * liveness key exists (docs/eip-bgp.md, "Virtual router failure").
 */
#define EIP_STANDBY_MAX 8

struct eip_standby {
	char router[EIP_ROUTER_MAX + 1];
	struct xc_addr node;
};

/*
 * The standby list of an EIP record (*n 0 when it has none), with the
 * record's router into @router (EIP_ROUTER_MAX + 1 bytes). -EINVAL and why
 * as eip_record_from_json (which refuses the same values); @sb has
 * EIP_STANDBY_MAX entries.
 */
int eip_standby_from_json(const char *json, size_t len, char *router,
			  struct eip_standby *sb, size_t *n, char *why,
			  size_t whylen);

/*
 * The record @json moved to its standby @to (an index of its list): that
 * router and node become the record's, and the router it leaves goes to
 * the end of the list (so the EIP may move back if the new one dies in
 * turn). Every other field is kept as it is. Allocated; free() it.
 */
int eip_record_rehome(const char *json, size_t len, size_t to, char **out);

/* ---- BIRD ---- */

struct eip_bird {
	const char *socket;	/* BIRD's control socket */
	const char *config;	/* BIRD's main configuration file */
	const char *include;	/* the generated file @config includes */
	int timeout_ms;		/* per BIRD command; 0: 10 s */
};

/*
 * The include file's text for @n prefixes: static protocols xc_eip4 and
 * xc_eip6, one `route P blackhole;` each, sorted, duplicates dropped.
 * Allocated; free() it.
 */
int eip_bird_render(const struct xc_prefix *p, size_t n, char **out);

/*
 * Make BIRD announce exactly @p: write the include file, `configure check`
 * the main file, `configure soft` it. If BIRD rejects either, the
 * previous include file is put back and -EREMOTEIO returned. *changed (if
 * not NULL) tells whether the file changed; an unchanged file is not
 * reloaded, unless BIRD was restarted (then it read it at start anyway).
 */
int eip_bird_sync(const struct eip_bird *b, const struct xc_prefix *p,
		  size_t n, bool *changed, char *msg, size_t msglen);

/*
 * eip_bird_sync's halves, for a caller that talks to BIRD itself: write
 * the include file unless it already says @p (*changed); then *old is
 * what it held (NULL: no file), to put back with eip_bird_restore when
 * BIRD refuses the new one. Free *old.
 */
int eip_bird_write(const struct eip_bird *b, const struct xc_prefix *p,
		   size_t n, bool *changed, char **old);
void eip_bird_restore(const struct eip_bird *b, const char *old);

/* ---- NAT (router agent) ---- */

/* nftables table (family inet) the router agent owns. */
#define EIP_NFT_TABLE "xcloud_eip"

/*
 * The ruleset text for @n records (eip <-> private_addr; other fields
 * unused): one transaction that creates, empties and refills table inet
 * xcloud_eip. Allocated; free() it.
 */
int eip_nat_render(const struct eip_record *r, size_t n, char **out);

/* -EEXIST if an EIP or a VM address appears twice (not 1:1). */

/* Apply it through libnftables, atomically, in the caller's netns. */
int eip_nat_apply(const struct eip_record *r, size_t n, char *msg,
		  size_t msglen);

/*
 * The table as the kernel has it now (`list table inet xcloud_eip`),
 * allocated; free() it. -ENOENT if there is no such table. Elements are
 * listed sorted, so the same state lists the same text.
 */
int eip_nat_list(char **out, char *msg, size_t msglen);

/* Remove the table (agent shutdown with EIPs released). */
int eip_nat_remove(char *msg, size_t msglen);

/*
 * Deletes the conntrack entries of the caller's netns whose original
 * destination is one of @eips and that were not destination-NATed: made
 * by packets that came before the NAT map had the EIP (an EIP that just
 * moved here), they would keep their flow un-NATed (conntrack.c).
 * *deleted says how many went.
 */
int eip_ct_forget(const struct xc_addr *eips, size_t n,
		  unsigned int *deleted);

/* ---- xcloud `eip` entries (aggregation agent) ---- */

/* How the aggregation agent reaches the device's table; libxcloud's
 * calls by default (eip_dp_xcloud), a fake in the unit tests. */
struct eip_dp_ops {
	int (*dump)(void *ctx, xc_route_cb cb, void *arg);
	int (*change)(void *ctx, enum xc_route_op op,
		      const struct xc_route *routes, size_t n);
};

struct eip_dp {
	const struct eip_dp_ops *ops;
	void *ctx;
};

/* libxcloud on device @ifindex through handle @h (kept by the caller). */
struct eip_dp_xcloud {
	struct xc *h;
	int ifindex;
};

extern const struct eip_dp_ops eip_dp_xcloud_ops;

struct eip_agg_stats {
	unsigned int added, replaced, removed, kept;
};

/*
 * Make the device's `eip` entries exactly @r (EIP/32 -> router_node):
 * new ones added, moved ones replaced, stale ones deleted; routes of
 * other types are never touched.
 */
int eip_agg_sync_routes(const struct eip_dp *dp, const struct eip_record *r,
			size_t n, struct eip_agg_stats *st);

/* Route protocol number of the pools' kernel routes (rt_protos: free). */
#define EIP_RTPROT 78
#define EIP_MAX_POOLS 256

/*
 * Make the kernel routes of the current namespace's main table that send
 * the EIP pools into device @ifindex exactly @pools (proto EIP_RTPROT;
 * other routes are never touched). A pool whose destination has another
 * owner's route in the main table (and none of ours) is not installed:
 * refused[i] is set (an array of @n, or NULL: then -EEXIST after the
 * rest was done). At most EIP_MAX_POOLS pools (-E2BIG).
 */
int eip_agg_sync_pool_routes(int ifindex, const struct xc_prefix *pools,
			     size_t n, bool *refused);

/*
 * The same for any @n prefixes (no limit) into device @ifindex: the
 * router agent's eip-handoff routes its EIPs' host prefixes onto OVN's
 * provider bridge (docs/ovn.md). *st (if not NULL): how many routes were
 * missing and added (a device made anew loses its routes), and how many
 * stale ones removed.
 */
struct eip_route_stats {
	unsigned int added, removed;
};

int eip_sync_device_routes(int ifindex, const struct xc_prefix *pfx,
			   size_t n, bool *refused, struct eip_route_stats *st);

#endif /* XCLOUD_EIP_H */
