// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of xcloudctl's argument parsing and output (no kernel),
 * printing TAP. Run by `make -C userspace test`.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../output.h"
#include "../parse.h"
#include "tap.h"

static void is_str(const char *got, const char *want, const char *desc)
{
	ok(!strcmp(got, want), desc);
	if (strcmp(got, want))
		printf("#   got:  %s\n#   want: %s\n", got, want);
}

enum { K_ADD, K_DEL, K_SHOW, K_SET };
static const struct keyword kw[] = {
	{ "add", K_ADD }, { "del", K_DEL }, { "delete", K_DEL },
	{ "show", K_SHOW }, { "list", K_SHOW }, { "ls", K_SHOW },
	{ "set", K_SET },
};
#define NKW (sizeof(kw) / sizeof(kw[0]))

static void test_keywords(void)
{
	ok(kw_lookup("add", kw, NKW) == K_ADD, "keyword: exact");
	ok(kw_lookup("a", kw, NKW) == K_ADD, "keyword: unique prefix");
	ok(kw_lookup("d", kw, NKW) == K_DEL, "keyword: prefix of aliases");
	ok(kw_lookup("del", kw, NKW) == K_DEL, "keyword: exact beats longer alias");
	ok(kw_lookup("l", kw, NKW) == K_SHOW, "keyword: l -> list/ls");
	ok(kw_lookup("s", kw, NKW) == KW_AMBIGUOUS, "keyword: s is ambiguous (set/show)");
	ok(kw_lookup("sh", kw, NKW) == K_SHOW, "keyword: sh -> show");
	ok(kw_lookup("x", kw, NKW) == KW_UNKNOWN, "keyword: unknown");
	ok(kw_lookup("", kw, NKW) == KW_UNKNOWN, "keyword: empty is unknown");
	ok(kw_lookup("adds", kw, NKW) == KW_UNKNOWN, "keyword: longer than keyword");
}

static void test_addresses(void)
{
	struct xc_prefix p;
	struct xc_addr a;
	uint32_t v;

	ok(!parse_addr("192.0.2.1", &a) && a.family == AF_INET &&
	   a.v4.s_addr == htonl(0xc0000201), "addr: IPv4");
	ok(!parse_addr("2001:db8::1", &a) && a.family == AF_INET6,
	   "addr: IPv6");
	ok(parse_addr("192.0.2", &a), "addr: short IPv4 refused");
	ok(parse_addr("foo", &a), "addr: name refused");
	ok(parse_addr("192.0.2.1/32", &a), "addr: prefix is not an address");

	ok(!parse_prefix("10.0.0.0/8", &p) && p.len == 8 &&
	   p.addr.family == AF_INET, "prefix: 10.0.0.0/8");
	ok(!parse_prefix("10.1.2.3", &p) && p.len == 32, "prefix: bare IPv4 is /32");
	ok(!parse_prefix("2001:db8::/32", &p) && p.len == 32 &&
	   p.addr.family == AF_INET6, "prefix: 2001:db8::/32");
	ok(!parse_prefix("::1", &p) && p.len == 128, "prefix: bare IPv6 is /128");
	ok(!parse_prefix("0.0.0.0/0", &p) && p.len == 0, "prefix: default");
	ok(parse_prefix("10.0.0.1/8", &p), "prefix: host bits set refused");
	ok(parse_prefix("10.0.0.0/33", &p), "prefix: /33 refused");
	ok(parse_prefix("2001:db8::/129", &p), "prefix: /129 refused");
	ok(parse_prefix("10.0.0.0/", &p), "prefix: empty length refused");
	ok(parse_prefix("10.0.0.0/08", &p), "prefix: leading zero refused");
	ok(parse_prefix("10.0.0.0/-1", &p), "prefix: negative refused");
	ok(parse_prefix("10.0.0.0/8x", &p), "prefix: trailing junk refused");
	ok(parse_prefix("foo/8", &p), "prefix: bad address refused");

	ok(!parse_u32("16777215", 0, XCLOUD_VNI_MAX, &v) && v == 0xffffff,
	   "u32: max vni");
	ok(parse_u32("16777216", 0, XCLOUD_VNI_MAX, &v), "u32: vni too big");
	ok(parse_u32("-1", 0, 10, &v), "u32: negative refused");
	ok(parse_u32("", 0, 10, &v), "u32: empty refused");
	ok(parse_u32("99999999999999999999", 0, ~0u, &v), "u32: overflow refused");
}

/* Split a copy of @line and parse it as route arguments. */
static int route_line(const char *line, unsigned int need, struct xc_route *r,
		      char *dev, char *err)
{
	char buf[1024], *argv[64];
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = split_line(buf, argv, 64);
	return parse_route_args(argc, argv, need, r, dev, IF_NAMESIZE, err, 128);
}

static void test_routes(void)
{
	char dev[IF_NAMESIZE], err[128];
	struct xc_route r;

	ok(!route_line("10.0.0.1 type node via 192.0.2.1 dev xc0",
		       ROUTE_NEED_NEXTHOP, &r, dev, err) &&
	   r.type == XCLOUD_ROUTE_NODE && r.n_nexthops == 1 &&
	   r.dst.len == 32 && !strcmp(dev, "xc0"), "route: full add line");
	ok(!route_line("10.0.0.0/8 t g v 192.0.2.1 v 192.0.2.2 d xc0",
		       ROUTE_NEED_NEXTHOP, &r, dev, err) &&
	   r.type == XCLOUD_ROUTE_GATEWAY && r.n_nexthops == 2,
	   "route: abbreviated keywords and values");
	ok(!route_line("10.0.0.0/8 via 1.1.1.1 via 1.1.1.2 via 1.1.1.3 via 1.1.1.4 "
		       "via 1.1.1.5 via 1.1.1.6 via 1.1.1.7 via 1.1.1.8 dev x",
		       ROUTE_NEED_NEXTHOP, &r, dev, err) && r.n_nexthops == 8,
	   "route: 8 next hops accepted");
	ok(route_line("10.0.0.0/8 via 1.1.1.1 via 1.1.1.2 via 1.1.1.3 via 1.1.1.4 "
		      "via 1.1.1.5 via 1.1.1.6 via 1.1.1.7 via 1.1.1.8 "
		      "via 1.1.1.9 dev x", ROUTE_NEED_NEXTHOP, &r, dev, err) &&
	   strstr(err, "at most 8"), "route: 9 next hops refused");
	ok(route_line("10.0.0.1 via 192.0.2.1", ROUTE_NEED_NEXTHOP, &r, dev,
		      err) && strstr(err, "dev DEV"), "route: missing dev refused");
	ok(!route_line("10.0.0.1 via 192.0.2.1",
		       ROUTE_NEED_NEXTHOP | ROUTE_DEV_OPTIONAL, &r, dev, err) &&
	   !dev[0] && r.type == XCLOUD_ROUTE_NODE,
	   "route sync line: dev optional, empty when not given");
	ok(!route_line("10.0.0.0/24 type gateway nhid 7 dev xc0",
		       ROUTE_NEED_NEXTHOP | ROUTE_DEV_OPTIONAL, &r, dev, err) &&
	   !strcmp(dev, "xc0") && r.nhid == 7 && r.dst.len == 24,
	   "route sync line: route show's output reads back");
	ok(route_line("10.0.0.1 dev xc0", ROUTE_NEED_NEXTHOP, &r, dev, err) &&
	   strstr(err, "via"), "route: add without next hop refused");
	ok(!route_line("10.0.0.1 dev xc0", 0, &r, dev, err),
	   "route: del needs no next hop");
	ok(route_line("10.0.0.1 type bogus via 1.1.1.1 dev xc0",
		      ROUTE_NEED_NEXTHOP, &r, dev, err) &&
	   strstr(err, "unknown route type"), "route: unknown type refused");
	ok(route_line("10.0.0.1/8 via 1.1.1.1 dev xc0", ROUTE_NEED_NEXTHOP, &r,
		      dev, err) && strstr(err, "bad prefix"),
	   "route: bad prefix refused");
	ok(route_line("10.0.0.1 via 1.1.1 dev xc0", ROUTE_NEED_NEXTHOP, &r,
		      dev, err) && strstr(err, "bad address"),
	   "route: bad next hop refused");
	ok(route_line("10.0.0.1 via", ROUTE_NEED_NEXTHOP, &r, dev, err) &&
	   strstr(err, "needs a value"), "route: keyword without value");
	ok(route_line("10.0.0.1 foo 1 dev x", 0, &r, dev, err) &&
	   strstr(err, "unknown argument"), "route: unknown keyword");
	ok(route_line("10.0.0.0/8 dev x", ROUTE_NEED_ADDR, &r, dev, err) &&
	   strstr(err, "bad address"), "route get: prefix refused");
	ok(!route_line("2001:db8::5 dev x", ROUTE_NEED_ADDR, &r, dev, err) &&
	   r.dst.len == 128, "route get: IPv6 address");
	ok(route_line("10.0.0.1 via 1.1.1.1 dev abcdefghijklmnopq",
		      ROUTE_NEED_NEXTHOP, &r, dev, err) && strstr(err, "device"),
	   "route: device name too long");
}

static int nhgroup_line(const char *line, unsigned int need,
			struct xc_nhgroup *g, char *dev, char *err)
{
	char buf[1024], *argv[64];
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = split_line(buf, argv, 64);
	return parse_nhgroup_args(argc, argv, need, g, dev, IF_NAMESIZE, err,
				  128);
}

static void test_nhgroups(void)
{
	const unsigned int add = NHGROUP_NEED_ID | NHGROUP_NEED_MEMBER |
				 NHGROUP_NEED_DEV;
	char dev[IF_NAMESIZE], err[128];
	struct xc_nhgroup g;
	struct xc_route r;

	ok(!route_line("10.0.0.1 nhid 7 dev xc0", ROUTE_NEED_NEXTHOP, &r, dev,
		       err) && r.nhid == 7 && !r.type && !r.n_nexthops,
	   "route: nhid names a group, type left to it");
	ok(route_line("10.0.0.1 nhid 7 via 1.1.1.1 dev xc0",
		      ROUTE_NEED_NEXTHOP, &r, dev, err) && strstr(err, "not both"),
	   "route: nhid and via refused");
	ok(route_line("10.0.0.1 nhid 0 dev xc0", ROUTE_NEED_NEXTHOP, &r, dev,
		      err) && strstr(err, "bad next-hop group id"),
	   "route: nhid 0 refused");
	ok(!nhgroup_line("id 1 type node via 192.0.2.1 via 2001:db8::1 dev xc0",
			 add, &g, dev, err) && g.id == 1 &&
	   g.type == XCLOUD_ROUTE_NODE && g.n_members == 2 &&
	   !strcmp(dev, "xc0"), "nexthop: full add line");
	ok(!nhgroup_line("i 4294967295 v 192.0.2.1 d xc0", add, &g, dev, err) &&
	   g.id == 4294967295u && !g.type, "nexthop: abbreviated, largest id");
	ok(nhgroup_line("via 192.0.2.1 dev xc0", add, &g, dev, err) &&
	   strstr(err, "id ID"), "nexthop: add without id refused");
	ok(nhgroup_line("id 1 dev xc0", add, &g, dev, err) &&
	   strstr(err, "via ADDR"), "nexthop: add without member refused");
	ok(nhgroup_line("id 1 via 192.0.2.1 dev xc0",
			NHGROUP_NEED_ID | NHGROUP_NEED_DEV, &g, dev, err) &&
	   strstr(err, "for add and replace"), "nexthop: del with via refused");
	ok(!nhgroup_line("", 0, &g, dev, err) && !dev[0],
	   "nexthop: show needs nothing");
	ok(nhgroup_line("id 1 via 1.1.1.1 via 1.1.1.2 via 1.1.1.3 via 1.1.1.4 "
			"via 1.1.1.5 via 1.1.1.6 via 1.1.1.7 via 1.1.1.8 "
			"via 1.1.1.9 dev x", add, &g, dev, err) &&
	   strstr(err, "at most 8"), "nexthop: 9 members refused");
}

static void test_split(void)
{
	char buf[256], *argv[8];
	int argc;

	strcpy(buf, "  route add\t10.0.0.1 via 1.1.1.1 dev xc0\n");
	argc = split_line(buf, argv, 8);
	ok(argc == 7 && !strcmp(argv[0], "route") && !strcmp(argv[6], "xc0"),
	   "split: blanks and newline");
	strcpy(buf, "link show # a comment");
	ok(split_line(buf, argv, 8) == 2, "split: comment ignored");
	strcpy(buf, "# only a comment");
	ok(split_line(buf, argv, 8) == 0, "split: comment line is empty");
	strcpy(buf, "\n");
	ok(split_line(buf, argv, 8) == 0, "split: blank line is empty");
	strcpy(buf, "link add \"x y\" vni 1");
	argc = split_line(buf, argv, 8);
	ok(argc == 5 && !strcmp(argv[2], "x y"), "split: quotes group");
	strcpy(buf, "link add \"x y vni 1");
	ok(split_line(buf, argv, 8) < 0, "split: unterminated quote");
	strcpy(buf, "a b c d e f g h i");
	ok(split_line(buf, argv, 8) < 0, "split: too many words");
}

static const char *plain(json_object *o)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "%s", json_object_to_json_string_ext(o,
		 JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return buf;
}

static void test_output(void)
{
	struct xc_route r = { .type = XCLOUD_ROUTE_NODE, .n_nexthops = 2 };
	struct xc_link l = { .name = "xc0", .ifindex = 5 };
	struct xc_stats s = { 0 };
	struct xc_event ev = { .cmd = XCLOUD_CMD_MISS, .ifindex = 5 };
	struct xc_tunnel t = { .flags = XCLOUD_TUNNEL_F_STATIC, .route_refs = 2,
			       .tx_packets = 3, .age_ms = 10 };
	char buf[512], *mem;
	size_t len;

	parse_prefix("10.0.0.1", &r.dst);
	parse_addr("192.0.2.1", &r.nexthops[0]);
	parse_addr("2001:db8::1", &r.nexthops[1]);
	is_str(plain(route_json(&r, "xc0")),
	       "{\"dst\":\"10.0.0.1\",\"type\":\"node\",\"via\":[\"192.0.2.1\",\"2001:db8::1\"],\"dev\":\"xc0\"}",
	       "json: host route");
	is_str(route_str(&r, "xc0", buf, sizeof(buf)),
	       "10.0.0.1 type node via 192.0.2.1 via 2001:db8::1 dev xc0",
	       "text: host route (re-parsable)");
	parse_prefix("10.0.0.0/8", &r.dst);
	r.type = 0;
	r.n_nexthops = 0;
	is_str(plain(route_json(&r, NULL)), "{\"dst\":\"10.0.0.0/8\",\"via\":[]}",
	       "json: prefix, no type, no dev");
	r.type = XCLOUD_ROUTE_GATEWAY;
	r.nhid = 3;
	is_str(plain(route_json(&r, "xc0")),
	       "{\"dst\":\"10.0.0.0/8\",\"type\":\"gateway\",\"via\":[],\"nhid\":3,\"dev\":\"xc0\"}",
	       "json: route naming a group");
	is_str(route_str(&r, "xc0", buf, sizeof(buf)),
	       "10.0.0.0/8 type gateway nhid 3 dev xc0",
	       "text: route naming a group (re-parsable)");
	{
		struct xc_nhgroup g = { .id = 3, .type = XCLOUD_ROUTE_GATEWAY,
					.n_members = 2, .routes = 1000 };

		parse_addr("192.0.2.1", &g.members[0]);
		parse_addr("192.0.2.2", &g.members[1]);
		is_str(plain(nhgroup_json(&g, "xc0")),
		       "{\"id\":3,\"type\":\"gateway\",\"via\":[\"192.0.2.1\",\"192.0.2.2\"],\"routes\":1000,\"dev\":\"xc0\"}",
		       "json: next-hop group");
		is_str(nhgroup_str(&g, "xc0", buf, sizeof(buf)),
		       "id 3 type gateway via 192.0.2.1 via 192.0.2.2 dev xc0 routes 1000",
		       "text: next-hop group");
	}

	l.mask = XC_LINK_VNI | XC_LINK_PORT | XC_LINK_LOCAL | XC_LINK_MODE |
		 XC_LINK_TUNNELS | XC_LINK_IDLE_TIMEOUT | XC_LINK_ROUTE_COUNT;
	l.vni = 100;
	l.port = 6081;
	parse_addr("10.0.0.1", &l.local);
	l.mode = XCLOUD_MODE_GATEWAY;
	l.tunnels = XCLOUD_TUNNELS_EAGER;
	l.idle_timeout = 300;
	l.route_count = 7;
	is_str(plain(link_json(&l)),
	       "{\"ifindex\":5,\"ifname\":\"xc0\",\"vni\":100,\"port\":6081,\"local\":\"10.0.0.1\",\"mode\":\"gateway\",\"tunnels\":\"eager\",\"idle_timeout\":300,\"route_count\":7}",
	       "json: link");
	l.mask = XC_LINK_VNI | XC_LINK_SOURCE_CHECK | XC_LINK_GATEWAYS;
	l.source_check = 1;
	l.n_gateways = 2;
	parse_addr("10.255.0.1", &l.gateways[0]);
	parse_addr("fd00:ff::1", &l.gateways[1]);
	is_str(plain(link_json(&l)),
	       "{\"ifindex\":5,\"ifname\":\"xc0\",\"vni\":100,\"source_check\":true,\"gateways\":[\"10.255.0.1\",\"fd00:ff::1\"]}",
	       "json: link with source check and gateways");
	out.f = open_memstream(&mem, &len);
	link_print(&l);
	fclose(out.f);
	is_str(mem, "5: xc0: vni 100 source-check on gateways 10.255.0.1,fd00:ff::1\n",
	       "text: link with source check and gateways");
	free(mem);
	l.source_check = 0;
	l.n_gateways = 0;
	is_str(plain(link_json(&l)),
	       "{\"ifindex\":5,\"ifname\":\"xc0\",\"vni\":100,\"source_check\":false,\"gateways\":[]}",
	       "json: link, source check off, no gateways");
	out.f = open_memstream(&mem, &len);
	link_print(&l);
	fclose(out.f);
	is_str(mem, "5: xc0: vni 100 source-check off\n",
	       "text: link, source check off, no gateways");
	free(mem);

	s.v[XCLOUD_STATS_A_TX_PACKETS] = 1;
	s.v[XCLOUD_STATS_A_RX_SPOOFED] = 18446744073709551615ULL;
	s.present = 1ULL << XCLOUD_STATS_A_TX_PACKETS |
		    1ULL << XCLOUD_STATS_A_RX_SPOOFED;
	is_str(plain(stats_json(&s)),
	       "{\"tx_packets\":1,\"rx_spoofed\":18446744073709551615}",
	       "json: stats, only reported counters, full u64");

	parse_addr("10.9.9.9", &ev.dst);
	is_str(plain(event_json(&ev, "xc0")),
	       "{\"dst\":\"10.9.9.9\",\"event\":\"miss\",\"dev\":\"xc0\"}",
	       "json: miss event");
	is_str(event_str(&ev, "xc0", buf, sizeof(buf)), "miss 10.9.9.9 dev xc0",
	       "text: miss event");
	ev.cmd = XCLOUD_CMD_ROUTE_DEL;
	memset(&ev.route, 0, sizeof(ev.route));
	parse_prefix("10.0.0.0/24", &ev.route.dst);
	is_str(event_str(&ev, "xc0", buf, sizeof(buf)),
	       "route del 10.0.0.0/24 dev xc0", "text: route del event");

	parse_addr("192.0.2.7", &t.remote);
	is_str(plain(tunnel_json(&t, true)),
	       "{\"remote\":\"192.0.2.7\",\"kind\":\"static\",\"route_refs\":2,\"age_ms\":10,\"idle_ms\":0,\"state\":\"unprobed\",\"liveness\":{\"probes_sent\":0,\"probe_replies\":0,\"state_changes\":0},\"stats\":{\"tx_packets\":3,\"tx_bytes\":0,\"rx_packets\":0,\"rx_bytes\":0,\"tx_errors\":0}}",
	       "json: tunnel with -s");

	/* A probed next hop gone silent: its state and counters, the event. */
	t.state = XCLOUD_TUNNEL_STATE_DOWN;
	t.probes_sent = 30;
	t.probe_replies = 27;
	t.state_changes = 1;
	is_str(plain(tunnel_json(&t, false)),
	       "{\"remote\":\"192.0.2.7\",\"kind\":\"static\",\"route_refs\":2,\"age_ms\":10,\"idle_ms\":0,\"state\":\"down\",\"liveness\":{\"probes_sent\":30,\"probe_replies\":27,\"state_changes\":1}}",
	       "json: probed tunnel, down");
	ev.cmd = XCLOUD_CMD_TUNNEL_STATE;
	ev.tunnel = t;
	is_str(event_str(&ev, "xc0", buf, sizeof(buf)),
	       "tunnel state 192.0.2.7 dev xc0 down", "text: tunnel state event");

	/* A streamed list is one valid JSON document. */
	out.f = open_memstream(&mem, &len);
	out.json = true;
	out_list_begin();
	out_list_item(json_object_new_int(1));
	out_list_item(json_object_new_int(2));
	out_list_end();
	fclose(out.f);
	is_str(mem, "[1,2]\n", "json: streamed list");
	free(mem);
	out.f = open_memstream(&mem, &len);
	out_list_begin();
	out_list_end();
	fclose(out.f);
	is_str(mem, "[]\n", "json: empty list");
	free(mem);
}

int main(void)
{
	printf("TAP version 13\n");
	test_keywords();
	test_addresses();
	test_routes();
	test_nhgroups();
	test_split();
	test_output();
	return tap_done();
}
