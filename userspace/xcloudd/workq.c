// SPDX-License-Identifier: GPL-2.0
/*
 * A queue of keys to look at, in arrival order, each key at most once
 * (a tsearch set of the queued keys). The agent works such queues off in
 * chunks from the loop, so thousands of changes at once never block its
 * lease keep-alive or its watches for long.
 */
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include "workq.h"

static int str_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

void xd_free_nothing(void *p)
{
	(void)p;
}

int xd_workq_add(struct xd_workq *q, const char *key)
{
	char *s, **v;

	if (tfind(key, &q->set, str_cmp))
		return 0;
	if (q->n == q->cap && q->head) {
		/* Reuse the space of what was worked off already. */
		memmove(q->v, q->v + q->head, (q->n - q->head) * sizeof(*q->v));
		q->n -= q->head;
		q->head = 0;
	}
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;

		v = realloc(q->v, cap * sizeof(*v));
		if (!v)
			return -1;
		q->v = v;
		q->cap = cap;
	}
	s = strdup(key);
	if (!s || !tsearch(s, &q->set, str_cmp)) {
		free(s);
		return -1;
	}
	q->v[q->n++] = s;
	return 1;
}

char *xd_workq_pop(struct xd_workq *q)
{
	char *s;

	if (q->head == q->n)
		return NULL;
	s = q->v[q->head++];
	tdelete(s, &q->set, str_cmp);
	if (q->head == q->n)
		q->head = q->n = 0;
	return s;
}

size_t xd_workq_len(const struct xd_workq *q)
{
	return q->n - q->head;
}

void xd_workq_free(struct xd_workq *q)
{
	tdestroy(q->set, xd_free_nothing);
	for (size_t i = q->head; i < q->n; i++)
		free(q->v[i]);
	free(q->v);
	memset(q, 0, sizeof(*q));
}

bool xd_grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap : 16;
	void *p;

	if (n < *cap)
		return true;
	while (c <= n)
		c *= 2;
	p = realloc(*v, c * size);
	if (!p)
		return false;
	*v = p;
	*cap = c;
	return true;
}
