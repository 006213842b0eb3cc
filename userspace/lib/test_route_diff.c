// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the route sync's diff (route_diff.c): wanted routes
 * against a dump, as the operations a sync sends, and what the filter
 * leaves alone. TAP.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tap.h"

#define NODE_GW ((1U << XCLOUD_ROUTE_NODE) | (1U << XCLOUD_ROUTE_GATEWAY))
#define MAX_ROUTES 8

/*
 * Routes from "DST TYPE [NEXTHOP]...; ...": TYPE node, gateway or eip,
 * or "-" (none); a next hop "nhid=ID" names a group instead.
 */
static size_t routes(const char *spec, struct xc_route *r)
{
	static const char *const types[] = {
		[XCLOUD_ROUTE_GATEWAY] = "gateway",
		[XCLOUD_ROUTE_NODE] = "node", [XCLOUD_ROUTE_EIP] = "eip",
	};
	char buf[512], *route, *save;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (route = strtok_r(buf, ";", &save); route && n < MAX_ROUTES;
	     route = strtok_r(NULL, ";", &save), n++) {
		char *w, *save2;

		memset(&r[n], 0, sizeof(r[n]));
		xc_prefix_parse(strtok_r(route, " ", &save2), &r[n].dst);
		w = strtok_r(NULL, " ", &save2);
		for (uint8_t t = 1; w && t <= XCLOUD_ROUTE_MAX; t++)
			if (!strcmp(w, types[t]))
				r[n].type = t;
		while ((w = strtok_r(NULL, " ", &save2))) {
			struct xc_addr *nh = &r[n].nexthops[r[n].n_nexthops];

			if (!strncmp(w, "nhid=", 5))
				r[n].nhid = (uint32_t)atoi(w + 5);
			else if (!xc_addr_parse(w, nh))
				r[n].n_nexthops++;
		}
	}
	return n;
}

/* The diff's ops as "ACTwWANTcCUR ..." (act +, ~, -, = or k), or its error. */
static const char *diff(const char *want_spec, const char *cur_spec,
			const struct xc_route_filter *f)
{
	static const char act[XC_SYNC_ACTS] = {
		[XC_SYNC_SAME] = '=', [XC_SYNC_ADD] = '+',
		[XC_SYNC_REPLACE] = '~', [XC_SYNC_DEL] = '-',
		[XC_SYNC_KEEP] = 'k',
	};
	static char buf[256];
	struct xc_route want[MAX_ROUTES], cur[MAX_ROUTES];
	size_t nw = routes(want_spec, want), nc = routes(cur_spec, cur);
	struct xc_sync_op *ops;
	size_t nops, bad, off = 0;
	int err = xc_route_diff(want, nw, cur, nc, f, &ops, &nops, &bad);

	buf[0] = '\0';
	if (err) {
		snprintf(buf, sizeof(buf), "error %d at %zu", err, bad);
		return buf;
	}
	for (size_t i = 0; i < nops && off < sizeof(buf); i++) {
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%c",
					i ? " " : "", act[ops[i].act]);
		if (ops[i].want != SIZE_MAX && off < sizeof(buf))
			off += (size_t)snprintf(buf + off, sizeof(buf) - off,
						"w%zu", ops[i].want);
		if (ops[i].cur != SIZE_MAX && off < sizeof(buf))
			off += (size_t)snprintf(buf + off, sizeof(buf) - off,
						"c%zu", ops[i].cur);
	}
	free(ops);
	return buf;
}

static void is(const char *got, const char *want, const char *what)
{
	ok(!strcmp(got, want), what);
	if (strcmp(got, want))
		printf("#   got:  %s\n#   want: %s\n", got, want);
}

static bool keep_10_0_0_9(const struct xc_route *r, void *arg)
{
	struct xc_addr a;

	(void)arg;
	xc_addr_parse("10.0.0.9", &a);
	return !memcmp(&r->dst.addr, &a, sizeof(a));
}

int main(void)
{
	const struct xc_route_filter all = { .types = NODE_GW };
	const struct xc_route_filter host = { .types = NODE_GW,
					      .host_only = true };
	const struct xc_route_filter keep = { .types = NODE_GW,
					      .keep = keep_10_0_0_9 };
	const char *n1 = "10.0.0.1 node 192.0.2.1";
	const char *mixed = "10.0.0.0/24 node 192.0.2.1; 10.0.0.1 eip 192.0.2.1;"
			    "2001:db8::/64 gateway 192.0.2.1;"
			    "10.0.0.2 gateway 192.0.2.1";

	printf("TAP version 13\n");
	is(diff("", "", &all), "", "nothing wanted, nothing there: no ops");
	is(diff(n1, "", &all), "+w0", "wanted, not there: added");
	is(diff("", n1, &all), "-c0", "there, not wanted: deleted");
	is(diff(n1, n1, &all), "=w0c0", "wanted as it is: unchanged");

	is(diff("10.0.0.1 gateway 192.0.2.1 192.0.2.2",
		"10.0.0.1 gateway 192.0.2.2 192.0.2.1", &all), "=w0c0",
	   "next hops in another order: unchanged (a set)");
	is(diff("10.0.0.1 gateway 192.0.2.1 192.0.2.2",
		"10.0.0.1 gateway 192.0.2.2 192.0.2.3", &all), "~w0c0",
	   "another next hop: replaced");
	is(diff("10.0.0.1 gateway 192.0.2.1 192.0.2.2",
		"10.0.0.1 gateway 192.0.2.1", &all), "~w0c0",
	   "a next hop fewer: replaced");
	is(diff("10.0.0.1 gateway 192.0.2.1", "10.0.0.1 node 192.0.2.1", &all),
	   "~w0c0", "another type: replaced");

	is(diff("10.0.0.1 - nhid=7", "10.0.0.1 gateway nhid=7", &all), "=w0c0",
	   "a group's route without a type takes the group's: unchanged");
	is(diff("10.0.0.1 - nhid=7", "10.0.0.1 gateway nhid=8", &all), "~w0c0",
	   "another group: replaced");
	is(diff("10.0.0.1 - nhid=7", "10.0.0.1 gateway 192.0.2.1", &all),
	   "~w0c0", "next hops instead of the group: replaced");

	is(diff("10.0.0.0/24 node 192.0.2.1", "10.0.0.0/25 node 192.0.2.1",
		&all), "-c0 +w0",
	   "the same address, another length: another route");
	is(diff("2001:db8::1 node 2001:db8:1::1", n1, &all), "-c0 +w0",
	   "IPv6 and IPv4 side by side");

	/* The order a sync sends them: room first, then the changes. */
	is(diff("10.0.0.4 node 192.0.2.1; 10.0.0.2 node 192.0.2.9;"
		"10.0.0.1 node 192.0.2.1; 10.0.0.3 node 192.0.2.1",
		"10.0.0.5 node 192.0.2.1; 10.0.0.2 node 192.0.2.1;"
		"10.0.0.1 node 192.0.2.1; 10.0.0.0 node 192.0.2.1", &all),
	   "-c3 -c0 ~w1c1 +w3 +w0 =w2c2",
	   "deletions, replacements, additions, unchanged; prefix order in each");

	/* What the filter leaves alone. */
	is(diff("", mixed, &host), "-c3",
	   "host routes only: prefix routes and other types stay");
	is(diff("", mixed, &all), "-c0 -c3 -c2",
	   "every length: all but the other type go");
	is(diff("", "10.0.0.9 node 192.0.2.1", &keep), "kc0",
	   "kept: not deleted");
	is(diff("10.0.0.9 node 192.0.2.7", "10.0.0.9 node 192.0.2.1", &keep),
	   "kc0", "kept: not replaced either");
	is(diff("10.0.0.9 node 192.0.2.7", "", &keep), "+w0",
	   "keep is about the kernel's routes: a missing one is added");

	/* Wanted routes it refuses, before anything is sent. */
	is(diff("10.0.0.1 node 192.0.2.1; 10.0.0.2 node 192.0.2.1;"
		"10.0.0.1 gateway 192.0.2.2; 10.0.0.2 node 192.0.2.1", "", &all),
	   "error -17 at 2", "a prefix twice: -EEXIST at the first repetition");
	is(diff("10.0.0.1 node 192.0.2.1; 10.0.0.0/24 node 192.0.2.1", "",
		&host), "error -22 at 1",
	   "a prefix route where host routes are managed: -EINVAL");
	is(diff("10.0.0.1 node 192.0.2.1; 10.0.0.5 eip 192.0.2.1;"
		"10.0.0.1 node 192.0.2.1", "", &all), "error -22 at 1",
	   "another type: -EINVAL, the first bad one by index");
	return tap_done();
}
