/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Gateways new to their cloud, held out of its group in the other clouds
 * for the join delay. A gateway's record reaches its own cloud's switch
 * agents directly, and the other clouds only through the coordinator's
 * rewrite; the switches must accept what it relays (their devices'
 * "gateways") before any other cloud hashes a flow to it, and the delay
 * gives them that time. A cloud's first gateway is not held: there is no
 * other to carry its flows meanwhile.
 */
#ifndef COORD_JOINS_H
#define COORD_JOINS_H

struct joins;

struct joins *joins_new(void);
void joins_free(struct joins *j);
/* The record @key appeared at @now and joins at @due. 0 or -ENOMEM. */
int joins_note(struct joins *j, const char *key, double due);
/* The record @key went. */
void joins_forget(struct joins *j, const char *key);
/* When @key joins: a time after @now, or 0 if it is not held (any more). */
double joins_due(struct joins *j, const char *key, double now);

#endif
