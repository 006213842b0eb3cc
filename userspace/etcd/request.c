// SPDX-License-Identifier: GPL-2.0
/*
 * Unary calls on the loop: one POST each on the loop's curl multi handle,
 * with the rules of the synchronous calls (a member that fails the call
 * passes it to the next one; a refused token is renewed once), so a dead
 * or blackholed etcd costs the caller a late answer and the loop nothing.
 * Authentication, when the client needs a token, is one more request of
 * the same kind sent first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "internal.h"

struct xe_req {
	struct xe_xfer x;	/* first: CURLINFO_PRIVATE */
	struct xe_loop *l;
	struct xe_client *c;
	CURL *curl;
	char *path, *body;
	char *auth;		/* the authentication's body, when sent */
	bool authing;		/* the transfer on its way is auth */
	struct xe_buf buf;
	struct curl_slist *hdrs;
	size_t at, tries;	/* the member it went to; members tried */
	unsigned long gen;	/* the token it sent (xe_auth_drop) */
	bool reauthed;
	xe_req_cb done;		/* raw: the reply */
	xe_parse_fn parse;	/* or read by parse, for rdone */
	xe_result_cb rdone;
	int64_t id;		/* the lease a keep-alive asks about */
	void *arg;
};

static void req_free(struct xe_req *q)
{
	if (q->curl) {
		curl_multi_remove_handle(xe_loop_multi(q->l), q->curl);
		curl_easy_cleanup(q->curl);
	}
	curl_slist_free_all(q->hdrs);
	xe_secret_free(q->auth);
	free(q->path);
	free(q->body);
	free(q->buf.data);
	free(q);
}

/* Sends the call (or, without a token yet, the authentication first) to
 * the client's current member. */
static int req_send(struct xe_req *q)
{
	struct xe_client *c = q->c;
	const char *path = q->path, *body = q->body;

	q->authing = c->user && !c->token && strcmp(q->path, XE_AUTH_PATH);
	if (q->authing) {
		if (!q->auth)
			q->auth = xe_auth_body(c);
		if (!q->auth)
			return -ENOMEM;
		path = XE_AUTH_PATH;
		body = q->auth;
	}
	free(q->buf.data);
	q->buf = (struct xe_buf){ 0 };
	curl_multi_remove_handle(xe_loop_multi(q->l), q->curl);
	curl_slist_free_all(q->hdrs);
	q->at = c->cur;
	q->gen = c->auths;
	xe_setup_post(c, q->curl, path, body, &q->buf, &q->hdrs);
	if (curl_multi_add_handle(xe_loop_multi(q->l), q->curl) != CURLM_OK)
		return -ENOMEM;
	return 0;
}

static void req_finish(struct xe_req *q, int r, struct json_object *reply)
{
	if (q->rdone) {
		struct xe_result res = { .id = q->id };

		if (!r)
			r = q->parse(q->c, reply, &res);
		q->rdone(r, &res, q->arg);
		xe_kvs_free(&res.kvs);
	} else {
		q->done(r, r ? NULL : reply, q->arg);
	}
	json_object_put(reply);
	req_free(q);
}

static void req_done(struct xe_xfer *x, int result)
{
	struct xe_req *q = (struct xe_req *)x;
	struct xe_client *c = q->c;
	const char *path = q->authing ? XE_AUTH_PATH : q->path;
	struct json_object *reply = NULL;
	bool refused = false;
	long status = 0;
	int r;

	if (result != CURLE_OK) {
		xe_seterr(c, "%s: cannot reach etcd at %s: %s", c->name,
			  c->ep[q->at], curl_easy_strerror(result));
		r = -ECONNREFUSED;
	} else {
		curl_easy_getinfo(q->curl, CURLINFO_RESPONSE_CODE, &status);
		reply = q->buf.data ? json_tokener_parse(q->buf.data) : NULL;
		refused = reply && xe_token_refused(reply);
		json_object_put(reply);
		r = xe_reply(c, path, q->buf.data, status, &reply);
	}
	if (r && xe_member_failed(result, status) && ++q->tries < c->nep) {
		/* Every call is idempotent or a compare: again, elsewhere. */
		xe_failover(c, q->at, c->err);
		r = req_send(q);
		if (!r)
			return;
	} else if (r && refused && !q->authing && !q->reauthed && c->user) {
		fprintf(stderr, "xcetcd: %s: %s refused the token (%s); authenticating again\n",
			c->name, c->ep[q->at], c->err);
		q->reauthed = true;
		xe_auth_drop(c, q->gen);
		r = req_send(q);
		if (!r)
			return;
	} else if (r && xe_member_failed(result, status)) {
		xe_failover(c, q->at, c->err);	/* the next call starts there */
	} else if (q->authing) {
		/* Another request may have got a token meanwhile: ours is as
		 * good. */
		r = xe_auth_take(c, r, reply);
		json_object_put(reply);
		reply = NULL;
		if (!r) {
			q->tries = 0;
			r = req_send(q);
			if (!r)
				return;
		}
	}
	if (r == -ENOMEM)
		xe_seterr(c, "%s: out of memory", c->name);
	req_finish(q, r, reply);
}

static struct xe_req *req_new(struct xe_loop *l, struct xe_client *c,
			      const char *path, void *arg)
{
	struct xe_req *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->x.done = req_done;
	q->l = l;
	q->c = c;
	q->arg = arg;
	q->path = strdup(path);
	q->curl = curl_easy_init();
	if (!q->path || !q->curl) {
		req_free(q);
		return NULL;
	}
	curl_easy_setopt(q->curl, CURLOPT_PRIVATE, q);
	return q;
}

static int req_go(struct xe_req *q, struct xe_req **req)
{
	int r = q->body ? req_send(q) : -ENOMEM;

	if (r) {
		if (r == -ENOMEM)
			xe_seterr(q->c, "%s: out of memory", q->c->name);
		req_free(q);
		return r;
	}
	*req = q;
	return 0;
}

int xe_req_start(struct xe_loop *l, struct xe_client *c, const char *path,
		 const char *body, xe_req_cb done, void *arg,
		 struct xe_req **req)
{
	struct xe_req *q = req_new(l, c, path, arg);

	*req = NULL;
	if (!q) {
		xe_seterr(c, "%s: out of memory", c->name);
		return -ENOMEM;
	}
	q->done = done;
	q->body = strdup(body);
	return req_go(q, req);
}

/* A call of path with the request o (consumed), read by parse. */
static int call_start(struct xe_loop *l, struct xe_client *c,
		      const char *path, struct json_object *o,
		      xe_parse_fn parse, int64_t id, xe_result_cb done,
		      void *arg, struct xe_req **req)
{
	struct xe_req *q = req_new(l, c, path, arg);

	*req = NULL;
	if (!q) {
		json_object_put(o);
		xe_seterr(c, "%s: out of memory", c->name);
		return -ENOMEM;
	}
	q->parse = parse;
	q->rdone = done;
	q->id = id;
	q->body = strdup(json_object_to_json_string_ext(o,
							JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return req_go(q, req);
}

void xe_req_cancel(struct xe_req *q)
{
	if (q)
		req_free(q);
}

int xe_range_start(struct xe_loop *l, struct xe_client *c, const char *key,
		   bool prefix, int64_t rev, xe_result_cb done, void *arg,
		   struct xe_req **req)
{
	return call_start(l, c, "/v3/kv/range", xe_range_req(key, prefix, rev),
			  xe_range_parse, 0, done, arg, req);
}

int xe_put_start(struct xe_loop *l, struct xe_client *c, const char *key,
		 const char *value, int64_t lease, xe_result_cb done,
		 void *arg, struct xe_req **req)
{
	return call_start(l, c, "/v3/kv/put", xe_put_req(key, value, lease),
			  xe_put_parse, 0, done, arg, req);
}

int xe_delete_start(struct xe_loop *l, struct xe_client *c, const char *key,
		    bool prefix, xe_result_cb done, void *arg,
		    struct xe_req **req)
{
	return call_start(l, c, "/v3/kv/deleterange",
			  xe_delete_req(key, prefix), xe_delete_parse, 0, done,
			  arg, req);
}

int xe_cas_start(struct xe_loop *l, struct xe_client *c, const char *key,
		 int64_t expect_mod_rev, const char *value, int64_t lease,
		 xe_result_cb done, void *arg, struct xe_req **req)
{
	return call_start(l, c, "/v3/kv/txn",
			  xe_cas_req(key, expect_mod_rev, value, lease),
			  xe_cas_parse, 0, done, arg, req);
}

int xe_cas_if_start(struct xe_loop *l, struct xe_client *c, const char *key,
		    int64_t expect_mod_rev, const char *value, int64_t lease,
		    const struct xe_cond *cond, size_t ncond,
		    xe_result_cb done, void *arg, struct xe_req **req)
{
	return call_start(l, c, "/v3/kv/txn",
			  xe_cas_if_req(key, expect_mod_rev, value, lease, cond,
					ncond),
			  xe_cas_parse, 0, done, arg, req);
}

int xe_lease_grant_start(struct xe_loop *l, struct xe_client *c, int64_t ttl,
			 xe_result_cb done, void *arg, struct xe_req **req)
{
	return call_start(l, c, "/v3/lease/grant", xe_lease_req("TTL", ttl),
			  xe_grant_parse, 0, done, arg, req);
}

int xe_lease_keepalive_start(struct xe_loop *l, struct xe_client *c,
			     int64_t id, xe_result_cb done, void *arg,
			     struct xe_req **req)
{
	return call_start(l, c, "/v3/lease/keepalive", xe_lease_req("ID", id),
			  xe_keepalive_parse, id, done, arg, req);
}

int xe_lease_revoke_start(struct xe_loop *l, struct xe_client *c, int64_t id,
			  xe_result_cb done, void *arg, struct xe_req **req)
{
	return call_start(l, c, "/v3/lease/revoke", xe_lease_req("ID", id),
			  xe_none_parse, id, done, arg, req);
}
