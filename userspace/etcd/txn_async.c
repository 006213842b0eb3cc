// SPDX-License-Identifier: GPL-2.0
/*
 * Asynchronous transactions: xe_txn's work on the loop's curl multi handle,
 * so the caller goes on (looking at ports, reading watches) while etcd
 * writes, fsyncs and answers. A daemon that waited for every answer spent
 * most of a burst idle, with the next batch piling up behind the wait.
 */
#include <errno.h>
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
	free(q->body);
	free(q->buf.data);
	free(q);
}

/* Sends ops[off..off + k), as xe_txn_next() set them. */
static int req_send(struct xe_txnreq *q)
{
	free(q->body);
	free(q->buf.data);
	q->buf = (struct xe_buf){ 0 };
	q->body = xe_txn_body(q->ops + q->off, q->k);
	if (!q->body)
		return -ENOMEM;
	curl_multi_remove_handle(xe_loop_multi(q->l), q->curl);
	xe_setup_post(q->c, q->curl, "/v3/kv/txn", q->body, &q->buf);
	if (curl_multi_add_handle(xe_loop_multi(q->l), q->curl) != CURLM_OK)
		return -ENOMEM;
	return 0;
}

static void req_done(struct xe_xfer *x, int result)
{
	struct xe_txnreq *q = (struct xe_txnreq *)x;
	struct xe_client *c = q->c;
	struct json_object *reply = NULL;
	long status = 0;
	int r;

	if (result != CURLE_OK) {
		xe_seterr(c, "%s: cannot reach etcd at %s: %s", c->name,
			  c->endpoint, curl_easy_strerror(result));
		r = -ECONNREFUSED;
	} else {
		curl_easy_getinfo(q->curl, CURLINFO_RESPONSE_CODE, &status);
		r = xe_reply(c, "/v3/kv/txn", q->buf.data, status, &reply);
		json_object_put(reply);
	}
	if (xe_txn_next(c, r, q->n, &q->off, &q->k)) {
		r = req_send(q);
		if (!r)
			return;
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
	if (!xe_txn_next(c, 0, n, &q->off, &q->k))
		goto fail;	/* nothing to send: r is 0 */
	r = req_send(q);
	if (r)
		goto fail;
	*req = q;
	return 0;
fail:
	if (r)
		xe_seterr(c, "%s: out of memory", c->name);
	req_free(q);
	return r;
}

void xe_txn_cancel(struct xe_txnreq *q)
{
	if (q)
		req_free(q);
}
