// SPDX-License-Identifier: GPL-2.0
/*
 * SIGHUP: the configuration read again and what changed applied, nothing
 * else touched. Applied at once: log-level, [vni N] sections (a network
 * added, removed, its prefixes), port (each device brought in line, down
 * and up as its socket moves). What the agent was built around (role,
 * node, underlay, cloud, etcd, prefix, lease, table-range, the EIP roles'
 * keys, the metrics keys, a network's device and VRF names) and tunnels
 * (the kernel keeps a device's policy while it has routes) are kept and
 * logged as needing a restart.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xcloudd.h"

static bool str_eq(const char *x, const char *y)
{
	return (!x && !y) || (x && y && !strcmp(x, y));
}

static void restart(const char *key, const char *now, const char *file)
{
	xd_log(SD_WARNING "reload: %s changed (%s -> %s): needs a restart; keeping %s",
	       key, now ? now : "-", file ? file : "-", now ? now : "-");
}

/* The keys only a restart changes: logged if they differ. */
static void fixed_keys(const struct xd_conf *c, const struct xd_conf *n)
{
	static const struct {
		const char *key;
		size_t off;
	} strs[] = {
#define S(k, f) { k, offsetof(struct xd_conf, f) }
		S("cloud", cloud), S("node", node), S("underlay", underlay),
		S("etcd", etcd), S("prefix", prefix), S("router", router),
		S("eip-device", eip_device), S("eip-ingress", eip_ingress),
		S("eip-handoff", eip_handoff),
		S("bird-socket", bird_socket), S("bird-config", bird_config),
		S("bird-include", bird_include),
		S("metrics-listen", metrics_listen),
#undef S
	};
	char a[32], b[32];

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const char *x = *(char *const *)((const char *)c + strs[i].off);
		const char *y = *(char *const *)((const char *)n + strs[i].off);

		if (!str_eq(x, y)) {
			restart(strs[i].key, x, y);
		}
	}
	if (c->role != n->role) {
		restart("role", xd_role_name(c->role), xd_role_name(n->role));
	}
	if (c->lease_ttl != n->lease_ttl) {
		snprintf(a, sizeof(a), "%lld", (long long)c->lease_ttl);
		snprintf(b, sizeof(b), "%lld", (long long)n->lease_ttl);
		restart("lease-ttl", a, b);
	}
	if (c->metrics_max_peers != n->metrics_max_peers) {
		snprintf(a, sizeof(a), "%u", c->metrics_max_peers);
		snprintf(b, sizeof(b), "%u", n->metrics_max_peers);
		restart("metrics-max-peers", a, b);
	}
	if (c->table_first != n->table_first || c->table_last != n->table_last) {
		snprintf(a, sizeof(a), "%u-%u", c->table_first, c->table_last);
		snprintf(b, sizeof(b), "%u-%u", n->table_first, n->table_last);
		restart("table-range", a, b);
	}
}

static void queue(struct agent *a, uint32_t vni)
{
	char k[16];

	snprintf(k, sizeof(k), "%u", vni);
	xd_nets_changed(a, k);
}

/* The [vni N] sections: c's list becomes n's; a network whose device or
 * VRF name changed keeps its names (they are its kernel objects). */
static unsigned int networks(struct agent *a, struct xd_conf *c,
			     struct xd_conf *n, bool queue_all)
{
	struct xd_vni_conf *ov = c->vni;
	unsigned int onv = c->nvnis, changed = 0;
	char x[IF_NAMESIZE], y[IF_NAMESIZE], key[48];

	for (unsigned int i = 0; i < n->nvnis; i++) {
		struct xd_vni_conf *v = &n->vni[i];
		const struct xd_vni_conf *o = xd_conf_vni(c, v->vni);

		if (!o) {
			xd_log("reload: vni %u added", v->vni);
			changed++;
			continue;
		}
		snprintf(key, sizeof(key), "device of [vni %u]", v->vni);
		if (strcmp(xd_vni_devname(c, v->vni, x),
			   xd_vni_devname(n, v->vni, y))) {
			restart(key, x, y);
			free(v->device);
			v->device = o->device ? strdup(o->device) : NULL;
		}
		snprintf(key, sizeof(key), "vrf of [vni %u]", v->vni);
		if (strcmp(xd_vni_vrfname(c, v->vni, x),
			   xd_vni_vrfname(n, v->vni, y))) {
			restart(key, x, y);
			free(v->vrf);
			v->vrf = o->vrf ? strdup(o->vrf) : NULL;
		}
		if (!str_eq(o->prefixes, v->prefixes)) {
			xd_log("reload: vni %u prefixes %s -> %s", v->vni,
			       o->prefixes ? o->prefixes : "(the store's)",
			       v->prefixes ? v->prefixes : "(the store's)");
			changed++;
		}
	}
	for (unsigned int i = 0; i < onv; i++) {
		if (!xd_conf_vni(n, ov[i].vni)) {
			xd_log("reload: vni %u removed from the file%s",
			       ov[i].vni, " (kept while the store declares it)");
			changed++;
		}
	}
	/* Swap the lists: n, freed by the caller, takes the old one. */
	c->vni = n->vni;
	c->nvnis = n->nvnis;
	c->capvnis = n->capvnis;
	n->vni = ov;
	n->nvnis = onv;
	n->capvnis = onv;
	if (queue_all) {
		xd_nets_sync(a);
		return changed;
	}
	/* Only what changed is looked at again: the others are not
	 * touched, not even rewritten with the same values. */
	for (unsigned int i = 0; i < c->nvnis; i++) {
		const struct xd_vni_conf *o = NULL;

		for (unsigned int j = 0; j < onv; j++)
			if (ov[j].vni == c->vni[i].vni)
				o = &ov[j];
		if (!o || !str_eq(o->prefixes, c->vni[i].prefixes))
			queue(a, c->vni[i].vni);
	}
	for (unsigned int i = 0; i < onv; i++)
		if (!xd_conf_vni(c, ov[i].vni))
			queue(a, ov[i].vni);
	return changed;
}

unsigned int xd_reload_overlay(struct agent *a, struct xd_conf *n)
{
	struct xd_conf *c = a->conf;
	unsigned int changed = 0;
	bool devices = false;

	if (c->port != n->port) {
		xd_log("reload: port %u -> %u", c->port, n->port);
		c->port = n->port;
		devices = true;
	}
	/* The kernel keeps a device's tunnel policy while it has routes:
	 * taken at run time, it would fail every device. */
	if (c->tunnels != n->tunnels)
		restart("tunnels", xc_tunnels_name(c->tunnels),
			xc_tunnels_name(n->tunnels));
	changed += devices;
	changed += networks(a, c, n, devices);
	return changed;
}

void xd_reload(struct agent *a, struct xd_conf *n)
{
	struct xd_conf *c = a->conf;
	unsigned int changed = 0;
	bool other;

	fixed_keys(c, n);
	/* Another role or store: the file describes another agent; only
	 * its log level is taken, which cannot hurt. */
	other = c->role != n->role || !str_eq(c->etcd, n->etcd) ||
		!str_eq(c->prefix, n->prefix);
	if (c->log_level != n->log_level) {
		xd_log(SD_NOTICE "reload: log-level %s -> %s",
		       xlog_level_name(c->log_level),
		       xlog_level_name(n->log_level));
		c->log_level = n->log_level;
		xlog_set_level(c->log_level);
		changed++;
	}
	if (!other && a->ops->reload)
		changed += a->ops->reload(a, n);
	if (!changed)
		xd_log("reload: nothing to change");
	else
		xd_log("reload: done, %u change%s applied", changed,
		       changed == 1 ? "" : "s");
}
