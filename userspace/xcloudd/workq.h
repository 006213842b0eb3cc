/* SPDX-License-Identifier: GPL-2.0 */
/* A FIFO of distinct keys (see workq.c). Zero-initialised is empty. */
#ifndef XCLOUDD_WORKQ_H
#define XCLOUDD_WORKQ_H

#include <stddef.h>

struct xd_workq {
	char **v;
	size_t head, n, cap;
	void *set;		/* the queued keys */
};

/* 1: queued, 0: queued already, -1: out of memory. */
int xd_workq_add(struct xd_workq *q, const char *key);
/* The oldest key (the caller frees it), or NULL when empty. */
char *xd_workq_pop(struct xd_workq *q);
size_t xd_workq_len(const struct xd_workq *q);
void xd_workq_free(struct xd_workq *q);

/* tdestroy()'s free function for trees that do not own their nodes. */
void xd_free_nothing(void *p);

#endif
