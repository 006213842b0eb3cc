// SPDX-License-Identifier: GPL-2.0
/*
 * Writes coalesced into transactions. A small transaction costs etcd
 * tens of milliseconds of CPU under load whatever it holds, so a write
 * waits a little for others to share it; one transaction is on its way at
 * a time, so a key's writes reach etcd in the order they were made, and
 * what queues up meanwhile goes out when etcd has answered.
 */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct xe_batch {
	struct xe_loop *l;
	struct xe_client *c;
	double linger;
	size_t max;
	xe_batch_cb done;
	void *arg;
	struct xe_op *q;	/* waiting, in the order written */
	size_t nq, capq;
	struct xe_op *sent;	/* on their way: what done is told of */
	size_t nsent;
	struct xe_txnreq *txn;
	double sent_at;
	ev_prepare check;	/* after each loop iteration: send or wait */
	ev_timer wait;
};

static void ops_free(struct xe_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)ops[i].key);
		free((char *)ops[i].value);
	}
	free(ops);
}

static int op_cmp(const void *a, const void *b)
{
	return strcmp(((const struct xe_op *)a)->key,
		      ((const struct xe_op *)b)->key);
}

static void free_nothing(void *p)
{
	(void)p;
}

/*
 * etcd refuses a key twice in one transaction: of a key's writes only
 * the last stays, where it was written. Returns the number kept, or
 * -ENOMEM.
 */
static int keep_last(struct xe_op *ops, size_t n)
{
	void *seen = NULL;
	bool *stale = calloc(n, sizeof(*stale));
	size_t k = 0;

	if (!stale)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct xe_op **p = tsearch(&ops[i], &seen, op_cmp);

		if (!p) {
			tdestroy(seen, free_nothing);
			free(stale);
			return -ENOMEM;
		}
		if (*p != &ops[i]) {
			stale[*p - ops] = true;
			*p = &ops[i];
		}
	}
	tdestroy(seen, free_nothing);
	for (size_t i = 0; i < n; i++) {
		if (stale[i]) {
			free((char *)ops[i].key);
			free((char *)ops[i].value);
		} else {
			ops[k++] = ops[i];
		}
	}
	free(stale);
	return k;
}

static void batch_sent(int r, void *arg);

static void batch_send(struct xe_batch *b)
{
	int r;

	if (!b->nq || b->txn)
		return;
	ev_timer_stop(xe_loop_ev(b->l), &b->wait);
	b->sent = b->q;
	b->q = NULL;
	b->capq = 0;
	r = keep_last(b->sent, b->nq);
	b->nsent = r < 0 ? b->nq : (size_t)r;
	b->nq = 0;
	b->sent_at = ev_time();
	if (r >= 0)
		r = xe_txn_start(b->l, b->c, b->sent, b->nsent, batch_sent, b,
				 &b->txn);
	if (r)
		batch_sent(r, b);
}

static void batch_sent(int r, void *arg)
{
	struct xe_batch *b = arg;
	struct xe_op *ops = b->sent;
	size_t n = b->nsent;

	b->txn = NULL;
	b->sent = NULL;
	b->nsent = 0;
	b->done(r, ops, n, (ev_time() - b->sent_at) * 1e3, b->arg);
	ops_free(ops, n);
	/* What queued up meanwhile has waited long enough. */
	batch_send(b);
}

static void batch_check(struct ev_loop *ev, ev_prepare *w, int revents)
{
	struct xe_batch *b = w->data;

	(void)revents;
	if (!b->nq || b->txn)
		return;
	if (b->nq >= b->max) {
		batch_send(b);
	} else if (!ev_is_active(&b->wait)) {
		ev_timer_set(&b->wait, b->linger, 0.);
		ev_timer_start(ev, &b->wait);
	}
}

static void batch_wait_over(struct ev_loop *ev, ev_timer *w, int revents)
{
	(void)ev;
	(void)revents;
	batch_send(w->data);
}

struct xe_batch *xe_batch_new(struct xe_loop *l, struct xe_client *c,
			      double linger, size_t max, xe_batch_cb done,
			      void *arg)
{
	struct xe_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->l = l;
	b->c = c;
	b->linger = linger;
	b->max = max ? max : 1;
	b->done = done;
	b->arg = arg;
	ev_prepare_init(&b->check, batch_check);
	ev_init(&b->wait, batch_wait_over);
	b->check.data = b->wait.data = b;
	ev_prepare_start(xe_loop_ev(l), &b->check);
	return b;
}

int xe_batch_add(struct xe_batch *b, const char *key, const char *value,
		 int64_t lease)
{
	struct xe_op *op;

	if (b->nq == b->capq) {
		size_t cap = b->capq ? b->capq * 2 : 64;
		struct xe_op *q = realloc(b->q, cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		b->q = q;
		b->capq = cap;
	}
	op = &b->q[b->nq];
	op->key = strdup(key);
	op->value = value ? strdup(value) : NULL;
	op->lease = lease;
	if (!op->key || (value && !op->value)) {
		free((char *)op->key);
		free((char *)op->value);
		return -ENOMEM;
	}
	b->nq++;
	return 0;
}

size_t xe_batch_queued(const struct xe_batch *b)
{
	return b->nq;
}

bool xe_batch_busy(const struct xe_batch *b)
{
	return b->txn;
}

void xe_batch_drop(struct xe_batch *b)
{
	ev_timer_stop(xe_loop_ev(b->l), &b->wait);
	xe_txn_cancel(b->txn);
	b->txn = NULL;
	ops_free(b->sent, b->nsent);
	b->sent = NULL;
	b->nsent = 0;
	ops_free(b->q, b->nq);
	b->q = NULL;
	b->nq = b->capq = 0;
}

void xe_batch_free(struct xe_batch *b)
{
	if (!b)
		return;
	xe_batch_drop(b);
	ev_prepare_stop(xe_loop_ev(b->l), &b->check);
	free(b);
}
