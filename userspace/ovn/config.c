// SPDX-License-Identifier: GPL-2.0
/*
 * Reads xcloud-ovn's INI file with inih (xcloud-ovn(8)):
 *
 *   [ovn]
 *   nb = unix:/var/run/ovn/ovnnb_db.sock     ; or tcp:ADDRESS:PORT
 *   sb = unix:/var/run/ovn/ovnsb_db.sock
 *   etcd = http://10.1.0.10:2379             ; and cacert, cert, key,
 *                                            ; user, password-file
 *   prefix = /xcloud
 *   source = ovn            ; "source" of the records this one owns
 *   router-name = chassis   ; or hostname: a chassis' router by default
 *   probe = 5               ; seconds of silence before an echo
 *
 *   [chassis gw2]           ; SB Chassis.name
 *   router = vr2            ; the router agent's `router`
 *   node = 10.2.0.12        ; its node (default: the chassis' Encap ip)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>
#include "conf.h"
#include "ovn.h"

static int conf_fail(struct ovn_conf *conf, const char *what)
{
	snprintf(conf->err, sizeof(conf->err), "%s", what);
	return 0;
}

static int set_str(char **dst, const char *value)
{
	free(*dst);
	*dst = strdup(value);
	return 1;
}

static int ovn_key(struct ovn_conf *conf, const char *name, const char *value)
{
	char err[200];
	int r;

	if (!strcmp(name, "nb") || !strcmp(name, "sb")) {
		if (strncmp(value, "unix:", 5) && strncmp(value, "tcp:", 4))
			return conf_fail(conf, "nb and sb are unix:PATH or tcp:ADDRESS:PORT");
		return set_str(name[0] == 'n' ? &conf->nb : &conf->sb, value);
	}
	if (!strcmp(name, "prefix")) {
		if (value[0] != '/' || strlen(value) > 200)
			return conf_fail(conf, "prefix must start with / (at most 200 bytes)");
		return set_str(&conf->prefix, value);
	}
	if (!strcmp(name, "source")) {
		if (!xe_name_ok(value))
			return conf_fail(conf, "source must be letters, digits, '.', '-', '_'");
		return set_str(&conf->source, value);
	}
	if (!strcmp(name, "router-name")) {
		if (!strcmp(value, "chassis"))
			conf->router_name = OVN_NAME_CHASSIS;
		else if (!strcmp(value, "hostname"))
			conf->router_name = OVN_NAME_HOSTNAME;
		else
			return conf_fail(conf, "router-name is chassis or hostname");
		return 1;
	}
	if (!strcmp(name, "probe")) {
		char *end;

		conf->probe = strtod(value, &end);
		if (*end || !(conf->probe >= 1 && conf->probe <= 600))
			return conf_fail(conf, "probe must be 1..600 seconds");
		return 1;
	}
	r = xe_conf_set(&conf->etcd, name, value, err, sizeof(err));
	if (r > 0)
		return conf_fail(conf, "unknown key in [ovn] (nb, sb, prefix, source, router-name, probe, etcd, cacert, cert, key, user, password-file)");
	if (r < 0)
		return conf_fail(conf, err);
	return 1;
}

static int chassis_key(struct ovn_conf *conf, const char *chassis,
		       const char *name, const char *value)
{
	struct ovn_chassis_conf *c = NULL;
	struct xc_addr a;

	for (size_t i = 0; i < conf->nchassis; i++)
		if (!strcmp(conf->chassis[i].name, chassis))
			c = &conf->chassis[i];
	if (!c) {
		if (conf->nchassis == OVN_MAX_CHASSIS)
			return conf_fail(conf, "too many [chassis NAME] sections");
		c = &conf->chassis[conf->nchassis++];
		c->name = strdup(chassis);
	}
	if (!strcmp(name, "router")) {
		if (!xe_name_ok(value))
			return conf_fail(conf, "router must be a name: letters, digits, '.', '-', '_'");
		return set_str(&c->router, value);
	}
	if (!strcmp(name, "node")) {
		if (xc_addr_parse(value, &a) || eip_addr_unusable(&a))
			return conf_fail(conf, "node must be a unicast IPv4 or IPv6 address");
		return set_str(&c->node, value);
	}
	return conf_fail(conf, "unknown key in [chassis NAME] (router, node)");
}

static int conf_handler(void *user, const char *section, const char *name,
			const char *value)
{
	struct ovn_conf *conf = user;

	if (conf->err[0])
		return 0;
	if (!strcmp(section, "ovn"))
		return ovn_key(conf, name, value);
	if (!strncmp(section, "chassis ", 8) && section[8] &&
	    !strpbrk(section + 8, " /\"\\"))
		return chassis_key(conf, section + 8, name, value);
	return conf_fail(conf, "sections are [ovn] or [chassis NAME]");
}

int ovn_conf_load(struct ovn_conf *conf, const char *path)
{
	char err[200];
	int r;

	memset(conf, 0, sizeof(*conf));
	r = ini_parse(path, conf_handler, conf);
	if (xsd_ini_result(r, path, conf->err, conf->err, sizeof(conf->err)))
		return -1;
	if (!conf->etcd.endpoints) {
		snprintf(conf->err, sizeof(conf->err), "[ovn] needs etcd");
		return -1;
	}
	if (xe_conf_check(&conf->etcd, err, sizeof(err))) {
		snprintf(conf->err, sizeof(conf->err), "[ovn]: %s", err);
		return -1;
	}
	if (!conf->nb)
		conf->nb = strdup("unix:/var/run/ovn/ovnnb_db.sock");
	if (!conf->sb)
		conf->sb = strdup("unix:/var/run/ovn/ovnsb_db.sock");
	if (!conf->prefix)
		conf->prefix = strdup("/xcloud");
	if (!conf->source)
		conf->source = strdup("ovn");
	if (!conf->probe)
		conf->probe = 5;
	return 0;
}

void ovn_conf_free(struct ovn_conf *conf)
{
	for (size_t i = 0; i < conf->nchassis; i++) {
		free(conf->chassis[i].name);
		free(conf->chassis[i].router);
		free(conf->chassis[i].node);
	}
	xe_conf_free(&conf->etcd);
	free(conf->nb);
	free(conf->sb);
	free(conf->prefix);
	free(conf->source);
	memset(conf, 0, sizeof(*conf));
}
