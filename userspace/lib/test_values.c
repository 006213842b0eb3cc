// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the addresses in the store's values (values.c):
 * what the store fuzzer (tests/selftests/fuzz_store.sh) found taken as a
 * binding's underlay, a gateway record or a remote entry's gateways --
 * the unspecified, multicast and broadcast addresses -- is refused, and
 * a good value still read. TAP.
 */
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "values.h"
#include "tap.h"

static const char *unicast(const char *json)
{
	struct json_object *v = json_tokener_parse(json);
	struct xc_addr a;
	const char *why = xc_unicast_parse(v, &a);

	json_object_put(v);
	return why;
}

static const char *gateways(const char *json, unsigned int *cnt,
			    struct xc_addr *out)
{
	struct json_object *v = json_tokener_parse(json);
	const char *why = xc_gateways_parse(v, out, XCLOUD_MAX_NEXTHOPS, cnt);

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
	{
		struct xc_addr many[12];
		struct json_object *arr = json_object_new_array();
		size_t kept, left;

		/* .11 down to .1, .5 twice: the first 8 by address kept */
		for (int i = 0; i < 12; i++) {
			snprintf(buf, sizeof(buf), "10.255.0.%d",
				 i == 11 ? 5 : 11 - i);
			xc_addr_parse(buf, &many[i]);
		}
		kept = xc_gateways_pick(many, 12, XCLOUD_MAX_NEXTHOPS, &left);
		ok(kept == XCLOUD_MAX_NEXTHOPS && left == 3 &&
		   !strcmp(xc_addr_str(&many[0], buf, sizeof(buf)), "10.255.0.1") &&
		   !strcmp(xc_addr_str(&many[7], buf, sizeof(buf)), "10.255.0.8"),
		   "eleven distinct gateways picked: the first eight by address, three left out");
		for (size_t i = 0; i < kept; i++)
			json_object_array_add(arr, json_object_new_string(
				xc_addr_str(&many[i], buf, sizeof(buf))));
		ok(!xc_gateways_parse(arr, gw, XCLOUD_MAX_NEXTHOPS, &cnt) &&
		   cnt == XCLOUD_MAX_NEXTHOPS,
		   "... and the readers' rule takes what was picked");
		json_object_put(arr);
		kept = xc_gateways_pick(many, 2, XCLOUD_MAX_NEXTHOPS, &left);
		ok(kept == 2 && !left, "two gateways picked whole (the control)");
	}
	return tap_done();
}
