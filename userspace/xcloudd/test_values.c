// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the addresses read from the store's values (values.c):
 * what the store fuzzer (tests/selftests/fuzz_store.sh) found taken as a
 * binding's underlay, a gateway record or a remote entry's gateways --
 * the unspecified, multicast and broadcast addresses -- is refused, and
 * a good value still read. TAP.
 */
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "agent.h"

static int n, failed;

static void ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
	if (!cond)
		failed++;
}

static const char *unicast(const char *json)
{
	struct json_object *v = json_tokener_parse(json);
	struct xc_addr a;
	const char *why = xd_unicast_parse(v, &a);

	json_object_put(v);
	return why;
}

static const char *gateways(const char *json, unsigned int *cnt,
			    struct xc_addr *out)
{
	struct json_object *v = json_tokener_parse(json);
	const char *why = xd_gateways_parse(v, out, XCLOUD_MAX_NEXTHOPS, cnt);

	json_object_put(v);
	return why;
}

int main(void)
{
	static const char *const bad[] = {
		"\"0.0.0.0\"", "\"255.255.255.255\"", "\"224.0.0.1\"",
		"\"239.1.2.3\"", "\"240.0.0.1\"", "\"::\"", "\"ff02::1\"",
		"\"10.0.0.1/24\"", "\"fe80::1%eth0\"", "\"\"", "null", "7",
		"[\"10.255.0.1\"]",
	};
	struct xc_addr gw[XCLOUD_MAX_NEXTHOPS];
	char buf[64], what[96];
	unsigned int cnt;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(what, sizeof(what), "underlay %s refused", bad[i]);
		ok(unicast(bad[i]) != NULL, what);
	}
	ok(!unicast("\"10.255.0.1\"") && !unicast("\"fd00::1\"") &&
	   !unicast("\"1.0.0.1\"") && !unicast("\"223.255.255.254\""),
	   "unicast IPv4 and IPv6 underlays taken");
	ok(!strcmp(unicast("\"224.0.0.1\""), "not a unicast address"),
	   "... and the reason says why");

	ok(!gateways("[\"10.255.0.3\", \"10.255.0.2\"]", &cnt, gw) &&
	   cnt == 2 &&
	   !strcmp(xc_addr_str(&gw[0], buf, sizeof(buf)), "10.255.0.2"),
	   "two gateways taken, sorted");
	ok(gateways("[\"10.255.0.1\", \"0.0.0.0\"]", &cnt, gw) != NULL,
	   "a list with the unspecified address among good ones refused");
	ok(gateways("[\"255.255.255.255\", \"::\"]", &cnt, gw) != NULL,
	   "a list of broadcast and unspecified refused");
	ok(gateways("[\"10.255.0.1\", \"10.255.0.1\"]", &cnt, gw) != NULL,
	   "a gateway listed twice refused");
	ok(gateways("[]", &cnt, gw) && !cnt, "an empty list refused");
	ok(gateways("[\"10.255.0.1\", \"10.255.0.2\", \"10.255.0.3\", \"10.255.0.4\", \"10.255.0.5\", \"10.255.0.6\", \"10.255.0.7\", \"10.255.0.8\", \"10.255.0.9\"]",
		    &cnt, gw) != NULL,
	   "nine gateways refused, not cut to eight");
	ok(gateways("\"10.255.0.1\"", &cnt, gw) != NULL &&
	   gateways("[\"10.255.0.1\", null]", &cnt, gw) != NULL,
	   "a string, or a null member, refused");
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
