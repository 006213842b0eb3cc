/* SPDX-License-Identifier: GPL-2.0 */
/* Prometheus metrics of the agent, served from its loop (metrics.c). */
#ifndef XCLOUDD_METRICS_H
#define XCLOUDD_METRICS_H

#include "agent.h"

/* Listens on a->conf->metrics_listen (nothing if unset); nonzero: cannot
 * listen there (logged). */
int xd_metrics_start(struct agent *a);
void xd_metrics_stop(struct agent *a);

/* The roles' series (struct xd_role_ops' metrics hook). */
void xd_metrics_overlay(struct agent *a, FILE *f);
void xd_metrics_eip(struct agent *a, FILE *f);
void xd_metrics_agg(struct agent *a, FILE *f);

/* eip_agent.c: what the last BIRD poll and the last sync saw. */
struct xd_eip_stats {
	int bird;		/* 1 answered, 0 did not, -1 not polled yet */
	size_t eips;		/* EIP records in the state last synced */
	size_t prefixes;	/* prefixes handed to BIRD */
	/* `show protocols` at the poll (metrics on only); -1: unknown */
	int protocols, protocols_up, bgp, bgp_established;
};
void xd_eip_stats(struct agent *a, struct xd_eip_stats *s);
/* eip_agg.c: its moves of dead routers' EIPs. */
void xd_agg_rehome_stats(struct agent *a, struct xd_rehome_stats *st);

#endif
