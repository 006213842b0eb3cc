// SPDX-License-Identifier: GPL-2.0
/*
 * EIP records as the store holds them (docs/eip-bgp.md, "Store"):
 *   <prefix>/eip/pools/<name>  {"prefix":"203.0.113.0/24"}
 *   <prefix>/eip/addrs/<eip>   {"router":"vr2","node":"10.2.0.12",
 *                               "private":"10.200.0.5",
 *                               "standby":[{"router":"vr3",
 *                                           "node":"10.2.0.13"}]}
 *   ("standby" is optional)
 *
 * Anyone who can write the store writes these, so nothing is trusted: the
 * value's size, that it is one JSON object and nothing after it, every
 * field's type and length, and every address's range are checked, and a
 * value that fails says why (the agent logs the key and the reason and
 * skips it; the other values keep working). Fields not named here are
 * ignored.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "eip.h"
#include "xcetcd.h"

_Static_assert(EIP_ROUTER_MAX == XE_NAME_MAX, "a router name is a name of the store's");

static int why_fmt(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The reason into @why (if given); -EINVAL. */
static int why_fmt(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The whole of @json (@len bytes) as one JSON object, or NULL and why. */
static struct json_object *parse_object(const char *json, size_t len,
					char *why, size_t whylen)
{
	if (len > EIP_VALUE_MAX) {
		why_fmt(why, whylen, "value of %zu bytes, at most %d", len,
			EIP_VALUE_MAX);
		return NULL;
	}
	return xe_json_object(json, len, why, whylen);
}

/*
 * Field @key of @o: a string of 1..@max bytes without a NUL byte, or NULL
 * and why.
 */
static const char *get_str(struct json_object *o, const char *key, size_t max,
			   char *why, size_t whylen)
{
	struct json_object *v;
	const char *s;
	int n;

	if (!json_object_object_get_ex(o, key, &v)) {
		why_fmt(why, whylen, "no \"%s\"", key);
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		/* A JSON null is a NULL object: json-c names it "null". */
		why_fmt(why, whylen, "\"%s\" is %s, not a string", key,
			json_type_to_name(json_object_get_type(v)));
		return NULL;
	}
	s = json_object_get_string(v);
	n = json_object_get_string_len(v);
	if (!s || n <= 0) {
		why_fmt(why, whylen, "\"%s\" is empty", key);
		return NULL;
	}
	if ((size_t)n > max) {
		why_fmt(why, whylen, "\"%s\" has %d bytes, at most %zu", key, n,
			max);
		return NULL;
	}
	if (strlen(s) != (size_t)n) {
		why_fmt(why, whylen, "\"%s\" has a NUL byte", key);
		return NULL;
	}
	return s;
}

/* Field @key as a unicast address, or -EINVAL and why. */
static int get_addr(struct json_object *o, const char *key, struct xc_addr *a,
		    char *why, size_t whylen)
{
	const char *s = get_str(o, key, INET6_ADDRSTRLEN, why, whylen);
	const char *bad;
	char q[64];

	if (!s)
		return -EINVAL;
	if (xc_addr_parse(s, a)) {
		bird_quote(q, sizeof(q), s, strlen(s), 48);
		return why_fmt(why, whylen, "\"%s\" \"%s\" is not an IP address",
			       key, q);
	}
	bad = eip_addr_unusable(a);
	if (bad)
		return why_fmt(why, whylen, "\"%s\" %s is in %s", key, s, bad);
	return 0;
}

/* The address @s names is @p's (eip_prefix_parse() clears host bits,
 * which an operator's command may leave set and the store may not). */
static bool host_bits_clear(const char *s, const struct xc_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 5];
	struct xc_addr a;

	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(s, "/"), s);
	return !xc_addr_parse(buf, &a) && !memcmp(&a, &p->addr, sizeof(a));
}

int eip_pool_from_json(const char *json, size_t len, struct xc_prefix *p,
		       char *why, size_t whylen)
{
	struct json_object *o = parse_object(json, len, why, whylen);
	const char *s, *bad;
	char q[64], buf[INET6_ADDRSTRLEN + 5];
	int err = -EINVAL;

	memset(p, 0, sizeof(*p));
	if (!o)
		return -EINVAL;
	s = get_str(o, "prefix", INET6_ADDRSTRLEN + 4, why, whylen);
	if (!s)
		goto out;
	if (eip_prefix_parse(s, p) || !host_bits_clear(s, p)) {
		bird_quote(q, sizeof(q), s, strlen(s), 48);
		why_fmt(why, whylen, "\"prefix\" \"%s\" is not ADDRESS/LENGTH with host bits clear",
			q);
		goto out;
	}
	bad = eip_prefix_unusable(p);
	if (bad) {
		why_fmt(why, whylen, "\"prefix\" %s overlaps %s",
			eip_prefix_str(p, buf, sizeof(buf)), bad);
		goto out;
	}
	err = 0;
out:
	if (err)
		memset(p, 0, sizeof(*p));
	json_object_put(o);
	return err;
}

/* Field @key of @o as a router name (xe_name_ok), or NULL and why. */
static const char *get_name(struct json_object *o, const char *key,
			    char *why, size_t whylen)
{
	const char *s = get_str(o, key, EIP_ROUTER_MAX, why, whylen);
	char q[64];

	if (s && !xe_name_ok(s)) {
		bird_quote(q, sizeof(q), s, strlen(s), 48);
		why_fmt(why, whylen, "\"%s\" \"%s\" is not a name (letters, digits, '.', '-', '_')",
			key, q);
		return NULL;
	}
	return s;
}

/*
 * "standby" of @o, if any: at most EIP_STANDBY_MAX objects with a router
 * (not @own, none twice) and a node each; or -EINVAL and why (the field
 * named with its index: "standby[1].node").
 */
static int get_standby(struct json_object *o, const char *own,
		       struct eip_standby *sb, size_t *n, char *why,
		       size_t whylen)
{
	struct json_object *arr, *e;
	char sub[200];
	const char *rt;
	size_t i, k, len;

	*n = 0;
	if (!json_object_object_get_ex(o, "standby", &arr))
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return why_fmt(why, whylen, "\"standby\" is %s, not an array",
			       json_type_to_name(json_object_get_type(arr)));
	len = json_object_array_length(arr);
	if (len > EIP_STANDBY_MAX)
		return why_fmt(why, whylen, "\"standby\" has %zu routers, at most %d",
			       len, EIP_STANDBY_MAX);
	for (i = 0; i < len; i++) {
		e = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(e, json_type_object))
			return why_fmt(why, whylen, "\"standby\"[%zu] is %s, not an object",
				       i, json_type_to_name(json_object_get_type(e)));
		rt = get_name(e, "router", sub, sizeof(sub));
		if (!rt || get_addr(e, "node", &sb[i].node, sub, sizeof(sub)))
			return why_fmt(why, whylen, "\"standby\"[%zu]: %s", i,
				       sub);
		if (!strcmp(rt, own))
			return why_fmt(why, whylen, "\"standby\"[%zu] is the EIP's own router %s",
				       i, rt);
		for (k = 0; k < i; k++)
			if (!strcmp(sb[k].router, rt))
				return why_fmt(why, whylen, "\"standby\"[%zu] names router %s again",
					       i, rt);
		snprintf(sb[i].router, sizeof(sb[i].router), "%s", rt);
	}
	*n = len;
	return 0;
}

int eip_standby_from_json(const char *json, size_t len, char *router,
			  struct eip_standby *sb, size_t *n, char *why,
			  size_t whylen)
{
	struct json_object *o = parse_object(json, len, why, whylen);
	const char *rt;
	int err = -EINVAL;

	*n = 0;
	router[0] = '\0';
	if (!o)
		return -EINVAL;
	rt = get_name(o, "router", why, whylen);
	if (rt && !get_standby(o, rt, sb, n, why, whylen)) {
		snprintf(router, EIP_ROUTER_MAX + 1, "%s", rt);
		err = 0;
	}
	json_object_put(o);
	return err;
}

static struct json_object *router_object(const char *router, const char *node)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "router", json_object_new_string(router));
	json_object_object_add(o, "node", json_object_new_string(node));
	return o;
}

int eip_record_rehome(const char *json, size_t len, size_t to, char **out)
{
	struct eip_standby sb[EIP_STANDBY_MAX];
	struct json_object *o, *list;
	char node[INET6_ADDRSTRLEN];
	struct xc_addr from;
	const char *rt;
	size_t n, i;
	int err = -EINVAL;

	*out = NULL;
	o = parse_object(json, len, NULL, 0);
	if (!o)
		return -EINVAL;
	rt = get_name(o, "router", NULL, 0);
	if (!rt || get_addr(o, "node", &from, NULL, 0) ||
	    get_standby(o, rt, sb, &n, NULL, 0) || to >= n)
		goto out;
	list = json_object_new_array();
	for (i = 0; i < n; i++)
		if (i != to)
			json_object_array_add(list, router_object(sb[i].router,
				xc_addr_str(&sb[i].node, node, sizeof(node))));
	/* The router it leaves, last: before "router" is replaced. */
	json_object_array_add(list, router_object(rt,
		xc_addr_str(&from, node, sizeof(node))));
	json_object_object_add(o, "router",
			       json_object_new_string(sb[to].router));
	json_object_object_add(o, "node", json_object_new_string(
		xc_addr_str(&sb[to].node, node, sizeof(node))));
	json_object_object_add(o, "standby", list);
	*out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	err = *out ? 0 : -ENOMEM;
out:
	json_object_put(o);
	return err;
}

/* A router name: printable ASCII but '/', '"' and '\' (config.c's rule,
 * and nothing a log line would show wrong). */
int eip_record_from_json(const char *eip, const char *json, size_t len,
			 struct eip_record *r, char *router, size_t rlen,
			 char *why, size_t whylen)
{
	struct eip_standby sb[EIP_STANDBY_MAX];
	char q[64], canon[INET6_ADDRSTRLEN];
	struct json_object *o;
	const char *rt, *bad;
	int err = -EINVAL;
	size_t nsb;

	memset(r, 0, sizeof(*r));
	if (router && rlen)
		router[0] = '\0';
	if (strlen(eip) >= INET6_ADDRSTRLEN || xc_addr_parse(eip, &r->eip)) {
		bird_quote(q, sizeof(q), eip, strlen(eip), 48);
		return why_fmt(why, whylen, "key does not end in an IP address but in \"%s\"",
			       q);
	}
	/* One EIP, one key: "2001:DB8::1" next to "2001:db8::1" would be
	 * two records for one address. */
	xc_addr_str(&r->eip, canon, sizeof(canon));
	if (strcmp(eip, canon)) {
		err = why_fmt(why, whylen, "key's EIP %s is not written as %s",
			      eip, canon);
		goto fail;
	}
	bad = eip_addr_unusable(&r->eip);
	if (bad) {
		err = why_fmt(why, whylen, "EIP %s is in %s", eip, bad);
		goto fail;
	}
	o = parse_object(json, len, why, whylen);
	if (!o)
		goto fail;
	rt = get_name(o, "router", why, whylen);
	if (!rt)
		goto out;
	if (get_addr(o, "node", &r->router_node, why, whylen) ||
	    get_addr(o, "private", &r->private_addr, why, whylen) ||
	    get_standby(o, rt, sb, &nsb, why, whylen))
		goto out;
	if (r->private_addr.family != r->eip.family) {
		why_fmt(why, whylen, "\"private\" is IPv%d, the EIP IPv%d",
			r->private_addr.family == AF_INET ? 4 : 6,
			r->eip.family == AF_INET ? 4 : 6);
		goto out;
	}
	if (!memcmp(r->private_addr.bytes, r->eip.bytes,
		    r->eip.family == AF_INET ? 4 : 16)) {
		why_fmt(why, whylen, "\"private\" is the EIP itself");
		goto out;
	}
	if (router && (!rlen || snprintf(router, rlen, "%s", rt) >= (int)rlen)) {
		why_fmt(why, whylen, "\"router\" longer than the caller's %zu bytes",
			rlen);
		goto out;
	}
	err = 0;
out:
	json_object_put(o);
fail:
	if (err) {
		memset(r, 0, sizeof(*r));
		if (router && rlen)
			router[0] = '\0';
	}
	return err;
}
