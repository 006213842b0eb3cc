// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses in the store's values (values.h), checked as the datapath
 * will use them: a binding's "underlay", a gateway record's "underlay", the
 * "gateways" of a group or of a remote entry of the older form. Each is
 * a next hop or a trusted source of tunnel packets, so it must be one
 * host: not the unspecified address, not multicast, not IPv4 broadcast
 * (xcloudctl would take them; a route to 224.0.0.1 sends a VM's packets
 * to every host of the underlay segment). Shared by the agents (switch and
 * gateway roles) that read them and the coordinator that writes groups.
 */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "values.h"

bool xc_addr_unicast(const struct xc_addr *a)
{
	if (a->family == AF_INET)
		return a->bytes[0] && a->bytes[0] < 224;
	return a->family == AF_INET6 && a->bytes[0] != 0xff &&
	       memcmp(a->bytes, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
}

const char *xc_unicast_parse(struct json_object *v, struct xc_addr *out)
{
	if (!v || !json_object_is_type(v, json_type_string) ||
	    xc_addr_parse(json_object_get_string(v), out))
		return "not an address";
	if (!xc_addr_unicast(out))
		return "not a unicast address";
	return NULL;
}

int xc_addr_cmp(const struct xc_addr *a, const struct xc_addr *b)
{
	if (a->family != b->family)
		return a->family - b->family;
	return memcmp(a->bytes, b->bytes, xc_addr_len(a));
}

static int addr_cmp(const void *x, const void *y)
{
	return xc_addr_cmp(x, y);
}

const char *xc_gateways_parse(struct json_object *arr, struct xc_addr *out,
			      unsigned int max, unsigned int *n)
{
	size_t len;

	*n = 0;
	if (!arr || !json_object_is_type(arr, json_type_array))
		return "\"gateways\" is not an array";
	len = json_object_array_length(arr);
	if (!len)
		return "no gateways";
	/* Refused rather than cut: which to leave out is not ours to say. */
	if (len > max)
		return "more gateways than a group holds";
	for (size_t i = 0; i < len; i++) {
		if (xc_unicast_parse(json_object_array_get_idx(arr, i),
				     &out[*n]))
			return "a gateway is not a unicast address";
		(*n)++;
	}
	qsort(out, *n, sizeof(out[0]), addr_cmp);
	for (unsigned int i = 1; i < *n; i++)
		if (!addr_cmp(&out[i - 1], &out[i]))
			return "a gateway is listed twice";
	return NULL;
}

/* Which to leave out is the writer's to say: the last by address, so
 * every writer (and every restart) picks the same. */
size_t xc_gateways_pick(struct xc_addr *a, size_t n, unsigned int max,
			size_t *left)
{
	size_t k = 0;

	qsort(a, n, sizeof(a[0]), addr_cmp);
	for (size_t i = 0; i < n; i++)
		if (!k || addr_cmp(&a[k - 1], &a[i]))
			a[k++] = a[i];
	*left = k > max ? k - max : 0;
	return k - *left;
}
