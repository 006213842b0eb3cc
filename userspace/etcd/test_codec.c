// SPDX-License-Identifier: GPL-2.0
/* Unit tests of libxcetcd's encoding helpers (no etcd needed). TAP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "tap.h"

static void roundtrip(const char *s)
{
	char *e = xe_b64_encode(s, strlen(s)), *d = NULL, what[128];
	size_t len = 0;

	snprintf(what, sizeof(what), "base64 round trip of \"%s\"", s);
	ok(e && !xe_b64_decode(e, &d, &len) && len == strlen(s) &&
	   !strcmp(d, s), what);
	free(e);
	free(d);
}

int main(void)
{
	struct json_object *o;
	struct xe_kv kv;
	char *s, *d, why[200];

	printf("TAP version 13\n");
	roundtrip("");
	roundtrip("a");
	roundtrip("ab");
	roundtrip("/xcloud/bindings/100/10.0.0.1");
	ok(xe_b64_decode("abc", &d, NULL) < 0, "base64 rejects bad length");

	s = xe_prefix_end("/xcloud/");
	ok(!strcmp(s, "/xcloud0"), "prefix end of /xcloud/ is /xcloud0");
	free(s);
	s = xe_prefix_end("a\xff");
	ok(!strcmp(s, "b"), "prefix end skips 0xff bytes");
	free(s);
	s = xe_prefix_end("");
	ok(!strcmp(s, ""), "prefix end of everything is the end of keys");
	free(s);

	o = json_tokener_parse("{\"key\":\"L2EvMQ==\",\"create_revision\":\"2\","
			       "\"mod_revision\":\"7\",\"version\":\"1\","
			       "\"value\":\"djE=\",\"lease\":\"4111120140992272134\"}");
	ok(o && !xe_kv_from_json(o, &kv), "parses a KeyValue");
	ok(!strcmp(kv.key, "/a/1") && !strcmp(kv.value, "v1") &&
	   kv.value_len == 2, "key and value decoded");
	ok(kv.mod_revision == 7 && kv.create_revision == 2,
	   "revisions from strings");
	ok(kv.lease == 4111120140992272134LL, "64-bit lease id kept whole");
	xe_kv_free(&kv);
	json_object_put(o);

	o = json_tokener_parse("{\"key\":\"L2E=\"}");
	ok(o && !xe_kv_from_json(o, &kv) && kv.value_len == 0 &&
	   !strcmp(kv.value, ""), "absent value is empty");
	xe_kv_free(&kv);
	json_object_put(o);

	/* Store values: one JSON object, whole; names. */
	o = xe_json_object("{\"a\":1} \n", 9, why, sizeof(why));
	ok(o != NULL, "value: an object, trailing white space taken");
	json_object_put(o);
	ok(!xe_json_object("{\"node\":\"x\"} trailing", 21, why, sizeof(why)) &&
	   strstr(why, "not JSON"),
	   "value: text after the object refused (json-c alone ignores it)");
	ok(!xe_json_object("{}{}", 4, why, sizeof(why)),
	   "value: two objects refused");
	ok(!xe_json_object("null", 4, why, sizeof(why)) &&
	   strstr(why, "null"), "value: null refused, named");
	ok(!xe_json_object("[1]", 3, why, sizeof(why)) &&
	   strstr(why, "array"), "value: an array refused, named");
	ok(!xe_json_object("{\"a\":\"b\0\"}", 9, why, sizeof(why)) &&
	   strstr(why, "NUL"), "value: a NUL byte refused");
	ok(xe_name_ok("cnA1") && xe_name_ok("gw-1.dc2_x") &&
	   xe_name_ok("012345678901234567890123456789012345678901234567890123456789012"),
	   "names: host-name labels up to 63 bytes");
	ok(!xe_name_ok("") && !xe_name_ok("*****") && !xe_name_ok("%s%s") &&
	   !xe_name_ok("a b") && !xe_name_ok("a/b") && !xe_name_ok(".x") &&
	   !xe_name_ok("-x") && !xe_name_ok("\xc3\xa9") &&
	   !xe_name_ok("0123456789012345678901234567890123456789012345678901234567890123"),
	   "names: empty, odd bytes, a leading dot or dash, 64 bytes refused");
	ok(!xe_kv_object(NULL), "value: no key, no object");
	ok(!xe_json_object("{\"a\":1,}", 8, why, sizeof(why)),
	   "value: a trailing comma refused (json-c alone takes it)");
	ok(!xe_json_object("{\"p\":[\"10.0.0.1\\u0000\"]}", 24, why, sizeof(why)) &&
	   strstr(why, "NUL"), "value: \\u0000 in a string refused");
	return tap_done();
}
