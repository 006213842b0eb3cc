// SPDX-License-Identifier: GPL-2.0
/*
 * Values and names as the store holds them. Anyone who can write the
 * store writes them, so a value is one JSON object and nothing after it
 * (json-c alone stops at the end of the first value and ignores the
 * rest), and a name is a host name's label or a few of them: it becomes
 * part of keys, file names, log lines and BIRD's configuration. Every daemon reads
 * the store through these.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "xcetcd.h"

static void why_fmt(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void why_fmt(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
}

/* A string anywhere in @o (a key or a value) with a NUL byte in it
 * ("\u0000"): C would read it cut short. */
static bool has_nul(struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_string:
		return strlen(json_object_get_string(o)) !=
		       (size_t)json_object_get_string_len(o);
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o); i++)
			if (has_nul(json_object_array_get_idx(o, i)))
				return true;
		return false;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (has_nul(v))
				return true;
		}
		return false;
	}
	default:
		return false;
	}
}

/* RFC 8259 only: json-c alone also takes trailing commas, comments and
 * more, which no writer of the store's values produces. */
static bool strict_ok(const char *json, size_t len, char *why, size_t whylen)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	bool good;

	if (!tok) {
		why_fmt(why, whylen, "out of memory");
		return false;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, json, (int)len);
	good = o;
	if (!good)
		why_fmt(why, whylen, "not strict JSON: %s",
			json_tokener_error_desc(json_tokener_get_error(tok)));
	json_object_put(o);
	json_tokener_free(tok);
	return good;
}

struct json_object *xe_json_object(const char *json, size_t len, char *why,
				   size_t whylen)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t end;

	if (memchr(json, '\0', len)) {
		why_fmt(why, whylen, "value has a NUL byte");
		return NULL;
	}
	tok = json_tokener_new();	/* nesting depth 32 */
	if (!tok) {
		why_fmt(why, whylen, "out of memory");
		return NULL;
	}
	o = json_tokener_parse_ex(tok, json, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (!o && json_tokener_get_error(tok) == json_tokener_continue) {
		/* The end of the text: it ends a number or literal there. */
		o = json_tokener_parse_ex(tok, "", 1);
		end = len;
	}
	if (!o) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		if (e == json_tokener_success)	/* the literal null */
			why_fmt(why, whylen, "not a JSON object but null");
		else
			why_fmt(why, whylen, "not JSON: %s",
				e == json_tokener_continue ? "unexpected end of data" :
				json_tokener_error_desc(e));
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_free(tok);
	while (end < len && strchr(" \t\r\n", json[end]))
		end++;
	if (end < len) {
		why_fmt(why, whylen, "not JSON: text after the value");
		json_object_put(o);
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		why_fmt(why, whylen, "not a JSON object but %s",
			json_type_to_name(json_object_get_type(o)));
		json_object_put(o);
		return NULL;
	}
	json_object_object_foreach(o, k, v) {
		if (has_nul(v)) {
			why_fmt(why, whylen, "\"%.64s\" has a NUL byte", k);
			json_object_put(o);
			return NULL;
		}
	}
	if (!strict_ok(json, len, why, whylen)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *xe_kv_object(const struct xe_kv *kv)
{
	return kv ? xe_json_object(kv->value, kv->value_len, NULL, 0) : NULL;
}

bool xe_name_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

	return n && !s[n] && n <= XE_NAME_MAX && isalnum((unsigned char)*s);
}
