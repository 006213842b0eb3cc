// SPDX-License-Identifier: GPL-2.0
/*
 * xcloudd's INI file (read with inih):
 *
 *   [agent]
 *   role = switch            ; or gateway
 *   cloud = A
 *   node = cnA1
 *   underlay = 10.255.0.11
 *   etcd = http://127.0.0.1:2379
 *   lease-ttl = 10
 *   log-level = info         ; err, warning, notice, info or debug
 *
 *   table-range = 1000000-1999999  ; the VRFs' routing tables
 *   port = 6081              ; UDP port of the devices xcloudd makes
 *   tunnels = ondemand       ; or eager
 *
 *   metrics-listen = 127.0.0.1:9477   ; Prometheus metrics (metrics.c);
 *                                     ; off unless set
 *   metrics-max-peers = 1000          ; per-peer series up to this many
 *
 *   [vni 100]                ; optional: the store declares networks too
 *   device = xc100           ; default xc<N>
 *   vrf = xvrf100            ; default xvrf<N>
 *   prefixes = 10.100.0.0/16, fd00:100::/64   ; overlay routes
 *
 * The EIP roles (docs/eip-bgp.md) need no [vni N] section and no underlay:
 *
 *   [agent]
 *   role = aggregation       ; or router
 *   router = vr2             ; router: the name its EIP records carry
 *   eip-device = xceip       ; aggregation: device the pools point into
 *   eip-ingress = eth0       ; aggregation: uplink whose EIP packets it
 *                            ; tunnels on arrival (optional)
 *   eip-handoff = br-ex      ; router: no NAT here, each EIP routed onto
 *                            ; OVN's provider bridge (optional; docs/ovn.md)
 *   bird-socket = /run/bird/bird.ctl
 *   bird-config = /etc/bird/bird.conf
 *   bird-include = /run/xcloud/bird/eip.conf
 *
 * How to reach etcd in production (docs/control-plane.md, "Production
 * etcd"): every member, TLS and a user of its own:
 *
 *   [etcd]
 *   endpoints = https://10.0.0.1:2379, https://10.0.0.2:2379  ; or etcd =
 *   cacert = /etc/xcloud/etcd/ca.pem                           ; in [agent]
 *   cert = /etc/xcloud/etcd/node.pem
 *   key = /etc/xcloud/etcd/node-key.pem
 *   user = xcloud-switch
 *   password-file = /etc/xcloud/etcd/password
 *
 * Flags given on the command line win over the file.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <ini.h>
#include <libxcloud.h>
#include <xcetcd.h>
#include "conf.h"
#include "config.h"
#include "log.h"

struct load_ctx {
	struct xd_conf *conf;
	struct xd_conf file;	/* what the file says */
};

void xd_conf_init(struct xd_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
}

static int fail(struct xd_conf *conf, const char *what)
{
	snprintf(conf->err, sizeof(conf->err), "%s", what);
	return -1;
}

static int set_str(char **field, const char *value)
{
	free(*field);
	*field = strdup(value);
	return *field ? 0 : -1;
}

/* BIRD reads file names as strings without escapes: no " or newline. */
static int set_path(struct xd_conf *conf, char **field, const char *value,
		    const char *key)
{
	if (value[0] != '/' || strpbrk(value, "\"\n\\")) {
		snprintf(conf->err, sizeof(conf->err),
			 "%s must be an absolute path without \", \\ or newline",
			 key);
		return -1;
	}
	return set_str(field, value);
}

const char *xd_role_name(enum xd_role role)
{
	static const char *const names[] = {
		[XD_ROLE_NONE] = "none", [XD_ROLE_SWITCH] = "switch",
		[XD_ROLE_GATEWAY] = "gateway",
		[XD_ROLE_AGGREGATION] = "aggregation",
		[XD_ROLE_ROUTER] = "router",
	};
	return names[role];
}

int xd_conf_set(struct xd_conf *conf, const char *name, const char *value)
{
	if (!strcmp(name, "role")) {
		if (!strcmp(value, "switch"))
			conf->role = XD_ROLE_SWITCH;
		else if (!strcmp(value, "gateway"))
			conf->role = XD_ROLE_GATEWAY;
		else if (!strcmp(value, "aggregation"))
			conf->role = XD_ROLE_AGGREGATION;
		else if (!strcmp(value, "router"))
			conf->role = XD_ROLE_ROUTER;
		else
			return fail(conf, "role must be switch, gateway, aggregation or router");
		return 0;
	}
	if (!strcmp(name, "eip-device")) {
		if (!*value || strlen(value) >= 16 || strchr(value, '/'))
			return fail(conf, "eip-device must be an interface name");
		return set_str(&conf->eip_device, value);
	}
	if (!strcmp(name, "eip-ingress")) {
		if (!*value || strlen(value) >= 16 || strchr(value, '/'))
			return fail(conf, "eip-ingress must be an interface name");
		return set_str(&conf->eip_ingress, value);
	}
	if (!strcmp(name, "eip-handoff")) {
		if (!*value || strlen(value) >= 16 || strchr(value, '/'))
			return fail(conf, "eip-handoff must be an interface name");
		return set_str(&conf->eip_handoff, value);
	}
	if (!strcmp(name, "bird-socket"))
		return set_path(conf, &conf->bird_socket, value, "bird-socket");
	if (!strcmp(name, "bird-config"))
		return set_path(conf, &conf->bird_config, value, "bird-config");
	if (!strcmp(name, "bird-include"))
		return set_path(conf, &conf->bird_include, value, "bird-include");
	if (!strcmp(name, "cloud") || !strcmp(name, "node") ||
	    !strcmp(name, "router")) {
		if (!xe_name_ok(value)) {
			snprintf(conf->err, sizeof(conf->err),
				 "%s must be a name: 1..%d letters, digits, '.', '-' or '_', the first a letter or digit",
				 name, XE_NAME_MAX);
			return -1;
		}
		return set_str(!strcmp(name, "node") ? &conf->node :
			       !strcmp(name, "router") ? &conf->router :
			       &conf->cloud, value);
	}
	if (!strcmp(name, "underlay")) {
		struct xc_addr a;

		if (xc_addr_parse(value, &a))
			return fail(conf, "underlay must be an IPv4 or IPv6 address");
		return set_str(&conf->underlay, value);
	}
	if (!strcmp(name, "etcd")) {
		char **ep;
		size_t n;

		if (xe_conf_endpoints(value, &ep, &n, conf->err,
				      sizeof(conf->err)))
			return -1;
		xe_endpoints_free(ep, n);
		return set_str(&conf->etcd, value);
	}
	if (!strcmp(name, "prefix")) {
		if (value[0] != '/')
			return fail(conf, "prefix must start with /");
		return set_str(&conf->prefix, value);
	}
	if (!strcmp(name, "lease-ttl")) {
		char *end;
		long v = strtol(value, &end, 10);

		if (*end || v < 2 || v > 3600)
			return fail(conf, "lease-ttl must be 2..3600 seconds");
		conf->lease_ttl = v;
		return 0;
	}
	if (!strcmp(name, "table-range")) {
		unsigned long first, last;
		char *end;

		first = strtoul(value, &end, 10);
		if (end == value || *end != '-')
			return fail(conf, "table-range must be FIRST-LAST");
		last = strtoul(end + 1, &end, 10);
		if (*end || first < 256 || last > 0xfffffffeUL || last < first)
			return fail(conf, "table-range must be FIRST-LAST within 256..4294967294");
		conf->table_first = (uint32_t)first;
		conf->table_last = (uint32_t)last;
		return 0;
	}
	if (!strcmp(name, "port")) {
		char *end;
		long v = strtol(value, &end, 10);

		if (*end || end == value || v < 1 || v > 65535)
			return fail(conf, "port must be 1..65535");
		conf->port = (uint16_t)v;
		return 0;
	}
	if (!strcmp(name, "tunnels")) {
		if (!strcmp(value, "ondemand"))
			conf->tunnels = XCLOUD_TUNNELS_ONDEMAND;
		else if (!strcmp(value, "eager"))
			conf->tunnels = XCLOUD_TUNNELS_EAGER;
		else
			return fail(conf, "tunnels must be ondemand or eager");
		conf->tunnels_set = true;
		return 0;
	}
	if (!strcmp(name, "metrics-listen")) {
		struct sockaddr_storage ss;
		socklen_t len;

		if (xd_listen_parse(conf, value, &ss, &len))
			return -1;
		return set_str(&conf->metrics_listen, value);
	}
	if (!strcmp(name, "metrics-max-peers")) {
		char *end;
		long v = strtol(value, &end, 10);

		if (!isdigit((unsigned char)*value) || *end || v < 0 ||
		    v > XD_METRICS_MAX_PEERS_LIMIT)
			return fail(conf, "metrics-max-peers must be 0..1000000");
		conf->metrics_max_peers = (unsigned int)v;
		conf->metrics_max_peers_set = true;
		return 0;
	}
	if (!strcmp(name, "log-level")) {
		int l = xlog_level_parse(value);

		if (l < 0)
			return fail(conf, "log-level must be err, warning, notice, info or debug");
		conf->log_level = l;
		return 0;
	}
	return fail(conf, "unknown key in [agent]");
}

int xd_listen_parse(struct xd_conf *conf, const char *s,
		    struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN];
	const char *end, *port;
	struct xc_addr a;
	int bracket;
	char *pend;
	long v;

	memset(ss, 0, sizeof(*ss));
	/* An IPv6 address has colons of its own: it comes in brackets. */
	bracket = s[0] == '[';
	end = bracket ? strchr(s, ']') : strchr(s, ':');
	port = end ? end + (bracket ? 2 : 1) : NULL;
	if (!end || port[-1] != ':' || (!bracket && strchr(port, ':')))
		goto bad;
	if ((size_t)(end - s) >= sizeof(host))
		goto bad;
	memcpy(host, s + bracket, (size_t)(end - s - bracket));
	host[end - s - bracket] = '\0';
	/* IPv6 in brackets, IPv4 without: [10.0.0.1]:80 is refused too. */
	if (xc_addr_parse(host, &a) ||
	    a.family != (bracket ? AF_INET6 : AF_INET))
		goto bad;
	if (a.family == AF_INET6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = a.v6;
		*len = sizeof(*s6);
	} else {
		s4->sin_family = AF_INET;
		s4->sin_addr = a.v4;
		*len = sizeof(*s4);
	}
	v = strtol(port, &pend, 10);
	if (!isdigit((unsigned char)*port) || *pend || v < 1 || v > 65535)
		goto bad;
	/* sin_port and sin6_port lie at the same offset */
	s4->sin_port = htons((uint16_t)v);
	return 0;
bad:
	return fail(conf, "metrics-listen must be ADDR:PORT or [ADDR6]:PORT (a numeric address, port 1..65535)");
}

static bool is_ifname(const char *s)
{
	return *s && strlen(s) < IF_NAMESIZE && !strpbrk(s, "/ \t\n:") &&
	       strcmp(s, ".") && strcmp(s, "..");
}

/* "P, P, ..." of at most XD_NET_PREFIXES prefixes, each valid. */
int xd_prefixes_parse(const char *text, struct xc_prefix *p, unsigned int max,
		      unsigned int *n)
{
	char *copy = strdup(text), *save = NULL, *tok;
	int r = 0;

	*n = 0;
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ", \t", &save); tok && !r;
	     tok = strtok_r(NULL, ", \t", &save)) {
		if (*n == max)
			r = -E2BIG;
		else if (xc_prefix_parse(tok, &p[*n]))
			r = -EINVAL;
		else
			(*n)++;
	}
	free(copy);
	return r;
}

int xd_conf_add_vni(struct xd_conf *conf, uint32_t vni, const char *device)
{
	struct xd_vni_conf *v;

	if (vni < 1 || vni > 0xffffff)
		return fail(conf, "VNI must be 1..16777215");
	if (device && !is_ifname(device))
		return fail(conf, "device must be an interface name");
	if (xd_conf_vni(conf, vni))
		return fail(conf, "vni configured twice");
	if (conf->nvnis == conf->capvnis) {
		unsigned int cap = conf->capvnis ? conf->capvnis * 2 : 16;

		v = realloc(conf->vni, cap * sizeof(*v));
		if (!v)
			return fail(conf, "out of memory");
		conf->vni = v;
		conf->capvnis = cap;
	}
	v = &conf->vni[conf->nvnis];
	memset(v, 0, sizeof(*v));
	v->vni = vni;
	if (device && !(v->device = strdup(device)))
		return fail(conf, "out of memory");
	conf->nvnis++;
	return 0;
}

static int add_vni(struct xd_conf *conf, const char *section,
		   const char *name, const char *value)
{
	struct xc_prefix p[XD_NET_PREFIXES];
	struct xd_vni_conf *v;
	unsigned long vni;
	unsigned int n;
	char *end;

	vni = strtoul(section + 4, &end, 10);
	if (*end || !section[4] || section[4] == '-' || vni < 1 ||
	    vni > 0xffffff)
		return fail(conf, "[vni N] needs N in 1..16777215");
	v = (struct xd_vni_conf *)xd_conf_vni(conf, (uint32_t)vni);
	if (!v) {
		if (xd_conf_add_vni(conf, (uint32_t)vni, NULL))
			return -1;
		v = &conf->vni[conf->nvnis - 1];
	}
	if (!strcmp(name, "device") || !strcmp(name, "vrf")) {
		char **field = name[0] == 'd' ? &v->device : &v->vrf;

		if (!is_ifname(value))
			return fail(conf, name[0] == 'd' ?
				    "device must be an interface name" :
				    "vrf must be an interface name");
		if (*field)
			return fail(conf, "key given twice in [vni N]");
		return set_str(field, value);
	}
	if (!strcmp(name, "prefixes")) {
		int r = xd_prefixes_parse(value, p, XD_NET_PREFIXES, &n);

		if (r == -E2BIG)
			return fail(conf, "prefixes: at most 16");
		if (r)
			return fail(conf, "prefixes must be ADDR/LEN, ... with host bits clear");
		return set_str(&v->prefixes, value);
	}
	return fail(conf, "unknown key in [vni N] (device, vrf, prefixes)");
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct load_ctx *ctx = user;
	struct xd_conf *f = &ctx->file;

	if (f->err[0])
		return 0;
	if (!strcmp(section, "agent"))
		return xd_conf_set(f, name, value) ? 0 : 1;
	if (!strncmp(section, "vni ", 4))
		return add_vni(f, section, name, value) ? 0 : 1;
	if (!strcmp(section, "etcd")) {
		int r = strcmp(name, "endpoints") ?
			xe_conf_set(&f->etcd_conf, name, value, f->err,
				    sizeof(f->err)) :
			xd_conf_set(f, "etcd", value);

		if (r > 0)
			fail(f, "unknown key in [etcd] (endpoints, cacert, cert, key, user, password-file)");
		return !r;
	}
	fail(f, "sections are [agent], [etcd] and [vni N]");
	return 0;
}

static void take(char **dst, char **src)
{
	if (!*dst) {
		*dst = *src;
		*src = NULL;
	}
}

int xd_conf_load(struct xd_conf *conf, const char *path)
{
	struct load_ctx ctx = { .conf = conf };
	int r;

	r = ini_parse(path, handler, &ctx);
	if (xsd_ini_result(r, path, ctx.file.err, conf->err,
			   sizeof(conf->err))) {
		xd_conf_free(&ctx.file);
		return -1;
	}
	if (!conf->role)
		conf->role = ctx.file.role;
	if (!conf->lease_ttl)
		conf->lease_ttl = ctx.file.lease_ttl;
	take(&conf->cloud, &ctx.file.cloud);
	take(&conf->node, &ctx.file.node);
	take(&conf->underlay, &ctx.file.underlay);
	take(&conf->etcd, &ctx.file.etcd);
	take(&conf->etcd_conf.cacert, &ctx.file.etcd_conf.cacert);
	take(&conf->etcd_conf.cert, &ctx.file.etcd_conf.cert);
	take(&conf->etcd_conf.key, &ctx.file.etcd_conf.key);
	take(&conf->etcd_conf.user, &ctx.file.etcd_conf.user);
	take(&conf->etcd_conf.password, &ctx.file.etcd_conf.password);
	take(&conf->prefix, &ctx.file.prefix);
	take(&conf->router, &ctx.file.router);
	take(&conf->eip_device, &ctx.file.eip_device);
	take(&conf->eip_ingress, &ctx.file.eip_ingress);
	take(&conf->eip_handoff, &ctx.file.eip_handoff);
	take(&conf->bird_socket, &ctx.file.bird_socket);
	take(&conf->bird_config, &ctx.file.bird_config);
	take(&conf->bird_include, &ctx.file.bird_include);
	take(&conf->metrics_listen, &ctx.file.metrics_listen);
	if (!conf->metrics_max_peers_set) {
		conf->metrics_max_peers = ctx.file.metrics_max_peers;
		conf->metrics_max_peers_set = ctx.file.metrics_max_peers_set;
	}
	if (!conf->table_first) {
		conf->table_first = ctx.file.table_first;
		conf->table_last = ctx.file.table_last;
	}
	if (!conf->port)
		conf->port = ctx.file.port;
	if (!conf->log_level)
		conf->log_level = ctx.file.log_level;
	if (!conf->tunnels_set) {
		conf->tunnels = ctx.file.tunnels;
		conf->tunnels_set = ctx.file.tunnels_set;
	}
	for (unsigned int i = 0; i < ctx.file.nvnis; i++) {
		struct xd_vni_conf *f = &ctx.file.vni[i];
		struct xd_vni_conf *v;

		/* -d VNI=DEV wins over the file's device */
		v = (struct xd_vni_conf *)xd_conf_vni(conf, f->vni);
		if (!v) {
			if (xd_conf_add_vni(conf, f->vni, NULL)) {
				xd_conf_free(&ctx.file);
				return -1;
			}
			v = &conf->vni[conf->nvnis - 1];
		}
		take(&v->device, &f->device);
		take(&v->vrf, &f->vrf);
		take(&v->prefixes, &f->prefixes);
	}
	xd_conf_free(&ctx.file);
	return 0;
}

/* The EIP roles' keys; defaults are Debian's BIRD paths. */
static int check_eip(struct xd_conf *conf)
{
	bool agg = conf->role == XD_ROLE_AGGREGATION;

	if (!XD_ROLE_EIP(conf->role)) {
		if (conf->router || conf->eip_device || conf->eip_ingress ||
		    conf->eip_handoff || conf->bird_socket ||
		    conf->bird_config || conf->bird_include)
			return fail(conf, "router, eip-device, eip-ingress, eip-handoff and bird-* keys belong to the aggregation and router roles");
		return 0;
	}
	if (agg && !conf->eip_device)
		return fail(conf, "role aggregation needs eip-device (the xcloud device the pools point into)");
	if (agg && conf->router)
		return fail(conf, "router is a key of role router, not aggregation");
	if (!agg && !conf->router)
		return fail(conf, "role router needs router (the router name of its EIP records)");
	if (!agg && (conf->eip_device || conf->eip_ingress))
		return fail(conf, "eip-device and eip-ingress are keys of role aggregation, not router");
	if (agg && conf->eip_handoff)
		return fail(conf, "eip-handoff is a key of role router, not aggregation");
	if (conf->nvnis)
		return fail(conf, "[vni N] sections belong to the switch and gateway roles");
	if (conf->table_first || conf->port || conf->tunnels_set)
		return fail(conf, "table-range, port and tunnels belong to the switch and gateway roles");
	if ((!conf->bird_socket &&
	     set_str(&conf->bird_socket, "/run/bird/bird.ctl")) ||
	    (!conf->bird_config &&
	     set_str(&conf->bird_config, "/etc/bird/bird.conf")) ||
	    (!conf->bird_include &&
	     set_str(&conf->bird_include, "/run/xcloud/bird/eip.conf")))
		return fail(conf, "out of memory");
	if (!strcmp(conf->bird_include, conf->bird_config))
		return fail(conf, "bird-include must not be bird-config itself (xcloudd rewrites it)");
	if (!conf->node &&
	    set_str(&conf->node, agg ? "aggregation" : conf->router))
		return fail(conf, "out of memory");
	return 0;
}

int xd_conf_check(struct xd_conf *conf)
{
	if (!conf->role)
		return fail(conf, "no role (switch, gateway, aggregation or router)");
	if (check_eip(conf))
		return -1;
	if (!XD_ROLE_EIP(conf->role)) {
		if (!conf->node)
			return fail(conf, "no node name");
		if (!conf->underlay)
			return fail(conf, "no underlay address");
	}
	if (!conf->etcd)
		return fail(conf, "no etcd URL");
	if (set_str(&conf->etcd_conf.endpoints, conf->etcd))
		return fail(conf, "out of memory");
	if (xe_conf_check(&conf->etcd_conf, conf->err, sizeof(conf->err)))
		return -1;
	if (!conf->table_first) {
		conf->table_first = XD_TABLE_FIRST;
		conf->table_last = XD_TABLE_LAST;
	}
	if (!conf->port)
		conf->port = XCLOUD_DEFAULT_PORT;
	if (!conf->cloud && set_str(&conf->cloud, "(unnamed)"))
		return fail(conf, "out of memory");
	if (!conf->prefix && set_str(&conf->prefix, "/xcloud"))
		return fail(conf, "out of memory");
	if (!conf->lease_ttl)
		conf->lease_ttl = 10;
	if (!conf->log_level)
		conf->log_level = LOG_INFO;
	if (!conf->metrics_max_peers_set)
		conf->metrics_max_peers = XD_METRICS_MAX_PEERS;
	return 0;
}

const struct xd_vni_conf *xd_conf_vni(const struct xd_conf *conf,
				      uint32_t vni)
{
	for (unsigned int i = 0; i < conf->nvnis; i++)
		if (conf->vni[i].vni == vni)
			return &conf->vni[i];
	return NULL;
}

const char *xd_vni_devname(const struct xd_conf *conf, uint32_t vni,
			   char *buf)
{
	const struct xd_vni_conf *v = xd_conf_vni(conf, vni);

	snprintf(buf, IF_NAMESIZE, "%s",
		 v && v->device ? v->device : "");
	if (!*buf)
		snprintf(buf, IF_NAMESIZE, "xc%u", vni);
	return buf;
}

const char *xd_vni_vrfname(const struct xd_conf *conf, uint32_t vni,
			   char *buf)
{
	const struct xd_vni_conf *v = xd_conf_vni(conf, vni);

	snprintf(buf, IF_NAMESIZE, "%s", v && v->vrf ? v->vrf : "");
	if (!*buf)
		snprintf(buf, IF_NAMESIZE, "xvrf%u", vni);
	return buf;
}

void xd_conf_free(struct xd_conf *conf)
{
	free(conf->cloud);
	free(conf->node);
	free(conf->underlay);
	free(conf->etcd);
	xe_conf_free(&conf->etcd_conf);
	free(conf->prefix);
	free(conf->router);
	free(conf->eip_device);
	free(conf->eip_ingress);
	free(conf->eip_handoff);
	free(conf->bird_socket);
	free(conf->bird_config);
	free(conf->bird_include);
	free(conf->metrics_listen);
	for (unsigned int i = 0; i < conf->nvnis; i++) {
		free(conf->vni[i].device);
		free(conf->vni[i].vrf);
		free(conf->vni[i].prefixes);
	}
	free(conf->vni);
	memset(conf, 0, sizeof(*conf));
}
