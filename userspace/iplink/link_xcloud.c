// SPDX-License-Identifier: GPL-2.0
/*
 * link_xcloud.so: `ip link add|set ... type xcloud ...` and `ip -d link
 * show` for xcloud devices. `ip` loads it from its library directory
 * (/usr/lib/<multiarch>/ip, or $IP_LIB_DIR) the first time it meets the
 * kind, and finds xcloud_link_util in it. Keywords, values and JSON keys
 * are xcloudctl's (`xcloudctl link`), so either tool reads the other's
 * devices the same way; errors are ip's own (invarg and friends).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/xcloud.h>

#include "iproute2.h"

/* iproute2's kinds pass this as the room left in ip's request. */
#define REQ_ROOM 1024

static void print_explain(FILE *f)
{
	fprintf(f,
		"Usage: ... xcloud vni VNI [ port PORT ] [ local ADDR ]\n"
		"		[ mode { edge | gateway } ]\n"
		"		[ tunnels { ondemand | eager } ]\n"
		"		[ idle-timeout SECONDS ]\n"
		"		[ ingress { DEV | none } ]\n"
		"		[ source-check { on | off } ]\n"
		"		[ gateways { ADDR[,ADDR...] | none } ]\n"
		"		[ max-routes N ] [ max-tunnels N ] [ max-allowed N ]\n"
		"		[ probe-interval MS ] [ probe-multiplier M ]\n"
		"\n"
		"Where:	VNI     := 0-%u (required by add)\n"
		"	PORT    := 1-65535 (default %u)\n"
		"	ADDR    := IPv4 or IPv6 underlay address\n"
		"	SECONDS := 1-%u (default %u)\n"
		"	N       := 1-%u\n"
		"	MS      := 0 (no probes) or %u-%u (default %u)\n"
		"	M       := 1-255 (default %u)\n"
		"	at most %u gateways; \"none\" clears them\n",
		XCLOUD_VNI_MAX, XCLOUD_DEFAULT_PORT, XCLOUD_MAX_IDLE_TIMEOUT,
		XCLOUD_DEFAULT_IDLE_TIMEOUT, XCLOUD_LIMIT_MAX,
		XCLOUD_MIN_PROBE_INTERVAL, XCLOUD_MAX_PROBE_INTERVAL,
		XCLOUD_DEFAULT_PROBE_INTERVAL, XCLOUD_DEFAULT_PROBE_MULTIPLIER,
		XCLOUD_MAX_GATEWAYS);
}

/* A decimal in [min, max], or invarg()'s error naming @what. */
static uint32_t get_num(const char *arg, uint32_t min, uint32_t max,
			const char *what)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || !*arg || *end || *arg == '-' || v < min || v > max)
		invarg(what, arg);
	return v;
}

/* Adds IFLA_XCLOUD_@type4 or @type6 with the address @arg; the family. */
static int add_addr(struct nlmsghdr *n, const char *arg, int type4, int type6,
		    const char *what)
{
	unsigned char a[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, arg, a) == 1) {
		addattr_l(n, REQ_ROOM, type4, a, 4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, arg, a) == 1) {
		addattr_l(n, REQ_ROOM, type6, a, 16);
		return AF_INET6;
	}
	invarg(what, arg);
}

/* "ADDR[,ADDR...]" or "none": the whole IFLA_XCLOUD_GATEWAYS set. */
static void add_gateways(struct nlmsghdr *n, const char *arg)
{
	char buf[(INET6_ADDRSTRLEN + 1) * XCLOUD_MAX_GATEWAYS + 1];
	struct rtattr *nest;
	char *tok, *save = NULL;
	unsigned int count = 0;

	nest = addattr_nest(n, REQ_ROOM, IFLA_XCLOUD_GATEWAYS);
	if (!strcmp(arg, "none")) {
		addattr_nest_end(n, nest);
		return;
	}
	if (!*arg || strlen(arg) >= sizeof(buf) || arg[0] == ',' ||
	    arg[strlen(arg) - 1] == ',' || strstr(arg, ",,"))
		invarg("gateways are ADDR[,ADDR...] or none", arg);
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (++count > XCLOUD_MAX_GATEWAYS)
			invarg("too many gateways", arg);
		/* each entry is IFLA_XCLOUD_GATEWAY, 4 or 16 bytes */
		add_addr(n, tok, IFLA_XCLOUD_GATEWAY, IFLA_XCLOUD_GATEWAY,
			 "invalid gateway address");
	}
	addattr_nest_end(n, nest);
}

static int keyword(const char *arg, const char *const *names, int count,
		   const char *what)
{
	for (int i = 0; i < count; i++)
		if (names[i] && !strcmp(arg, names[i]))
			return i;
	invarg(what, arg);
}

static const char *const mode_names[] = {
	[XCLOUD_MODE_EDGE] = "edge", [XCLOUD_MODE_GATEWAY] = "gateway",
};

static const char *const tunnels_names[] = {
	[XCLOUD_TUNNELS_ONDEMAND] = "ondemand",
	[XCLOUD_TUNNELS_EAGER] = "eager",
};

static const char *const off_on[] = { "off", "on" };

static void add_u8(struct nlmsghdr *n, int type, uint8_t v)
{
	addattr_l(n, REQ_ROOM, type, &v, sizeof(v));
}

static void add_u32(struct nlmsghdr *n, int type, uint32_t v)
{
	addattr_l(n, REQ_ROOM, type, &v, sizeof(v));
}

static int xcloud_parse_opt(struct link_util *lu, int argc, char **argv,
			    struct nlmsghdr *n)
{
	uint64_t seen = 0;
	uint16_t port;
	int type, v;

	(void)lu;
	for (; argc > 0; argc--, argv++) {
		const char *key = *argv;

		if (!strcmp(key, "help")) {
			print_explain(stderr);
			return -1;
		} else if (!strcmp(key, "vni")) {
			type = IFLA_XCLOUD_VNI;
		} else if (!strcmp(key, "port")) {
			type = IFLA_XCLOUD_PORT;
		} else if (!strcmp(key, "local")) {
			type = IFLA_XCLOUD_LOCAL;
		} else if (!strcmp(key, "mode")) {
			type = IFLA_XCLOUD_MODE;
		} else if (!strcmp(key, "tunnels")) {
			type = IFLA_XCLOUD_TUNNELS;
		} else if (!strcmp(key, "idle-timeout")) {
			type = IFLA_XCLOUD_IDLE_TIMEOUT;
		} else if (!strcmp(key, "ingress")) {
			type = IFLA_XCLOUD_INGRESS;
		} else if (!strcmp(key, "source-check")) {
			type = IFLA_XCLOUD_SOURCE_CHECK;
		} else if (!strcmp(key, "gateways")) {
			type = IFLA_XCLOUD_GATEWAYS;
		} else if (!strcmp(key, "max-routes")) {
			type = IFLA_XCLOUD_MAX_ROUTES;
		} else if (!strcmp(key, "max-tunnels")) {
			type = IFLA_XCLOUD_MAX_TUNNELS;
		} else if (!strcmp(key, "max-allowed")) {
			type = IFLA_XCLOUD_MAX_ALLOWED;
		} else if (!strcmp(key, "probe-interval")) {
			type = IFLA_XCLOUD_PROBE_INTERVAL;
		} else if (!strcmp(key, "probe-multiplier")) {
			type = IFLA_XCLOUD_PROBE_MULTIPLIER;
		} else {
			fprintf(stderr, "xcloud: unknown command \"%s\"?\n",
				key);
			print_explain(stderr);
			return -1;
		}
		if (argc < 2)
			incomplete_command();
		argc--, argv++;
		if (seen & (1ULL << type))
			duparg2(key, *argv);
		seen |= 1ULL << type;

		switch (type) {
		case IFLA_XCLOUD_VNI:
			add_u32(n, type, get_num(*argv, 0, XCLOUD_VNI_MAX,
						 "invalid vni"));
			break;
		case IFLA_XCLOUD_PORT:
			port = htons(get_num(*argv, 1, 65535, "invalid port"));
			addattr_l(n, REQ_ROOM, type, &port, sizeof(port));
			break;
		case IFLA_XCLOUD_LOCAL:
			add_addr(n, *argv, IFLA_XCLOUD_LOCAL,
				 IFLA_XCLOUD_LOCAL6, "invalid local address");
			break;
		case IFLA_XCLOUD_MODE:
			add_u8(n, type, keyword(*argv, mode_names,
						XCLOUD_MODE_MAX + 1,
						"mode is edge or gateway"));
			break;
		case IFLA_XCLOUD_TUNNELS:
			v = strcmp(*argv, "on-demand") ?
			    keyword(*argv, tunnels_names, XCLOUD_TUNNELS_MAX + 1,
				    "tunnels is ondemand or eager") :
			    XCLOUD_TUNNELS_ONDEMAND;
			add_u8(n, type, v);
			break;
		case IFLA_XCLOUD_IDLE_TIMEOUT:
			add_u32(n, type, get_num(*argv, 1,
						 XCLOUD_MAX_IDLE_TIMEOUT,
						 "invalid idle-timeout"));
			break;
		case IFLA_XCLOUD_INGRESS:
			v = strcmp(*argv, "none") ? ll_name_to_index(*argv) : 0;
			if (!v && strcmp(*argv, "none"))
				invarg("no such ingress device", *argv);
			add_u32(n, type, v);
			break;
		case IFLA_XCLOUD_SOURCE_CHECK:
			add_u8(n, type, keyword(*argv, off_on, 2,
						"source-check is on or off"));
			break;
		case IFLA_XCLOUD_GATEWAYS:
			add_gateways(n, *argv);
			break;
		case IFLA_XCLOUD_PROBE_INTERVAL:
			v = get_num(*argv, 0, XCLOUD_MAX_PROBE_INTERVAL,
				    "invalid probe-interval");
			if (v && v < XCLOUD_MIN_PROBE_INTERVAL)
				invarg("invalid probe-interval", *argv);
			add_u32(n, type, v);
			break;
		case IFLA_XCLOUD_PROBE_MULTIPLIER:
			add_u8(n, type, get_num(*argv, 1, 255,
						"invalid probe-multiplier"));
			break;
		default: /* the per-device limits */
			add_u32(n, type, get_num(*argv, 1, XCLOUD_LIMIT_MAX,
						 "invalid limit"));
			break;
		}
	}
	return 0;
}

static uint32_t get_u32(const struct rtattr *a)
{
	uint32_t v;

	memcpy(&v, RTA_DATA(a), sizeof(v));
	return v;
}

static uint8_t get_u8(const struct rtattr *a)
{
	return *(const uint8_t *)RTA_DATA(a);
}

/* A 4- or 16-byte address attribute as text; NULL if neither. */
static const char *addr_str(const struct rtattr *a, char *buf, size_t len)
{
	switch (RTA_PAYLOAD(a)) {
	case 4:
		return inet_ntop(AF_INET, RTA_DATA(a), buf, len);
	case 16:
		return inet_ntop(AF_INET6, RTA_DATA(a), buf, len);
	}
	return NULL;
}

static const char *name_of(const char *const *names, unsigned int count,
			   unsigned int v)
{
	return v < count && names[v] ? names[v] : "unknown";
}

static void print_gateways(const struct rtattr *nest)
{
	char buf[INET6_ADDRSTRLEN];
	const struct rtattr *a;
	int rem = RTA_PAYLOAD(nest);
	const char *s;
	bool first = true;

	open_json_array(PRINT_JSON, "gateways");
	for (a = RTA_DATA(nest); RTA_OK(a, rem); a = RTA_NEXT(a, rem)) {
		if (a->rta_type != IFLA_XCLOUD_GATEWAY ||
		    !(s = addr_str(a, buf, sizeof(buf))))
			continue;
		print_color_string(PRINT_JSON, COLOR_NONE, NULL, NULL, s);
		print_color_string(PRINT_FP, COLOR_NONE, NULL,
				   first ? "gateways %s" : ",%s", s);
		first = false;
	}
	close_json_array(PRINT_JSON, NULL);
	if (!first)
		print_color_string(PRINT_FP, COLOR_NONE, NULL, "%s", " ");
}

static void print_limit(struct rtattr *tb[], int type, const char *key,
			const char *fmt)
{
	if (tb[type] && RTA_PAYLOAD(tb[type]) == sizeof(uint32_t))
		print_color_uint(PRINT_ANY, COLOR_NONE, key, fmt,
				 get_u32(tb[type]));
}

static void xcloud_print_opt(struct link_util *lu, FILE *f,
			     struct rtattr *tb[])
{
	char buf[INET6_ADDRSTRLEN];
	const char *s;
	uint16_t port;

	(void)lu, (void)f;
	if (!tb)
		return;
	print_limit(tb, IFLA_XCLOUD_VNI, "vni", "vni %u ");
	if (tb[IFLA_XCLOUD_PORT] && RTA_PAYLOAD(tb[IFLA_XCLOUD_PORT]) == 2) {
		memcpy(&port, RTA_DATA(tb[IFLA_XCLOUD_PORT]), sizeof(port));
		print_color_uint(PRINT_ANY, COLOR_NONE, "port", "port %u ",
				 ntohs(port));
	}
	if (tb[IFLA_XCLOUD_LOCAL] &&
	    (s = addr_str(tb[IFLA_XCLOUD_LOCAL], buf, sizeof(buf))))
		print_color_string(PRINT_ANY, COLOR_INET, "local", "local %s ",
				   s);
	else if (tb[IFLA_XCLOUD_LOCAL6] &&
		 (s = addr_str(tb[IFLA_XCLOUD_LOCAL6], buf, sizeof(buf))))
		print_color_string(PRINT_ANY, COLOR_INET6, "local",
				   "local %s ", s);
	if (tb[IFLA_XCLOUD_MODE])
		print_color_string(PRINT_ANY, COLOR_NONE, "mode", "mode %s ",
				   name_of(mode_names, XCLOUD_MODE_MAX + 1,
					   get_u8(tb[IFLA_XCLOUD_MODE])));
	if (tb[IFLA_XCLOUD_TUNNELS])
		print_color_string(PRINT_ANY, COLOR_NONE, "tunnels",
				   "tunnels %s ",
				   name_of(tunnels_names,
					   XCLOUD_TUNNELS_MAX + 1,
					   get_u8(tb[IFLA_XCLOUD_TUNNELS])));
	print_limit(tb, IFLA_XCLOUD_IDLE_TIMEOUT, "idle_timeout",
		    "idle-timeout %u ");
	if (tb[IFLA_XCLOUD_SOURCE_CHECK])
		print_color_on_off(PRINT_ANY, COLOR_NONE, "source_check",
				   "source-check %s ",
				   get_u8(tb[IFLA_XCLOUD_SOURCE_CHECK]));
	if (tb[IFLA_XCLOUD_GATEWAYS])
		print_gateways(tb[IFLA_XCLOUD_GATEWAYS]);
	print_limit(tb, IFLA_XCLOUD_MAX_ROUTES, "max_routes", "max-routes %u ");
	print_limit(tb, IFLA_XCLOUD_MAX_TUNNELS, "max_tunnels",
		    "max-tunnels %u ");
	print_limit(tb, IFLA_XCLOUD_MAX_ALLOWED, "max_allowed",
		    "max-allowed %u ");
	/* an ingress device elsewhere has no name here: its index then */
	if (tb[IFLA_XCLOUD_INGRESS] && get_u32(tb[IFLA_XCLOUD_INGRESS]))
		print_color_string(PRINT_ANY, COLOR_IFNAME, "ingress",
				   "ingress %s ",
				   ll_index_to_name(get_u32(tb[IFLA_XCLOUD_INGRESS])));
	print_limit(tb, IFLA_XCLOUD_PROBE_INTERVAL, "probe_interval",
		    "probe-interval %u ");
	if (tb[IFLA_XCLOUD_PROBE_MULTIPLIER])
		print_color_uint(PRINT_ANY, COLOR_NONE, "probe_multiplier",
				 "probe-multiplier %u ",
				 get_u8(tb[IFLA_XCLOUD_PROBE_MULTIPLIER]));
}

static void xcloud_print_help(struct link_util *lu, int argc, char **argv,
			      FILE *f)
{
	(void)lu, (void)argc, (void)argv;
	print_explain(f);
}

struct link_util xcloud_link_util = {
	.id = "xcloud",
	.maxattr = IFLA_XCLOUD_MAX,
	.parse_opt = xcloud_parse_opt,
	.print_opt = xcloud_print_opt,
	.print_help = xcloud_print_help,
};
