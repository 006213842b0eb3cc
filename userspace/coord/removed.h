/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the coordinator deleted from one cloud, remembered for a while so
 * that an older version of the key, read or watched after the delete (a
 * slow etcd's echo of an earlier write, a re-read that overtook the
 * delete), is known for what it is and not deleted a second time.
 */
#ifndef COORD_REMOVED_H
#define COORD_REMOVED_H

#include <stdbool.h>
#include <xcetcd.h>

/* How long a delete is remembered, in seconds. */
#define REMOVED_KEEP_S	60.

struct removed;

struct removed *removed_new(void);
void removed_free(struct removed *r);
/*
 * @gone, the last version of its key we knew, is being deleted by us at
 * @now. A version the mirror only assumed (mod_revision 0: our own write,
 * not yet echoed) is told by its value. Returns 0 or -ENOMEM.
 */
int removed_note(struct removed *r, const struct xe_kv *gone, double now);
/*
 * Is @kv a version of a key we deleted, no newer than the one deleted?
 * A newer version makes the key's record go: it is the store's again.
 */
bool removed_stale(struct removed *r, const struct xe_kv *kv);

#endif
