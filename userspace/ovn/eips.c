// SPDX-License-Identifier: GPL-2.0
/*
 * What OVN asks for, as EIP records. Read from the replicas:
 *
 *   NB Logical_Router   name, nat, ports, options:chassis (gateway router)
 *   NB NAT              type, external_ip, logical_ip, gateway_port
 *   NB Logical_Router_Port  name
 *   SB Port_Binding     logical_port "cr-<LRP name>", type chassisredirect,
 *                       chassis: where the router's gateway port is now
 *   SB Chassis          name, hostname, encaps
 *   SB Encap            ip
 *
 * Everything OVN holds was written by someone, so every NAT is checked
 * like a store value; one that cannot be an EIP is skipped and said why,
 * with its UUID; the others go on.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "ovn.h"

/* Every column read is named, so a busy OVN sends us only those (NAT:
 * all, for gateway_port, which older schemas lack). */
const char ovn_nb_monitor[] =
	"{\"Logical_Router\":{\"columns\":[\"name\",\"nat\",\"ports\",\"options\"]},"
	"\"Logical_Router_Port\":{\"columns\":[\"name\"]},"
	"\"NAT\":{}}";
const char ovn_sb_monitor[] =
	"{\"Port_Binding\":{\"columns\":[\"logical_port\",\"type\",\"chassis\"]},"
	"\"Chassis\":{\"columns\":[\"name\",\"hostname\",\"encaps\"]},"
	"\"Encap\":{\"columns\":[\"ip\",\"type\"]}}";

#define MAX_PORTS 256

const char *const ovn_skip_name[OVN_SKIP_MAX] = {
	[OVN_SKIP_BAD_ADDRESS] = "bad_address",
	[OVN_SKIP_NO_POOL] = "no_pool",
	[OVN_SKIP_NO_GATEWAY] = "no_gateway_port",
	[OVN_SKIP_UNBOUND] = "unbound",
	[OVN_SKIP_CHASSIS] = "chassis",
	[OVN_SKIP_DUPLICATE] = "duplicate",
	[OVN_SKIP_NOT_OURS] = "not_ours",
	[OVN_SKIP_TOO_MANY] = "too_many",
};

struct build {
	const struct ovn_conf *conf;
	const struct ovsdb *nb, *sb;
	struct json_object *cr;		/* "cr-LRP" -> SB Port_Binding */
	struct json_object *chassis;	/* Chassis.name -> row */
	struct ovn_eips *out;
	size_t cap;
};

static void skip(struct build *b, enum ovn_skip why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void skip(struct build *b, enum ovn_skip why, const char *fmt, ...)
{
	struct ovn_eips *o = b->out;
	char **p, *s;
	va_list ap;
	int r;

	o->count[why]++;
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	/* Names come from OVN's databases: one log line each, printable. */
	if (r > 512)
		strcpy(s + 509, "...");
	for (char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	p = realloc(o->skipped, (o->nskipped + 1) * sizeof(*p));
	if (!p) {
		free(s);
		return;
	}
	o->skipped = p;
	o->skipped[o->nskipped++] = s;
}

static const struct ovn_chassis_conf *chassis_conf(const struct ovn_conf *c,
						   const char *name)
{
	for (size_t i = 0; i < c->nchassis; i++)
		if (!strcmp(c->chassis[i].name, name))
			return &c->chassis[i];
	return NULL;
}

/* The chassis' tunnel address: the lowest of its Encap rows' ips. */
static const char *encap_ip(struct build *b, struct json_object *ch)
{
	const char *u[16], *best = NULL;
	size_t n = ovsdb_uuids(ch, "encaps", u, 16);

	for (size_t i = 0; i < n && i < 16; i++) {
		const char *ip = ovsdb_str(ovsdb_row(b->sb, "Encap", u[i]), "ip");

		if (ip && (!best || strcmp(ip, best) < 0))
			best = ip;
	}
	return best;
}

/*
 * Router name and node of the chassis @ch (a SB Chassis row) into @router
 * and @node; false and skipped with the reason if it has none usable.
 */
static bool owner_of(struct build *b, struct json_object *ch,
		     const char *nat, char *router, size_t rlen,
		     struct xc_addr *node)
{
	const char *name = ovsdb_str(ch, "name"), *rt, *nd, *bad;
	const struct ovn_chassis_conf *cc = name ? chassis_conf(b->conf, name) : NULL;

	rt = cc && cc->router ? cc->router :
	     b->conf->router_name == OVN_NAME_HOSTNAME ?
	     ovsdb_str(ch, "hostname") : name;
	if (!rt || !xe_name_ok(rt)) {
		skip(b, OVN_SKIP_CHASSIS, "NAT %s: chassis %s gives no router name (%s \"%.64s\" is not letters, digits, '.', '-', '_'); set router in [chassis %s]",
		     nat, name ? name : "?",
		     b->conf->router_name == OVN_NAME_HOSTNAME ? "hostname" : "name",
		     rt ? rt : "", name ? name : "?");
		return false;
	}
	nd = cc && cc->node ? cc->node : encap_ip(b, ch);
	if (!nd || xc_addr_parse(nd, node)) {
		skip(b, OVN_SKIP_CHASSIS, "NAT %s: chassis %s has no node address (no Encap ip); set node in [chassis %s]",
		     nat, name, name);
		return false;
	}
	bad = eip_addr_unusable(node);
	if (bad) {
		skip(b, OVN_SKIP_CHASSIS, "NAT %s: chassis %s's node %s is in %s", nat, name, nd,
		     bad);
		return false;
	}
	snprintf(router, rlen, "%s", rt);
	return true;
}

static struct ovn_eip *add(struct build *b)
{
	struct ovn_eips *o = b->out;

	if (o->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct ovn_eip *e = realloc(o->e, cap * sizeof(*e));

		if (!e)
			return NULL;
		o->e = e;
		b->cap = cap;
	}
	memset(&o->e[o->n], 0, sizeof(o->e[0]));
	return &o->e[o->n++];
}

/* The SB chassisredirect binding of the router's gateway port for @nat. */
static struct json_object *gateway_of(struct build *b, struct json_object *lr,
				      struct json_object *nat, const char *uuid,
				      const char *lrname)
{
	const char *ports[MAX_PORTS], *gp[1];
	struct json_object *found = NULL, *pb;
	size_t n, ngw = 0;
	char cr[300];

	/* NAT.gateway_port (OVN 22.12+) names one of several. */
	if (ovsdb_uuids(nat, "gateway_port", gp, 1) == 1) {
		const char *name = ovsdb_str(ovsdb_row(b->nb, "Logical_Router_Port",
						       gp[0]), "name");

		snprintf(cr, sizeof(cr), "cr-%s", name ? name : "");
		if (name && json_object_object_get_ex(b->cr, cr, &pb))
			return pb;
		skip(b, OVN_SKIP_NO_GATEWAY, "NAT %s: its gateway_port %s is no gateway port (no chassisredirect binding)",
		     uuid, name ? name : gp[0]);
		return NULL;
	}
	n = ovsdb_uuids(lr, "ports", ports, MAX_PORTS);
	for (size_t i = 0; i < n && i < MAX_PORTS; i++) {
		const char *name = ovsdb_str(ovsdb_row(b->nb, "Logical_Router_Port",
						       ports[i]), "name");

		snprintf(cr, sizeof(cr), "cr-%s", name ? name : "");
		if (name && json_object_object_get_ex(b->cr, cr, &pb)) {
			found = pb;
			ngw++;
		}
	}
	if (ngw == 1)
		return found;
	if (!ngw)
		skip(b, OVN_SKIP_NO_GATEWAY, "NAT %s: router %s has no gateway port (no chassisredirect binding in SB)",
		     uuid, lrname);
	else
		skip(b, OVN_SKIP_NO_GATEWAY, "NAT %s: router %s has %zu gateway ports and the NAT names none (gateway_port)",
		     uuid, lrname, ngw);
	return NULL;
}

static void one_nat(struct build *b, struct json_object *lr, const char *lrname,
		    const char *uuid, const struct xc_prefix *pools,
		    size_t npools)
{
	struct json_object *nat = ovsdb_row(b->nb, "NAT", uuid), *pb, *ch, *v;
	const char *type = ovsdb_str(nat, "type");
	const char *ext = ovsdb_str(nat, "external_ip");
	const char *lip = ovsdb_str(nat, "logical_ip");
	const char *gwch = ovsdb_map_get(lr, "options", "chassis");
	const char *chu[1], *bad;
	struct xc_addr eip, priv, node;
	char router[XE_NAME_MAX + 1], canon[INET6_ADDRSTRLEN];
	struct ovn_eip *e;
	size_t i;

	if (!nat || !type || strcmp(type, "dnat_and_snat"))
		return;
	if (!ext || xc_addr_parse(ext, &eip)) {
		skip(b, OVN_SKIP_BAD_ADDRESS, "NAT %s: external_ip \"%.64s\" is not an IPv4 or IPv6 address",
		     uuid, ext ? ext : "");
		return;
	}
	xc_addr_str(&eip, canon, sizeof(canon));
	bad = eip_addr_unusable(&eip);
	if (bad) {
		skip(b, OVN_SKIP_BAD_ADDRESS, "NAT %s: external_ip %s is in %s", uuid, canon, bad);
		return;
	}
	if (!lip || xc_addr_parse(lip, &priv) || priv.family != eip.family ||
	    eip_addr_unusable(&priv) ||
	    !memcmp(priv.bytes, eip.bytes, sizeof(eip.bytes))) {
		skip(b, OVN_SKIP_BAD_ADDRESS, "NAT %s: logical_ip \"%.64s\" is not an address of the EIP's family (nor the EIP)",
		     uuid, lip ? lip : "");
		return;
	}
	for (i = 0; i < npools && !xc_prefix_has(&pools[i], &eip); i++)
		;
	if (i == npools) {
		skip(b, OVN_SKIP_NO_POOL, "NAT %s: external_ip %s is in no EIP pool", uuid,
		     canon);
		return;
	}
	if (gwch) {
		/* A gateway router: bound to one chassis by name. */
		if (!json_object_object_get_ex(b->chassis, gwch, &ch)) {
			skip(b, OVN_SKIP_CHASSIS, "NAT %s: router %s's chassis %s is not in SB",
			     uuid, lrname, gwch);
			return;
		}
	} else {
		pb = gateway_of(b, lr, nat, uuid, lrname);
		if (!pb)
			return;
		ch = ovsdb_uuids(pb, "chassis", chu, 1) == 1 ?
		     ovsdb_row(b->sb, "Chassis", chu[0]) : NULL;
		if (!ch) {
			/* Unbound while it moves: not a reason to withdraw. */
			skip(b, OVN_SKIP_UNBOUND, "NAT %s: gateway port %s is bound to no chassis (moving?); its record stays as it is",
			     uuid, ovsdb_str(pb, "logical_port"));
			e = add(b);
			if (e) {
				snprintf(e->eip, sizeof(e->eip), "%s", canon);
				snprintf(e->nat, sizeof(e->nat), "%s", uuid);
			}
			return;
		}
	}
	if (!owner_of(b, ch, uuid, router, sizeof(router), &node))
		return;
	e = add(b);
	if (!e)
		return;
	snprintf(e->eip, sizeof(e->eip), "%s", canon);
	snprintf(e->nat, sizeof(e->nat), "%s", uuid);
	v = json_object_new_object();
	json_object_object_add(v, "router", json_object_new_string(router));
	xc_addr_str(&node, canon, sizeof(canon));
	json_object_object_add(v, "node", json_object_new_string(canon));
	xc_addr_str(&priv, canon, sizeof(canon));
	json_object_object_add(v, "private", json_object_new_string(canon));
	json_object_object_add(v, "source", json_object_new_string(b->conf->source));
	json_object_object_add(v, "nat", json_object_new_string(uuid));
	e->value = strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	json_object_put(v);
}

static int eip_cmp(const void *a, const void *b)
{
	const struct ovn_eip *x = a, *y = b;
	int r = strcmp(x->eip, y->eip);

	return r ? r : strcmp(x->nat, y->nat);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ovn_eips_build(const struct ovn_conf *conf, const struct ovsdb *nb,
		   const struct ovsdb *sb, const struct xc_prefix *pools,
		   size_t npools, struct ovn_eips *out)
{
	struct build b = { .conf = conf, .nb = nb, .sb = sb, .out = out };
	size_t w = 0;

	memset(out, 0, sizeof(*out));
	b.cr = json_object_new_object();
	b.chassis = json_object_new_object();
	json_object_object_foreach(ovsdb_table(sb, "Port_Binding"), pu, pb) {
		const char *t = ovsdb_str(pb, "type");
		const char *lp = ovsdb_str(pb, "logical_port");

		(void)pu;
		if (t && lp && !strcmp(t, "chassisredirect"))
			json_object_object_add(b.cr, lp, json_object_get(pb));
	}
	json_object_object_foreach(ovsdb_table(sb, "Chassis"), cu, ch) {
		const char *name = ovsdb_str(ch, "name");

		(void)cu;
		if (name)
			json_object_object_add(b.chassis, name,
					       json_object_get(ch));
	}
	json_object_object_foreach(ovsdb_table(nb, "Logical_Router"), lu, lr) {
		const char *nats[4096];
		const char *name = ovsdb_str(lr, "name");
		size_t n = ovsdb_uuids(lr, "nat", nats, 4096);

		if (n > 4096) {
			skip(&b, OVN_SKIP_TOO_MANY, "router %s has %zu NATs; the first 4096 are read",
			     name ? name : lu, n);
			n = 4096;
		}
		for (size_t i = 0; i < n; i++)
			one_nat(&b, lr, name && *name ? name : lu, nats[i],
				pools, npools);
	}
	json_object_put(b.cr);
	json_object_put(b.chassis);
	/* (qsort and bsearch take no NULL array, even of 0 elements) */
	if (out->n)
		qsort(out->e, out->n, sizeof(out->e[0]), eip_cmp);
	for (size_t i = 0; i < out->n; i++) {
		if (w && !strcmp(out->e[w - 1].eip, out->e[i].eip)) {
			skip(&b, OVN_SKIP_DUPLICATE, "NAT %s: external_ip %s is NAT %s's already",
			     out->e[i].nat, out->e[i].eip, out->e[w - 1].nat);
			free(out->e[i].value);
			continue;
		}
		out->e[w++] = out->e[i];
	}
	out->n = w;
	if (out->nskipped)
		qsort(out->skipped, out->nskipped, sizeof(char *), str_cmp);
	return 0;
}

void ovn_eips_free(struct ovn_eips *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->e[i].value);
	for (size_t i = 0; i < e->nskipped; i++)
		free(e->skipped[i]);
	free(e->e);
	free(e->skipped);
	memset(e, 0, sizeof(*e));
}
