// SPDX-License-Identifier: GPL-2.0
/* Argument parsing of xcloudctl; see parse.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int kw_lookup(const char *arg, const struct keyword *kw, size_t n)
{
	size_t len = strlen(arg);
	int found = KW_UNKNOWN;

	if (!len)
		return KW_UNKNOWN;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(arg, kw[i].name))
			return kw[i].id;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(arg, kw[i].name, len))
			continue;
		if (found >= 0 && found != kw[i].id)
			return KW_AMBIGUOUS;
		found = kw[i].id;
	}
	return found;
}

int parse_addr(const char *s, struct xc_addr *a)
{
	return xc_addr_parse(s, a) ? -1 : 0;
}

int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_prefix(const char *s, struct xc_prefix *p)
{
	return xc_prefix_parse(s, p) ? -1 : 0;
}

enum { RK_TYPE, RK_VIA, RK_DEV, RK_NHID };

static const struct keyword route_kw[] = {
	{ "type", RK_TYPE }, { "via", RK_VIA }, { "dev", RK_DEV },
	{ "nhid", RK_NHID },
};

static const struct keyword route_type_kw[] = {
	{ "gateway", XCLOUD_ROUTE_GATEWAY }, { "node", XCLOUD_ROUTE_NODE },
	{ "eip", XCLOUD_ROUTE_EIP },
};

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int parse_route_args(int argc, char **argv, unsigned int need,
		     struct xc_route *r, char *dev, size_t devlen,
		     char *err, size_t errlen)
{
	int i, k, t;

	memset(r, 0, sizeof(*r));
	dev[0] = '\0';
	if (argc < 1)
		return ERR("a prefix is required");
	if (need & ROUTE_NEED_ADDR) {
		if (parse_addr(argv[0], &r->dst.addr))
			return ERR("bad address \"%s\"", argv[0]);
		r->dst.len = xc_addr_len(&r->dst.addr) * 8;
	} else if (parse_prefix(argv[0], &r->dst)) {
		return ERR("bad prefix \"%s\"", argv[0]);
	}
	for (i = 1; i < argc; i++) {
		k = kw_lookup(argv[i], route_kw, ARRAY_SIZE(route_kw));
		if (k < 0)
			return ERR("%s argument \"%s\"",
				   k == KW_AMBIGUOUS ? "ambiguous" : "unknown",
				   argv[i]);
		if (++i == argc)
			return ERR("\"%s\" needs a value", argv[i - 1]);
		switch (k) {
		case RK_TYPE:
			t = kw_lookup(argv[i], route_type_kw,
				      ARRAY_SIZE(route_type_kw));
			if (t < 0)
				return ERR("unknown route type \"%s\"", argv[i]);
			r->type = t;
			break;
		case RK_VIA:
			if (r->n_nexthops == XCLOUD_MAX_NEXTHOPS)
				return ERR("at most %d next hops",
					   XCLOUD_MAX_NEXTHOPS);
			if (parse_addr(argv[i], &r->nexthops[r->n_nexthops]))
				return ERR("bad address \"%s\"", argv[i]);
			r->n_nexthops++;
			break;
		case RK_DEV:
			if (strlen(argv[i]) >= devlen || !*argv[i])
				return ERR("bad device name \"%s\"", argv[i]);
			strcpy(dev, argv[i]);
			break;
		case RK_NHID:
			if (parse_u32(argv[i], 1, UINT32_MAX, &r->nhid))
				return ERR("bad next-hop group id \"%s\"",
					   argv[i]);
			break;
		}
	}
	if (r->nhid && r->n_nexthops)
		return ERR("a route names a group (nhid) or next hops (via), not both");
	if ((need & ROUTE_NEED_NEXTHOP) && !r->n_nexthops && !r->nhid)
		return ERR("a next hop (via ADDR) or group (nhid ID) is required");
	/*
	 * The kernel wants a type; most routes are VM -> compute node. A
	 * route naming a group has the group's.
	 */
	if ((need & ROUTE_NEED_NEXTHOP) && !r->type && !r->nhid)
		r->type = XCLOUD_ROUTE_NODE;
	if (!dev[0] && !(need & ROUTE_DEV_OPTIONAL))
		return ERR("a device (dev DEV) is required");
	return 0;
}

enum { NK_ID, NK_TYPE, NK_VIA, NK_DEV };

static const struct keyword nhgroup_kw[] = {
	{ "id", NK_ID }, { "type", NK_TYPE }, { "via", NK_VIA },
	{ "dev", NK_DEV },
};

int parse_nhgroup_args(int argc, char **argv, unsigned int need,
		       struct xc_nhgroup *g, char *dev, size_t devlen,
		       char *err, size_t errlen)
{
	int i, k, t;

	memset(g, 0, sizeof(*g));
	dev[0] = '\0';
	for (i = 0; i < argc; i++) {
		k = kw_lookup(argv[i], nhgroup_kw, ARRAY_SIZE(nhgroup_kw));
		if (k < 0)
			return ERR("%s argument \"%s\"",
				   k == KW_AMBIGUOUS ? "ambiguous" : "unknown",
				   argv[i]);
		if (++i == argc)
			return ERR("\"%s\" needs a value", argv[i - 1]);
		switch (k) {
		case NK_ID:
			if (parse_u32(argv[i], 1, UINT32_MAX, &g->id))
				return ERR("bad next-hop group id \"%s\"",
					   argv[i]);
			break;
		case NK_TYPE:
			t = kw_lookup(argv[i], route_type_kw,
				      ARRAY_SIZE(route_type_kw));
			if (t < 0)
				return ERR("unknown route type \"%s\"", argv[i]);
			g->type = t;
			break;
		case NK_VIA:
			if (g->n_members == XCLOUD_MAX_NEXTHOPS)
				return ERR("at most %d members",
					   XCLOUD_MAX_NEXTHOPS);
			if (parse_addr(argv[i], &g->members[g->n_members]))
				return ERR("bad address \"%s\"", argv[i]);
			g->n_members++;
			break;
		case NK_DEV:
			if (strlen(argv[i]) >= devlen || !*argv[i])
				return ERR("bad device name \"%s\"", argv[i]);
			strcpy(dev, argv[i]);
			break;
		}
	}
	if ((need & NHGROUP_NEED_ID) && !g->id)
		return ERR("a group id (id ID) is required");
	if ((need & NHGROUP_NEED_MEMBER) && !g->n_members)
		return ERR("a member (via ADDR) is required");
	if (!(need & NHGROUP_NEED_MEMBER) && (g->n_members || g->type))
		return ERR("\"via\" and \"type\" are for add and replace");
	if ((need & NHGROUP_NEED_DEV) && !dev[0])
		return ERR("a device (dev DEV) is required");
	return 0;
}

/* Not isspace(): no locale lookups on a million-line batch. */
static inline bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int split_line(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			break;
		if (argc == max)
			return -1;
		if (*p == '"') {
			argv[argc++] = ++p;
			p = strchr(p, '"');
			if (!p)
				return -1;
		} else {
			argv[argc++] = p;
			while (*p && !is_blank(*p))
				p++;
			if (!*p)
				break;
		}
		*p++ = '\0';
	}
	return argc;
}
