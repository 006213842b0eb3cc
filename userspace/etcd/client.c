// SPDX-License-Identifier: GPL-2.0
/*
 * Unary calls of the JSON gateway: one blocking POST each, over a reused
 * connection, with short timeouts so an unreachable etcd fails fast. A
 * call a member fails (unreachable, timed out, 5xx: no leader, say) goes
 * to the next member; every call is either idempotent or a compare that
 * tells, so sending it twice is safe.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "internal.h"

/* etcd's gRPC status codes the callers care about. */
#define GRPC_OUT_OF_RANGE	11	/* compacted / future revision */
#define GRPC_NOT_FOUND		5	/* lease not found */
#define GRPC_PERMISSION_DENIED	7
#define GRPC_UNAUTHENTICATED	16	/* invalid or expired token */

void xe_seterr(struct xe_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

struct xe_client *xe_client_new_conf(const struct xe_conf *conf,
				     const char *name)
{
	static bool curl_ready;
	struct xe_client *c;
	char err[256];

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT))
			return NULL;
		curl_ready = true;
	}
	if (!conf->endpoints)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (xe_conf_endpoints(conf->endpoints, &c->ep, &c->nep, err,
			      sizeof(err))) {
		fprintf(stderr, "xcetcd: %s\n", err);
		free(c);
		return NULL;
	}
	c->endpoint = c->ep[0];
	c->name = strdup(name ? name : conf->endpoints);
	c->curl = curl_easy_init();
	c->txn_max = XE_TXN_TRY;
#define DUP(f) (!conf->f || (c->f = strdup(conf->f)))
	if (!c->name || !c->curl || !DUP(cacert) || !DUP(cert) || !DUP(key) ||
	    !DUP(user) || !DUP(password)) {
		xe_client_free(c);
		return NULL;
	}
#undef DUP
	return c;
}

struct xe_client *xe_client_new(const char *endpoints, const char *name)
{
	struct xe_conf conf = { .endpoints = (char *)endpoints };

	return xe_client_new_conf(&conf, name);
}

static void free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

void xe_client_free(struct xe_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	xe_endpoints_free(c->ep, c->nep);
	free(c->name);
	free(c->cacert);
	free(c->cert);
	free(c->key);
	free(c->user);
	free_secret(c->password);
	free_secret(c->token);
	free(c);
}

const char *xe_strerror(const struct xe_client *c)
{
	return c->err[0] ? c->err : "no error";
}

const char *xe_endpoint(const struct xe_client *c)
{
	return c->endpoint;
}

const char *xe_name(const struct xe_client *c)
{
	return c->name;
}

unsigned long xe_switches(const struct xe_client *c)
{
	return c->switches;
}

unsigned long xe_auths(const struct xe_client *c)
{
	return c->auths;
}

void xe_failover(struct xe_client *c, size_t failed, const char *why)
{
	if (c->nep < 2 || failed != c->cur)
		return;
	c->cur = (c->cur + 1) % c->nep;
	c->endpoint = c->ep[c->cur];
	c->switches++;
	fprintf(stderr, "xcetcd: %s: %s failed (%s); using %s\n", c->name,
		c->ep[failed], why, c->endpoint);
}

bool xe_member_failed(int curl_result, long status)
{
	return curl_result != CURLE_OK || status >= 500;
}

size_t xe_buf_write(char *p, size_t size, size_t n, void *arg)
{
	struct xe_buf *b = arg;
	char *d = realloc(b->data, b->len + size * n + 1);

	if (!d)
		return 0;
	memcpy(d + b->len, p, size * n);
	b->len += size * n;
	d[b->len] = '\0';
	b->data = d;
	return size * n;
}

/* Maps an error reply ({"error":..,"code":N}) to an errno. */
static int xe_reply_error(struct xe_client *c, const char *path,
			  struct json_object *reply)
{
	struct json_object *msg;
	int64_t code = xe_json_i64(reply, "code");

	if (!json_object_object_get_ex(reply, "error", &msg) &&
	    !json_object_object_get_ex(reply, "message", &msg))
		return 0;
	xe_seterr(c, "%s (%s): %s: %s", c->name, c->endpoint, path,
		  json_object_get_string(msg));
	if (code == GRPC_OUT_OF_RANGE)
		return -ESTALE;
	if (code == GRPC_NOT_FOUND)
		return -ENOENT;
	if (code == GRPC_PERMISSION_DENIED)
		return -EACCES;
	return -EIO;
}

void xe_setup_conn(struct xe_client *c, void *curl, const char *path,
		   struct curl_slist **hdrs)
{
	char url[512];

	snprintf(url, sizeof(url), "%s%s", c->endpoint, path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
			 XE_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	/* etcd serves gRPC to HTTP/2 on the same port: the JSON gateway
	 * answers HTTP/1.1 only (curl offers h2 over TLS by default). */
	curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	/* The members' certificates name their own addresses: verified. */
	if (c->cacert)
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->cacert);
	if (c->cert) {
		curl_easy_setopt(curl, CURLOPT_SSLCERT, c->cert);
		curl_easy_setopt(curl, CURLOPT_SSLKEY, c->key);
	}
	/* No "Expect: 100-continue" for bodies over 1 KiB: a round trip
	 * less for every large transaction. */
	*hdrs = curl_slist_append(NULL, "Expect:");
	if (c->token && *hdrs) {
		char *h;

		if (asprintf(&h, "Authorization: %s", c->token) >= 0) {
			struct curl_slist *n = curl_slist_append(*hdrs, h);

			free_secret(h);
			if (n)
				*hdrs = n;
		}
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, *hdrs);
}

void xe_setup_post(struct xe_client *c, void *curl, const char *path,
		   const char *body, struct xe_buf *buf,
		   struct curl_slist **hdrs)
{
	xe_setup_conn(c, curl, path, hdrs);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, xe_buf_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, buf);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, XE_CALL_TIMEOUT_MS);
}

/* One request to the current member; *failed: the member failed it. */
static int xe_call_once(struct xe_client *c, const char *path,
			const char *body, struct json_object **reply,
			bool *failed, bool *refused)
{
	struct curl_slist *hdrs = NULL;
	struct xe_buf buf = { 0 };
	struct json_object *o;
	long status = 0;
	CURLcode cr;
	int r;

	*reply = NULL;
	xe_setup_post(c, c->curl, path, body, &buf, &hdrs);
	cr = curl_easy_perform(c->curl);
	curl_slist_free_all(hdrs);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	if (cr == CURLE_OK)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	*failed = xe_member_failed(cr, status);
	if (cr != CURLE_OK) {
		xe_seterr(c, "%s: cannot reach etcd at %s: %s", c->name,
			  c->endpoint, curl_easy_strerror(cr));
		free(buf.data);
		return -ECONNREFUSED;
	}
	o = buf.data ? json_tokener_parse(buf.data) : NULL;
	*refused = o && xe_token_refused(o);
	json_object_put(o);
	r = xe_reply(c, path, buf.data, status, reply);
	free(buf.data);
	return r;
}

/*
 * Sends body to every member in turn until one answers (a dead member, a
 * timeout or a 5xx moves the client on), authenticating first when it
 * has a user and no token, and once more when etcd refuses the token.
 */
static int xe_call_body(struct xe_client *c, const char *path,
			const char *body, struct json_object **reply)
{
	bool reauthed = false, failed, refused = false;
	size_t tries = 0;
	int r;

	*reply = NULL;
	for (;;) {
		size_t at = c->cur;

		/* xe_auth_ensure() tried every member itself. */
		r = strcmp(path, XE_AUTH_PATH) ? xe_auth_ensure(c) : 0;
		if (r)
			return r;
		r = xe_call_once(c, path, body, reply, &failed, &refused);
		if (r && refused && !reauthed && c->user) {
			fprintf(stderr, "xcetcd: %s: %s refused the token (%s); authenticating again\n",
				c->name, c->endpoint, c->err);
			xe_auth_drop(c, c->auths);
			reauthed = true;
			continue;
		}
		if (!r || !failed || ++tries >= c->nep)
			return r;
		xe_failover(c, at, c->err);
	}
}

bool xe_token_refused(struct json_object *reply)
{
	struct json_object *e = reply, *msg;
	const char *m;

	/* A stream's error is {"error": {"grpc_code":..,"message":..}}. */
	if (json_object_object_get_ex(reply, "error", &msg) &&
	    json_object_is_type(msg, json_type_object))
		e = msg;
	if (xe_json_i64(e, "code") == GRPC_UNAUTHENTICATED ||
	    xe_json_i64(e, "grpc_code") == GRPC_UNAUTHENTICATED)
		return true;
	if (!json_object_object_get_ex(e, "message", &msg) &&
	    !json_object_object_get_ex(e, "error", &msg))
		return false;
	m = json_object_get_string(msg);
	return m && (strstr(m, "invalid auth token") ||
		     strstr(m, "revision in header is old"));
}

void xe_auth_drop(struct xe_client *c, unsigned long gen)
{
	if (!c->token || gen != c->auths)
		return;
	free_secret(c->token);
	c->token = NULL;
}

char *xe_auth_body(const struct xe_client *c)
{
	struct json_object *req = json_object_new_object();
	char *body;

	json_object_object_add(req, "name", json_object_new_string(c->user));
	json_object_object_add(req, "password",
			       json_object_new_string(c->password));
	body = strdup(json_object_to_json_string_ext(req,
						     JSON_C_TO_STRING_PLAIN));
	json_object_put(req);
	return body;
}

void xe_secret_free(char *s)
{
	free_secret(s);
}

int xe_auth_take(struct xe_client *c, int r, struct json_object *reply)
{
	struct json_object *tok;

	if (r) {
		char why[sizeof(c->err)];

		memcpy(why, c->err, sizeof(why));
		xe_seterr(c, "%s: cannot authenticate as %s: %.200s", c->name,
			  c->user, why);
		return r;
	}
	free_secret(c->token);
	c->token = NULL;
	if (json_object_object_get_ex(reply, "token", &tok) &&
	    json_object_get_string_len(tok))
		c->token = strdup(json_object_get_string(tok));
	if (!c->token) {
		xe_seterr(c, "%s: etcd at %s gave no token (is auth enabled?)",
			  c->name, c->endpoint);
		return -EPROTO;
	}
	c->auths++;
	return 0;
}

int xe_auth_ensure(struct xe_client *c)
{
	struct json_object *reply = NULL;
	char *body;
	int r;

	if (!c->user || c->token)
		return 0;
	body = xe_auth_body(c);
	if (!body)
		return -ENOMEM;
	r = xe_call_body(c, XE_AUTH_PATH, body, &reply);
	free_secret(body);
	r = xe_auth_take(c, r, reply);
	json_object_put(reply);
	return r;
}

int xe_call(struct xe_client *c, const char *path, struct json_object *req,
	    struct json_object **reply)
{
	return xe_call_body(c, path,
			    json_object_to_json_string_ext(req,
							   JSON_C_TO_STRING_PLAIN),
			    reply);
}

int xe_reply(struct xe_client *c, const char *path, const char *body,
	     long status, struct json_object **reply)
{
	int r;

	*reply = body ? json_tokener_parse(body) : NULL;
	if (!*reply) {
		xe_seterr(c, "%s: %s%s: HTTP %ld, reply is not JSON", c->name,
			  c->endpoint, path, status);
		return -EPROTO;
	}
	r = xe_reply_error(c, path, *reply);
	if (!r && status != 200) {
		xe_seterr(c, "%s: %s%s: HTTP %ld", c->name, c->endpoint, path,
			  status);
		r = -EIO;
	}
	if (r) {
		json_object_put(*reply);
		*reply = NULL;
	}
	return r;
}

/*
 * Each unary call is a request body and a reading of the reply, shared by
 * the synchronous calls here and their asynchronous forms (request.c).
 */
struct json_object *xe_range_req(const char *key, bool prefix, int64_t rev)
{
	struct json_object *req = json_object_new_object();

	xe_json_add_key(req, key, prefix);
	if (rev)
		json_object_object_add(req, "revision",
				       json_object_new_int64(rev));
	return req;
}

static int64_t header_revision(struct json_object *reply)
{
	return xe_json_i64(json_object_object_get(reply, "header"),
			   "revision");
}

int xe_range_parse(struct xe_client *c, struct json_object *reply,
		   struct xe_result *res)
{
	struct xe_kvs *out = &res->kvs;
	struct json_object *kvs;
	int r = 0;

	memset(out, 0, sizeof(*out));
	out->revision = res->revision = header_revision(reply);
	if (json_object_object_get_ex(reply, "kvs", &kvs)) {
		size_t n = json_object_array_length(kvs);

		out->kv = calloc(n ? n : 1, sizeof(*out->kv));
		if (!out->kv)
			r = -ENOMEM;
		for (size_t i = 0; !r && i < n; i++) {
			r = xe_kv_from_json(json_object_array_get_idx(kvs, i),
					    &out->kv[i]);
			if (!r)
				out->n++;
		}
		if (r) {
			xe_seterr(c, "%s: malformed range reply", c->name);
			xe_kvs_free(out);
		}
	}
	return r;
}

/* A call of path with the request req (consumed) read by parse. */
static int xe_call_parse(struct xe_client *c, const char *path,
			 struct json_object *req, xe_parse_fn parse,
			 struct xe_result *res)
{
	struct json_object *reply;
	int r = xe_call(c, path, req, &reply);

	json_object_put(req);
	if (r)
		return r;
	r = parse(c, reply, res);
	json_object_put(reply);
	return r;
}

int xe_range(struct xe_client *c, const char *key, bool prefix, int64_t rev,
	     struct xe_kvs *out)
{
	struct xe_result res = { 0 };
	int r = xe_call_parse(c, "/v3/kv/range", xe_range_req(key, prefix, rev),
			      xe_range_parse, &res);

	*out = res.kvs;
	if (r)
		memset(out, 0, sizeof(*out));
	return r;
}

struct json_object *xe_put_req(const char *key, const char *value,
			       int64_t lease)
{
	struct json_object *req = json_object_new_object();
	char *v = xe_b64_encode(value, strlen(value));

	xe_json_add_key(req, key, false);
	json_object_object_add(req, "value", json_object_new_string(v ? v : ""));
	free(v);
	if (lease)
		json_object_object_add(req, "lease",
				       json_object_new_int64(lease));
	return req;
}

int xe_put_parse(struct xe_client *c, struct json_object *reply,
		 struct xe_result *res)
{
	(void)c;
	res->revision = header_revision(reply);
	return 0;
}

int xe_put(struct xe_client *c, const char *key, const char *value,
	   int64_t lease, int64_t *revision)
{
	struct xe_result res = { 0 };
	int r = xe_call_parse(c, "/v3/kv/put", xe_put_req(key, value, lease),
			      xe_put_parse, &res);

	if (!r && revision)
		*revision = res.revision;
	return r;
}

struct json_object *xe_delete_req(const char *key, bool prefix)
{
	struct json_object *req = json_object_new_object();

	xe_json_add_key(req, key, prefix);
	return req;
}

int xe_delete_parse(struct xe_client *c, struct json_object *reply,
		    struct xe_result *res)
{
	(void)c;
	res->revision = header_revision(reply);
	res->deleted = xe_json_i64(reply, "deleted");
	return 0;
}

int xe_delete(struct xe_client *c, const char *key, bool prefix,
	      int64_t *deleted)
{
	struct xe_result res = { 0 };
	int r = xe_call_parse(c, "/v3/kv/deleterange",
			      xe_delete_req(key, prefix), xe_delete_parse,
			      &res);

	if (!r && deleted)
		*deleted = res.deleted;
	return r;
}

struct json_object *xe_cas_req(const char *key, int64_t expect_mod_rev,
			       const char *value, int64_t lease)
{
	struct json_object *req = json_object_new_object();
	struct json_object *cmp = json_object_new_object();
	struct json_object *op = json_object_new_object();
	struct json_object *arr;

	xe_json_add_key(cmp, key, false);
	json_object_object_add(cmp, "target", json_object_new_string("MOD"));
	json_object_object_add(cmp, "result", json_object_new_string("EQUAL"));
	json_object_object_add(cmp, "mod_revision",
			       json_object_new_int64(expect_mod_rev));
	arr = json_object_new_array();
	json_object_array_add(arr, cmp);
	json_object_object_add(req, "compare", arr);

	if (value) {
		json_object_object_add(op, "request_put",
				       xe_put_req(key, value, lease));
	} else {
		struct json_object *del = json_object_new_object();

		xe_json_add_key(del, key, false);
		json_object_object_add(op, "request_delete_range", del);
	}
	arr = json_object_new_array();
	json_object_array_add(arr, op);
	json_object_object_add(req, "success", arr);
	return req;
}

/* Adds to a compare-and-swap: each key present (create revision > 0)
 * or absent (0: etcd compares a missing key's revisions as 0). */
struct json_object *xe_cas_if_req(const char *key, int64_t expect_mod_rev,
				  const char *value, int64_t lease,
				  const struct xe_cond *cond, size_t ncond)
{
	struct json_object *req = xe_cas_req(key, expect_mod_rev, value, lease);
	struct json_object *arr = json_object_object_get(req, "compare");
	size_t i;

	for (i = 0; i < ncond; i++) {
		struct json_object *cmp = json_object_new_object();

		xe_json_add_key(cmp, cond[i].key, false);
		json_object_object_add(cmp, "target",
				       json_object_new_string("CREATE"));
		json_object_object_add(cmp, "result",
				       json_object_new_string(cond[i].present ?
							      "GREATER" : "EQUAL"));
		json_object_object_add(cmp, "create_revision",
				       json_object_new_int64(0));
		json_object_array_add(arr, cmp);
	}
	return req;
}

int xe_cas_parse(struct xe_client *c, struct json_object *reply,
		 struct xe_result *res)
{
	(void)c;
	res->revision = header_revision(reply);
	res->swapped = json_object_get_boolean(json_object_object_get(reply,
								      "succeeded"));
	return 0;
}

int xe_cas(struct xe_client *c, const char *key, int64_t expect_mod_rev,
	   const char *value, int64_t lease, bool *swapped)
{
	struct xe_result res = { 0 };
	int r = xe_call_parse(c, "/v3/kv/txn",
			      xe_cas_req(key, expect_mod_rev, value, lease),
			      xe_cas_parse, &res);

	if (!r)
		*swapped = res.swapped;
	return r;
}

char *xe_txn_body(const struct xe_op *ops, size_t n)
{
	struct json_object *req = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	char *body;

	for (size_t i = 0; i < n; i++) {
		struct json_object *op = json_object_new_object();

		if (ops[i].value) {
			json_object_object_add(op, "request_put",
					       xe_put_req(ops[i].key, ops[i].value,
							  ops[i].lease));
		} else {
			struct json_object *del = json_object_new_object();

			xe_json_add_key(del, ops[i].key, false);
			json_object_object_add(op, "request_delete_range", del);
		}
		json_object_array_add(arr, op);
	}
	json_object_object_add(req, "success", arr);
	body = strdup(json_object_to_json_string_ext(req,
						     JSON_C_TO_STRING_PLAIN));
	json_object_put(req);
	return body;
}

static int txn_once(struct xe_client *c, const struct xe_op *ops, size_t n)
{
	struct json_object *reply;
	char *body = xe_txn_body(ops, n);
	int r;

	if (!body)
		return -ENOMEM;
	r = xe_call_body(c, "/v3/kv/txn", body, &reply);
	free(body);
	if (!r)
		json_object_put(reply);
	return r;
}

/*
 * Chunks of txn_max operations: each transaction is one request, one raft
 * entry and one fsync, so the fewer the better. An etcd started with a
 * smaller --max-txn-ops than we try says so; then etcd's default it is.
 * After the chunk ops[*off..*off + *k) ended with @r (start with all
 * three 0), sets the next chunk and returns true, or returns false when
 * the transaction is done, with @r its result. xe_txn() and
 * xe_txn_start() both walk a transaction with it. A chunk also stays
 * within XE_TXN_BYTES of keys and values as sent (base64): etcd refuses a
 * request over --max-request-bytes (1.5 MiB by default) whatever its
 * number of operations, and long keys reach that well before 1000.
 */
bool xe_txn_next(struct xe_client *c, const struct xe_op *ops, int r,
		 size_t n, size_t *off, size_t *k)
{
	size_t bytes = 0, i;

	if (r && *k > XE_TXN_MAX && strstr(c->err, "too many operations"))
		c->txn_max = XE_TXN_MAX;	/* the same chunk, smaller */
	else if (r)
		return false;
	else
		*off += *k;
	*k = n - *off < c->txn_max ? n - *off : c->txn_max;
	for (i = 0; i < *k; i++) {
		const struct xe_op *op = &ops[*off + i];

		bytes += 4 * (strlen(op->key) + 2) / 3 + 64;
		if (op->value)
			bytes += 4 * (strlen(op->value) + 2) / 3;
		if (bytes > XE_TXN_BYTES && i)
			break;
	}
	*k = i;
	return *off < n;
}

int xe_txn(struct xe_client *c, const struct xe_op *ops, size_t n)
{
	size_t off = 0, k = 0;
	int r = 0;

	while (xe_txn_next(c, ops, r, n, &off, &k))
		r = txn_once(c, ops + off, k);
	return r;
}

struct json_object *xe_lease_req(const char *field, int64_t v)
{
	struct json_object *req = json_object_new_object();

	json_object_object_add(req, field, json_object_new_int64(v));
	return req;
}

int xe_grant_parse(struct xe_client *c, struct json_object *reply,
		   struct xe_result *res)
{
	res->id = xe_json_i64(reply, "ID");
	res->ttl = xe_json_i64(reply, "TTL");
	if (!res->id) {
		xe_seterr(c, "%s: lease grant returned no ID", c->name);
		return -EPROTO;
	}
	return 0;
}

int xe_lease_grant(struct xe_client *c, int64_t ttl, int64_t *id)
{
	struct xe_result res = { 0 };
	int r = xe_call_parse(c, "/v3/lease/grant", xe_lease_req("TTL", ttl),
			      xe_grant_parse, &res);

	if (!r)
		*id = res.id;
	return r;
}

/* res->id: the lease asked about. */
int xe_keepalive_parse(struct xe_client *c, struct json_object *reply,
		       struct xe_result *res)
{
	/* A streaming call: the one reply is wrapped in "result". */
	struct json_object *o = json_object_object_get(reply, "result");

	res->ttl = xe_json_i64(o ? o : reply, "TTL");
	if (res->ttl <= 0) {
		xe_seterr(c, "%s: lease %lld has expired", c->name,
			  (long long)res->id);
		return -ENOENT;
	}
	return 0;
}

int xe_lease_keepalive(struct xe_client *c, int64_t id, int64_t *ttl)
{
	struct xe_result res = { .id = id };
	int r = xe_call_parse(c, "/v3/lease/keepalive", xe_lease_req("ID", id),
			      xe_keepalive_parse, &res);

	if (ttl)
		*ttl = r ? 0 : res.ttl;
	return r;
}

int xe_none_parse(struct xe_client *c, struct json_object *reply,
		  struct xe_result *res)
{
	(void)c;
	(void)reply;
	(void)res;
	return 0;
}

int xe_lease_revoke(struct xe_client *c, int64_t id)
{
	struct xe_result res = { 0 };

	return xe_call_parse(c, "/v3/lease/revoke", xe_lease_req("ID", id),
			     xe_none_parse, &res);
}
