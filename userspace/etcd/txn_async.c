// SPDX-License-Identifier: GPL-2.0
/*
 * Asynchronous transactions: xe_txn's work on the loop's curl multi handle,
 * so the caller goes on (looking at ports, reading watches) while etcd
 * writes, fsyncs and answers. A daemon that waited for every answer spent
 * most of a burst idle, with the next batch piling up behind the wait.
 * A chunk a member fails goes to the next member (xe_call's rules).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "internal.h"

struct xe_txnreq {
	struct xe_xfer x;	/* first: CURLINFO_PRIVATE */
	struct xe_loop *l;
	struct xe_client *c;
	CURL *curl;
	struct xe_op *ops;	/* our copies */
	size_t n, off, k;	/* ops[off..off+k) are on their way */
	char *body;
	struct xe_buf buf;
	struct curl_slist *hdrs;
	size_t at, tries;	/* the member it went to; members tried */
	unsigned long gen;	/* the token it sent (xe_auth_drop) */
	bool reauthed;
	xe_txn_cb done;
	void *arg;
};

static void req_free(struct xe_txnreq *q)
{
	if (q->curl) {
		curl_multi_remove_handle(xe_loop_multi(q->l), q->curl);
		curl_easy_cleanup(q->curl);
	}
	for (size_t i = 0; q->ops && i < q->n; i++) {
		free((char *)q->ops[i].key);
		free((char *)q->ops[i].value);
	}
	free(q->ops);
	curl_slist_free_all(q->hdrs);
	free(q->body);
	free(q->buf.data);
	free(q);
}

/* Sends ops[off..off + k), as xe_txn_next() set them. */
static int req_send(struct xe_txnreq *q)
{
	int r = xe_auth_ensure(q->c);

	if (r)
		return r;
	free(q->body);
	free(q->buf.data);
	q->buf = (struct xe_buf){ 0 };
	q->body = xe_txn_body(q->ops + q->off, q->k);
	if (!q->body)
		return -ENOMEM;
	curl_multi_remove_handle(xe_loop_multi(q->l), q->curl);
	curl_slist_free_all(q->hdrs);
	q->at = q->c->cur;
	q->gen = q->c->auths;
	xe_setup_post(q->c, q->curl, "/v3/kv/txn", q->body, &q->buf,
		      &q->hdrs);
	if (curl_multi_add_handle(xe_loop_multi(q->l), q->curl) != CURLM_OK)
		return -ENOMEM;
	return 0;
}

static void req_done(struct xe_xfer *x, int result)
{
	struct xe_txnreq *q = (struct xe_txnreq *)x;
	struct xe_client *c = q->c;
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
		r = xe_reply(c, "/v3/kv/txn", q->buf.data, status, &reply);
		json_object_put(reply);
	}
	/* The same chunk again: on the next member, or with a new token
	 * (puts and deletes: sending them twice is harmless). */
	if (r && xe_member_failed(result, status) && ++q->tries < c->nep) {
		xe_failover(c, q->at, c->err);
		r = req_send(q);
		if (!r)
			return;
	} else if (r && refused && !q->reauthed && c->user) {
		fprintf(stderr, "xcetcd: %s: %s refused the token (%s); authenticating again\n",
			c->name, c->ep[q->at], c->err);
		q->reauthed = true;
		xe_auth_drop(c, q->gen);
		r = req_send(q);
		if (!r)
			return;
	} else if (r && xe_member_failed(result, status)) {
		xe_failover(c, q->at, c->err);	/* the next call starts there */
	}
	if (!r) {
		q->tries = 0;
		q->reauthed = false;
	}
	if (xe_txn_next(c, q->ops, r, q->n, &q->off, &q->k)) {
		r = req_send(q);
		if (!r)
			return;
		if (r == -ENOMEM)
			xe_seterr(c, "%s: out of memory", c->name);
	}
	q->done(r, q->arg);
	req_free(q);
}

int xe_txn_start(struct xe_loop *l, struct xe_client *c,
		 const struct xe_op *ops, size_t n, xe_txn_cb done, void *arg,
		 struct xe_txnreq **req)
{
	struct xe_txnreq *q = calloc(1, sizeof(*q));
	int r = -ENOMEM;

	*req = NULL;
	if (!q)
		return -ENOMEM;
	q->x.done = req_done;
	q->l = l;
	q->c = c;
	q->done = done;
	q->arg = arg;
	q->n = n;
	q->ops = calloc(n ? n : 1, sizeof(*q->ops));
	q->curl = curl_easy_init();
	if (!q->ops || !q->curl)
		goto fail;
	curl_easy_setopt(q->curl, CURLOPT_PRIVATE, q);
	for (size_t i = 0; i < n; i++) {
		q->ops[i].key = strdup(ops[i].key);
		q->ops[i].value = ops[i].value ? strdup(ops[i].value) : NULL;
		q->ops[i].lease = ops[i].lease;
		if (!q->ops[i].key || (ops[i].value && !q->ops[i].value))
			goto fail;
	}
	r = 0;
	if (!xe_txn_next(c, q->ops, 0, n, &q->off, &q->k))
		goto fail;	/* nothing to send: r is 0 */
	r = req_send(q);
	if (r)
		goto fail;
	*req = q;
	return 0;
fail:
	if (r == -ENOMEM)
		xe_seterr(c, "%s: out of memory", c->name);
	req_free(q);
	return r;
}

void xe_txn_cancel(struct xe_txnreq *q)
{
	if (q)
		req_free(q);
}
