// SPDX-License-Identifier: GPL-2.0
/*
 * The coordinator's recent deletes, per cloud (removed.h). A key's
 * versions carry etcd's mod_revision, so anything at or below the
 * revision of the version deleted is older than the delete: the watch and
 * the reads of one mirror never go back in time on their own, but an
 * echo held up behind the delete, or a read answered before the delete
 * committed, does. Records go when a newer version shows up, or after
 * REMOVED_KEEP_S (swept at most once per that period).
 */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include "removed.h"

struct record {
	int64_t rev;		/* 0: unknown, see value */
	char *value;		/* what we wrote, when rev is 0 */
	double at;
	char key[];
};

struct removed {
	void *root;		/* tree of struct record, by key */
	double swept;
	double now;		/* of the sweep going on */
};

static int record_cmp(const void *a, const void *b)
{
	return strcmp(((const struct record *)a)->key,
		      ((const struct record *)b)->key);
}

static void record_free(void *p)
{
	struct record *rec = p;

	free(rec->value);
	free(rec);
}

struct removed *removed_new(void)
{
	return calloc(1, sizeof(struct removed));
}

void removed_free(struct removed *r)
{
	if (!r)
		return;
	tdestroy(r->root, record_free);
	free(r);
}

static struct record *find(struct removed *r, const char *key)
{
	struct record *probe = malloc(sizeof(*probe) + strlen(key) + 1);
	struct record **p;

	if (!probe)
		return NULL;
	strcpy(probe->key, key);
	p = tfind(probe, &r->root, record_cmp);
	free(probe);
	return p ? *p : NULL;
}

static void drop(struct removed *r, struct record *rec)
{
	tdelete(rec, &r->root, record_cmp);
	record_free(rec);
}

struct old_list {
	struct record **rec;
	size_t n, cap;
	double before;
};

static void collect_old(const void *nodep, VISIT v, void *arg)
{
	struct record *rec = *(struct record * const *)nodep;
	struct old_list *l = arg;

	if ((v != postorder && v != leaf) || rec->at >= l->before)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct record **n = realloc(l->rec, cap * sizeof(*n));

		if (!n)
			return;
		l->rec = n;
		l->cap = cap;
	}
	l->rec[l->n++] = rec;
}

static void sweep(struct removed *r, double now)
{
	struct old_list l = { .before = now - REMOVED_KEEP_S };

	if (now - r->swept < REMOVED_KEEP_S)
		return;
	r->swept = now;
	twalk_r(r->root, collect_old, &l);
	for (size_t i = 0; i < l.n; i++)
		drop(r, l.rec[i]);
	free(l.rec);
}

int removed_note(struct removed *r, const struct xe_kv *gone, double now)
{
	struct record *rec, *old = find(r, gone->key);
	struct record **p;

	sweep(r, now);
	rec = calloc(1, sizeof(*rec) + strlen(gone->key) + 1);
	if (!rec)
		return -ENOMEM;
	strcpy(rec->key, gone->key);
	rec->rev = gone->mod_revision;
	rec->at = now;
	if (old && !rec->rev)
		rec->rev = old->rev;	/* what we know of it already */
	if (!gone->mod_revision && !(rec->value = strdup(gone->value))) {
		free(rec);
		return -ENOMEM;
	}
	if (old)
		drop(r, old);
	p = tsearch(rec, &r->root, record_cmp);
	if (!p) {
		record_free(rec);
		return -ENOMEM;
	}
	return 0;
}

bool removed_stale(struct removed *r, const struct xe_kv *kv)
{
	struct record *rec = find(r, kv->key);

	if (!rec)
		return false;
	if (kv->mod_revision && rec->rev && kv->mod_revision <= rec->rev)
		return true;
	if (rec->value && !strcmp(rec->value, kv->value)) {
		/* the echo of our own write: now its revision is known */
		rec->rev = kv->mod_revision;
		free(rec->value);
		rec->value = NULL;
		return true;
	}
	drop(r, rec);
	return false;
}
