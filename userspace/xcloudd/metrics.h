/* SPDX-License-Identifier: GPL-2.0 */
/* Prometheus metrics of the agent, served from its loop (metrics.c). */
#ifndef XCLOUDD_METRICS_H
#define XCLOUDD_METRICS_H

#include "agent.h"

/* Listens on a->conf->metrics_listen (nothing if unset); nonzero: cannot
 * listen there (logged). */
int xd_metrics_start(struct agent *a);
void xd_metrics_stop(struct agent *a);

#endif
