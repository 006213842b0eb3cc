// SPDX-License-Identifier: GPL-2.0
/* Address-in-prefix tests against a cloud's declarations. */
#include <string.h>
#include <json-c/json.h>
#include "libxcloud.h"
#include "prefix.h"
#include "xcetcd.h"

/* "ADDR/LEN"; the host bits need not be zero. */
static bool prefix_has(const char *s, const struct xc_addr *a)
{
	struct xc_prefix p;

	return strchr(s, '/') && !xc_prefix_parse_any(s, &p) &&
	       xc_prefix_has(&p, a);
}

bool prefix_decl_has(const char *decl, const char *addr)
{
	struct json_object *o, *arr;
	struct xc_addr a;
	bool in = false;

	if (!decl || xc_addr_parse(addr, &a))
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
