// SPDX-License-Identifier: GPL-2.0
/* Address-in-prefix tests against a cloud's declarations. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "prefix.h"
#include "xcetcd.h"

struct addr {
	int family;
	unsigned char b[16];
};

static bool addr_parse(const char *s, struct addr *a)
{
	a->family = strchr(s, ':') ? AF_INET6 : AF_INET;
	return inet_pton(a->family, s, a->b) == 1;
}

/* "a/len"; the host bits need not be zero. */
static bool prefix_has(const char *p, const struct addr *a)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	struct addr net;
	long len;

	if (snprintf(buf, sizeof(buf), "%s", p) >= (int)sizeof(buf))
		return false;
	slash = strchr(buf, '/');
	if (!slash)
		return false;
	*slash = '\0';
	len = strtol(slash + 1, &end, 10);
	if (*end || slash[1] == '\0' || !addr_parse(buf, &net) ||
	    net.family != a->family ||
	    len < 0 || len > (net.family == AF_INET ? 32 : 128))
		return false;
	if (memcmp(net.b, a->b, len / 8))
		return false;
	if (len % 8) {
		unsigned char m = 0xff << (8 - len % 8);

		return (net.b[len / 8] & m) == (a->b[len / 8] & m);
	}
	return true;
}

bool prefix_decl_has(const char *decl, const char *addr)
{
	struct json_object *o, *arr;
	struct addr a;
	bool in = false;

	if (!decl || !addr_parse(addr, &a))
		return false;
	o = xe_json_object(decl, strlen(decl), NULL, 0);
	if (o && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, "prefixes", &arr) &&
	    json_object_is_type(arr, json_type_array))
		for (size_t i = 0; !in && i < json_object_array_length(arr); i++) {
			struct json_object *p = json_object_array_get_idx(arr, i);

			in = json_object_is_type(p, json_type_string) &&
			     prefix_has(json_object_get_string(p), &a);
		}
	json_object_put(o);
	return in;
}
