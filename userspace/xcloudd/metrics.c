// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus metrics (text exposition format 0.0.4) at /metrics on
 * metrics-listen, off unless configured. libmicrohttpd serves them from
 * the agent's loop without threads: in its external epoll mode one epoll
 * fd stands for the listener and every connection, an ev_io watches it
 * and an ev_timer keeps MHD's timeouts, and every socket is non-blocking,
 * so a slow or stuck client never holds the loop (it is dropped after
 * CONN_TIMEOUT_S).
 *
 * Everything is collected when a scrape asks, from what the agent knows
 * and from the kernel's own counts: a device's routes, tunnels and
 * allow-list are counted by DEV_GET, never walked, and per-peer series
 * come only from devices with at most metrics-max-peers tunnels (the
 * others export their totals and xcloud_device_peer_series_cut 1). The
 * BIRD roles' figures are those of the agent's BIRD poll (eip_agent.c),
 * never a BIRD round trip per scrape.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <microhttpd.h>
#include "birdc.h"
#include "metrics.h"
#include "xcloudd.h"

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define CONN_LIMIT	16
#define CONN_TIMEOUT_S	10

static struct {
	struct agent *a;
	struct MHD_Daemon *d;
	ev_io io;
	ev_timer timer;
	char kernel_err[256];	/* the last failure, logged once */
	char *start_err;	/* while starting: MHD's reason, if it fails */
	size_t start_errlen;
} m;

/* ---- the kernel's devices ---- */

struct dev {
	struct xc_link l;
	struct xc_stats s;
	struct xc_tunnel *peers;
	size_t npeers, cap;
	bool cut;		/* more tunnels than metrics-max-peers */
};

struct kernel {
	struct dev *devs;
	size_t n, cap;
	struct xc_stats ns;
	bool ok;
};

static int add_dev(const struct xc_link *l, void *arg)
{
	struct kernel *k = arg;

	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 16;
		struct dev *d = realloc(k->devs, cap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		k->devs = d;
		k->cap = cap;
	}
	memset(&k->devs[k->n], 0, sizeof(k->devs[0]));
	k->devs[k->n++].l = *l;
	return 0;
}

static int add_peer(const struct xc_tunnel *t, void *arg)
{
	struct dev *d = arg;

	/* Tunnels made since DEV_GET counted them: the bound holds. */
	if (d->npeers == m.a->conf->metrics_max_peers) {
		d->cut = true;
		return 0;
	}
	if (d->npeers == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : d->l.tunnel_count + 16;
		struct xc_tunnel *p = realloc(d->peers, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		d->peers = p;
		d->cap = cap;
	}
	d->peers[d->npeers++] = *t;
	return 0;
}

static void kernel_fail(const char *what, const char *dev, int err)
{
	char buf[sizeof(m.kernel_err)];

	snprintf(buf, sizeof(buf), "%s%s%s: %s%s%s", what, dev ? " of " : "",
		 dev ? dev : "", strerror(-err), *xc_errmsg(m.a->xc) ? ": " : "",
		 xc_errmsg(m.a->xc));
	if (strcmp(buf, m.kernel_err))
		xd_log(SD_WARNING "metrics: %s; those series left out", buf);
	strcpy(m.kernel_err, buf);
}

/* A few netlink round trips per device: DEV_GET (one dump for all),
 * STATS_GET, and TUNNEL_GET of up to metrics-max-peers peers. */
static void kernel_read(struct agent *a, struct kernel *k)
{
	unsigned int max = a->conf->metrics_max_peers;
	bool ns = false;
	size_t i, j;
	int r;

	k->ok = true;
	r = xc_link_dump(a->xc, add_dev, k);
	if (r) {
		kernel_fail("DEV_GET", NULL, r);
		k->n = 0;
		k->ok = false;
		return;
	}
	for (i = j = 0; i < k->n; i++) {
		struct dev *d = &k->devs[i];

		r = xc_stats_get(a->xc, d->l.ifindex, &d->s, ns ? NULL : &k->ns);
		if (r == -ENODEV)
			continue;	/* deleted since the dump */
		if (r) {
			kernel_fail("STATS_GET", d->l.name, r);
			k->ok = false;
			continue;
		}
		ns = true;
		d->cut = d->l.tunnel_count > max;
		if (!d->cut && d->l.tunnel_count) {
			r = xc_tunnel_dump(a->xc, d->l.ifindex, add_peer, d);
			if (r && r != -ENODEV) {
				kernel_fail("TUNNEL_GET", d->l.name, r);
				k->ok = false;
			}
		}
		k->devs[j++] = *d;
	}
	k->n = j;
	if (k->ok && m.kernel_err[0]) {
		xd_log("metrics: the kernel answers again");
		m.kernel_err[0] = '\0';
	}
}

static void kernel_free(struct kernel *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->devs[i].peers);
	free(k->devs);
}

/* ---- the text format ---- */

static void head(FILE *f, const char *name, const char *type,
		 const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: \, " and newline escaped, as the format wants. */
static void label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/* name{k="v",...} value; labels as pairs, NULL-terminated. */
static void sample(FILE *f, const char *name, const char *value, ...)
{
	const char *k, *sep = "{";
	va_list ap;

	fputs(name, f);
	va_start(ap, value);
	while ((k = va_arg(ap, const char *))) {
		fprintf(f, "%s%s=\"", sep, k);
		label_value(f, va_arg(ap, const char *));
		fputc('"', f);
		sep = ",";
	}
	va_end(ap);
	fprintf(f, "%s %s\n", *sep == ',' ? "}" : "", value);
}

static const char *u64(char *buf, uint64_t v)
{
	sprintf(buf, "%llu", (unsigned long long)v);
	return buf;
}

/* One gauge without labels. */
static void gauge(FILE *f, const char *name, const char *help, uint64_t v)
{
	char b[24];

	head(f, name, "gauge", help);
	sample(f, name, u64(b, v), NULL);
}

static void counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	char b[24];

	head(f, name, "counter", help);
	sample(f, name, u64(b, v), NULL);
}

/* ---- what is exported ---- */

/* The counters of packets dropped, as reason="<xc_stats_name>". */
static bool is_drop(int i)
{
	switch (i) {
	case XCLOUD_STATS_A_TX_NO_ROUTE: case XCLOUD_STATS_A_TX_ERRORS:
	case XCLOUD_STATS_A_TX_TOO_BIG: case XCLOUD_STATS_A_RX_TRUNCATED:
	case XCLOUD_STATS_A_RX_BAD_VERSION: case XCLOUD_STATS_A_RX_BAD_PROTO:
	case XCLOUD_STATS_A_RX_CRITICAL_OPT: case XCLOUD_STATS_A_RX_UNKNOWN_VNI:
	case XCLOUD_STATS_A_RX_SPOOFED: case XCLOUD_STATS_A_RX_NO_ROUTE:
	case XCLOUD_STATS_A_RX_HOP_LIMIT: case XCLOUD_STATS_A_RX_SRC_UNROUTED:
	case XCLOUD_STATS_A_RX_SRC_MISMATCH: case XCLOUD_STATS_A_RX_BAD_PROBE:
		return true;
	}
	return false;
}

/* HELP of the other counters (uapi/linux/xcloud.h tells more). */
static const char *const counter_help[XCLOUD_STATS_A_MAX + 1] = {
	[XCLOUD_STATS_A_TX_PACKETS] = "Packets encapsulated and sent.",
	[XCLOUD_STATS_A_TX_BYTES] = "Bytes encapsulated and sent.",
	[XCLOUD_STATS_A_RX_PACKETS] = "Packets received and decapsulated.",
	[XCLOUD_STATS_A_RX_BYTES] = "Bytes received and decapsulated.",
	[XCLOUD_STATS_A_RELAYED_PACKETS] = "Packets a gateway re-encapsulated to a node.",
	[XCLOUD_STATS_A_RELAYED_BYTES] = "Bytes a gateway re-encapsulated to a node.",
	[XCLOUD_STATS_A_MISS_EVENTS] = "Miss events sent (no route for a destination).",
	[XCLOUD_STATS_A_MISS_SUPPRESSED] = "Miss events rate-limited away.",
	[XCLOUD_STATS_A_TUNNELS_CREATED] = "Tunnels (peers) created.",
	[XCLOUD_STATS_A_TUNNELS_REAPED] = "Idle on-demand tunnels reaped.",
	[XCLOUD_STATS_A_INGRESS_PACKETS] = "Packets tunnelled at the ingress device.",
	[XCLOUD_STATS_A_INGRESS_PASSED] = "EIP-bound packets left to the IP stack at the ingress device.",
	[XCLOUD_STATS_A_PROBES_ANSWERED] = "Liveness probes answered.",
	[XCLOUD_STATS_A_PROBES_LIMITED] = "Liveness probes left unanswered by the reply rate limit.",
};

static void agent_part(FILE *f, struct agent *a)
{
	struct xd_conf *c = a->conf;
	double age = xd_status_sync_age(a);
	char b[32];

	head(f, "xcloud_agent_info", "gauge",
	     "The agent: its role, node, cloud and version (value 1).");
	sample(f, "xcloud_agent_info", "1", "role", xd_role_name(c->role),
	       "node", c->node, "cloud", c->cloud, "version", XCLOUD_VERSION,
	       NULL);
	gauge(f, "xcloud_agent_etcd_up",
	      "1 if etcd answers the agent's watches, else 0.",
	      xd_agent_online(a));
	gauge(f, "xcloud_agent_synced",
	      "1 if the store was read and nothing is queued (the kernel is in line with it).",
	      age == 0);
	head(f, "xcloud_agent_last_sync_age_seconds", "gauge",
	     "Seconds since the agent was last in line with the store (+Inf: not yet).");
	if (age < 0)
		snprintf(b, sizeof(b), "+Inf");
	else
		snprintf(b, sizeof(b), "%.3f", age);
	sample(f, "xcloud_agent_last_sync_age_seconds", b, NULL);
}

/* The overlay agent's (switch, gateway) own series. */
void xd_metrics_overlay(struct agent *a, FILE *f)
{
	gauge(f, "xcloud_agent_lease_present",
	      "1 if the agent holds an etcd lease for its entries, else 0.",
	      a->lease && xe_keeper_id(a->lease));
	gauge(f, "xcloud_agent_pending_bindings",
	      "Bindings queued for the store, not yet sent.",
	      xd_ports_queued(a));
	gauge(f, "xcloud_agent_networks",
	      "Virtual networks (a VRF and a device each) the agent serves.",
	      xd_nets_count(a));
}

/* The EIP agent's (aggregation, router): its BIRD poll and its sync. */
void xd_metrics_eip(struct agent *a, FILE *f)
{
	struct xd_eip_stats s;

	xd_eip_stats(a, &s);
	gauge(f, "xcloud_bird_up",
	      "1 if BIRD answered the agent's last poll of its control socket, else 0.",
	      s.bird > 0);
	if (s.protocols >= 0) {
		gauge(f, "xcloud_bird_protocols",
		      "BIRD's protocols (show protocols).", s.protocols);
		gauge(f, "xcloud_bird_protocols_up",
		      "BIRD's protocols in state up.", s.protocols_up);
		gauge(f, "xcloud_bird_bgp_sessions",
		      "BIRD's BGP protocols.", s.bgp);
		gauge(f, "xcloud_bird_bgp_sessions_established",
		      "BIRD's BGP sessions in state Established.",
		      s.bgp_established);
	}
	gauge(f, "xcloud_eip_addresses",
	      "EIPs in the state last applied (router: its own).", s.eips);
	gauge(f, "xcloud_eip_prefixes",
	      "Prefixes handed to BIRD to announce (pools, or the router's EIPs).",
	      s.prefixes);
}

/* The aggregation agent's: the EIP agent's, and its moves. */
void xd_metrics_agg(struct agent *a, FILE *f)
{
	struct xd_rehome_stats s;

	xd_metrics_eip(a, f);
	xd_agg_rehome_stats(a, &s);
	counter(f, "xcloud_eip_rehomes_total",
		"EIPs this agent moved from a dead router to a standby router.",
		s.moved);
	counter(f, "xcloud_eip_rehome_conflicts_total",
		"Moves whose condition failed (another agent moved the EIP first, or the routers changed).",
		s.lost);
	counter(f, "xcloud_eip_rehome_errors_total",
		"Moves etcd did not answer (retried).", s.failed);
}

/* One family per device counter: the samples of a name stay together. */
static void dev_counters(FILE *f, const struct kernel *k)
{
	char name[80], b[24];
	size_t i;
	int c;

	for (c = XCLOUD_STATS_A_PAD + 1; c <= XCLOUD_STATS_A_MAX; c++) {
		if (is_drop(c) || !xc_stats_name(c))
			continue;
		snprintf(name, sizeof(name), "xcloud_device_%s_total",
			 xc_stats_name(c));
		head(f, name, "counter", counter_help[c] ? counter_help[c] :
		     "A counter of the device (uapi/linux/xcloud.h).");
		for (i = 0; i < k->n; i++)
			if (k->devs[i].s.present & (1ULL << c))
				sample(f, name, u64(b, k->devs[i].s.v[c]),
				       "device", k->devs[i].l.name, NULL);
	}
	head(f, "xcloud_device_drops_total", "counter",
	     "Packets the device dropped, by reason (XCLOUD_STATS_A_*).");
	for (i = 0; i < k->n; i++)
		for (c = XCLOUD_STATS_A_PAD + 1; c <= XCLOUD_STATS_A_MAX; c++)
			if (is_drop(c) && k->devs[i].s.present & (1ULL << c))
				sample(f, "xcloud_device_drops_total",
				       u64(b, k->devs[i].s.v[c]), "device",
				       k->devs[i].l.name, "reason",
				       xc_stats_name(c), NULL);
	if (!k->n)
		return;
	head(f, "xcloud_namespace_drops_total", "counter",
	     "Packets dropped before a device was known (no device for the VNI, malformed), by reason.");
	for (c = XCLOUD_STATS_A_PAD + 1; c <= XCLOUD_STATS_A_MAX; c++)
		if (is_drop(c) && k->ns.present & (1ULL << c))
			sample(f, "xcloud_namespace_drops_total",
			       u64(b, k->ns.v[c]), "reason", xc_stats_name(c),
			       NULL);
}

/* A gauge of struct xc_link, where its mask says the kernel gave it. */
static void dev_gauge(FILE *f, const struct kernel *k, const char *name,
		      const char *help, unsigned int bit, size_t off)
{
	char b[24];

	head(f, name, "gauge", help);
	for (size_t i = 0; i < k->n; i++)
		if (k->devs[i].l.mask & bit)
			sample(f, name,
			       u64(b, *(const uint32_t *)((const char *)&k->devs[i].l + off)),
			       "device", k->devs[i].l.name, NULL);
}

static void peer_counter(FILE *f, const struct kernel *k, const char *name,
			 const char *help, size_t off)
{
	char b[24], peer[INET6_ADDRSTRLEN];

	head(f, name, "counter", help);
	for (size_t i = 0; i < k->n; i++) {
		for (size_t j = 0; j < k->devs[i].npeers; j++) {
			const struct xc_tunnel *t = &k->devs[i].peers[j];

			sample(f, name,
			       u64(b, *(const uint64_t *)((const char *)t + off)),
			       "device", k->devs[i].l.name, "peer",
			       xc_addr_str(&t->remote, peer, sizeof(peer)),
			       NULL);
		}
	}
}

static void kernel_part(FILE *f, struct agent *a)
{
	struct kernel k = { 0 };
	char b[24], vni[16];
	size_t i;

	kernel_read(a, &k);
	gauge(f, "xcloud_kernel_scrape_success",
	      "1 if every device's figures were read from the kernel, else 0 (logged).",
	      k.ok);
	head(f, "xcloud_device_info", "gauge",
	     "An xcloud device of the agent's namespace: VNI, mode, tunnel policy (value 1).");
	for (i = 0; i < k.n; i++) {
		snprintf(vni, sizeof(vni), "%u", k.devs[i].l.vni);
		sample(f, "xcloud_device_info", "1", "device", k.devs[i].l.name,
		       "vni", vni, "mode", xc_mode_name(k.devs[i].l.mode),
		       "tunnels", xc_tunnels_name(k.devs[i].l.tunnels), NULL);
	}
#define G(n, h, bit, field) \
	dev_gauge(f, &k, n, h, bit, offsetof(struct xc_link, field))
	G("xcloud_device_routes", "Routes in the device's table.",
	  XC_LINK_ROUTE_COUNT, route_count);
	G("xcloud_device_tunnels", "Tunnels (peers) of the device.",
	  XC_LINK_TUNNEL_COUNT, tunnel_count);
	G("xcloud_device_allowed_prefixes",
	  "Prefixes on the device's allow-list of underlay sources.",
	  XC_LINK_ALLOW_COUNT, allow_count);
	G("xcloud_device_max_routes", "The device's limit of routes.",
	  XC_LINK_MAX_ROUTES, max_routes);
	G("xcloud_device_max_tunnels", "The device's limit of tunnels.",
	  XC_LINK_MAX_TUNNELS, max_tunnels);
	G("xcloud_device_max_allowed_prefixes",
	  "The device's limit of allow-list prefixes.", XC_LINK_MAX_ALLOWED,
	  max_allowed);
#undef G
	dev_counters(f, &k);
	head(f, "xcloud_device_peer_series_cut", "gauge",
	     "1 if the device has more tunnels than metrics-max-peers: no xcloud_peer_* series for it.");
	for (i = 0; i < k.n; i++)
		sample(f, "xcloud_device_peer_series_cut",
		       u64(b, k.devs[i].cut), "device", k.devs[i].l.name, NULL);
#define P(n, h, field) \
	peer_counter(f, &k, n, h, offsetof(struct xc_tunnel, field))
	P("xcloud_peer_tx_packets_total", "Packets sent through the tunnel.",
	  tx_packets);
	P("xcloud_peer_tx_bytes_total", "Bytes sent through the tunnel.",
	  tx_bytes);
	P("xcloud_peer_rx_packets_total", "Packets received from the peer.",
	  rx_packets);
	P("xcloud_peer_rx_bytes_total", "Bytes received from the peer.",
	  rx_bytes);
	P("xcloud_peer_tx_errors_total", "Packets the tunnel failed to send.",
	  tx_errors);
#undef P
	kernel_free(&k);
}

static double mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* The whole page, malloc'ed; NULL if out of memory. */
static char *collect(struct agent *a, size_t *len)
{
	double t0 = mono();
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	agent_part(f, a);
	a->ops->metrics(a, f);
	if (a->xc)
		kernel_part(f, a);
	head(f, "xcloud_metrics_scrape_duration_seconds", "gauge",
	     "Seconds this page took to collect.");
	fprintf(f, "xcloud_metrics_scrape_duration_seconds %.6f\n",
		mono() - t0);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- HTTP ---- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code,
			     const char *text, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text,
					    MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* A request refused: logged (debug: scanners are common) with the
 * client and what it asked, quoted. */
static void refused(struct MHD_Connection *c, unsigned int code,
		    const char *method, const char *url, const char *why)
{
	const union MHD_ConnectionInfo *ci;
	char host[NI_MAXHOST] = "?", q[200], qm[40];

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr)
		getnameinfo(ci->client_addr,
			    ci->client_addr->sa_family == AF_INET6 ?
			    sizeof(struct sockaddr_in6) :
			    sizeof(struct sockaddr_in),
			    host, sizeof(host), NULL, 0, NI_NUMERICHOST);
	bird_quote(q, sizeof(q), url, strlen(url), 120);
	bird_quote(qm, sizeof(qm), method, strlen(method), 20);
	xd_log(SD_DEBUG "metrics: %u for %s %s from %s: %s", code, qm, q,
	       host, why);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct agent *a = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len;
	char *body;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		refused(c, MHD_HTTP_METHOD_NOT_ALLOWED, method, url,
			"only GET and HEAD");
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			     "only GET and HEAD\n", "GET, HEAD");
	}
	if (strcmp(url, "/metrics")) {
		refused(c, MHD_HTTP_NOT_FOUND, method, url, "not /metrics");
		return reply(c, MHD_HTTP_NOT_FOUND,
			     "xcloudd serves /metrics only\n", NULL);
	}
	body = collect(a, &len);
	if (!body) {
		xd_log(SD_ERR "metrics: out of memory");
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "out of memory\n", NULL);
	}
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* MHD's own complaints: at the start, why it cannot listen (said by
 * xd_metrics_start); later, a client that misbehaves (debug). */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '.'))
		buf[--n] = '\0';
	if (m.start_err && !*m.start_err)
		snprintf(m.start_err, m.start_errlen, "%s", buf);
	else if (!m.start_err)
		xd_log(SD_DEBUG "metrics: libmicrohttpd: %s", buf);
}

/* ---- MHD in the loop ---- */

static void run(struct ev_loop *ev)
{
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(m.d);
	ev_timer_stop(ev, &m.timer);
	if (MHD_get_timeout(m.d, &ms) == MHD_YES) {
		ev_timer_set(&m.timer, ms / 1e3, 0.);
		ev_timer_start(ev, &m.timer);
	}
}

static void io_cb(struct ev_loop *ev, ev_io *w, int revents)
{
	(void)w;
	(void)revents;
	run(ev);
}

static void timer_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	run(ev);
}

int xd_metrics_start(struct agent *a)
{
	const char *listen = a->conf->metrics_listen;
	const union MHD_DaemonInfo *info;
	struct sockaddr_storage ss;
	char why[512] = "";
	unsigned int flags;
	socklen_t len;

	if (!listen)
		return 0;
	m.a = a;
	if (xd_listen_parse(a->conf, listen, &ss, &len))
		return -EINVAL;	/* checked with the file already */
	flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m.start_err = why;
	m.start_errlen = sizeof(why);
	/* The logger first: MHD logs the other options' troubles with it;
	 * the port again for its messages (the address is what binds). */
	m.d = MHD_start_daemon(flags, ntohs(((struct sockaddr_in *)&ss)->sin_port),
			       NULL, NULL, handle, a,
			       MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			       MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			       MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_LIMIT,
			       MHD_OPTION_CONNECTION_TIMEOUT,
			       (unsigned int)CONN_TIMEOUT_S,
			       MHD_OPTION_END);
	m.start_err = NULL;
	if (!m.d) {
		xd_log(SD_ERR "metrics: cannot listen on %s: %s", listen,
		       *why ? why : "libmicrohttpd refused to start");
		return -EADDRNOTAVAIL;
	}
	info = MHD_get_daemon_info(m.d, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		xd_log(SD_ERR "metrics: libmicrohttpd without epoll");
		MHD_stop_daemon(m.d);
		m.d = NULL;
		return -ENOTSUP;
	}
	ev_io_init(&m.io, io_cb, info->epoll_fd, EV_READ);
	ev_init(&m.timer, timer_cb);
	ev_io_start(a->ev, &m.io);
	run(a->ev);
	xd_log("metrics: Prometheus text format at http://%s/metrics%s",
	       listen, a->conf->metrics_max_peers ? "" :
	       " (no per-peer series: metrics-max-peers 0)");
	return 0;
}

void xd_metrics_stop(struct agent *a)
{
	if (!m.d)
		return;
	ev_io_stop(a->ev, &m.io);
	ev_timer_stop(a->ev, &m.timer);
	MHD_stop_daemon(m.d);
	m.d = NULL;
}
