// SPDX-License-Identifier: GPL-2.0
/*
 * Asynchronous transactions: xe_txn's work on the loop, so the caller goes
 * on (looking at ports, reading watches) while etcd writes, fsyncs and
 * answers. A daemon that waited for every answer spent most of a burst
 * idle, with the next batch piling up behind the wait. Each chunk is one
 * xe_req (request.c): its member failover and token renewal are the unary
 * calls' own (puts and deletes: sending a chunk twice is harmless).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct xe_txnreq {
	struct xe_loop *l;
	struct xe_client *c;
	struct xe_req *req;	/* the chunk on its way */
	struct xe_op *ops;	/* our copies */
	size_t n, off, k;	/* ops[off..off+k) are on their way */
	xe_txn_cb done;
	void *arg;
};

static void txn_free(struct xe_txnreq *q)
{
	for (size_t i = 0; q->ops && i < q->n; i++) {
		free((char *)q->ops[i].key);
		free((char *)q->ops[i].value);
	}
	free(q->ops);
	free(q);
}

static void chunk_done(int r, struct json_object *reply, void *arg);

/* Sends ops[off..off + k), as xe_txn_next() set them. */
static int chunk_send(struct xe_txnreq *q)
{
	char *body = xe_txn_body(q->ops + q->off, q->k);
	int r;

	if (!body) {
		xe_seterr(q->c, "%s: out of memory", q->c->name);
		return -ENOMEM;
	}
	r = xe_req_start(q->l, q->c, "/v3/kv/txn", body, chunk_done, q,
			 &q->req);
	free(body);
	return r;
}

static void chunk_done(int r, struct json_object *reply, void *arg)
{
	struct xe_txnreq *q = arg;

	(void)reply;
	q->req = NULL;	/* request.c frees it when we return */
	if (xe_txn_next(q->c, q->ops, r, q->n, &q->off, &q->k)) {
		r = chunk_send(q);
		if (!r)
			return;
	}
	q->done(r, q->arg);
	txn_free(q);
}

int xe_txn_start(struct xe_loop *l, struct xe_client *c,
		 const struct xe_op *ops, size_t n, xe_txn_cb done, void *arg,
		 struct xe_txnreq **req)
{
	struct xe_txnreq *q = calloc(1, sizeof(*q));
	int r = -ENOMEM;

	*req = NULL;
	if (!q)
		goto oom;
	q->l = l;
	q->c = c;
	q->done = done;
	q->arg = arg;
	q->n = n;
	q->ops = calloc(n ? n : 1, sizeof(*q->ops));
	if (!q->ops)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		q->ops[i].key = strdup(ops[i].key);
		q->ops[i].value = ops[i].value ? strdup(ops[i].value) : NULL;
		q->ops[i].lease = ops[i].lease;
		if (!q->ops[i].key || (ops[i].value && !q->ops[i].value))
			goto oom;
	}
	r = 0;
	if (!xe_txn_next(c, q->ops, 0, n, &q->off, &q->k))
		goto fail;	/* nothing to send: r is 0 */
	r = chunk_send(q);
	if (r)
		goto fail;
	*req = q;
	return 0;
oom:
	xe_seterr(c, "%s: out of memory", c->name);
fail:
	if (q)
		txn_free(q);
	return r;
}

void xe_txn_cancel(struct xe_txnreq *q)
{
	if (!q)
		return;
	xe_req_cancel(q->req);
	txn_free(q);
}
