// SPDX-License-Identifier: GPL-2.0
/*
 * EIP records as the store holds them (docs/eip-bgp.md, "Store"):
 *   <prefix>/eip/pools/<name>  {"prefix":"203.0.113.0/24"}
 *   <prefix>/eip/addrs/<eip>   {"router":"vr2","node":"10.2.0.12",
 *                               "private":"10.200.0.5"}
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "eip.h"

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int eip_pool_from_json(const char *json, struct xc_prefix *p)
{
	struct json_object *o = json_tokener_parse(json);
	const char *s;
	int err = -EINVAL;

	if (!o)
		return -EINVAL;
	s = get_str(o, "prefix");
	if (s)
		err = eip_prefix_parse(s, p);
	json_object_put(o);
	return err;
}

int eip_record_from_json(const char *eip, const char *json,
			 struct eip_record *r, char *router, size_t rlen)
{
	struct json_object *o;
	const char *rt, *node, *priv;
	int err = -EINVAL;

	memset(r, 0, sizeof(*r));
	if (eip_addr_parse(eip, &r->eip))
		return -EINVAL;
	o = json_tokener_parse(json);
	if (!o)
		return -EINVAL;
	rt = get_str(o, "router");
	node = get_str(o, "node");
	priv = get_str(o, "private");
	if (!rt || !node || !priv || eip_addr_parse(node, &r->router_node) ||
	    eip_addr_parse(priv, &r->private_addr) ||
	    r->private_addr.family != r->eip.family)
		goto out;
	if (router && snprintf(router, rlen, "%s", rt) >= (int)rlen)
		goto out;
	err = 0;
out:
	json_object_put(o);
	return err;
}
