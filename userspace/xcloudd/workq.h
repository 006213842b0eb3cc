/* SPDX-License-Identifier: GPL-2.0 */
/* A FIFO of distinct keys (see workq.c). Zero-initialised is empty. */
#ifndef XCLOUDD_WORKQ_H
#define XCLOUDD_WORKQ_H

#include <stdbool.h>
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

/* Room for element n of the array *v of *cap elements of size bytes,
 * doubling it if needed; false if out of memory (*v is kept). */
bool xd_grow(void **v, size_t *cap, size_t n, size_t size);

/* tdestroy()'s free function for trees that do not own their nodes. */
void xd_free_nothing(void *p);

#endif
