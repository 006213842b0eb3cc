// SPDX-License-Identifier: GPL-2.0
/* Text and JSON output of xcloudctl; see output.h. */
#include <inttypes.h>
#include <string.h>

#include "output.h"

struct output out = { .f = NULL };

static int out_flags(void)
{
	return JSON_C_TO_STRING_NOSLASHESCAPE |
	       (out.pretty ? JSON_C_TO_STRING_PRETTY |
			     JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN);
}

void out_list_begin(void)
{
	out.items = 0;
	if (out.json)
		fputs("[", out.f);
}

void out_list_end(void)
{
	if (out.json)
		fputs(out.items && out.pretty ? "\n]\n" : "]\n", out.f);
}

void out_list_item(json_object *o)
{
	fputs(out.items++ ? (out.pretty ? ",\n" : ",") :
			    (out.pretty ? "\n" : ""), out.f);
	fputs(json_object_to_json_string_ext(o, out_flags()), out.f);
	json_object_put(o);
}

void out_json(json_object *o)
{
	fprintf(out.f, "%s\n", json_object_to_json_string_ext(o, out_flags()));
	json_object_put(o);
}

static json_object *addr_json(const struct xc_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	return json_object_new_string(xc_addr_str(a, buf, sizeof(buf)));
}

const char *prefix_str(const struct xc_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	xc_addr_str(&p->addr, a, sizeof(a));
	/* Host routes print as a bare address, as ip does. */
	if (p->len == xc_addr_len(&p->addr) * 8)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

json_object *prefix_json(const struct xc_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 4];

	return json_object_new_string(prefix_str(p, buf, sizeof(buf)));
}

json_object *route_json(const struct xc_route *r, const char *dev)
{
	json_object *o = json_object_new_object();
	json_object *via = json_object_new_array();

	json_object_object_add(o, "dst", prefix_json(&r->dst));
	if (r->type)
		json_object_object_add(o, "type", json_object_new_string(
				       xc_route_type_name(r->type)));
	for (int i = 0; i < r->n_nexthops; i++)
		json_object_array_add(via, addr_json(&r->nexthops[i]));
	json_object_object_add(o, "via", via);
	if (r->nhid)
		json_object_object_add(o, "nhid",
				       json_object_new_int64(r->nhid));
	if (dev)
		json_object_object_add(o, "dev", json_object_new_string(dev));
	return o;
}

json_object *nhgroup_json(const struct xc_nhgroup *g, const char *dev)
{
	json_object *o = json_object_new_object();
	json_object *via = json_object_new_array();

	json_object_object_add(o, "id", json_object_new_int64(g->id));
	if (g->type)
		json_object_object_add(o, "type", json_object_new_string(
				       xc_route_type_name(g->type)));
	for (int i = 0; i < g->n_members; i++)
		json_object_array_add(via, addr_json(&g->members[i]));
	json_object_object_add(o, "via", via);
	json_object_object_add(o, "routes", json_object_new_int64(g->routes));
	if (dev)
		json_object_object_add(o, "dev", json_object_new_string(dev));
	return o;
}

const char *nhgroup_str(const struct xc_nhgroup *g, const char *dev,
			char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN + 4];
	size_t n;

	n = snprintf(buf, len, "id %u", g->id);
	if (g->type && n < len)
		n += snprintf(buf + n, len - n, " type %s",
			      xc_route_type_name(g->type));
	for (int i = 0; i < g->n_members && n < len; i++)
		n += snprintf(buf + n, len - n, " via %s",
			      xc_addr_str(&g->members[i], a, sizeof(a)));
	if (dev && n < len)
		n += snprintf(buf + n, len - n, " dev %s", dev);
	if (n < len)
		snprintf(buf + n, len - n, " routes %u", g->routes);
	return buf;
}

const char *route_str(const struct xc_route *r, const char *dev, char *buf,
		      size_t len)
{
	char a[INET6_ADDRSTRLEN + 4];
	size_t n;

	n = snprintf(buf, len, "%s", prefix_str(&r->dst, a, sizeof(a)));
	if (r->type && n < len)
		n += snprintf(buf + n, len - n, " type %s",
			      xc_route_type_name(r->type));
	for (int i = 0; i < r->n_nexthops && n < len; i++)
		n += snprintf(buf + n, len - n, " via %s",
			      xc_addr_str(&r->nexthops[i], a, sizeof(a)));
	if (r->nhid && n < len)
		n += snprintf(buf + n, len - n, " nhid %u", r->nhid);
	if (dev && n < len)
		snprintf(buf + n, len - n, " dev %s", dev);
	return buf;
}

/* The name of a device of the namespace, or "if<index>". */
static const char *ifname_str(int ifindex)
{
	static char name[IF_NAMESIZE + 16];

	if (!if_indextoname(ifindex, name))
		snprintf(name, sizeof(name), "if%d", ifindex);
	return name;
}

json_object *link_json(const struct xc_link *l)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ifindex", json_object_new_int(l->ifindex));
	json_object_object_add(o, "ifname", json_object_new_string(l->name));
	if (l->mask & XC_LINK_VNI)
		json_object_object_add(o, "vni", json_object_new_int64(l->vni));
	if (l->mask & XC_LINK_PORT)
		json_object_object_add(o, "port", json_object_new_int(l->port));
	if ((l->mask & XC_LINK_LOCAL) && l->local.family)
		json_object_object_add(o, "local", addr_json(&l->local));
	if (l->mask & XC_LINK_MODE)
		json_object_object_add(o, "mode", json_object_new_string(
				       xc_mode_name(l->mode)));
	if (l->mask & XC_LINK_TUNNELS)
		json_object_object_add(o, "tunnels", json_object_new_string(
				       xc_tunnels_name(l->tunnels)));
	if (l->mask & XC_LINK_IDLE_TIMEOUT)
		json_object_object_add(o, "idle_timeout",
				       json_object_new_int64(l->idle_timeout));
	if (l->mask & XC_LINK_SOURCE_CHECK)
		json_object_object_add(o, "source_check",
				       json_object_new_boolean(l->source_check));
	if (l->mask & XC_LINK_GATEWAYS) {
		json_object *gws = json_object_new_array();

		for (unsigned int i = 0; i < l->n_gateways; i++)
			json_object_array_add(gws, addr_json(&l->gateways[i]));
		json_object_object_add(o, "gateways", gws);
	}
	if (l->mask & XC_LINK_ROUTE_COUNT)
		json_object_object_add(o, "route_count",
				       json_object_new_int64(l->route_count));
	if (l->mask & XC_LINK_TUNNEL_COUNT)
		json_object_object_add(o, "tunnel_count",
				       json_object_new_int64(l->tunnel_count));
	if (l->mask & XC_LINK_ALLOW_COUNT)
		json_object_object_add(o, "allow_count",
				       json_object_new_int64(l->allow_count));
	if (l->mask & XC_LINK_MAX_ROUTES)
		json_object_object_add(o, "max_routes",
				       json_object_new_int64(l->max_routes));
	if (l->mask & XC_LINK_MAX_TUNNELS)
		json_object_object_add(o, "max_tunnels",
				       json_object_new_int64(l->max_tunnels));
	if (l->mask & XC_LINK_MAX_ALLOWED)
		json_object_object_add(o, "max_allowed",
				       json_object_new_int64(l->max_allowed));
	if (l->mask & XC_LINK_PROBE_INTERVAL)
		json_object_object_add(o, "probe_interval",
				       json_object_new_int64(l->probe_interval));
	if (l->mask & XC_LINK_PROBE_MULTIPLIER)
		json_object_object_add(o, "probe_multiplier",
				       json_object_new_int(l->probe_multiplier));
	if ((l->mask & XC_LINK_INGRESS) && l->ingress)
		json_object_object_add(o, "ingress", json_object_new_string(
				       ifname_str(l->ingress)));
	return o;
}

void link_print(const struct xc_link *l)
{
	char a[INET6_ADDRSTRLEN];

	fprintf(out.f, "%d: %s:", l->ifindex, l->name);
	if (l->mask & XC_LINK_VNI)
		fprintf(out.f, " vni %u", l->vni);
	if (l->mask & XC_LINK_PORT)
		fprintf(out.f, " port %u", l->port);
	if ((l->mask & XC_LINK_LOCAL) && l->local.family)
		fprintf(out.f, " local %s", xc_addr_str(&l->local, a, sizeof(a)));
	if (l->mask & XC_LINK_MODE)
		fprintf(out.f, " mode %s", xc_mode_name(l->mode));
	if (l->mask & XC_LINK_TUNNELS)
		fprintf(out.f, " tunnels %s", xc_tunnels_name(l->tunnels));
	if (l->mask & XC_LINK_IDLE_TIMEOUT)
		fprintf(out.f, " idle-timeout %u", l->idle_timeout);
	if (l->mask & XC_LINK_SOURCE_CHECK)
		fprintf(out.f, " source-check %s", l->source_check ? "on" : "off");
	if ((l->mask & XC_LINK_GATEWAYS) && l->n_gateways) {
		for (unsigned int i = 0; i < l->n_gateways; i++)
			fprintf(out.f, "%s%s", i ? "," : " gateways ",
				xc_addr_str(&l->gateways[i], a, sizeof(a)));
	}
	if (l->mask & XC_LINK_ROUTE_COUNT)
		fprintf(out.f, " route-count %u", l->route_count);
	if (l->mask & XC_LINK_TUNNEL_COUNT)
		fprintf(out.f, " tunnel-count %u", l->tunnel_count);
	if (l->mask & XC_LINK_ALLOW_COUNT)
		fprintf(out.f, " allow-count %u", l->allow_count);
	if (l->mask & XC_LINK_MAX_ROUTES)
		fprintf(out.f, " max-routes %u", l->max_routes);
	if (l->mask & XC_LINK_MAX_TUNNELS)
		fprintf(out.f, " max-tunnels %u", l->max_tunnels);
	if (l->mask & XC_LINK_MAX_ALLOWED)
		fprintf(out.f, " max-allowed %u", l->max_allowed);
	if (l->mask & XC_LINK_PROBE_INTERVAL)
		fprintf(out.f, " probe-interval %u", l->probe_interval);
	if (l->mask & XC_LINK_PROBE_MULTIPLIER)
		fprintf(out.f, " probe-multiplier %u", l->probe_multiplier);
	if ((l->mask & XC_LINK_INGRESS) && l->ingress)
		fprintf(out.f, " ingress %s", ifname_str(l->ingress));
	fputc('\n', out.f);
}

static const char *tunnel_flags_str(uint32_t flags)
{
	if ((flags & XCLOUD_TUNNEL_F_STATIC) && (flags & XCLOUD_TUNNEL_F_EAGER))
		return "static,eager";
	if (flags & XCLOUD_TUNNEL_F_STATIC)
		return "static";
	if (flags & XCLOUD_TUNNEL_F_EAGER)
		return "eager";
	return "ondemand";
}

static const char *tunnel_state_name(uint8_t state)
{
	switch (state) {
	case XCLOUD_TUNNEL_STATE_UP:
		return "up";
	case XCLOUD_TUNNEL_STATE_DOWN:
		return "down";
	}
	return "unprobed";
}

json_object *tunnel_json(const struct xc_tunnel *t, bool stats)
{
	json_object *o = json_object_new_object();
	json_object *lv;

	json_object_object_add(o, "remote", addr_json(&t->remote));
	json_object_object_add(o, "kind", json_object_new_string(
			       tunnel_flags_str(t->flags)));
	json_object_object_add(o, "route_refs",
			       json_object_new_int64(t->route_refs));
	json_object_object_add(o, "age_ms", json_object_new_int64(t->age_ms));
	json_object_object_add(o, "idle_ms", json_object_new_int64(t->idle_ms));
	json_object_object_add(o, "state", json_object_new_string(
			       tunnel_state_name(t->state)));
	lv = json_object_new_object();
	json_object_object_add(lv, "probes_sent",
			       json_object_new_uint64(t->probes_sent));
	json_object_object_add(lv, "probe_replies",
			       json_object_new_uint64(t->probe_replies));
	json_object_object_add(lv, "state_changes",
			       json_object_new_uint64(t->state_changes));
	json_object_object_add(o, "liveness", lv);
	if (stats) {
		json_object *s = json_object_new_object();

		json_object_object_add(s, "tx_packets",
				       json_object_new_uint64(t->tx_packets));
		json_object_object_add(s, "tx_bytes",
				       json_object_new_uint64(t->tx_bytes));
		json_object_object_add(s, "rx_packets",
				       json_object_new_uint64(t->rx_packets));
		json_object_object_add(s, "rx_bytes",
				       json_object_new_uint64(t->rx_bytes));
		json_object_object_add(s, "tx_errors",
				       json_object_new_uint64(t->tx_errors));
		json_object_object_add(o, "stats", s);
	}
	return o;
}

void tunnel_print(const struct xc_tunnel *t, const char *dev, bool stats)
{
	char a[INET6_ADDRSTRLEN];

	fprintf(out.f, "%s dev %s %s route-refs %u age %" PRIu64 "ms idle %"
		PRIu64 "ms\n", xc_addr_str(&t->remote, a, sizeof(a)), dev,
		tunnel_flags_str(t->flags), t->route_refs, t->age_ms,
		t->idle_ms);
	if (t->state != XCLOUD_TUNNEL_STATE_UNPROBED || t->probes_sent)
		fprintf(out.f, "    state %s probes %" PRIu64 " replies %" PRIu64
			" changes %" PRIu64 "\n", tunnel_state_name(t->state),
			t->probes_sent, t->probe_replies, t->state_changes);
	if (stats)
		fprintf(out.f, "    tx %" PRIu64 " packets %" PRIu64
			" bytes %" PRIu64 " errors  rx %" PRIu64 " packets %"
			PRIu64 " bytes\n", t->tx_packets, t->tx_bytes,
			t->tx_errors, t->rx_packets, t->rx_bytes);
}

json_object *stats_json(const struct xc_stats *s)
{
	json_object *o = json_object_new_object();

	for (int i = 0; i <= XCLOUD_STATS_A_MAX; i++)
		if (xc_stats_name(i) && (s->present & (1ULL << i)))
			json_object_object_add(o, xc_stats_name(i),
					       json_object_new_uint64(s->v[i]));
	return o;
}

void stats_print(const char *title, const struct xc_stats *s)
{
	fprintf(out.f, "%s:\n", title);
	for (int i = 0; i <= XCLOUD_STATS_A_MAX; i++)
		if (xc_stats_name(i) && (s->present & (1ULL << i)))
			fprintf(out.f, "    %-18s %" PRIu64 "\n",
				xc_stats_name(i), s->v[i]);
}

static const char *event_name(uint8_t cmd)
{
	switch (cmd) {
	case XCLOUD_CMD_ROUTE_NEW:
		return "route add";
	case XCLOUD_CMD_ROUTE_DEL:
		return "route del";
	case XCLOUD_CMD_TUNNEL_NEW:
		return "tunnel add";
	case XCLOUD_CMD_TUNNEL_DEL:
		return "tunnel del";
	case XCLOUD_CMD_TUNNEL_STATE:
		return "tunnel state";
	case XCLOUD_CMD_NHGROUP_NEW:
		return "nexthop add";
	case XCLOUD_CMD_NHGROUP_DEL:
		return "nexthop del";
	case XCLOUD_CMD_MISS:
		return "miss";
	default:
		return "unknown";
	}
}

json_object *event_json(const struct xc_event *ev, const char *dev)
{
	json_object *o;

	switch (ev->cmd) {
	case XCLOUD_CMD_ROUTE_NEW:
	case XCLOUD_CMD_ROUTE_DEL:
		o = route_json(&ev->route, NULL);
		break;
	case XCLOUD_CMD_NHGROUP_NEW:
	case XCLOUD_CMD_NHGROUP_DEL:
		o = nhgroup_json(&ev->nhgroup, NULL);
		break;
	case XCLOUD_CMD_TUNNEL_NEW:
	case XCLOUD_CMD_TUNNEL_DEL:
		o = json_object_new_object();
		json_object_object_add(o, "remote", addr_json(&ev->tunnel.remote));
		break;
	case XCLOUD_CMD_TUNNEL_STATE:
		o = tunnel_json(&ev->tunnel, false);
		break;
	default:
		o = json_object_new_object();
		json_object_object_add(o, "dst", addr_json(&ev->dst));
		break;
	}
	json_object_object_add(o, "event",
			       json_object_new_string(event_name(ev->cmd)));
	if (dev)
		json_object_object_add(o, "dev", json_object_new_string(dev));
	return o;
}

const char *event_str(const struct xc_event *ev, const char *dev, char *buf,
		      size_t len)
{
	char a[INET6_ADDRSTRLEN + 4], r[512];

	switch (ev->cmd) {
	case XCLOUD_CMD_ROUTE_NEW:
	case XCLOUD_CMD_ROUTE_DEL:
		snprintf(buf, len, "%s %s", event_name(ev->cmd),
			 route_str(&ev->route, dev, r, sizeof(r)));
		break;
	case XCLOUD_CMD_NHGROUP_NEW:
	case XCLOUD_CMD_NHGROUP_DEL:
		snprintf(buf, len, "%s %s", event_name(ev->cmd),
			 nhgroup_str(&ev->nhgroup, dev, r, sizeof(r)));
		break;
	case XCLOUD_CMD_TUNNEL_NEW:
	case XCLOUD_CMD_TUNNEL_DEL:
		snprintf(buf, len, "%s %s dev %s", event_name(ev->cmd),
			 xc_addr_str(&ev->tunnel.remote, a, sizeof(a)), dev);
		break;
	case XCLOUD_CMD_TUNNEL_STATE:
		snprintf(buf, len, "%s %s dev %s %s", event_name(ev->cmd),
			 xc_addr_str(&ev->tunnel.remote, a, sizeof(a)), dev,
			 tunnel_state_name(ev->tunnel.state));
		break;
	default:
		snprintf(buf, len, "%s %s dev %s", event_name(ev->cmd),
			 xc_addr_str(&ev->dst, a, sizeof(a)), dev);
		break;
	}
	return buf;
}
