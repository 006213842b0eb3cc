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
 *
 *   [vni 100]
 *   device = xc100
 *
 * The EIP roles (docs/eip-bgp.md) need no [vni N] section and no underlay:
 *
 *   [agent]
 *   role = aggregation       ; or router
 *   router = vr2             ; router: the name its EIP records carry
 *   eip-device = xceip       ; aggregation: device the pools point into
 *   eip-ingress = eth0       ; aggregation: uplink whose EIP packets it
 *                            ; tunnels on arrival (optional)
 *   bird-socket = /run/bird/bird.ctl
 *   bird-config = /etc/bird/bird.conf
 *   bird-include = /run/xcloud/bird/eip.conf
 *
 * Flags given on the command line win over the file.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>
#include "config.h"

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
	if (!strcmp(name, "router")) {
		if (!*value || strchr(value, '/') || strchr(value, '"'))
			return fail(conf, "router must be a name without / or \"");
		return set_str(&conf->router, value);
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
	if (!strcmp(name, "bird-socket"))
		return set_path(conf, &conf->bird_socket, value, "bird-socket");
	if (!strcmp(name, "bird-config"))
		return set_path(conf, &conf->bird_config, value, "bird-config");
	if (!strcmp(name, "bird-include"))
		return set_path(conf, &conf->bird_include, value, "bird-include");
	if (!strcmp(name, "cloud"))
		return set_str(&conf->cloud, value);
	if (!strcmp(name, "node")) {
		if (!*value || strchr(value, '/'))
			return fail(conf, "node must be a name without /");
		return set_str(&conf->node, value);
	}
	if (!strcmp(name, "underlay")) {
		unsigned char buf[16];

		if (inet_pton(AF_INET, value, buf) != 1 &&
		    inet_pton(AF_INET6, value, buf) != 1)
			return fail(conf, "underlay must be an IPv4 or IPv6 address");
		return set_str(&conf->underlay, value);
	}
	if (!strcmp(name, "etcd")) {
		if (strncmp(value, "http://", 7) && strncmp(value, "https://", 8))
			return fail(conf, "etcd must be an http:// or https:// URL");
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
	return fail(conf, "unknown key in [agent]");
}

static int add_vni(struct xd_conf *conf, const char *section,
		   const char *name, const char *value)
{
	char *end;
	unsigned long vni = strtoul(section + 4, &end, 10);

	if (*end || !section[4] || vni > 0xffffff)
		return fail(conf, "[vni N] needs N in 0..16777215");
	if (strcmp(name, "device"))
		return fail(conf, "unknown key in [vni N] (only device)");
	if (!*value || strlen(value) >= 16)
		return fail(conf, "device must be an interface name");
	for (unsigned int i = 0; i < conf->nvnis; i++)
		if (conf->vni[i].vni == vni)
			return fail(conf, "vni configured twice");
	if (conf->nvnis == XD_MAX_VNIS)
		return fail(conf, "too many [vni N] sections");
	conf->vni[conf->nvnis].vni = (uint32_t)vni;
	conf->vni[conf->nvnis].device = strdup(value);
	conf->nvnis++;
	return 0;
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
	fail(f, "sections are [agent] and [vni N]");
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
	if (r == -1) {
		snprintf(conf->err, sizeof(conf->err), "cannot open %.200s", path);
		xd_conf_free(&ctx.file);
		return -1;
	}
	if (r) {
		snprintf(conf->err, sizeof(conf->err), "line %d: %.200s", r,
			 ctx.file.err[0] ? ctx.file.err : "not INI syntax");
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
	take(&conf->prefix, &ctx.file.prefix);
	take(&conf->router, &ctx.file.router);
	take(&conf->eip_device, &ctx.file.eip_device);
	take(&conf->eip_ingress, &ctx.file.eip_ingress);
	take(&conf->bird_socket, &ctx.file.bird_socket);
	take(&conf->bird_config, &ctx.file.bird_config);
	take(&conf->bird_include, &ctx.file.bird_include);
	for (unsigned int i = 0; i < ctx.file.nvnis; i++) {
		if (xd_conf_device(conf, ctx.file.vni[i].vni) ||
		    conf->nvnis == XD_MAX_VNIS)
			continue;
		conf->vni[conf->nvnis++] = ctx.file.vni[i];
		ctx.file.vni[i].device = NULL;
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
		    conf->bird_socket || conf->bird_config ||
		    conf->bird_include)
			return fail(conf, "router, eip-device, eip-ingress and bird-* keys belong to the aggregation and router roles");
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
	if (conf->nvnis)
		return fail(conf, "[vni N] sections belong to the switch and gateway roles");
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
	if (!XD_ROLE_EIP(conf->role) && !conf->nvnis)
		return fail(conf, "no [vni N] section: no device to program");
	if (!conf->cloud && set_str(&conf->cloud, "(unnamed)"))
		return fail(conf, "out of memory");
	if (!conf->prefix && set_str(&conf->prefix, "/xcloud"))
		return fail(conf, "out of memory");
	if (!conf->lease_ttl)
		conf->lease_ttl = 10;
	return 0;
}

const char *xd_conf_device(const struct xd_conf *conf, uint32_t vni)
{
	for (unsigned int i = 0; i < conf->nvnis; i++)
		if (conf->vni[i].vni == vni)
			return conf->vni[i].device;
	return NULL;
}

void xd_conf_free(struct xd_conf *conf)
{
	free(conf->cloud);
	free(conf->node);
	free(conf->underlay);
	free(conf->etcd);
	free(conf->prefix);
	free(conf->router);
	free(conf->eip_device);
	free(conf->eip_ingress);
	free(conf->bird_socket);
	free(conf->bird_config);
	free(conf->bird_include);
	for (unsigned int i = 0; i < conf->nvnis; i++)
		free(conf->vni[i].device);
	memset(conf, 0, sizeof(*conf));
}
