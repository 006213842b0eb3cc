/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One coordinator leads: the one whose lease holds the election key. The
 * others stand by, watching the key, and campaign when it goes.
 */
#ifndef COORD_ELECTION_H
#define COORD_ELECTION_H

#include <stdbool.h>
#include <stdint.h>
#include <ev.h>
#include <xcetcd.h>

struct election;

struct election_ops {
	void (*lead)(void *arg);
	/* Stop writing now: the lease is lost, or about to be. */
	void (*follow)(const char *why, void *arg);
};

struct election *election_new(struct ev_loop *ev, struct xe_loop *xl,
			      struct xe_client *c, const char *key,
			      const char *id, int64_t ttl,
			      const struct election_ops *ops, void *arg);
/* Campaigns (first try at once; then in the background). */
void election_start(struct election *e);
/* Leaving: the lease is revoked, so a standby takes over at once. */
void election_free(struct election *e);
bool election_leading(const struct election *e);

#endif
