// SPDX-License-Identifier: GPL-2.0
/*
 * EIP records as the store holds them (docs/eip-bgp.md, "Store"):
 *   <prefix>/eip/pools/<name>  {"prefix":"203.0.113.0/24"}
 *   <prefix>/eip/addrs/<eip>   {"router":"vr2","node":"10.2.0.12",
 *                               "private":"10.200.0.5"}
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
	if (eip_addr_parse(s, a)) {
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
	return !eip_addr_parse(buf, &a) && !memcmp(&a, &p->addr, sizeof(a));
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

/* A router name: printable ASCII but '/', '"' and '\' (config.c's rule,
 * and nothing a log line would show wrong). */
int eip_record_from_json(const char *eip, const char *json, size_t len,
			 struct eip_record *r, char *router, size_t rlen,
			 char *why, size_t whylen)
{
	char q[64], canon[INET6_ADDRSTRLEN];
	struct json_object *o;
	const char *rt, *bad;
	int err = -EINVAL;

	memset(r, 0, sizeof(*r));
	if (router && rlen)
		router[0] = '\0';
	if (strlen(eip) >= INET6_ADDRSTRLEN || eip_addr_parse(eip, &r->eip)) {
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
	rt = get_str(o, "router", EIP_ROUTER_MAX, why, whylen);
	if (!rt)
		goto out;
	if (!xe_name_ok(rt)) {
		bird_quote(q, sizeof(q), rt, strlen(rt), 48);
		why_fmt(why, whylen, "\"router\" \"%s\" is not a name (letters, digits, '.', '-', '_')",
			q);
		goto out;
	}
	if (get_addr(o, "node", &r->router_node, why, whylen) ||
	    get_addr(o, "private", &r->private_addr, why, whylen))
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
