// SPDX-License-Identifier: GPL-2.0
/*
 * JSON and base64 helpers: etcd's JSON gateway carries keys and values as
 * base64 and 64-bit integers as strings (proto3 JSON mapping).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "internal.h"

char *xe_b64_encode(const void *data, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

int xe_b64_decode(const char *s, char **out, size_t *len)
{
	size_t n = strlen(s), pad = 0;
	unsigned char *buf;
	int r;

	if (n % 4)
		return -EINVAL;
	buf = malloc(n / 4 * 3 + 1);
	if (!buf)
		return -ENOMEM;
	r = n ? EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n) : 0;
	if (r < 0) {
		free(buf);
		return -EINVAL;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	while (pad < 2 && n > pad && s[n - 1 - pad] == '=')
		pad++;
	r -= (int)pad;
	buf[r] = '\0';
	*out = (char *)buf;
	if (len)
		*len = (size_t)r;
	return 0;
}

int64_t xe_json_i64(struct json_object *o, const char *field)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, field, &v))
		return 0;
	/* json-c converts a numeric string as well as a number. */
	return json_object_get_int64(v);
}

int xe_kv_from_json(struct json_object *o, struct xe_kv *kv)
{
	struct json_object *k, *v;
	int r;

	memset(kv, 0, sizeof(*kv));
	if (!json_object_object_get_ex(o, "key", &k))
		return -EINVAL;
	r = xe_b64_decode(json_object_get_string(k), &kv->key, NULL);
	if (r)
		return r;
	if (json_object_object_get_ex(o, "value", &v))
		r = xe_b64_decode(json_object_get_string(v), &kv->value,
				  &kv->value_len);
	else
		r = (kv->value = strdup("")) ? 0 : -ENOMEM;
	if (r) {
		free(kv->key);
		kv->key = NULL;
		return r;
	}
	kv->create_revision = xe_json_i64(o, "create_revision");
	kv->mod_revision = xe_json_i64(o, "mod_revision");
	kv->lease = xe_json_i64(o, "lease");
	return 0;
}

char *xe_prefix_end(const char *prefix)
{
	size_t n = strlen(prefix);
	char *end = strdup(prefix);

	if (!end)
		return NULL;
	/* Increment the last byte that is not 0xff, dropping those after. */
	while (n > 0) {
		if ((unsigned char)end[n - 1] < 0xff) {
			end[n - 1]++;
			end[n] = '\0';
			return end;
		}
		n--;
	}
	/* All 0xff (or empty): the range runs to the end of the key space,
	 * which etcd spells as a single NUL byte. */
	free(end);
	return strdup("");
}

void xe_json_add_key(struct json_object *req, const char *key, bool prefix)
{
	char *k = xe_b64_encode(key, strlen(key));

	json_object_object_add(req, "key", json_object_new_string(k ? k : ""));
	free(k);
	if (prefix) {
		char *end = xe_prefix_end(key);
		char *e64;

		if (end && !*end)
			e64 = xe_b64_encode("", 1);	/* "\0": to the end */
		else
			e64 = end ? xe_b64_encode(end, strlen(end)) : NULL;
		json_object_object_add(req, "range_end",
				       json_object_new_string(e64 ? e64 : ""));
		free(e64);
		free(end);
	}
}

void xe_kv_free(struct xe_kv *kv)
{
	free(kv->key);
	free(kv->value);
	kv->key = kv->value = NULL;
}

void xe_kvs_free(struct xe_kvs *kvs)
{
	for (size_t i = 0; i < kvs->n; i++)
		xe_kv_free(&kvs->kv[i]);
	free(kvs->kv);
	kvs->kv = NULL;
	kvs->n = 0;
}

double xe_backoff_next(double *cur)
{
	double d = *cur;

	if (d < 0.1)
		d = 0.1;
	*cur = d * 2 > 5.0 ? 5.0 : d * 2;
	return d;
}
